"""Each installed driver family's filter chain is the one CUPS would run (cupsfilter).

One PPD per source (driver program, ``.drv`` file, PPD directory): with the
full driver set (``DRIVERS=all``, as in CI) that is escpr, hpcups, splix,
brlaser, foo2zjs, ptouch, c2esp, pxljr, m2300w, dymo, fujixerox, Oki,
Index braille, openprinting's PostScript PPDs...  Our planner's chain for a
PDF must equal ``cupsfilter --list-filters -e -p PPD -m printer/foo``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from printerapp.cups import CupsDirs
from printerapp.errors import NoChainError
from printerapp.ippprint.plan import plan_job
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.install import ppd_bytes
from printerapp.ppd.records import DriverRecord

CUPSFILTER = shutil.which("cupsfilter") or "/usr/sbin/cupsfilter"
TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")


def family(rec: DriverRecord) -> str:
    """The source a record comes from: its driver program, ``.drv`` file or PPD directory."""
    if rec.name.startswith("drv:///"):
        return rec.name[7:].split("/", 1)[0]
    if rec.name.startswith("lsb/"):
        return "/".join(rec.name.split("/")[:3])
    return rec.name.split(":", 1)[0]


def one_per_family(index: DriverIndex) -> dict[str, DriverRecord]:
    """Return the first record (in CUPS's order) of every source family."""
    out: dict[str, DriverRecord] = {}
    for rec in index.records:
        if not rec.generic and "fax" not in rec.make_and_model.lower():
            out.setdefault(family(rec), rec)
    return out


def test_every_family_chain_matches_cupsfilter(
    real_index: DriverIndex, cups_dirs: CupsDirs, tmp_path: Path
) -> None:
    picked = one_per_family(real_index)
    assert len(picked) >= 3
    checked = []
    for fam, rec in sorted(picked.items()):
        ppd = tmp_path / f"{len(checked)}.ppd"
        ppd.write_bytes(ppd_bytes(rec))
        argv = [CUPSFILTER, "--list-filters", "-e", "-p", str(ppd), "-m", "printer/foo"]
        done = subprocess.run(
            [*argv, "-i", "application/pdf", str(TESTPAGE)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        cache = tmp_path / "cache"
        if done.returncode != 0:
            with pytest.raises(NoChainError):
                plan_job(cups_dirs, ppd, TESTPAGE, "application/pdf", cache_dir=cache)
            checked.append((fam, rec.name, "no chain"))
            continue
        plan = plan_job(cups_dirs, ppd, TESTPAGE, "application/pdf", cache_dir=cache)
        assert plan.programs == tuple(done.stdout.split()), (fam, rec.name)
        checked.append((fam, rec.name, " ".join(plan.programs)))
    print("\n".join(f"{f}: {n}: {c}" for f, n, c in checked))
