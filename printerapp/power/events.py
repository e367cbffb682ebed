"""Job start/end reports from a job's process to the power daemon.

A report is one datagram on a local unix socket (``SOCK_DGRAM``), holding one
JSON object::

    {"v": 1, "event": "job-start", "printer": "office", "plug": "desk",
     "job_id": "12", "time": 1795000000.5, "status": null}

``event`` is ``job-start`` or ``job-end``; ``status`` is the job's exit status
on ``job-end``.  The daemon listens with :func:`open_listener`.  Sending never
blocks and never fails a job: with nobody listening the report is dropped, and
the daemon's own Get-Jobs watch catches up.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["EVENTS", "MAX_EVENT", "JobEvent", "open_listener", "send_event"]

logger = logging.getLogger(__name__)

EVENTS = frozenset({"job-start", "job-end"})
#: the largest datagram accepted
MAX_EVENT = 4096
VERSION = 1


@dataclass(frozen=True, slots=True)
class JobEvent:
    """A job started or ended on a printer with a plug."""

    event: str
    printer: str
    plug: str
    job_id: str
    time: float
    status: int | None = None

    def encode(self) -> bytes:
        """Return the datagram."""
        return json.dumps({"v": VERSION, **asdict(self)}, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> JobEvent:
        """Parse a datagram; raise ValueError when it is not a valid report."""
        if len(data) > MAX_EVENT:
            raise ValueError("report too long")
        obj = json.loads(data.decode("utf-8"))
        if not isinstance(obj, dict) or obj.get("v") != VERSION:
            raise ValueError("not a version 1 report")
        if obj.get("event") not in EVENTS:
            raise ValueError("unknown event")
        texts = [obj.get(k) for k in ("printer", "plug", "job_id")]
        if not all(isinstance(t, str) and len(t) < 256 for t in texts):
            raise ValueError("printer, plug and job_id must be short strings")
        when, status = obj.get("time"), obj.get("status")
        if isinstance(when, bool) or not isinstance(when, int | float):
            raise ValueError("time must be a number")  # noqa: TRY004 - one error for bad input
        if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
            raise ValueError("status must be an integer or null")
        return cls(obj["event"], texts[0], texts[1], texts[2], float(when), status)  # type: ignore[arg-type]


def send_event(path: Path | None, event: JobEvent) -> bool:
    """Send *event* to the daemon at *path*; return False when nobody took it."""
    if path is None:
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        try:
            sock.sendto(event.encode(), str(path))
        except OSError as exc:
            logger.debug("no power daemon at %s: %s", path, exc.strerror)
            return False
    return True


def open_listener(path: Path) -> socket.socket:
    """Bind the daemon's report socket at *path* (replacing a stale one), non-blocking."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(str(path))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock
