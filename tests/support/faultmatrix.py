"""The fault matrix: one job to a faulty printer, through our queue or through a private cupsd.

Each fault hits the first connection only (a printer that recovers).  Our
queue is a real ippeveprinter running ``printerapp-ippprint`` with CUPS's
intervals shrunk through its environment; cupsd's queue drives the same
backend to the same kind of sink with ``printer-error-policy=retry-job``
(JobRetryInterval 1 s, JobRetryLimit 5: see :mod:`tests.support.cupsd`).
The counts: printed (whole documents the printer read to EOF), kept (our
document waiting in ``retry/``, or cupsd's job still queued for a retry),
lost (neither) and falsely completed ("completed" with nothing printed).
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.cupsd import PrivateCupsd
from tests.support.faultsink import Fault, FaultSink
from tests.support.ippprinter import GET_JOB_TEST, IPPTOOL, TESTPAGE, Printer
from tests.support.lpdsink import LpdSink

__all__ = ["BACKENDS", "DOWN_S", "FAST", "Outcome", "run_cupsd", "run_ours", "run_via_cupsd"]

#: the refusing printer comes back after this many seconds (20 in the issue)
DOWN_S = 6.0
#: CUPS's JobRetryInterval and our delivery stall, shrunk
FAST = {
    "PRINTERAPP_JOB_RETRY_INTERVAL": "1",
    "PRINTERAPP_JOB_RETRY_LIMIT": "5",
    "PRINTERAPP_DELIVERY_STALL": "3",
}
#: the sink classes by backend
BACKENDS: dict[str, type[FaultSink]] = {"socket": FaultSink, "lpd": LpdSink}
#: how long a printer that never reads (or stalls) holds the connection before it lets go
HOLD_S = 15.0
#: how long a slow printer may still read after the job ended
SLOW_DRAIN_S = 15.0
#: how long cupsd's job is watched: its socket backend waits up to 90 s for a silent printer
CUPSD_WATCH_S = 120.0
_ENDED = ("completed", "aborted", "canceled")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one job."""

    state: str
    message: str
    printed: int
    kept: int

    @property
    def lost(self) -> bool:
        return self.printed == 0 and self.kept == 0

    @property
    def falsely_completed(self) -> bool:
        return self.state == "completed" and self.printed == 0


def _sink(backend: str, fault: Fault, hold_s: float) -> FaultSink:
    return BACKENDS[backend](fault, down_s=DOWN_S, stall_at=32 * 1024, hold_s=hold_s)


def _our_uri(sink: FaultSink, backend: str) -> str:
    # waiteof=false: the socket backend does not wait 90 s for the printer to close;
    # whether the printer took the data is the job runner's to check
    return f"{sink.uri}/?waiteof=false" if backend == "socket" else sink.uri


def _drain(sink: FaultSink, fault: Fault) -> int:
    deadline = time.monotonic() + SLOW_DRAIN_S
    while fault is Fault.SLOW and not sink.complete_count() and time.monotonic() < deadline:
        time.sleep(0.2)
    return sink.complete_count()


def run_ours(workdir: Path, ppd: Path, fault: Fault, backend: str = "socket") -> Outcome:
    """Print the test page once through our queue to a printer with *fault*."""
    retry = workdir / "retry"
    with _sink(backend, fault, HOLD_S) as sink:
        env = {"DEVICE_URI": _our_uri(sink, backend), "PRINTERAPP_RETRY_DIR": str(retry), **FAST}
        printer = Printer(workdir / "queue", ppd, env)
        try:
            state, message = printer.wait_job(printer.submit(TESTPAGE, "application/pdf"))
            printed = _drain(sink, fault)
        finally:
            printer.stop()
    kept = len(list(retry.glob("*.json"))) if retry.is_dir() else 0
    return Outcome(state, message, printed, kept)


def _cupsd_job(cupsd: PrivateCupsd, queue: str, job_id: int, test: Path) -> tuple[str, str]:
    uri = f"{cupsd.server_uri}/printers/{queue}"
    out = subprocess.run(
        [IPPTOOL, "-tv", "-d", f"job_id={job_id}", uri, str(test)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout
    state = re.search(r"job-state \(enum\) = (\S+)", out)
    message = re.search(r"job-state-message \(textWithoutLanguage\) = (.*)", out)
    return (state.group(1) if state else "?", message.group(1) if message else "")


def run_cupsd(cupsd: PrivateCupsd, ppd: Path, fault: Fault, backend: str, queue: str) -> Outcome:
    """Print the test page once through cupsd's own queue to a printer with *fault*.

    cupsd drives the backend with its stock options (the socket backend waits
    for the printer to close).
    """
    test = cupsd.root / f"{queue}-job.test"
    test.write_text(GET_JOB_TEST)
    with _sink(backend, fault, HOLD_S) as sink:
        cupsd.lpadmin("-p", queue, "-E", "-v", sink.uri, "-P", str(ppd))
        cupsd.lpadmin("-p", queue, "-o", "printer-error-policy=retry-job")
        job_id = cupsd.lp(queue, TESTPAGE)
        deadline = time.monotonic() + CUPSD_WATCH_S
        state, message = _cupsd_job(cupsd, queue, job_id, test)
        while state not in _ENDED and time.monotonic() < deadline:
            time.sleep(0.5)
            state, message = _cupsd_job(cupsd, queue, job_id, test)
        printed = _drain(sink, fault)
    # a job cupsd still holds (pending a retry, or stuck processing) keeps its document
    kept = 0 if state in _ENDED else 1
    return Outcome(state, message, printed, kept)


def run_via_cupsd(
    cupsd: PrivateCupsd, workdir: Path, ppd: Path, fault: Fault, backend: str, queue: str
) -> Outcome:
    """Print the test page from a stock cupsd (``-m everywhere``) to our queue, then on.

    What a desktop does: cupsd's ipp backend hands the job to our queue, which
    drives the faulty printer; the state reported is the one cupsd shows its user.
    """
    test = cupsd.root / f"{queue}-job.test"
    test.write_text(GET_JOB_TEST)
    retry = workdir / "retry"
    with _sink(backend, fault, HOLD_S) as sink:
        env = {"DEVICE_URI": _our_uri(sink, backend), "PRINTERAPP_RETRY_DIR": str(retry), **FAST}
        printer = Printer(workdir / "queue", ppd, env)
        try:
            cupsd.lpadmin("-p", queue, "-E", "-v", printer.uri, "-m", "everywhere")
            job_id = cupsd.lp(queue, TESTPAGE)
            deadline = time.monotonic() + CUPSD_WATCH_S
            state, message = _cupsd_job(cupsd, queue, job_id, test)
            while state not in _ENDED and time.monotonic() < deadline:
                time.sleep(0.5)
                state, message = _cupsd_job(cupsd, queue, job_id, test)
            printed = _drain(sink, fault)
        finally:
            printer.stop()
    kept = len(list(retry.glob("*.json"))) if retry.is_dir() else 0
    kept += 0 if state in _ENDED else 1
    return Outcome(state, message, printed, kept)
