"""The idle state machine, on a fake clock: every rule of power-off."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from printerapp.power.idle import (
    FAILSAFE_MARGIN_S,
    Act,
    Action,
    IdleMachine,
    JobPhase,
)

DELAY = 600.0


def _acts(machine: IdleMachine, now: float) -> list[Act]:
    return [a.act for a in machine.decide(now)]


def _run(machine: IdleMachine, now: float) -> list[Act]:
    """Decide and carry out the switches, as the controller would."""
    acts = _acts(machine, now)
    for act in acts:
        if act is Act.SWITCH_ON:
            machine.switched(True, now)
        elif act is Act.SWITCH_OFF:
            machine.switched(False, now)
    return acts


def test_job_switches_on_and_idle_delay_switches_off() -> None:
    m = IdleMachine(delay=DELAY, plug_on=False)
    assert _acts(m, 0) == []
    m.job("q/1", JobPhase.PENDING, 0)
    assert _run(m, 0) == [Act.SWITCH_ON]
    m.job("q/1", JobPhase.PROCESSING, 5)
    assert _run(m, 100) == []
    m.job("q/1", JobPhase.ENDED, 100)
    assert m.off_at(100) == 100 + DELAY
    assert _run(m, 100 + DELAY - 1) == []
    assert _run(m, 100 + DELAY) == [Act.SWITCH_OFF]
    assert m.plug_on is False
    assert _run(m, 10_000) == []


def test_second_job_during_idle_delay_resets_the_timer() -> None:
    m = IdleMachine(delay=DELAY, plug_on=True)
    m.job("q/1", JobPhase.PROCESSING, 0)
    m.job("q/1", JobPhase.ENDED, 10)
    m.job("q/2", JobPhase.PENDING, 400)
    assert m.off_at(400) is None
    m.job("q/2", JobPhase.ENDED, 450)
    assert _run(m, 10 + DELAY) == []
    assert _run(m, 450 + DELAY) == [Act.SWITCH_OFF]


def test_long_job_is_never_switched_off() -> None:
    m = IdleMachine(delay=60, plug_on=True)
    m.job("q/1", JobPhase.PROCESSING, 0)
    assert all(_run(m, t) == [] for t in range(0, 10_000, 7))
    m.job("q/1", JobPhase.ENDED, 10_000)
    assert _run(m, 10_060) == [Act.SWITCH_OFF]


def test_manual_power_on_starts_the_idle_timer() -> None:
    m = IdleMachine(delay=DELAY, plug_on=False)
    m.plug_seen(True, 50)  # someone pressed the plug
    assert m.off_at(50) == 50 + DELAY
    assert _run(m, 50 + DELAY) == [Act.SWITCH_OFF]


def test_plug_found_on_at_start_goes_off_after_the_delay() -> None:
    m = IdleMachine(delay=DELAY)
    m.plug_seen(True, 7)
    assert _run(m, 7 + DELAY) == [Act.SWITCH_OFF]


def test_hold_keeps_on_and_switches_on() -> None:
    m = IdleMachine(delay=10, plug_on=False)
    m.hold(7200)
    assert _run(m, 0) == [Act.SWITCH_ON]
    assert _run(m, 3600) == []
    assert _run(m, 7200) == [Act.SWITCH_OFF]


def test_delay_changes_live() -> None:
    m = IdleMachine(delay=DELAY, plug_on=True)
    m.job("q/1", JobPhase.PROCESSING, 0)
    m.job("q/1", JobPhase.ENDED, 0)
    m.set_delay(30)
    assert m.next_change(1) == 30
    assert _run(m, 30) == [Act.SWITCH_OFF]


def test_listing_replaces_reports_and_catches_missed_ends() -> None:
    m = IdleMachine(delay=DELAY, plug_on=False)
    m.jobs_seen({"q/3": JobPhase.PENDING}, 0)
    assert _run(m, 0) == [Act.SWITCH_ON]
    m.jobs_seen({}, 20)  # the job-end report was lost; the listing says it is gone
    assert m.off_at(20) == 20 + DELAY


def test_failsafe_is_rearmed_while_a_job_runs() -> None:
    m = IdleMachine(delay=60, failsafe=90, plug_on=True)
    m.job("q/1", JobPhase.PROCESSING, 0)
    armed = []
    for t in range(0, 1000):
        for action in m.decide(t):
            assert action.act is Act.ARM_FAILSAFE
            armed.append((t, action.seconds))
            m.failsafe_armed(t)
    assert armed[0] == (0, 90)
    # re-armed well before each timer could fire
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(armed)]
    assert gaps
    assert max(gaps) < 90
    m.job("q/1", JobPhase.ENDED, 1000)
    assert m.decide(1000) == [Action(Act.ARM_FAILSAFE, max(90, 60 + FAILSAFE_MARGIN_S))]
    m.failsafe_armed(1000)
    m.job("q/2", JobPhase.PENDING, 1010)  # a new job re-arms at once
    assert m.decide(1010) == [Action(Act.ARM_FAILSAFE, 90)]


events = st.lists(
    st.tuples(
        st.sampled_from(["pending", "processing", "ended", "seen-on", "seen-off", "listing"]),
        st.integers(0, 3),
        st.floats(0, 500),
    ),
    max_size=40,
)


@given(events, st.floats(0, 1000))
def test_never_off_while_a_job_is_active(
    script: list[tuple[str, int, float]], delay: float
) -> None:
    m = IdleMachine(delay=delay, failsafe=100)
    now = 0.0
    for kind, job, step in script:
        now += step
        key = f"q/{job}"
        if kind == "seen-on":
            m.plug_seen(True, now)
        elif kind == "seen-off":
            m.plug_seen(False, now)
        elif kind == "listing":
            m.jobs_seen({key: JobPhase.PROCESSING} if job % 2 else {}, now)
        else:
            m.job(key, JobPhase(kind), now)
        acts = _run(m, now)
        if m.jobs:
            assert Act.SWITCH_OFF not in acts
            assert m.plug_on is True
        if Act.SWITCH_OFF in acts:
            assert not m.jobs
            assert now >= (m.hold_until or 0)
