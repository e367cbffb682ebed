"""What a job does when its backend fails: CUPS's error policies, decided in one place.

cupsd applies the printer's ``printer-error-policy`` when a backend exits 1
(``CUPS_BACKEND_FAILED``): ``retry-job`` holds the job for JobRetryInterval
(30 s) and tries again, up to JobRetryLimit (5) retries, then aborts it;
``retry-current-job`` tries again at once; ``abort-job`` aborts it;
``stop-printer`` stops the queue with the job still pending.  A backend's own
``CUPS_BACKEND_RETRY`` is a retry-job whatever the policy, and
``CUPS_BACKEND_RETRY_CURRENT`` a retry-current-job.

ippeveprinter has no held jobs and no stopped queue that a job command can
ask for, so the retries happen inside the job: it stays ``processing``, its
``job-state-message`` says why and when the next attempt is, and nothing else
prints meanwhile (as with a stopped CUPS queue).  ``stop-printer`` is that
same wait without a retry limit: the job resumes when the printer is back,
or ends at the job's time limit with its document kept.  The document is
kept whenever a job ends unprinted, except under ``abort-job``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from printerapp.cups import BackendStatus

__all__ = [
    "DEFAULT_RETRY_INTERVAL_S",
    "DEFAULT_RETRY_LIMIT",
    "POLICY_ENV",
    "RETRY_INTERVAL_ENV",
    "RETRY_LIMIT_ENV",
    "Action",
    "Decision",
    "ErrorPolicy",
    "RetrySettings",
    "decide",
]

#: the queue's error policy (``retry-job``...), set per printer by the server
POLICY_ENV = "PRINTERAPP_ERROR_POLICY"
#: seconds between attempts under retry-job (CUPS's JobRetryInterval)
RETRY_INTERVAL_ENV = "PRINTERAPP_JOB_RETRY_INTERVAL"
#: retries after the first attempt under retry-job (CUPS's JobRetryLimit)
RETRY_LIMIT_ENV = "PRINTERAPP_JOB_RETRY_LIMIT"
DEFAULT_RETRY_INTERVAL_S = 30.0
DEFAULT_RETRY_LIMIT = 5
#: pause before an immediate retry (retry-current-job), so a dead printer is not hammered
RETRY_NOW_S = 1.0


class ErrorPolicy(enum.Enum):
    """CUPS's ``printer-error-policy`` values."""

    RETRY_JOB = "retry-job"
    RETRY_CURRENT_JOB = "retry-current-job"
    ABORT_JOB = "abort-job"
    STOP_PRINTER = "stop-printer"


class Action(enum.Enum):
    """What to do after a failed attempt."""

    #: wait, then run the job again
    RETRY = "retry"
    #: end the job aborted, keeping the document for the server to submit again
    KEEP = "keep"
    #: end the job aborted after its last retry, keeping the document apart: CUPS
    #: aborts the job at JobRetryLimit, and it is printed again only when asked
    GIVE_UP = "give-up"
    #: end the job aborted; the document goes with it
    ABORT = "abort"


@dataclass(frozen=True, slots=True)
class RetrySettings:
    """A queue's policy and CUPS's two retry knobs."""

    policy: ErrorPolicy = ErrorPolicy.RETRY_JOB
    interval_s: float = DEFAULT_RETRY_INTERVAL_S
    limit: int = DEFAULT_RETRY_LIMIT

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RetrySettings:
        """Read the settings from the job's environment (a bad value keeps the default)."""
        try:
            policy = ErrorPolicy(env.get(POLICY_ENV, "").strip() or ErrorPolicy.RETRY_JOB.value)
        except ValueError:
            policy = ErrorPolicy.RETRY_JOB
        return cls(
            policy,
            _number(env.get(RETRY_INTERVAL_ENV), DEFAULT_RETRY_INTERVAL_S),
            int(_number(env.get(RETRY_LIMIT_ENV), DEFAULT_RETRY_LIMIT)),
        )


def _number(text: str | None, default: float) -> float:
    try:
        value = float(text) if text is not None else default
    except ValueError:
        return default
    return value if 0 <= value < 1e9 else default


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict on one failed attempt."""

    action: Action
    #: seconds to wait before the next attempt (RETRY only)
    delay_s: float = 0.0
    #: why, for ``job-state-message``
    reason: str = ""


def decide(settings: RetrySettings, exit_code: int, retries_done: int) -> Decision:
    """Decide what follows a backend exit *exit_code* after *retries_done* retries."""
    try:
        code = BackendStatus(exit_code)
    except ValueError:
        code = BackendStatus.FAILED  # cupsd treats an unknown status as a failure
    if code in (BackendStatus.HOLD, BackendStatus.AUTH_REQUIRED):
        return Decision(Action.KEEP, reason="held")
    if code is BackendStatus.CANCEL:
        return Decision(Action.ABORT, reason="cancelled by the backend")
    if code is BackendStatus.RETRY_CURRENT:
        return Decision(Action.RETRY, RETRY_NOW_S, "the backend asks to retry now")
    policy = settings.policy
    if code is BackendStatus.RETRY:
        policy = ErrorPolicy.RETRY_JOB
    elif code is BackendStatus.STOP:
        policy = ErrorPolicy.STOP_PRINTER
    if policy is ErrorPolicy.ABORT_JOB:
        return Decision(Action.ABORT, reason="error policy abort-job")
    if policy is ErrorPolicy.RETRY_CURRENT_JOB:
        return Decision(Action.RETRY, RETRY_NOW_S, "retry-current-job")
    if policy is ErrorPolicy.STOP_PRINTER:
        return Decision(
            Action.RETRY, settings.interval_s, "stop-printer: until the printer is back"
        )
    if retries_done >= settings.limit:
        return Decision(Action.GIVE_UP, reason=f"aborted after {retries_done + 1} attempts")
    return Decision(Action.RETRY, settings.interval_s, f"{retries_done + 1}/{settings.limit}")
