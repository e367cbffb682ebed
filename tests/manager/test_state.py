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
    [bad] = tmp_path.glob("state.json.bad-*")
    assert bad.read_text() == "{not json"
    assert not path.exists()
    assert "not JSON" in caplog.text
    assert "no usable state.json.prev either: starting empty" in caplog.text


def test_saving_keeps_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    State((QUEUE,)).save(path)
    assert not (tmp_path / "state.json.prev").exists()  # nothing to keep the first time
    State().save(path)
    assert State.load(tmp_path / "state.json.prev") == State((QUEUE,))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json", "state.json.prev"]


@pytest.mark.parametrize("damage", ["{not json", "", "[]", '{"queues": [{"key"'])
def test_a_damaged_file_falls_back_to_the_last_good_copy(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    path = tmp_path / "state.json"
    State((QUEUE,)).save(path)
    State((QUEUE,), running=(RunningRecord(QUEUE.key, 1234, 99),)).save(path)
    whole = path.read_text()
    path.write_text(damage or whole[: len(whole) // 2])  # "" stands for a truncated file
    with caplog.at_level(logging.ERROR):
        assert State.load(path) == State((QUEUE,))  # the manual queues are not gone
    [bad] = tmp_path.glob("state.json.bad-*")
    assert bad.read_text() == (damage or whole[: len(whole) // 2])
    assert "loaded the last good copy, state.json.prev" in caplog.text


@pytest.mark.parametrize("key", ["../outside", "..", "/etc", "a/b", ".hidden", "", "x" * 65])
def test_a_key_that_could_leave_the_state_dir_is_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, key: str
) -> None:
    path = tmp_path / "state.json"
    good = State((QUEUE,), running=(RunningRecord(QUEUE.key, 1234, 99),)).to_json()
    evil = good.replace('"key": "HP_LaserJet_2100"', f'"key": "{key}"', 1)
    path.write_text(evil)
    with caplog.at_level(logging.ERROR):
        loaded = State.load(path)
    assert [r.key for r in loaded.queues] == []
    assert [r.key for r in loaded.running] == [QUEUE.key]
    assert "is not a safe file name" in caplog.text
    assert len(list(tmp_path.glob("state.json.bad-*"))) == 1  # the file as it was, kept
    with pytest.raises(ValueError, match="not a safe file name"):
        RunningRecord(key, 1, 1)


def test_bad_entry_is_dropped_and_named(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = State((QUEUE,)).to_json()
    path = tmp_path / "state.json"
    path.write_text(good.replace('"queues": [', '"queues": [{"key": "x", "port": "eight"}, 7, ', 1))
    with caplog.at_level(logging.ERROR):
        assert State.load(path).queues == (QUEUE,)
    assert "queues[0] dropped" in caplog.text
    assert "queues[1] dropped: not an object" in caplog.text
