"""cupsd's rule for programs it runs: present, executable, not writable by others.

A program (and the directory holding it) that group or other can write to
could be swapped by anyone; cupsd refuses to run it, and so do we.  Setting
``PRINTERAPP_ALLOW_INSECURE_FILTERS=1`` (or ``allow_insecure=True``) relaxes
the writability and owner checks for development, never the existence checks.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from printerapp.cups import CupsDirs
from printerapp.errors import FilterRejectedError

__all__ = ["ALLOW_INSECURE_ENV", "check_program", "filter_path", "insecure_allowed"]

ALLOW_INSECURE_ENV = "PRINTERAPP_ALLOW_INSECURE_FILTERS"


def insecure_allowed(env: Mapping[str, str] | None = None) -> bool:
    """Return True when the environment allows insecure filter programs."""
    env = os.environ if env is None else env
    return env.get(ALLOW_INSECURE_ENV, "") in {"1", "yes", "true"}


def filter_path(program: str, dirs: CupsDirs) -> Path:
    """Return where cupsd looks for filter *program*: absolute, or in ``SERVERBIN/filter``."""
    path = Path(program)
    if path.is_absolute():
        return path
    if not program or ".." in path.parts or len(path.parts) != 1:
        raise FilterRejectedError(f"filter {program!r}: not a plain program name")
    return dirs.filter_dir / program


def _writable_by_others(info: os.stat_result) -> bool:
    return bool(info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _bad_owner(info: os.stat_result) -> bool:
    return info.st_uid not in (0, os.getuid())


def check_program(path: Path, *, allow_insecure: bool = False, kind: str = "filter") -> None:
    """Raise FilterRejectedError unless *path* is safe to run, as cupsd checks."""
    try:
        info = path.stat()
        dir_info = path.parent.stat()
    except OSError as exc:
        raise FilterRejectedError(f"{kind} {path}: {exc.strerror or 'cannot stat'}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise FilterRejectedError(f"{kind} {path}: not a regular file")
    if not os.access(path, os.X_OK):
        raise FilterRejectedError(f"{kind} {path}: not executable")
    if allow_insecure:
        return
    if _writable_by_others(info):
        raise FilterRejectedError(f"{kind} {path}: writable by group or others")
    if _writable_by_others(dir_info):
        raise FilterRejectedError(f"{kind} {path}: its directory is writable by group or others")
    if _bad_owner(info):
        raise FilterRejectedError(f"{kind} {path}: owned by uid {info.st_uid}, not root")
