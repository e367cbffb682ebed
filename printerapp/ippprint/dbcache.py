"""The on-disk cache of the MIME database and of computed chains.

A job must not pay for parsing every ``.types``/``.convs`` file, nor for
importing networkx.  Results are pickled under a cache directory, each with
the fingerprint of what it was computed from, and reused only while that
fingerprint is unchanged:

* the path, mtime and size of every source file,
* the mtime of each MIME directory (a file added or removed) and of the
  filter directory (a program added or removed).

Pickle runs code on load, so a cache file is trusted only when it is a
regular file owned by us and writable by nobody else, in a directory with
the same properties.  Any failure means "no cache": it is never fatal.
"""

from __future__ import annotations

import logging
import os
import pickle
import stat
import zlib
from collections.abc import Iterable
from pathlib import Path

from printerapp.cupsdirs import CupsDirs

__all__ = [
    "CACHE_FORMAT",
    "database_cache_file",
    "default_cache_dir",
    "fingerprint",
    "load_pickle",
    "mime_sources",
    "sources_fingerprint",
    "stat_key",
    "store_pickle",
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


def _private_dir(path: Path) -> bool:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.lstat()
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.geteuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        and os.access(path, os.W_OK)
    )


def default_cache_dir() -> Path | None:
    """Pick ``$XDG_CACHE_HOME/printerapp``, ``/var/cache/printerapp`` or a private temp dir."""
    candidates = []
    if xdg := os.environ.get("XDG_CACHE_HOME"):
        candidates.append(Path(xdg) / _SUBDIR)
    candidates.append(Path("/var/cache") / _SUBDIR)
    import tempfile  # only on this fallback path: it costs a few ms to import

    candidates.append(Path(tempfile.gettempdir()) / f"{_SUBDIR}-{os.geteuid()}")
    return next((c for c in candidates if _private_dir(c)), None)


def database_cache_file(dirs: CupsDirs, cache_dir: Path | None) -> Path | None:
    """Return the cache file of the MIME database of *dirs* (None: no usable cache dir)."""
    base = cache_dir if cache_dir is not None else default_cache_dir()
    if base is None or not _private_dir(base):
        return None
    tag = zlib.crc32(repr((dirs.serverbin, dirs.datadir, dirs.serverroot)).encode())
    return base / f"mimedb-{tag:08x}.pickle"


def _trusted(fd: int) -> bool:
    info = os.fstat(fd)
    return (
        stat.S_ISREG(info.st_mode)
        and info.st_uid == os.geteuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def load_pickle(path: Path, key: str) -> object | None:
    """Return the object stored at *path* under *key*, or None when absent, stale or unsafe."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not _trusted(fd):
            log.warning("%s: ignoring a cache file not owned by us or writable by others", path)
            return None
        try:
            stored_key, value = pickle.load(fh)  # noqa: S301 -- own, private file (checked above)
        except Exception:  # a corrupt cache is rebuilt, never fatal
            log.debug("%s: unreadable cache, rebuilding", path)
            return None
    return value if stored_key == key else None


def store_pickle(path: Path, key: str, value: object) -> None:
    """Store *value* at *path* under *key*, atomically; failures are logged and ignored."""
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((key, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
        log.debug("%s: cannot write cache: %s", path, exc)
