"""Follow each queue's own log file and log its new lines as records of that printer.

ippeveprinter writes to ``<state>/log/<key>.log`` (a file, so that a queue
outlives a killed daemon): its requests, and for each job ``[Job N] ...``
lines about the job command and what the command said.  :class:`QueueLogTail`
reads what was added since the last look and logs each line through the
logger ``printerapp.queue.<key>`` with ``extra={"printer": key}``, at a level
:func:`line_level` gives it, so the lines follow the daemon's log level and
reach the printer's ring (:mod:`.logring`) and the daemon's own log.
:func:`line_level` is pure.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BACKLOG_BYTES", "READ_LIMIT", "TAIL_S", "QueueLogTail", "line_level"]

log = logging.getLogger(__name__)

#: how often the queue logs are read
TAIL_S = 0.5
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

    def __init__(self, log_dir: Path, started: float | None = None) -> None:
        self.log_dir = log_dir
        #: logs changed after this (time.time()) are read from their start when first seen
        self.started = time.time() if started is None else started
        self._followed: dict[str, _Followed] = {}

    def poll(self, keys: Iterable[str]) -> int:
        """Log the new lines of the queues *keys*; return how many (blocking: use a thread)."""
        keys = list(keys)
        for gone in set(self._followed) - set(keys):
            del self._followed[gone]
        return sum(self._read(key) for key in keys)

    def _start(self, key: str, st: os.stat_result) -> _Followed:
        fresh = st.st_mtime >= self.started
        offset = max(0, st.st_size - BACKLOG_BYTES) if fresh else st.st_size
        followed = self._followed[key] = _Followed(st.st_ino, offset)
        return followed

    def _read(self, key: str) -> int:
        path = self.log_dir / f"{key}.log"
        followed = self._followed.get(key)
        try:
            if followed is not None:
                st = path.stat()  # the common case, nothing new, opens nothing
                if (st.st_ino, st.st_size) == (followed.inode, followed.offset):
                    return 0
            with path.open("rb") as fh:
                st = os.fstat(fh.fileno())
                followed = self._followed.get(key) or self._start(key, st)
                if followed.inode != st.st_ino or st.st_size < followed.offset:
                    # a new log: the queue started afresh and the old one was cut
                    followed.inode, followed.offset, followed.partial = st.st_ino, 0, b""
                if st.st_size == followed.offset:
                    return 0
                skipped = max(0, st.st_size - followed.offset - READ_LIMIT)
                fh.seek(followed.offset + skipped)
                data = fh.read(READ_LIMIT)
        except OSError:
            return 0
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
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                logger.log(line_level(line), "%s", line, extra=extra)
        return len(lines)
