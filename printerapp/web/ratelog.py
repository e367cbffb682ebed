"""Log lines that anyone on the network can cause, at a bounded rate.

A refused request, a bad request line or a dropped event client is worth a
line in the log, but a client that repeats it ten thousand times a second
must not fill the disk.  A :class:`RateLimitedLog` lets through at most
``burst`` lines per ``interval`` seconds; the first line after a quiet
spell says how many were left out::

    refusals = RateLimitedLog(log)
    refusals.warning("refused %s %r: %s", method, path, problem)

It is also a :class:`logging.Filter`, for loggers whose calls are not ours
(aiohttp's request handler logs through one).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["RATE_BURST", "RATE_INTERVAL_S", "Budget", "RateLimitedLog"]

#: lines let through per interval
RATE_BURST = 10
#: seconds of one interval
RATE_INTERVAL_S = 60.0
_SUMMARY = " [%d similar lines suppressed]"


class Budget:
    """Count lines in fixed windows: :meth:`take` says whether one may be written."""

    def __init__(
        self,
        burst: int = RATE_BURST,
        interval: float = RATE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.interval = interval
        self._clock = clock
        self._start = -float("inf")
        self._used = 0
        #: lines suppressed in the current window, not reported yet
        self.suppressed = 0
        self._unreported = 0

    def take(self) -> int | None:
        """Return None to suppress this line, else how many were suppressed before it."""
        now = self._clock()
        if now - self._start >= self.interval:
            self._start, self._used = now, 0
            self._unreported += self.suppressed
            self.suppressed = 0
        if self._used >= self.burst:
            self.suppressed += 1
            return None
        self._used += 1
        reported, self._unreported = self._unreported, 0
        return reported


class RateLimitedLog(logging.Filter):
    """A logger's lines, at most ``burst`` per ``interval`` seconds."""

    def __init__(
        self,
        logger: logging.Logger,
        burst: int = RATE_BURST,
        interval: float = RATE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.logger = logger
        self.budget = Budget(burst, interval, clock)

    def log(self, level: int, msg: str, *args: object) -> None:
        """Log *msg* % *args* at *level*, unless this interval's lines are used up."""
        if not self.logger.isEnabledFor(level):
            return
        reported = self.budget.take()
        if reported is None:
            return
        if reported:
            msg, args = msg + _SUMMARY, (*args, reported)
        self.logger.log(level, msg, *args)

    def warning(self, msg: str, *args: object) -> None:
        """Log a warning, rate-limited."""
        self.log(logging.WARNING, msg, *args)

    def filter(self, record: logging.LogRecord) -> bool:
        """Let *record* through within the budget (as a filter on another logger)."""
        reported = self.budget.take()
        if reported is None:
            return False
        if reported:
            args = record.args if isinstance(record.args, tuple) else ()
            record.msg, record.args = str(record.msg) + _SUMMARY, (*args, reported)
        return True
