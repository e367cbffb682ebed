"""Follow each queue's own log file and log its new lines as records of that printer.

ippeveprinter writes to ``<state>/log/<key>.log`` (a file, so that a queue
outlives a killed daemon): its requests, and for each job ``[Job N] ...``
lines about the job command and what the command said.  :class:`QueueLogTail`
reads what was added since the last look and logs each line through the
logger ``printerapp.queue.<key>`` with ``extra={"printer": key}``, at a level
:func:`line_level` gives it, so the lines follow the daemon's log level and
reach the printer's ring (:mod:`.logring`) and the daemon's own log.
:func:`line_level` is pure.

A hundred idle queues read every half second kept an idle daemon busy, so
only a busy queue is read every :data:`TAIL_S`: one that wrote a job's
lines, or whose log page was asked for, in the last :data:`HOT_S`; or one
that was sent a request or wrote other lines in the last :data:`WOKEN_S`
(:meth:`QueueLogTail.wake`).  Every queue is read every :data:`IDLE_TAIL_S`
all the same, for what a queue writes unprompted.
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BACKLOG_BYTES",
    "HOT_S",
    "IDLE_TAIL_S",
    "READ_LIMIT",
    "TAIL_S",
    "WOKEN_S",
    "QueueLogTail",
    "line_level",
]

log = logging.getLogger(__name__)

#: how often a busy queue's log is read
TAIL_S = 0.5
#: how often every queue's log is read, busy or not
IDLE_TAIL_S = 5.0
#: how long a queue stays busy after a job's last line, or after its log page asked
HOT_S = 60.0
#: how long it stays busy after a request reached it, or after other lines
WOKEN_S = 3.0
#: the most read of one log per look; a queue that writes more loses the excess (and says so)
READ_LIMIT = 256 * 1024
#: of a log that changed since the daemon started but was not followed yet, its last bytes
BACKLOG_BYTES = 16 * 1024
#: an unfinished last line longer than this is taken as it is
_PARTIAL_LIMIT = 8 * 1024
#: "[Job N] ", and "Command - " before a line the job command wrote on its stderr
_JOB = re.compile(r"^\[Job (\d+)\] (?:Command - )?")
#: what the job command said, by CUPS's prefixes (ippeveprinter logs them as they are)
_PREFIXES = (
    ("ERROR:", logging.ERROR),
    ("CRIT:", logging.ERROR),
    ("ALERT:", logging.ERROR),
    ("EMERG:", logging.ERROR),
    ("WARNING:", logging.WARNING),
    ("NOTICE:", logging.INFO),
    ("INFO:", logging.INFO),
    ("DEBUG", logging.DEBUG),  # DEBUG: and DEBUG2:
    ("PAGE:", logging.DEBUG),
    ("Ignoring update of attribute", logging.DEBUG),
)
#: how ippeveprinter says that a job's command failed
_FAILED = re.compile(r"exited with status|terminated with signal|crashed|Unable to|failed")


def line_level(line: str) -> int:
    """Return the logging level of one line of a queue's log."""
    job = _JOB.match(line)
    body = line[job.end() :] if job else line
    for prefix, level in _PREFIXES:
        if body.startswith(prefix):
            return level
    if _FAILED.search(body):
        return logging.ERROR
    # the job's progress is news; the queue's request chatter is not
    return logging.INFO if job else logging.DEBUG


@dataclass
class _Followed:
    inode: int
    offset: int
    partial: bytes = b""


class QueueLogTail:
    """Where each queue's log was read up to, and the reading."""

    def __init__(
        self,
        log_dir: Path,
        started: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log_dir = log_dir
        #: logs changed after this (time.time()) are read from their start when first seen
        self.started = time.time() if started is None else started
        self.clock = clock
        self._followed: dict[str, _Followed] = {}
        #: the busy queues: key -> until when (clock) it is read every TAIL_S
        self._hot: dict[str, float] = {}
        self._swept = -math.inf

    def poll(self, keys: Iterable[str], *, every: bool = True) -> int:
        """Log the new lines of the queues *keys*; return how many (blocking: use a thread).

        *every*: *keys* are all the queues there are, so the others are forgotten.
        """
        keys = list(keys)
        if every:
            for gone in set(self._followed) - set(keys):
                self._followed.pop(gone, None)
                self._hot.pop(gone, None)
        total = 0
        for key in keys:
            lines, jobs = self._read(key)
            if lines:
                self.wake(key, HOT_S if jobs else WOKEN_S)
                total += lines
        return total

    def wake(self, key: str, seconds: float = HOT_S) -> None:
        """Read *key*'s log every TAIL_S for the next *seconds* (or longer, if so already)."""
        until = self.clock() + seconds
        if until > self._hot.get(key, -math.inf):
            self._hot[key] = until

    def due(self) -> list[str] | None:
        """Return the busy queues to read now, or None when every queue is due (a sweep)."""
        now = self.clock()
        if now - self._swept >= IDLE_TAIL_S:
            self._swept = now
            return None
        return self._busy(now)

    def busy(self) -> bool:
        """True while some queue is busy (read every TAIL_S)."""
        return bool(self._busy(self.clock()))

    def next_sweep(self) -> float:
        """Return the seconds until every queue is read again."""
        return max(0.0, self._swept + IDLE_TAIL_S - self.clock())

    def _busy(self, now: float) -> list[str]:
        for key in [k for k, until in list(self._hot.items()) if until <= now]:
            del self._hot[key]
        return list(self._hot)

    def _start(self, key: str, st: os.stat_result) -> _Followed:
        fresh = st.st_mtime >= self.started
        offset = max(0, st.st_size - BACKLOG_BYTES) if fresh else st.st_size
        followed = self._followed[key] = _Followed(st.st_ino, offset)
        return followed

    def _read(self, key: str) -> tuple[int, bool]:
        """Log *key*'s new lines; return how many, and whether one was a job's."""
        path = self.log_dir / f"{key}.log"
        followed = self._followed.get(key)
        try:
            if followed is not None:
                st = path.stat()  # the common case, nothing new, opens nothing
                if (st.st_ino, st.st_size) == (followed.inode, followed.offset):
                    return 0, False
            with path.open("rb") as fh:
                st = os.fstat(fh.fileno())
                followed = self._followed.get(key) or self._start(key, st)
                if followed.inode != st.st_ino or st.st_size < followed.offset:
                    # a new log: the queue started afresh and the old one was cut
                    followed.inode, followed.offset, followed.partial = st.st_ino, 0, b""
                if st.st_size == followed.offset:
                    return 0, False
                skipped = max(0, st.st_size - followed.offset - READ_LIMIT)
                fh.seek(followed.offset + skipped)
                data = fh.read(READ_LIMIT)
        except OSError:
            return 0, False
        followed.offset += skipped + len(data)
        logger = logging.getLogger(f"printerapp.queue.{key}")
        extra = {"printer": key, "source": "queue"}
        if skipped:
            logger.warning("%d bytes of the queue's log skipped", skipped, extra=extra)
            followed.partial = b""
        lines = (followed.partial + data).split(b"\n")
        followed.partial = lines.pop()
        if len(followed.partial) > _PARTIAL_LIMIT:
            lines.append(followed.partial)
            followed.partial = b""
        jobs = False
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                jobs = jobs or _JOB.match(line) is not None
                logger.log(line_level(line), "%s", line, extra=extra)
        return len(lines), jobs
