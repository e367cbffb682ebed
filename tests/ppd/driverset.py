"""Measure a smaller driver set on a machine that has the full one installed.

``scripts/setup.sh`` installs the default driver set; ``DRIVERS=all`` adds the
packages of ``scripts/drivers-all.txt``.  To compare both on one machine, the
files of the extra packages are hidden in a private mount namespace: each
PPD, ``.drv`` file and driver program under CUPS's driver directories that
no default package owns gets ``/dev/null`` bind-mounted over it.  Both our
index and cups-driverd then see exactly the default set (a character device
is no PPD, no ``.drv`` and no executable to either).  Needs root.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: the packages of the default set (scripts/setup.sh) that own driver files
DEFAULT_OWNERS = frozenset(
    {
        "cups",
        "cups-common",
        "cups-filters",
        "cups-filters-core-drivers",
        "foomatic-db-compressed-ppds",
        "printer-driver-gutenprint",
    }
)
#: where cups-driverd finds PPDs, ``.drv`` files and driver programs
DRIVER_ROOTS = (
    Path("/usr/lib/cups/driver"),
    Path("/usr/share/cups/drv"),
    Path("/usr/share/cups/model"),
    Path("/usr/local/share/ppd"),
    Path("/usr/share/ppd"),
    Path("/opt/share/ppd"),
)
#: set in the re-executed process, inside its mount namespace
HIDDEN_ENV = "PRINTERAPP_BENCH_DRIVERSET"


def driver_files() -> list[Path]:
    """Return every regular file under the driver roots."""
    out: list[Path] = []
    for root in DRIVER_ROOTS:
        if root.is_dir():
            out += sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    return out


def owners(paths: list[Path]) -> dict[Path, str]:
    """Return the Debian package owning each path (``""`` for none), by ``dpkg -S``."""
    found: dict[Path, str] = dict.fromkeys(paths, "")
    for start in range(0, len(paths), 200):
        chunk = paths[start : start + 200]
        out = subprocess.run(
            ["dpkg", "-S", *map(str, chunk)], capture_output=True, text=True, check=False
        ).stdout
        for line in out.splitlines():
            pkgs, sep, path = line.partition(": ")
            if sep and Path(path) in found:
                found[Path(path)] = pkgs.split(",")[0].split(":")[0].strip()
    return found


def extra_files() -> list[Path]:
    """Return the driver files that the default set does not install."""
    return [p for p, pkg in owners(driver_files()).items() if pkg not in DEFAULT_OWNERS]


def hide(paths: list[Path]) -> None:
    """Bind-mount /dev/null over each path (inside a private mount namespace)."""
    for path in paths:
        subprocess.run(["mount", "--bind", "/dev/null", str(path)], check=True)


def reexec_with_default_set() -> None:
    """Re-run this script in a private mount namespace that hides the extra drivers.

    Returns at once when already inside one (the extra files are then hidden).
    """
    if os.environ.get(HIDDEN_ENV) == "1":
        hide(extra_files())
        return
    if os.geteuid() != 0:
        sys.exit("--drivers default on a full install needs root (a private mount namespace)")
    env = dict(os.environ, **{HIDDEN_ENV: "1"})
    argv = ["unshare", "-m", "--propagation", "private", sys.executable, *sys.argv]
    sys.exit(subprocess.run(argv, env=env, check=False).returncode)
