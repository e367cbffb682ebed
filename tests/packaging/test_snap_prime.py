"""The snap built with craft-parts prints from its primed tree, with the host's CUPS hidden.

The build needs the package archive, which the tests' private network cannot
reach, so it happens before pytest: ``scripts/run-tests.sh`` builds the
variants in ``SNAP_VARIANTS`` (default: gutenprint, about 2 minutes) and
names them in ``PRINTERAPP_SNAP_PRIMED``; those run with the suite.  The
other variants are marked ``slow``.  By hand::

    scripts/build-snap.sh hplip
    scripts/in-private-net.sh .venv/bin/python -m pytest -m slow tests/packaging/test_snap_prime.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.server import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root]

ROOT = Path(__file__).resolve().parents[2]
#: variant -> the driver the demo is pinned to, and bytes its output must hold
VARIANTS = {
    "gutenprint": (None, b"\x1bE"),  # --demo's own pin: Gutenprint's LaserJet 2100, PCL
    "hplip": ("drv:///hpcups.drv/hp-laserjet_2100_series-pcl3.ppd", b"\x1bE"),  # hpcups, PCL
}


#: epson-escpr-wrapper asks libcups for the queue's PPD (cupsGetPPD): the job's own
#: CUPS_SERVERROOT (ippprint/serverroot.py) gives it one
VARIANTS["escpr"] = (
    "escpr:0/cups/model/epson-inkjet-printer-escpr/Epson-ET-2750_Series-epson-escpr-en.ppd",
    b"@EJL 1284.4",
)


#: the variants scripts/run-tests.sh built before the suite: they run with it
PRIMED = set(os.environ.get("PRINTERAPP_SNAP_PRIMED", "").split())


@pytest.mark.timeout(400)
@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(v, marks=() if v in PRIMED else (pytest.mark.slow,))
        for v in ("gutenprint", "hplip", "escpr")
    ],
)
def test_primed_tree_prints_the_demo_job(variant: str) -> None:
    prime = ROOT / "build" / "snap" / variant / "prime"
    if not (prime / "meta" / "snap.yaml").is_file():
        pytest.fail(f"no primed {variant} snap: run scripts/build-snap.sh {variant} first")
    meta = yaml.safe_load((prime / "meta" / "snap.yaml").read_text())
    assert meta["base"] == "core24"
    assert meta["apps"]["server"]["daemon"] == "simple"
    ppd, expect = VARIANTS[variant]
    argv = [sys.executable, str(ROOT / "scripts" / "snaprun.py"), str(prime)]
    argv += ["--expect", expect.hex(), "--control", str(free_port())]
    if ppd:
        argv += ["--ppd", ppd]
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=380, check=False, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    assert "snaprun: queue " in result.stdout, result.stdout
