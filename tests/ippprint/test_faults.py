"""The fault matrix: a printer that fails in six ways, behind a real ippeveprinter.

Through the CUPS socket and lpd backends, each fault hits the first
connection only (a printer that recovers), with CUPS's intervals shrunk (see
:mod:`tests.support.faultmatrix`).  One job per fault is submitted with
ipptool; none may be lost or falsely completed, and each prints once.
``bench/faults.py`` runs the same matrix next to a private cupsd.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.faultmatrix import BACKENDS, run_ours
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
