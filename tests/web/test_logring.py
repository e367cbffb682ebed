"""Per-printer log rings, the records they keep, the queue-log follower and the level switch."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.errors import InputError
from printerapp.web import queuelog
from printerapp.web.logring import (
    LogRing,
    LogRings,
    RingHandler,
    current_log_level,
    printer_of,
    redact,
    set_log_level,
)
from printerapp.web.queuelog import QueueLogTail, line_level

_KEY = "HP_LaserJet_2100_Series"


@pytest.fixture
def rings() -> Iterator[LogRings]:
    """A ring store whose handler sits on the root logger at INFO for the test."""
    store = LogRings()
    handler = RingHandler(store)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield store
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _messages(store: LogRings, *names: str, minimum: int = 0) -> list[str]:
    return [e.message for e in store.entries(names, minimum)]


def test_records_are_kept_by_their_printer_extra_or_their_format(rings: LogRings) -> None:
    log = logging.getLogger("printerapp.test")
    log.info("job %d printed", 3, extra={"printer": _KEY})
    log.warning("queue %r: %s; restarting", "Office", "ended with status 1")
    log.info("printer %r: test page sent", "Office")
    log.info("plug %s: switched %s", "desk", "on")  # the plug's ring, shown with its printers
    log.info("dashboard: %s", "http://127.0.0.1:7631/")  # no printer: not kept
    log.info("%s: queue %r mentioned in the middle", "x", "Office")  # not the format's start
    assert _messages(rings, _KEY) == ["job 3 printed"]
    assert _messages(rings, "plug:desk") == ["plug desk: switched on"]
    assert _messages(rings, "Office") == [
        "queue 'Office': ended with status 1; restarting",
        "printer 'Office': test page sent",
    ]
    # a printer is asked for by its key and its name at once, in the order logged
    both = _messages(rings, _KEY, "Office")
    assert both[0] == "job 3 printed"
    assert len(both) == 3


def test_the_level_decides_what_is_kept_and_can_change_at_once(rings: LogRings) -> None:
    log = logging.getLogger("printerapp.test")
    log.debug("queue %r: hidden", "P")
    assert set_log_level("debug") == "DEBUG"
    assert current_log_level() == "DEBUG"
    log.debug("queue %r: shown", "P")
    assert _messages(rings, "P") == ["queue 'P': shown"]
    # asked from INFO up, the DEBUG record is left out (it stays kept)
    assert _messages(rings, "P", minimum=logging.INFO) == []
    with pytest.raises(InputError, match="'LOUD' is not one of DEBUG, INFO, WARNING, ERROR"):
        set_log_level("LOUD")
    assert current_log_level() == "DEBUG"


def test_credentials_in_uris_are_never_kept(rings: LogRings) -> None:
    logging.getLogger("printerapp.test").error(
        "%s: cannot connect", "ipp://alice:s3cret@printer.local/ipp", extra={"printer": "P"}
    )
    (message,) = _messages(rings, "P")
    assert "s3cret" not in message
    assert message == "ipp://***@printer.local/ipp: cannot connect"
    assert redact("smb://WORKGROUP;bob:pw@host/q and http://tok@x/") == (
        "smb://***@host/q and http://***@x/"
    )


@given(st.text(max_size=200))
def test_redact_masks_the_userinfo_whatever_follows(text: str) -> None:
    out = redact(f"ipp://u:p4ss@h/ {text}")
    assert out.startswith("ipp://***@h/ ")
    assert redact(out) == out  # masking twice changes nothing


def test_a_ring_is_bounded_in_records_and_bytes() -> None:
    store = LogRings()
    for i in range(1200):
        store.add("P", logging.INFO, f"record {i}")
    entries = store.entries(["P"])
    assert len(entries) == 500
    assert entries[-1].message == "record 1199"
    ring = LogRing(records=100, max_bytes=1000)
    for i in range(50):
        ring.add(store.entries(["P"])[0].__class__(i, 0.0, "INFO", 20, "x" * 100, "daemon"))
    assert ring.size <= 1000
    assert len(ring.entries()) == 10
    # one huge message is cut, so it cannot push the printer's history out alone
    store.add("Q", logging.ERROR, "y" * 100_000)
    assert len(store.entries(["Q"])[0].message) == 2000


def test_rings_are_bounded_in_number() -> None:
    store = LogRings(max_rings=3)
    for name in "ABCD":
        store.add(name, logging.INFO, name)
    assert store.entries(["A"]) == []
    assert [e.message for e in store.entries("BCD")] == ["B", "C", "D"]


def test_after_gives_only_newer_records() -> None:
    store = LogRings()
    store.add("P", logging.INFO, "one")
    first = store.entries(["P"])[0].seq
    store.add("P", logging.INFO, "two")
    assert [e.message for e in store.entries(["P"], after=first)] == ["two"]


def test_printer_of_ignores_records_without_a_name() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "queue %r: x", (7,), None)
    assert printer_of(record) is None
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "queue %r: x", None, None)
    assert printer_of(record) is None


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ('[Job 1] Running command "/usr/bin/printerapp-ippprint /s/1-untitled.pdf".', "INFO"),
        ('[Job 1] Command "/usr/bin/printerapp-ippprint" completed successfully.', "INFO"),
        ('[Job 2] Command "/usr/bin/printerapp-ippprint" exited with status 1.', "ERROR"),
        ("[Job 2] ERROR: The printer is not responding.", "ERROR"),
        ("[Job 3] Command - ERROR: the job was cancelled; its processes were stopped", "ERROR"),
        ("[Job 3] Command - INFO: Connected to printer.", "INFO"),
        ("Avahi server crashed, exiting.", "ERROR"),
        ("[Job 2] WARNING: low toner", "WARNING"),
        ("[Job 2] DEBUG: pdftopdf started", "DEBUG"),
        ('[Job 1] Ignoring update of attribute "job-media-progress" with value "1".', "DEBUG"),
        ("localhost Print-Job successful-ok", "DEBUG"),
        ("Ignored Avahi state 2.", "DEBUG"),
        ("Unable to create IPv6 listener", "ERROR"),
    ],
)
def test_queue_log_line_levels(line: str, level: str) -> None:
    assert logging.getLevelName(line_level(line)) == level


def test_the_follower_logs_new_lines_through_logging(tmp_path: Path, rings: LogRings) -> None:
    path = tmp_path / f"{_KEY}.log"
    path.write_text("before the daemon\n")
    os.utime(path, (1, 1))  # older than the follower: only what comes after is read
    tail = QueueLogTail(tmp_path)
    assert tail.poll([_KEY]) == 0
    with path.open("a") as out:
        out.write('[Job 1] Running command "x".\nlocalhost Get-Jobs successful-ok\n[Job 1] Comm')
    assert tail.poll([_KEY]) == 2
    with path.open("a") as out:
        out.write('and "x" exited with status 3.\n')
    assert tail.poll([_KEY]) == 1
    entries = rings.entries([_KEY])
    assert [(e.level, e.message, e.source) for e in entries] == [
        ("INFO", '[Job 1] Running command "x".', "queue"),
        # the DEBUG chatter is below the level: not kept
        ("ERROR", '[Job 1] Command "x" exited with status 3.', "queue"),
    ]


def test_the_follower_starts_a_new_log_from_its_start(tmp_path: Path, rings: LogRings) -> None:
    path = tmp_path / f"{_KEY}.log"
    tail = QueueLogTail(tmp_path, started=0.0)
    path.write_text("[Job 1] first, and a long line as a log cut at a restart has\n")
    assert tail.poll([_KEY]) == 1  # fresh since the follower started: read from the start
    path.unlink()
    path.write_text("[Job 1] after the cut\n")  # the queue restarted with a new log
    assert tail.poll([_KEY]) == 1
    messages = [e.message for e in rings.entries([_KEY])]
    assert messages[1:] == ["[Job 1] after the cut"]
    assert tail.poll(["Gone_Printer"]) == 0  # no log (yet): nothing, no error


def test_a_flood_is_cut_and_said(
    tmp_path: Path, rings: LogRings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queuelog, "READ_LIMIT", 100)
    path = tmp_path / f"{_KEY}.log"
    tail = QueueLogTail(tmp_path, started=0.0)
    path.write_text("[Job 1] line\n" * 50)
    tail.poll([_KEY])
    messages = [e.message for e in rings.entries([_KEY])]
    assert messages[0] == "550 bytes of the queue's log skipped"
    assert 0 < len(messages) - 1 <= 100 // len("[Job 1] line\n") + 1


def test_only_busy_queues_are_read_between_sweeps(tmp_path: Path, rings: LogRings) -> None:
    now = [1000.0]
    tail = QueueLogTail(tmp_path, started=0.0, clock=lambda: now[0])
    quiet, busy = tmp_path / "Quiet.log", tmp_path / f"{_KEY}.log"
    assert tail.due() is None  # the first look reads every queue
    busy.write_text("[Job 1] Running command\n")
    assert tail.poll([_KEY, "Quiet"]) == 1
    assert tail.busy()
    now[0] += queuelog.TAIL_S
    assert tail.due() == [_KEY]  # a job's line: read every TAIL_S
    now[0] += queuelog.HOT_S  # no job line for HOT_S: only the sweeps read it
    assert tail.due() is None
    assert tail.poll([_KEY, "Quiet"]) == 0
    assert not tail.busy()
    assert tail.due() == []
    assert tail.next_sweep() == queuelog.IDLE_TAIL_S
    tail.wake("Quiet", queuelog.WOKEN_S)  # a request reached its port
    quiet.write_text("localhost Get-Jobs successful-ok\n")
    assert tail.due() == ["Quiet"]
    assert tail.poll(["Quiet"], every=False) == 1
    now[0] += queuelog.WOKEN_S - 0.1
    assert tail.due() == ["Quiet"]  # request chatter keeps it busy a little while only
    now[0] += 0.2
    assert tail.due() == []
    tail.wake(_KEY)  # its log page asked
    tail.wake(_KEY, queuelog.WOKEN_S)  # a shorter wake does not cut the longer one
    now[0] += queuelog.IDLE_TAIL_S
    assert tail.due() is None
    tail.poll(["Quiet"])  # every queue there is: the other one is gone, busy or not
    now[0] += queuelog.TAIL_S
    assert tail.due() == []
