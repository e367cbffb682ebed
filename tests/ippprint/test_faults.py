"""The fault matrix: a printer that fails in six ways, behind a real ippeveprinter.

Through the CUPS socket and lpd backends, each fault hits the first
connection only (a printer that recovers), with CUPS's intervals shrunk (see
:mod:`tests.support.faultmatrix`).  One job per fault is submitted with
ipptool, and once more from a stock cupsd with an ``lpadmin -m everywhere``
queue of ours, as a desktop prints; none may be lost or falsely completed, and
each prints once.  ``bench/faults.py`` runs the same matrix next to a private
cupsd that drives the backend itself.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.cupsd import PrivateCupsd
from tests.support.faultmatrix import BACKENDS, run_ours, run_via_cupsd
from tests.support.faultsink import Fault

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.timeout(240)]

GetPpd = Callable[[str], Path]


@pytest.fixture
def queue_ppd(get_ppd: GetPpd, tmp_path: Path) -> Path:
    ppd = tmp_path / "queue.ppd"
    ppd.write_bytes(get_ppd("lj2100-pxlmono").read_bytes())
    return ppd


#: the slow printer over lpd takes 80 s (the data file at 10 KB/s): bench/faults.py runs it
CASES = [
    (fault, backend)
    for backend in BACKENDS
    for fault in Fault
    if (fault, backend) != (Fault.SLOW, "lpd")
]


@pytest.mark.parametrize(("fault", "backend"), CASES, ids=lambda c: getattr(c, "value", c))
def test_no_job_is_lost_or_falsely_completed(
    avahi: None, queue_ppd: Path, tmp_path: Path, fault: Fault, backend: str
) -> None:
    outcome = run_ours(tmp_path / "run", queue_ppd, fault, backend)
    assert not outcome.lost, outcome
    assert not outcome.falsely_completed, outcome
    # every fault here is one the printer recovers from: the job prints, once
    assert outcome.state == "completed", outcome
    assert outcome.printed == 1, outcome


@pytest.fixture(scope="module")
def stock_cupsd() -> Iterator[PrivateCupsd]:
    # cupsd runs its filters and backends as lp: its root must be outside pytest's 0700 tmp
    root = Path(tempfile.mkdtemp(prefix="printerapp-faults-cupsd-"))
    root.chmod(0o755)
    try:
        with PrivateCupsd(root / "cupsd") as cupsd:
            yield cupsd
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("fault", list(Fault), ids=lambda f: f.value)
def test_a_desktop_cups_in_front_loses_nothing_and_is_told_no_lie(
    avahi: None, stock_cupsd: PrivateCupsd, queue_ppd: Path, tmp_path: Path, fault: Fault
) -> None:
    queue = f"ours_{fault.value.replace('-', '_')}_{os.getpid()}"
    outcome = run_via_cupsd(stock_cupsd, tmp_path / "run", queue_ppd, fault, "socket", queue)
    assert not outcome.lost, outcome
    assert not outcome.falsely_completed, outcome
    assert outcome.state == "completed", outcome
    assert outcome.printed == 1, outcome
