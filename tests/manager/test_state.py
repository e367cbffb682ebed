"""state.json: round trip, atomic write, damaged files and entries."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from printerapp.manager.state import QueueRecord, RunningRecord, State, UnsupportedRecord

QUEUE = QueueRecord(
    key="HP_LaserJet_2100",
    name="HP LaserJet 2100 (usb)",
    device_uri="usb://HP/LaserJet%202100?serial=CN1",
    port=8000,
    ppd_name="foomatic:HP-LaserJet_2100-pxlmono.ppd",
    make_and_model="HP LaserJet 2100",
)


def test_round_trip(tmp_path: Path) -> None:
    state = State(
        (QUEUE,),
        (UnsupportedRecord("usb://X/Y", "X Y", "MFG:X;MDL:Y;", "no driver"),),
        (RunningRecord("HP_LaserJet_2100", 1234, 99),),
    )
    path = tmp_path / "state.json"
    state.save(path)
    assert State.load(path) == state
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary left


def test_missing_file_is_empty(tmp_path: Path) -> None:
    assert State.load(tmp_path / "state.json") == State()


def test_corrupt_file_is_set_aside(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with caplog.at_level(logging.ERROR):
        assert State.load(path) == State()
    assert (tmp_path / "state.json.bad").read_text() == "{not json"
    assert "not JSON" in caplog.text


def test_bad_entry_is_dropped_and_named(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = State((QUEUE,)).to_json()
    path = tmp_path / "state.json"
    path.write_text(good.replace('"queues": [', '"queues": [{"key": "x", "port": "eight"}, 7, ', 1))
    with caplog.at_level(logging.ERROR):
        assert State.load(path).queues == (QUEUE,)
    assert "queues[0] dropped" in caplog.text
    assert "queues[1] dropped: not an object" in caplog.text
