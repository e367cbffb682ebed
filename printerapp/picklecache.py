"""Pickled caches that a job and the daemon can trust.

Pickle runs code on load, so a cache file is trusted only when it is a
regular file owned by us and writable by nobody else, in a directory with
the same properties (:func:`private_dir`).  Each file holds a key beside
its value, and a value is returned only for the key it was stored with.
Any failure means "no cache": it is logged, never fatal.
"""

from __future__ import annotations

import logging
import os
import pickle
import stat
from pathlib import Path

__all__ = ["load_pickle", "private_dir", "store_pickle"]

log = logging.getLogger(__name__)


def private_dir(path: Path) -> bool:
    """Create *path* (0700) if needed; return True when only we can write to it."""
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
