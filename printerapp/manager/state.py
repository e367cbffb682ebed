"""The manager's persistent state: ``<state>/state.json``, written atomically.

It keeps what must survive a restart or a reboot: each queue's key, name,
port, device and PPD, the devices found unsupported, and the process ids of
running ippeveprinter children (with their kernel start times, so a daemon
that was killed can tell its own orphans from a recycled pid).

A damaged file never stops the daemon and never loses the user's queues
silently.  Each save first keeps the file it replaces as ``state.json.prev``.
A file that cannot be read as a whole is set aside as
``state.json.bad-<time>`` and the last good copy is loaded instead.  An
entry with a bad field, or a queue key that could leave the state directory
(``../x``), is reported, naming it, and dropped while the others load; the
file as it was is then kept as ``state.json.bad-<time>`` too.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any, Protocol

from printerapp.errors import ConfigError
from printerapp.manager.naming import is_queue_key

__all__ = [
    "STATE_VERSION",
    "QueueRecord",
    "RunningRecord",
    "State",
    "UnsupportedRecord",
    "record_matches",
]

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
    #: the USB port of a printer without a serial number ("" otherwise): what tells
    #: two identical ones apart, whose device URIs are the same
    port_path: str = ""

    def __post_init__(self) -> None:
        _check_key(self.key)


class _DeviceLike(Protocol):
    @property
    def uri(self) -> str: ...
    @property
    def port_path(self) -> str: ...


def record_matches(record: QueueRecord, device: _DeviceLike) -> bool:
    """Return True when *record* is the queue of *device*: the same URI and USB port path."""
    return record.device_uri == device.uri and record.port_path == device.port_path


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

    def __post_init__(self) -> None:
        _check_key(self.key)


def _check_key(key: str) -> None:
    # the key names files and directories under the state dir: it must stay there
    if not is_queue_key(key):
        raise ValueError(f"queue key {key!r} is not a safe file name")


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
        return cls.parse(text, source)[0]

    @classmethod
    def parse(cls, text: str, source: str = "state.json") -> tuple[State, int]:
        """Parse the file's text; return the state and how many bad entries were skipped."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{source}: not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected an object at the top")
        dropped: list[str] = []
        state = cls(
            tuple(_entries(data, "queues", QueueRecord, source, dropped)),
            tuple(_entries(data, "unsupported", UnsupportedRecord, source, dropped)),
            tuple(_entries(data, "running", RunningRecord, source, dropped)),
        )
        return state, len(dropped)

    def save(self, path: Path) -> None:
        """Write atomically (temporary file, fsync, rename), keeping the old file as ``.prev``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(self.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        _keep_previous(path)
        tmp.replace(path)
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @classmethod
    def load(cls, path: Path) -> State:
        """Read *path*; missing means empty; damaged is set aside and the last good copy used."""
        try:
            return cls._load_one(path, keep_bad=True)
        except ConfigError as exc:
            previous = path.with_name(path.name + PREV_SUFFIX)
            try:
                state = cls._load_one(previous, keep_bad=False) if previous.is_file() else None
            except ConfigError:
                state = None
            if state is None:
                log.error("%s; no usable %s either: starting empty", exc, previous.name)
                return cls()
            log.error("%s; loaded the last good copy, %s", exc, previous.name)
            return state

    @classmethod
    def _load_one(cls, path: Path, *, keep_bad: bool) -> State:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as exc:
            if keep_bad:
                _set_aside(path, move=not isinstance(exc, PermissionError))
            raise ConfigError(f"{path}: cannot read the state file ({exc})") from exc
        try:
            state, dropped = cls.parse(text, str(path))
        except ConfigError:
            if keep_bad:
                _set_aside(path, move=True)
            raise
        if dropped and keep_bad:
            _set_aside(path, move=False)
        return state


#: the copy each save keeps of the file it replaces
PREV_SUFFIX = ".prev"


def _keep_previous(path: Path) -> None:
    """Keep *path* as ``<path>.prev`` (a hard link swapped in atomically)."""
    previous = path.with_name(path.name + PREV_SUFFIX)
    link = path.with_name(f".{path.name}.prev.{os.getpid()}.tmp")
    try:
        link.unlink(missing_ok=True)
        os.link(path, link)
        link.replace(previous)
    except FileNotFoundError:
        return  # the first save: nothing to keep
    except OSError as exc:
        log.warning("%s: cannot keep the previous state as %s: %s", path, previous.name, exc)


def _set_aside(path: Path, *, move: bool) -> None:
    """Keep the damaged *path* as ``<path>.bad-<time>``, moved or copied, for the user."""
    bad = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%dT%H%M%S')}")
    try:
        if move:
            path.replace(bad)
        else:
            bad.write_bytes(path.read_bytes())
    except OSError as exc:
        log.error("%s: cannot keep a copy as %s: %s", path, bad.name, exc)
        return
    log.error("%s: kept as %s", path, bad.name)


def _entries(
    data: dict[str, Any], key: str, kind: type[Any], source: str, dropped: list[str]
) -> list[Any]:
    raw = data.get(key, [])
    if not isinstance(raw, list):
        log.error("%s: %r is not a list; ignored", source, key)
        dropped.append(key)
        return []
    out = []
    for index, item in enumerate(raw):
        try:
            out.append(_record(kind, item))
        except (TypeError, ValueError) as exc:
            log.error("%s: %s[%d] dropped: %s", source, key, index, exc)
            dropped.append(f"{key}[{index}]")
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
