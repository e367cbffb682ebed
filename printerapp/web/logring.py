"""Each printer's recent log records, kept in memory, and the daemon's log level.

A :class:`RingHandler` on the root logger keeps every record that concerns a
printer in that printer's :class:`LogRing` (at most :data:`RING_RECORDS`
records and :data:`RING_BYTES` of text; the oldest go first).  A record
concerns a printer when it carries ``extra={"printer": NAME}``; records of
modules this one cannot change are recognised by their format string
(``"queue %r: ..."``, ``"printer %r: ..."``, ``"plug %s: ..."``), whose first
argument is the printer, never by searching the formatted text.  Credentials
in URIs are masked before a message is kept.

The log level is the root logger's: :func:`set_log_level` changes it at
once, for every module, without a restart.
"""

from __future__ import annotations

import collections
import itertools
import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from printerapp.errors import InputError

__all__ = [
    "LOG_LEVELS",
    "MAX_RINGS",
    "PLUG",
    "RING_BYTES",
    "RING_RECORDS",
    "LogEntry",
    "LogRing",
    "LogRings",
    "RingHandler",
    "current_log_level",
    "printer_of",
    "redact",
    "set_log_level",
]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: records kept per printer, and the bytes of their messages
RING_RECORDS = 500
RING_BYTES = 256 * 1024
#: printers with a ring; past this the least recently written one is dropped
MAX_RINGS = 512
#: characters of one message kept (a flood of one long line cannot fill the ring alone)
MESSAGE_LIMIT = 2000
#: format strings whose first argument names the printer (modules that pass no extra)
_PREFIXES = ("queue %r", "printer %r", "printer %s", "adopted queue %r")
#: ... or the plug: its records go to the ring "plug:NAME", shown with the printers it powers
_PLUG_PREFIXES = ("plug %s", "plug %r")
PLUG = "plug:"
#: scheme://user:password@ (and scheme://token@): the userinfo is never shown
_USERINFO = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")
_counter = itertools.count(1)


def redact(text: str) -> str:
    """Mask the user information of every URI in *text*."""
    return _USERINFO.sub(r"\1***@", text)


def printer_of(record: logging.LogRecord) -> str | None:
    """Return the printer a record concerns (its ``printer`` extra, or its format); else None."""
    given = getattr(record, "printer", None)
    if isinstance(given, str) and given:
        return given
    msg, args = record.msg, record.args
    if not (isinstance(msg, str) and isinstance(args, tuple) and args):
        return None
    if not isinstance(first := args[0], str):
        return None
    if msg.startswith(_PREFIXES):
        return first
    return PLUG + first if msg.startswith(_PLUG_PREFIXES) else None


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One kept record."""

    #: increases with every record kept (for "what is new since")
    seq: int
    time: float
    level: str
    levelno: int
    message: str
    #: "daemon" (a record of printerapp itself) or "queue" (a line of the queue's own log)
    source: str

    def as_json(self) -> dict[str, object]:
        """Return the entry as the API shows it."""
        return {
            "seq": self.seq,
            "time": self.time,
            "level": self.level,
            "message": self.message,
            "source": self.source,
        }


class LogRing:
    """The last records of one printer, bounded in count and bytes."""

    def __init__(self, records: int = RING_RECORDS, max_bytes: int = RING_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: collections.deque[LogEntry] = collections.deque(maxlen=records)
        self._bytes = 0

    def add(self, entry: LogEntry) -> None:
        """Keep *entry*, dropping the oldest while over a bound."""
        if len(self._entries) == self._entries.maxlen:
            self._bytes -= len(self._entries[0].message)
        self._entries.append(entry)
        self._bytes += len(entry.message)
        while self._bytes > self.max_bytes and len(self._entries) > 1:
            self._bytes -= len(self._entries.popleft().message)

    def entries(self) -> list[LogEntry]:
        """Return the kept entries, oldest first."""
        return list(self._entries)

    @property
    def size(self) -> int:
        """The characters of the kept messages."""
        return self._bytes


class LogRings:
    """A ring per printer; safe to write from any thread."""

    def __init__(self, max_rings: int = MAX_RINGS) -> None:
        self.max_rings = max_rings
        self._rings: collections.OrderedDict[str, LogRing] = collections.OrderedDict()
        self._lock = threading.Lock()

    def add(
        self, printer: str, level: int, message: str, source: str = "daemon", when: float = 0.0
    ) -> None:
        """Keep one record for *printer* (its message redacted and cut to MESSAGE_LIMIT)."""
        entry = LogEntry(
            next(_counter),
            when or time.time(),
            logging.getLevelName(level),
            level,
            redact(message[:MESSAGE_LIMIT]),
            source,
        )
        with self._lock:
            ring = self._rings.get(printer)
            if ring is None:
                ring = self._rings[printer] = LogRing()
                if len(self._rings) > self.max_rings:
                    self._rings.popitem(last=False)
            else:
                self._rings.move_to_end(printer)
            ring.add(entry)

    def entries(
        self, names: Iterable[str], minimum: int = logging.NOTSET, after: int = 0
    ) -> list[LogEntry]:
        """Return the entries of the printer known by any of *names*, oldest first."""
        with self._lock:
            found = {n: ring.entries() for n in set(names) if (ring := self._rings.get(n))}
        merged = (e for entries in found.values() for e in entries)
        return sorted(
            (e for e in merged if e.levelno >= minimum and e.seq > after), key=lambda e: e.seq
        )


class RingHandler(logging.Handler):
    """Keep the records that concern a printer in its ring."""

    def __init__(self, rings: LogRings) -> None:
        super().__init__(logging.NOTSET)
        self.rings = rings

    def emit(self, record: logging.LogRecord) -> None:
        """Keep *record* when it concerns a printer."""
        printer = printer_of(record)
        if printer is None:
            return
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            self.handleError(record)
            return
        if record.exc_info and record.exc_info[1] is not None:
            message += f" ({record.exc_info[1]!r})"
        source = getattr(record, "source", "daemon")
        self.rings.add(printer, record.levelno, message, str(source), record.created)


def current_log_level() -> str:
    """Return the root logger's level name."""
    return logging.getLevelName(logging.getLogger().getEffectiveLevel())


def set_log_level(level: str) -> str:
    """Set the root logger's level (one of LOG_LEVELS, any case); return its name."""
    name = level.strip().upper()
    if name not in LOG_LEVELS:
        raise InputError(f"log level {level!r} is not one of {', '.join(LOG_LEVELS)}")
    logging.getLogger().setLevel(name)
    return name
