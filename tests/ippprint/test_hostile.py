"""Hostile documents on a real PCL queue: each ends within its limit, with a reason.

One ippeveprinter runs ``printerapp-ippprint`` with shrunk limits (5 CPU
seconds per process, 40 s per job, 512 MiB per process).  Each document is
submitted with ipptool; it must end within its limit with the reason in
``job-state-message``, and the test page printed next must come out whole.
Cancel-Job on a document that would loop must free the queue within 5 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from printerapp.ippprint.procs import CPU_LIMIT_ENV, MEMORY_LIMIT_ENV, TIME_LIMIT_ENV
from tests.support.hostile import bomb_pdf, empty_file, endless_ps, huge_file, nested_pdf
from tests.support.ippprinter import TESTPAGE, Printer
from tests.support.sink import TcpSink

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.timeout(120)]

GetPpd = Callable[[str], Path]
CPU_S, WALL_S, MEMORY_MIB = 5, 40, 512
LIMITS = {CPU_LIMIT_ENV: str(CPU_S), TIME_LIMIT_ENV: str(WALL_S), MEMORY_LIMIT_ENV: str(MEMORY_MIB)}
PJL = b"\x1b%-12345X@PJL"
#: what may pass between the limit and the job's end: SIGTERM's grace, start-up, polling
SLACK_S = 8.0
#: a CPU limit is CPU time: on a loaded CI machine it takes longer in wall time, and the
#: job's time limit is the bound on that
CPU_BOUND_S = WALL_S + SLACK_S


@pytest.fixture(scope="module")
def sink() -> Iterator[TcpSink]:
    with TcpSink() as s:
        yield s


@pytest.fixture(scope="module")
def printer(
    avahi: None, get_ppd: GetPpd, sink: TcpSink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Printer]:
    workdir = tmp_path_factory.mktemp("hostile")
    queue = Printer(
        workdir / "q", get_ppd("lj2100-pxlmono").resolve(), {"DEVICE_URI": sink.uri, **LIMITS}
    )
    yield queue
    queue.stop()


def _ends(printer: Printer, document: tuple[Path, str], within: float) -> tuple[str, str, str]:
    """Submit *document*; wait until it ended; return state, message and reasons."""
    started = time.monotonic()
    job_id = printer.submit(*document)
    printer.wait_job(job_id, timeout=within + 30)
    took = time.monotonic() - started
    outcome = printer.job(job_id)
    assert took < within, f"{document[0].name} took {took:.1f} s: {outcome}"
    return outcome


def _next_job_prints(printer: Printer, sink: TcpSink) -> None:
    before = len(sink.jobs)
    state, message = printer.wait_job(printer.submit(TESTPAGE, "application/pdf"))
    assert state == "completed", message
    assert sink.wait_for_jobs(before + 1)[before].startswith(PJL)


@pytest.mark.parametrize(
    ("writer", "reason"),
    [(endless_ps, "CPU time limit"), (bomb_pdf, "CPU time limit")],
    ids=["endless-ps", "pdf-bomb"],
)
def test_a_document_that_would_run_forever_stops_at_the_cpu_limit(
    printer: Printer,
    sink: TcpSink,
    tmp_path: Path,
    writer: Callable[..., tuple[Path, str]],
    reason: str,
) -> None:
    state, message, reasons = _ends(printer, writer(tmp_path), CPU_BOUND_S)
    assert state == "aborted", message
    assert reason in message
    assert "aborted-by-system" in reasons
    _next_job_prints(printer, sink)


def test_a_deeply_nested_pdf_is_refused_with_a_reason(
    printer: Printer, sink: TcpSink, tmp_path: Path
) -> None:
    state, message, _ = _ends(printer, nested_pdf(tmp_path), CPU_BOUND_S)
    assert state == "aborted", message
    assert "pdftopdf" in message
    _next_job_prints(printer, sink)


def test_a_200_mb_file_ends_within_the_time_limit(
    printer: Printer, sink: TcpSink, tmp_path: Path
) -> None:
    state, message, _ = _ends(printer, huge_file(tmp_path), WALL_S + SLACK_S)
    assert state in {"completed", "aborted"}, message
    if state == "aborted":
        assert message, "aborted without a reason"
    _next_job_prints(printer, sink)


def test_an_empty_file_is_refused_with_a_reason(
    printer: Printer, sink: TcpSink, tmp_path: Path
) -> None:
    # ippeveprinter takes no job without document data: the client hears why at once
    with pytest.raises(AssertionError, match=r"client-error-bad-request \(No file in request\.\)"):
        printer.submit(*empty_file(tmp_path))
    _next_job_prints(printer, sink)


def test_memory_hungry_postscript_stops_at_the_memory_limit(
    printer: Printer, sink: TcpSink, tmp_path: Path
) -> None:
    hungry = tmp_path / "hungry.ps"
    # one page (a document without pages prints nothing and is not an error), then 10 MB
    # strings kept on the stack until memory runs out
    hungry.write_text(
        "%!PS\n/Helvetica findfont 20 scalefont setfont 72 72 moveto (hi) show showpage\n"
        "1 1 100000 { pop 10000000 string } for\n"
    )
    state, message, _ = _ends(printer, (hungry, "application/postscript"), CPU_BOUND_S)
    assert state == "aborted", message
    assert f"ran out of memory (its limit is {MEMORY_MIB} MiB)" in message
    _next_job_prints(printer, sink)


def test_cancel_frees_the_queue_from_a_pdf_bomb_within_5_s(
    printer: Printer, sink: TcpSink, tmp_path: Path
) -> None:
    before = len(sink.jobs)
    stuck = printer.submit(*bomb_pdf(tmp_path))
    time.sleep(1.5)  # Ghostscript is drawing
    assert printer.job(stuck)[0] == "processing"
    cancelled = time.monotonic()
    printer.cancel(stuck)
    next_job = None
    while next_job is None and time.monotonic() - cancelled < 10:
        try:
            next_job = printer.submit(TESTPAGE, "application/pdf")
        except AssertionError:  # server-error-busy: the bomb still runs
            time.sleep(0.1)
    assert next_job is not None
    assert time.monotonic() - cancelled < 5, "Cancel-Job did not free the queue within 5 s"
    assert printer.job(stuck)[0] == "canceled"
    state, message = printer.wait_job(next_job)
    assert state == "completed", message
    assert sink.wait_for_jobs(before + 1)[before].startswith(PJL)
