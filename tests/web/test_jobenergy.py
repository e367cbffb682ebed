"""Matching a listed job to its measured energy: ids restart, times decide."""

from __future__ import annotations

from printerapp.power.energy import JobEnergy
from printerapp.web.jobenergy import energy_json, energy_text, match_energy
from printerapp.web.jobs import JobView


def job(job_id: int, created: float, completed: float | None) -> JobView:
    return JobView(job_id, "doc", "alice", "completed", (), "", 1, created, created, completed)


def measured(name: str, start: float, wh: float = 5.0, estimated: bool = False) -> JobEnergy:
    return JobEnergy(name, start, start + 20, wh, wh * 0.3 / 1000, "EUR", estimated)


def test_a_job_gets_the_record_of_its_own_id_and_time() -> None:
    old = measured("Desk/1", 1_000.0, wh=9.0)  # job 1 of the queue's run before a restart
    new = measured("Desk/1", 50_000.0, wh=4.0)
    other = measured("Hall/1", 50_001.0)
    found = match_energy([job(1, 49_999.0, 50_030.0)], [old, new, other], "Desk", 50_100.0)
    assert found == {1: new}


def test_a_job_without_a_record_in_its_time_gets_none() -> None:
    late = measured("Desk/2", 10_000.0)
    assert match_energy([job(2, 1_000.0, 1_030.0)], [late], "Desk", 20_000.0) == {}
    assert match_energy([job(2, 1_000.0, None)], [late], "Desk", 9_950.0) == {2: late}


def test_the_shown_forms_say_estimated_and_cost() -> None:
    record = measured("Desk/1", 0.0, wh=6.7345, estimated=True)
    assert energy_json(record) == {
        "wh": 6.734,
        "cost": round(record.cost or 0, 6),
        "currency": "EUR",
        "estimated": True,
    }
    assert energy_text(record) == "6.7 Wh · 0.0020 EUR (estimated)"
    assert energy_text(None) == ""
