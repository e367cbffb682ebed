"""Where PPDs come from: PPD directories, driver programs, ``.drv`` files, the user's.

Every source has a *stamp* that changes when its content may have changed:
a PPD or ``.drv`` file's identity and a driver program's (device, inode,
mtime, size).  The index cache reuses a source's records while its stamp is
unchanged, so only new or changed sources are read again.

Bad input never stops a scan: each bad file or program yields a
:class:`Problem` naming it, and the scan goes on with the rest.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from printerapp.cups import CupsDirs
from printerapp.errors import DriverError
from printerapp.ppd import programs
from printerapp.ppd.drvfiles import compile_drv, drv_ppd_name, find_ppdc
from printerapp.ppd.ppdscan import decode_ppd, record_from_ppd_text, scan_ppd_file
from printerapp.ppd.records import DriverRecord, record_from_list_entry

__all__ = [
    "Problem",
    "Source",
    "SourceResult",
    "driver_sources",
    "drv_sources",
    "file_sources",
    "ppd_roots",
    "read_source",
]

log = logging.getLogger(__name__)

#: the LSB PPD directories cups-driverd reads on Linux, with their ppd-name prefix
LSB_ROOTS = (
    (Path("/usr/local/share/ppd"), "lsb/local"),
    (Path("/usr/share/ppd"), "lsb/usr"),
    (Path("/opt/share/ppd"), "lsb/opt"),
)
_SYSTEM_DATADIR = Path("/usr/share/cups")
USER_PREFIX = "user"
_PPD_SUFFIXES = (".ppd", ".ppd.gz", ".gz")


@dataclass(frozen=True, slots=True)
class Problem:
    """A source that was skipped, wholly or partly, and why."""

    source: str
    message: str


@dataclass(frozen=True, slots=True)
class Source:
    """One PPD file, driver program or ``.drv`` file."""

    #: ``file``, ``driver`` or ``drv``
    kind: str
    path: str
    #: the ppd-name of a file; the scheme (program name) of a driver
    name: str
    #: changes whenever the content may have changed
    stamp: str


@dataclass(frozen=True, slots=True)
class SourceResult:
    """The records one source gave, and the problems it had."""

    stamp: str
    records: tuple[DriverRecord, ...]
    problems: tuple[Problem, ...] = ()


def ppd_roots(dirs: CupsDirs, user_dir: Path | None) -> list[tuple[Path, str]]:
    """Return the PPD directories to scan with their ppd-name prefix, in CUPS's order.

    The LSB directories follow CUPS_DATADIR: beside a relocated CUPS (a snap's
    ``$SNAP/usr/share/cups``) only its own ``share/ppd`` is read, never the host's.
    """
    lsb = list(LSB_ROOTS)
    if dirs.datadir != _SYSTEM_DATADIR:
        lsb = [(dirs.datadir.parent / "ppd", "lsb/usr")]
    roots = [(dirs.datadir / "model", ""), *lsb]
    if user_dir is not None:
        roots.insert(0, (user_dir, USER_PREFIX))
    return roots


def _stamp(info: os.stat_result) -> str:
    return f"{info.st_dev}:{info.st_ino}:{info.st_mtime_ns}:{info.st_size}"


def _walk(root: Path, prefix: str, seen: set[tuple[int, int]]) -> Iterator[Source]:
    try:
        info = root.stat()
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    if (info.st_dev, info.st_ino) in seen:  # a symlink loop, as cups-driverd checks
        return
    seen.add((info.st_dev, info.st_ino))
    for entry in entries:
        if entry.name.startswith("."):
            continue
        name = f"{prefix}/{entry.name}" if prefix else entry.name
        try:
            st = entry.stat()
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(Path(entry.path), name, seen)
        elif stat.S_ISREG(st.st_mode) and entry.name.lower().endswith(_PPD_SUFFIXES):
            yield Source("file", entry.path, name, _stamp(st))


def file_sources(roots: list[tuple[Path, str]]) -> list[Source]:
    """List every PPD file (``.ppd``, ``.ppd.gz``) under *roots*."""
    seen: set[tuple[int, int]] = set()
    return [src for root, prefix in roots for src in _walk(root, prefix, seen)]


def _regular_files(directory: Path) -> Iterator[tuple[os.DirEntry[str], os.stat_result]]:
    """Yield the visible regular files of *directory* (not recursive), by name."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            st = entry.stat()
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            yield entry, st


def driver_sources(driver_dir: Path, exclude: tuple[str, ...]) -> list[Source]:
    """List the executable driver programs in *driver_dir*, minus *exclude*."""
    return [
        Source("driver", entry.path, entry.name, _stamp(st))
        for entry, st in _regular_files(driver_dir)
        if entry.name not in exclude and st.st_mode & 0o111
    ]


def drv_sources(drv_dir: Path) -> list[Source]:
    """List the PPD compiler files (``*.drv``) in *drv_dir*, as cups-driverd reads them.

    A stamp covers the file and the compiler: a new ppdc may write other PPDs.
    """
    ppdc = find_ppdc()
    try:
        compiler = _stamp(Path(ppdc).stat()) if ppdc else "no ppdc"
    except OSError:
        compiler = "no ppdc"
    return [
        Source("drv", entry.path, entry.name, f"{_stamp(st)}/{compiler}")
        for entry, st in _regular_files(drv_dir)
        if entry.name.endswith(".drv")
    ]


def _read_drv(src: Source) -> SourceResult:
    try:
        compiled = compile_drv(Path(src.path))
    except DriverError as exc:
        return SourceResult(src.stamp, (), (Problem(src.path, str(exc)),))
    records: list[DriverRecord] = []
    problems: list[Problem] = []
    for ppd_file, data in compiled.items():
        name = drv_ppd_name(Path(src.path), ppd_file)
        try:
            text = decode_ppd(data, name)
            records.append(record_from_ppd_text(text, src.path, name, kind="drv"))
        except DriverError as exc:
            problems.append(Problem(f"{src.path} ({ppd_file})", str(exc)))
    return SourceResult(src.stamp, tuple(records), tuple(problems))


def _read_driver(src: Source, timeout: float) -> SourceResult:
    try:
        listed = programs.list_program(Path(src.path), timeout)
    except DriverError as exc:
        return SourceResult(src.stamp, (), (Problem(src.path, str(exc)),))
    records = tuple(record_from_list_entry(e, src.path, src.name) for e in listed.entries)
    problems: tuple[Problem, ...] = ()
    if listed.bad_lines:
        msg = f"skipped {listed.bad_lines} bad list line(s), first: {listed.first_bad}"
        problems = (Problem(src.path, msg),)
    return SourceResult(src.stamp, records, problems)


def read_source(src: Source, timeout: float = programs.LIST_TIMEOUT) -> SourceResult:
    """Read one source into records; problems are returned, never raised."""
    if src.kind == "driver":
        return _read_driver(src, timeout)
    if src.kind == "drv":
        return _read_drv(src)
    try:
        record = scan_ppd_file(Path(src.path), src.name)
    except DriverError as exc:
        return SourceResult(src.stamp, (), (Problem(src.path, str(exc)),))
    return SourceResult(src.stamp, (record,))
