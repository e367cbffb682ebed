"""The on-disk cache of the MIME database and of computed chains.

A job must not pay for parsing every ``.types``/``.convs`` file, nor for
importing networkx.  Results are pickled under a cache directory, each with
the fingerprint of what it was computed from, and reused only while that
fingerprint is unchanged:

* the path, mtime and size of every source file,
* the mtime of each MIME directory (a file added or removed) and of the
  filter directory (a program added or removed).

The files are read and written by :mod:`printerapp.picklecache`, which
trusts only private files.  Any failure means "no cache": it is never fatal.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Iterable
from pathlib import Path

from printerapp.cups import CupsDirs
from printerapp.picklecache import private_dir

__all__ = [
    "CACHE_FORMAT",
    "database_cache_file",
    "default_cache_dir",
    "fingerprint",
    "mime_sources",
    "sources_fingerprint",
    "stat_key",
]

log = logging.getLogger(__name__)

#: bump when a cached record's layout changes
CACHE_FORMAT = 1
_SUBDIR = "printerapp"


def stat_key(path: Path) -> str:
    """Return ``path:mtime_ns:size`` (or ``path:missing``) for cache keys."""
    try:
        info = path.stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{info.st_mtime_ns}:{info.st_size}"


def fingerprint(dirs: CupsDirs, files: Iterable[Path]) -> str:
    """Return the stat keys of every source file and the directories that hold them."""
    # Kept whole rather than hashed: it is compared, never trusted, and hashlib costs an import.
    parts = [f"format={CACHE_FORMAT}"]
    parts += [stat_key(d) for d in (*dirs.mime_dirs, dirs.filter_dir)]
    parts += [stat_key(f) for f in files]
    return "\n".join(parts)


def mime_sources(dirs: CupsDirs) -> tuple[list[Path], list[Path]]:
    """List the ``*.types`` and ``*.convs`` files CUPS reads, in the order it reads them."""
    types: list[Path] = []
    convs: list[Path] = []
    for directory in dirs.mime_dirs:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            # cupsDirRead() order; a name must be longer than its suffix
            if len(entry.name) > 6 and entry.name.endswith(".types"):
                types.append(Path(entry.path))
            elif len(entry.name) > 6 and entry.name.endswith(".convs"):
                convs.append(Path(entry.path))
    return types, convs


def sources_fingerprint(dirs: CupsDirs) -> tuple[list[Path], list[Path], str]:
    """Return the ``.types`` files, the ``.convs`` files and their fingerprint."""
    types_files, convs_files = mime_sources(dirs)
    return types_files, convs_files, fingerprint(dirs, [*types_files, *convs_files])


def default_cache_dir() -> Path | None:
    """Pick ``$XDG_CACHE_HOME/printerapp``, ``/var/cache/printerapp`` or a private temp dir."""
    candidates = []
    if xdg := os.environ.get("XDG_CACHE_HOME"):
        candidates.append(Path(xdg) / _SUBDIR)
    candidates.append(Path("/var/cache") / _SUBDIR)
    import tempfile  # only on this fallback path: it costs a few ms to import

    candidates.append(Path(tempfile.gettempdir()) / f"{_SUBDIR}-{os.geteuid()}")
    return next((c for c in candidates if private_dir(c)), None)


def database_cache_file(dirs: CupsDirs, cache_dir: Path | None) -> Path | None:
    """Return the cache file of the MIME database of *dirs* (None: no usable cache dir)."""
    base = cache_dir if cache_dir is not None else default_cache_dir()
    if base is None or not private_dir(base):
        return None
    tag = zlib.crc32(repr((dirs.serverbin, dirs.datadir, dirs.serverroot)).encode())
    return base / f"mimedb-{tag:08x}.pickle"
