"""The PPDs of the test matrix, extracted from the installed driver programs.

Nothing is committed: each PPD is produced by the driver program's own
``cat`` (as cups-driverd would), once per session.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

DRIVER_DIR = Path("/usr/lib/cups/driver")
FOOMATIC = "foomatic-db-compressed-ppds"
GUTENPRINT = "gutenprint.5.3"

#: test name -> (driver program, ppd-name).  A driver of "" means a file path.
PPD_SOURCES: dict[str, tuple[str, str]] = {
    "lj2100-pxlmono": (FOOMATIC, f"{FOOMATIC}:0/ppd/foomatic-ppd/HP-LaserJet_2100-pxlmono.ppd"),
    "lj2100-ljet4": (FOOMATIC, f"{FOOMATIC}:0/ppd/foomatic-ppd/HP-LaserJet_2100-ljet4.ppd"),
    "lj2100m-postscript": (
        FOOMATIC,
        f"{FOOMATIC}:0/ppd/foomatic-ppd/HP-LaserJet_2100M-Postscript.ppd",
    ),
    "r300-gutenprint": (GUTENPRINT, f"{GUTENPRINT}://escp2-r300/expert"),
    "lj2100-gutenprint": (GUTENPRINT, f"{GUTENPRINT}://hp-lj_2100/expert"),
    "generic-pdf": ("", "/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd"),
}


def extract_ppd(name: str, dest_dir: Path) -> Path:
    """Write the PPD called *name* in :data:`PPD_SOURCES` into *dest_dir*."""
    driver, uri = PPD_SOURCES[name]
    dest = dest_dir / f"{name}.ppd"
    if dest.exists():
        return dest
    if not driver:
        dest.write_bytes(Path(uri).read_bytes())
        return dest
    out = subprocess.run(
        [str(DRIVER_DIR / driver), "cat", uri], capture_output=True, check=True, timeout=30
    ).stdout
    dest.write_bytes(out)
    return dest


def strip_filter_lines(src: Path, dest: Path) -> Path:
    """Copy *src* without its ``*cupsFilter``/``*cupsFilter2`` lines (a PostScript printer)."""
    lines = src.read_text(encoding="latin-1").splitlines(keepends=True)
    dest.write_text(
        "".join(ln for ln in lines if not ln.startswith(("*cupsFilter:", "*cupsFilter2:"))),
        encoding="latin-1",
    )
    return dest
