"""PPD compiler files (``.drv``): the PPDs cups-driverd builds from ``DATADIR/drv``.

cups-driverd lists, next to PPD files and driver programs, every driver of
the ``.drv`` files in ``CUPS_DATADIR/drv`` under the name
``drv:///FILE.drv/PCFILENAME``: CUPS's own DYMO, Zebra, Epson and Oki
dot-matrix, HP DeskJet/LaserJet and DesignJet drivers, cups-filters' generic
ones, the Index braille embossers.  Rather than parse the PPD compiler
language, the file is compiled by CUPS's own compiler, ``ppdc`` (package
cups-ppdc, which cups-daemon depends on), into a temporary directory, and
its PPDs are read as PPD files.  It runs from an argv list with a timeout,
once per changed ``.drv`` file for the index, and again for ``cat``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from printerapp.errors import DriverProgramError, PPDError
from printerapp.ppd import programs

__all__ = ["DRV_PREFIX", "compile_drv", "drv_ppd_name", "find_ppdc", "split_drv_name"]

DRV_PREFIX = "drv:///"
#: seconds ppdc may take for one file (cups-filters' 6,000-line file: ~0.5 s)
COMPILE_TIMEOUT = 60.0


def find_ppdc() -> str | None:
    """Return the path of ``ppdc``, or None when CUPS's PPD compiler is not installed."""
    return shutil.which("ppdc")


def drv_ppd_name(drv_file: Path, ppd_file: str) -> str:
    """Return the ppd-name cups-driverd gives a compiled PPD: ``drv:///sample.drv/dymo.ppd``."""
    return f"{DRV_PREFIX}{drv_file.name}/{ppd_file}"


def split_drv_name(name: str) -> tuple[str, str]:
    """Return (``.drv`` file name, PPD file name) of a ``drv:///`` ppd-name; PPDError if not one."""
    rest = name.removeprefix(DRV_PREFIX)
    drv, slash, ppd = rest.partition("/")
    if rest == name or not slash or not drv or not ppd or "/" in ppd:
        raise PPDError(f"{name!r} is not a drv:/// PPD name")
    return drv, ppd


def compile_drv(drv_file: Path, timeout: float = COMPILE_TIMEOUT) -> dict[str, bytes]:
    """Compile *drv_file* with ppdc; return PPD file name -> PPD bytes.

    The include directory is the ``ppdc`` directory beside ``drv`` (its
    ``font.defs``, ``media.defs``...), so a relocated CUPS (a snap) uses its
    own.  Raises DriverProgramError naming the file when ppdc is missing,
    fails, hangs or writes no PPD.
    """
    ppdc = find_ppdc()
    if ppdc is None:
        raise DriverProgramError(f"{drv_file}: ppdc (package cups-ppdc) is not installed")
    include = drv_file.parent.parent / "ppdc"
    with tempfile.TemporaryDirectory(prefix="printerapp-ppdc-") as out:
        argv = [ppdc, "-I", str(include), "-d", out, str(drv_file)]
        try:
            programs.run_program(argv, timeout)
        except DriverProgramError as exc:
            raise DriverProgramError(f"{drv_file}: {exc}") from exc
        ppds = {p.name: p.read_bytes() for p in sorted(Path(out).iterdir()) if p.is_file()}
    if not ppds:
        raise DriverProgramError(f"{drv_file}: ppdc wrote no PPD")
    return ppds
