"""Which backends a scan runs: exact-name selection and cups-deviced's checks.

Backends are chosen by **exact** name from an include (``+usb,serial``) or
exclude (``-dnssd,usb``) list, so ``hp`` never also runs ``hpfax``.  As in
cups-deviced, only regular files whose owner may read and execute them, with a
name starting with a letter or digit, are candidates; as root (like cupsd) a
program not owned by root or writable by group/others is refused.  A backend
others may execute (or group/others may write) runs as ``lp``; the rest keep
root (``usb`` is 0744).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BackendProgram", "SchemeFilter", "list_backends"]

log = logging.getLogger(__name__)

_ROOT_ONLY_MASK = stat.S_IWGRP | stat.S_IWOTH | stat.S_IXOTH


@dataclass(frozen=True, slots=True)
class SchemeFilter:
    """Which backends to run: exact names, included or excluded."""

    include: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, spec: str) -> SchemeFilter:
        """Parse ``+a,b`` (only these), ``-a,b`` (all but these) or ``""`` (all)."""
        spec = spec.strip()
        names = frozenset(n.strip() for n in spec[1:].split(",") if n.strip())
        if spec.startswith("+"):
            return cls(include=names)
        if spec.startswith("-"):
            return cls(exclude=names)
        if spec:
            return cls(include=frozenset(n.strip() for n in spec.split(",") if n.strip()))
        return cls()

    def allows(self, name: str) -> bool:
        """True when backend *name* is selected (exact match, so ``hp`` is not ``hpfax``)."""
        if name in self.exclude:
            return False
        return self.include is None or name in self.include

    def narrow(self, other: SchemeFilter) -> SchemeFilter:
        """Return a filter allowing what both allow."""
        if self.include is None or other.include is None:
            include = self.include if other.include is None else other.include
        else:
            include = self.include & other.include
        return SchemeFilter(include, self.exclude | other.exclude)

    def plus(self, names: Iterable[str]) -> SchemeFilter:
        """Return a filter that also allows *names* (``SNAP_BACKENDS``)."""
        extra = frozenset(names)
        if self.include is None:
            return SchemeFilter(None, self.exclude - extra)
        return SchemeFilter(self.include | extra, self.exclude - extra)


@dataclass(frozen=True, slots=True)
class BackendProgram:
    """One backend found in the backend directory."""

    name: str
    path: Path
    #: owner-only permissions: cupsd runs it as root
    as_root: bool


def list_backends(backend_dir: Path, selection: SchemeFilter) -> list[BackendProgram]:
    """Return the selected executable backends, skipping what cups-deviced skips."""
    found: list[BackendProgram] = []
    try:
        entries = sorted(backend_dir.iterdir())
    except OSError as exc:
        log.warning("cannot list backend directory %s: %s", backend_dir, exc)
        return found
    for path in entries:
        name = path.name
        if not name[:1].isalnum() or not selection.allows(name):
            continue
        try:
            info = path.stat()
        except OSError:
            continue  # a dangling symlink
        mode, uid = info.st_mode, info.st_uid
        if _usable(path, mode, uid):
            found.append(BackendProgram(name, path, as_root=not mode & _ROOT_ONLY_MASK))
    return found


def _usable(path: Path, mode: int, uid: int) -> bool:
    owner_rx = stat.S_IRUSR | stat.S_IXUSR
    if not stat.S_ISREG(mode) or mode & owner_rx != owner_rx:
        return False
    if os.geteuid() == 0 and (uid != 0 or mode & (stat.S_IWGRP | stat.S_IWOTH)):
        log.warning("backend %s is not safe to run as root (owner/permissions): skipped", path)
        return False
    return True
