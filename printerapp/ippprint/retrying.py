"""Run a job's chain until the printer has it, as the queue's error policy says.

Each attempt runs the whole chain again on the spooled document, as cupsd
does when it retries a job; the document is read from the spool by the first
filter, never into memory.  Between attempts the job stays ``processing``
and its ``job-state-message`` says why it waits and for how long; Cancel-Job
and SIGTERM end the wait within a second, the job's time limit ends it too.
An attempt the backend calls good but whose data the printer never took
(see :mod:`.delivery`) is a failed attempt, as a backend exit 1 is.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Mapping

from printerapp.cups import BackendStatus
from printerapp.errors import BackendError, JobCancelledError, JobLimitError
from printerapp.ippprint.delivery import DELIVERY_STALL_ENV, DELIVERY_STALL_S, Watcher
from printerapp.ippprint.pipeline import JobRun, run_job
from printerapp.ippprint.policy import Action, RetrySettings, decide
from printerapp.ippprint.procs import TIME_LIMIT_ENV, Limits
from printerapp.ippprint.status import StatusForwarder
from printerapp.mime.records import JobPlan

__all__ = ["GaveUpError", "print_with_policy"]

#: how often a waiting job looks for a cancel or a stop signal
WAIT_STEP_S = 0.25


class GaveUpError(BackendError):
    """The job ends unprinted; ``keep`` says whether its document is kept."""

    def __init__(self, message: str, exit_code: int, *, keep: bool, held: bool = False) -> None:
        super().__init__(message, exit_code)
        self.keep = keep
        #: kept apart from the documents the server submits again by itself
        self.held = held


def _wait(seconds: float, cancelled: Callable[[], bool] | None, deadline: float | None) -> None:
    """Sleep *seconds*; raise JobCancelledError on a cancel, JobLimitError past *deadline*."""
    stop: list[int] = []
    signals = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    previous = {s: signal.signal(s, lambda n, _f: stop.append(n)) for s in signals}
    try:
        end = time.monotonic() + seconds
        next_check = time.monotonic() + 1.0
        while time.monotonic() < end:
            if stop:
                raise JobCancelledError("the job was cancelled while waiting to retry")
            if deadline is not None and time.monotonic() >= deadline:
                raise JobLimitError("the job ran past its time limit while waiting to retry")
            if cancelled is not None and time.monotonic() >= next_check:
                next_check = time.monotonic() + 1.0
                if cancelled():
                    raise JobCancelledError("the job was cancelled while waiting to retry")
            time.sleep(min(WAIT_STEP_S, max(0.0, end - time.monotonic())))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _attempt(
    job: JobRun,
    plan: JobPlan,
    status: StatusForwarder,
    *,
    env: Mapping[str, str],
    stdout_fd: int,
    cancelled: Callable[[], bool] | None,
    allow_insecure: bool,
    deadline: float | None,
) -> None:
    """Run the chain once; raise BackendError when the printer did not take the job."""
    try:
        stall_s = float(env.get(DELIVERY_STALL_ENV, DELIVERY_STALL_S))
    except ValueError:
        stall_s = DELIVERY_STALL_S
    watcher = Watcher.before(job.device_uri, stall_s)
    status.unacknowledged = False
    if deadline is not None:
        # the job's time limit spans every attempt and every wait
        env = {**env, TIME_LIMIT_ENV: f"{max(1.0, deadline - time.monotonic()):.0f}"}
    run_job(
        job,
        plan,
        allow_insecure=allow_insecure,
        status=status,  # type: ignore[arg-type]  # a write-only BinaryIO
        stdout_fd=stdout_fd,
        base_env=env,
        cancelled=cancelled,
    )
    if status.unacknowledged:
        raise BackendError(
            "the printer did not acknowledge the job's files (it closed or never answered)",
            BackendStatus.FAILED,
        )
    if watcher is None:
        return
    left = watcher.wait_drained(
        lambda n: status.say(f"INFO: Waiting for the printer to take the last {n} bytes"),
        deadline,
    )
    if left:
        raise BackendError(
            f"the printer accepted the connection but did not take the last {left} bytes",
            BackendStatus.FAILED,
        )


def print_with_policy(
    job: JobRun,
    plan: JobPlan,
    status: StatusForwarder,
    *,
    env: Mapping[str, str] | None = None,
    stdout_fd: int = 1,
    cancelled: Callable[[], bool] | None = None,
    allow_insecure: bool = False,
) -> int:
    """Print, retrying per the error policy; return the attempts made, raise GaveUpError."""
    env = os.environ if env is None else env
    settings = RetrySettings.from_env(env)
    wall = Limits.from_env(env).wall_s
    deadline = time.monotonic() + wall if wall > 0 else None
    retries = 0
    while True:
        try:
            _attempt(
                job,
                plan,
                status,
                env=env,
                stdout_fd=stdout_fd,
                cancelled=cancelled,
                allow_insecure=allow_insecure,
                deadline=deadline,
            )
            return retries + 1
        except BackendError as exc:
            decision = decide(settings, exc.exit_code, retries)
            why = status.last_error or str(exc)
            if decision.action is not Action.RETRY:
                raise GaveUpError(
                    f"{exc}; {decision.reason}",
                    exc.exit_code,
                    keep=decision.action in (Action.KEEP, Action.GIVE_UP),
                    held=decision.action is Action.GIVE_UP,
                ) from exc
            retries += 1
            status.message(f"Waiting to retry ({decision.reason}) in {decision.delay_s:g} s: {why}")
            status.last_error = ""
            try:
                _wait(decision.delay_s, cancelled, deadline)
            except JobLimitError as limit:
                raise GaveUpError(f"{limit}: {why}", exc.exit_code, keep=True) from exc
