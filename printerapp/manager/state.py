"""The manager's persistent state: ``<state>/state.json``, written atomically.

It keeps what must survive a restart or a reboot: each queue's key, name,
port, device and PPD, the devices found unsupported, and the process ids of
running ippeveprinter children (with their kernel start times, so a daemon
that was killed can tell its own orphans from a recycled pid).

A damaged file never stops the daemon: a file that is not JSON is set aside
as ``state.json.bad`` and the daemon starts empty; an entry with a bad field
is reported, naming it, and dropped while the others load.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any

from printerapp.errors import ConfigError

__all__ = ["STATE_VERSION", "QueueRecord", "RunningRecord", "State", "UnsupportedRecord"]

log = logging.getLogger(__name__)

STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class QueueRecord:
    """One printer's queue, as it is kept across restarts."""

    #: file-name-safe key: names the PPD, the spool directory and this entry
    key: str
    #: the DNS-SD service name people see
    name: str
    device_uri: str
    port: int
    #: the driver database's name of the chosen PPD ("" for a pinned file)
    ppd_name: str
    make_and_model: str
    device_id: str = ""
    location: str = ""
    #: "detected" or "manual" (a manual queue is never removed by a scan)
    origin: str = "detected"


@dataclass(frozen=True, slots=True)
class UnsupportedRecord:
    """A device for which no driver was found, with the reason."""

    device_uri: str
    make_and_model: str
    device_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class RunningRecord:
    """A running ippeveprinter, so a restarted daemon can adopt or kill it."""

    key: str
    pid: int
    #: field 22 of /proc/<pid>/stat: tells a live child from a reused pid
    start_ticks: int


@dataclass(frozen=True, slots=True)
class State:
    """Everything in state.json."""

    queues: tuple[QueueRecord, ...] = ()
    unsupported: tuple[UnsupportedRecord, ...] = ()
    running: tuple[RunningRecord, ...] = ()

    def to_json(self) -> str:
        """Return the file's text."""
        return json.dumps(
            {
                "version": STATE_VERSION,
                "queues": [asdict(q) for q in self.queues],
                "unsupported": [asdict(u) for u in self.unsupported],
                "running": [asdict(r) for r in self.running],
            },
            indent=1,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str, source: str = "state.json") -> State:
        """Parse the file's text; a bad entry is logged and skipped."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{source}: not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected an object at the top")
        return cls(
            tuple(_entries(data, "queues", QueueRecord, source)),
            tuple(_entries(data, "unsupported", UnsupportedRecord, source)),
            tuple(_entries(data, "running", RunningRecord, source)),
        )

    def save(self, path: Path) -> None:
        """Write atomically: a temporary file in the same directory, fsync, rename."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(self.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @classmethod
    def load(cls, path: Path) -> State:
        """Read *path*; missing means empty, damaged is set aside and means empty."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as exc:
            log.error("%s: cannot read the state file (%s); starting empty", path, exc)
            return cls()
        try:
            return cls.from_json(text, str(path))
        except ConfigError as exc:
            bad = path.with_name(path.name + ".bad")
            log.error("%s; set aside as %s, starting empty", exc, bad)
            path.replace(bad)
            return cls()


def _entries(data: dict[str, Any], key: str, kind: type[Any], source: str) -> list[Any]:
    raw = data.get(key, [])
    if not isinstance(raw, list):
        log.error("%s: %r is not a list; ignored", source, key)
        return []
    out = []
    for index, item in enumerate(raw):
        try:
            out.append(_record(kind, item))
        except (TypeError, ValueError) as exc:
            log.error("%s: %s[%d] dropped: %s", source, key, index, exc)
    return out


def _record(kind: type[Any], item: object) -> Any:
    if not isinstance(item, dict):
        raise TypeError("not an object")
    values = {}
    for f in fields(kind):
        if f.name not in item:
            if f.default is MISSING:
                raise ValueError(f"missing {f.name!r}")
            continue
        value = item[f.name]
        expected = int if f.type == "int" else str
        if not isinstance(value, expected) or isinstance(value, bool):
            raise TypeError(f"{f.name!r} must be {expected.__name__}")
        values[f.name] = value
    return kind(**values)
