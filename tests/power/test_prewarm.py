"""Pre-warm: the dialog heuristic, the idle machine's rules with a fake clock, the energy log."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.ipp.peek import GET_PRINTER_ATTRIBUTES, IppRequestHead
from printerapp.power.energy import EnergyLog, energy_report
from printerapp.power.idle import Act, IdleMachine, JobPhase
from printerapp.power.prewarm import Asked, classify


def _head(op: int = GET_PRINTER_ATTRIBUTES, complete: bool = True, **attrs: str) -> IppRequestHead:
    operation = {k.replace("_", "-"): tuple(v.split(",")) for k, v in attrs.items()}
    return IppRequestHead((2, 0), op, 1, operation, complete)


@pytest.mark.parametrize(
    ("head", "asked"),
    [
        (_head(), Asked.DIALOG),  # no requested-attributes means all
        (_head(requested_attributes="all,media-col-database"), Asked.DIALOG),
        (_head(requested_attributes="printer-description,job-template"), Asked.DIALOG),
        (_head(requested_attributes="printer-state,media-col-ready"), Asked.DIALOG),
        (_head(requested_attributes="printer-state"), Asked.STATUS_POLL),
        (
            _head(requested_attributes="printer-state,printer-state-reasons,marker-levels"),
            Asked.STATUS_POLL,
        ),
        (_head(requested_attributes="printer-supply,printer-alert-description"), Asked.STATUS_POLL),
        (_head(requesting_user_name="printerapp"), Asked.OWN),
        (_head(complete=False), Asked.STATUS_POLL),
        (_head(op=0x0002), Asked.OTHER),
        (_head(op=0x000A), Asked.OTHER),
    ],
)
def test_classify(head: IppRequestHead, asked: Asked) -> None:
    assert classify(head) is asked


def _acts(machine: IdleMachine, now: float) -> list[Act]:
    return [a.act for a in machine.decide(now)]


def test_a_dialog_switches_an_off_plug_on_and_off_again_after_the_short_delay() -> None:
    m = IdleMachine(delay=600)
    m.plug_seen(False, 0)
    m.prewarm(10, 120)
    assert _acts(m, 10) == [Act.SWITCH_ON]
    m.switched(True, 10.5)
    assert m.prewarming
    m.prewarm(40, 120)  # the dialog asks again: counted from its last request
    assert _acts(m, 159) == []
    assert m.next_change(100) == 160
    assert _acts(m, 160) == [Act.SWITCH_OFF]


def test_a_job_after_the_dialog_gets_the_normal_idle_delay() -> None:
    m = IdleMachine(delay=600)
    m.plug_seen(False, 0)
    m.prewarm(0, 120)
    m.switched(True, 1)
    m.job("q/1", JobPhase.PROCESSING, 15)
    assert not m.prewarming
    m.job("q/1", JobPhase.ENDED, 30)
    assert _acts(m, 200) == []
    assert m.off_at(200) == 630


def test_a_dialog_keeps_an_already_on_plug_on_at_least_the_short_delay() -> None:
    m = IdleMachine(delay=10)
    m.plug_seen(True, 0)
    m.prewarm(5, 120)
    assert not m.prewarming  # it was on anyway: no pre-warm to log
    assert _acts(m, 20) == []
    assert _acts(m, 125) == [Act.SWITCH_OFF]


def test_a_plug_first_seen_off_still_counts_as_pre_warm() -> None:
    m = IdleMachine(delay=600)
    m.prewarm(0, 120)  # the state is not known yet
    m.plug_seen(False, 0.1)
    assert m.prewarming
    assert _acts(m, 0.2) == [Act.SWITCH_ON]


def test_the_energy_log_keeps_pre_warm_apart_from_jobs(tmp_path: Path) -> None:
    log = EnergyLog(tmp_path / "e.sqlite3")
    try:
        log.record("desk", 1000, 0.0, 100.0)
        log.record("desk", 1060, 30.0, 100.5)
        # 0.5 Wh read by 1060, then 40 s at the 30 W last read (an estimate, as for jobs)
        warm = 0.5 + 30 * 40 / 3600
        assert log.record_prewarm("desk", 1000, 1100, job_followed=False) == pytest.approx(warm)
        log.record("desk", 1200, 30.0, 101.5)
        # the job has its share of the 1060-1200 reading: 100 of 140 s
        assert log.record_job("desk", "q/1", 1100, 1200) == pytest.approx(1.0 * 100 / 140)
        assert log.prewarms("desk", 0) == [(1000, 1100, pytest.approx(warm), False)]
        report = energy_report(log, "desk", 1, 1300)
        assert "Pre-warm: 1 times, 1.7 min on, 0.8 Wh, 0 followed by a job" in report
        assert "0.7 Wh" in report
    finally:
        log.close()


def test_prewarm_is_on_by_default_and_set_per_printer(tmp_path: Path) -> None:
    from printerapp.config import load_config
    from printerapp.power.settings import power_settings

    path = tmp_path / "printerapp.toml"
    path.write_text(
        "[power]\nprewarm_delay = 60\n"
        '[power.printers.a]\nplug = "desk"\n'
        '[power.printers.b]\nplug = "desk"\nprewarm = false\n'
        '[power.printers.c]\nplug = "desk"\nprewarm_delay = 30\n'
    )
    settings = power_settings(load_config(path))
    assert settings.prewarm
    assert (settings.printers["a"].prewarm, settings.printers["a"].prewarm_delay) == (True, 60)
    assert not settings.printers["b"].prewarm
    assert settings.printers["c"].prewarm_delay == 30
    fallback = settings.printer("d", "desk")  # a queue with a plug from the environment only
    assert fallback is not None
    assert fallback.prewarm_delay == 60


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[power]\nprewarm = 1\n", r"power.prewarm: expected bool"),
        ("[power]\nprewarm_delay = -1\n", r"power.prewarm_delay: -1 is below the minimum"),
        ('[power.printers.a]\nplug = "d"\nprewarm = "yes"\n', r"prewarm: expected bool"),
    ],
)
def test_a_bad_prewarm_setting_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    from printerapp.config import load_config
    from printerapp.errors import ConfigError
    from printerapp.power.settings import power_settings

    path = tmp_path / "printerapp.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        power_settings(load_config(path))
