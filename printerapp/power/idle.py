"""Idle power-off: a pure state machine per plug, with the clock passed in.

The machine is told what happens (jobs pending, processing or ended; the plug
seen on or off; a hold; a new delay) and asked what to do at time *now*
(:meth:`IdleMachine.decide`).  It never does I/O, so every rule is tested
with a fake clock; :mod:`printerapp.power.controller` runs it on the loop.

Rules:

* a pending or processing job, or a hold, wants the plug on;
* the idle timer counts from the end of the last job (or from the moment the
  plug was seen on with no job: someone pressed it); a new job cancels it;
* the plug goes off when the timer has run ``delay`` seconds and any hold has
  ended - never while a job is pending or processing;
* pre-warm (a print dialog asked the printer what it can do, see
  :mod:`printerapp.power.prewarm`) wants the plug on for ``prewarm delay``
  seconds from the last such request; when it switched an off plug on, the
  plug goes off again at the end of that short delay unless a job came
  (then the job's own idle delay applies), and a plug that was already on
  stays on at least that long;
* where the plug has a failsafe timer it is armed while the plug is on, for
  ``failsafe`` seconds or until the planned switch-off plus
  :data:`FAILSAFE_MARGIN_S` if that is later, and re-armed every
  :attr:`rearm_every` and whenever a job starts or ends: the plug goes off
  even if the host dies, and never under a running job while the host lives.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "FAILSAFE_MARGIN_S",
    "FAILSAFE_REARM_S",
    "Act",
    "Action",
    "IdleMachine",
    "JobPhase",
]

#: how often a plug-side failsafe timer is re-armed while the plug is on
FAILSAFE_REARM_S = 300.0
#: how long past the planned switch-off the failsafe fires
FAILSAFE_MARGIN_S = 120.0


class JobPhase(enum.Enum):
    """Where a job is, as far as power is concerned."""

    PENDING = "pending"
    PROCESSING = "processing"
    ENDED = "ended"


class Act(enum.Enum):
    """What the driver must do."""

    SWITCH_ON = "on"
    SWITCH_OFF = "off"
    ARM_FAILSAFE = "failsafe"


@dataclass(frozen=True, slots=True)
class Action:
    """One thing to do now; *seconds* is the failsafe's duration."""

    act: Act
    seconds: float = 0.0


@dataclass(slots=True)
class IdleMachine:
    """The power state of one plug and the jobs of the printers on it."""

    #: seconds from the end of the last job to switching off
    delay: float
    #: the failsafe timer's length while busy; 0 when the plug has none
    failsafe: float = 0.0
    #: the relay as last seen or switched: None until known
    plug_on: bool | None = None
    #: active jobs (key -> phase); ended jobs are removed
    jobs: dict[str, JobPhase] = field(default_factory=dict)
    #: when the idle timer started; None while busy or off
    idle_since: float | None = None
    hold_until: float = 0.0
    armed_at: float | None = None
    #: a print dialog wants the plug on until then
    prewarm_until: float = 0.0
    #: True while the plug is on for a dialog only: switched on by pre-warm, no job since
    prewarming: bool = False

    @property
    def busy(self) -> bool:
        """True while a job is pending or processing."""
        return bool(self.jobs)

    def _now_idle(self, now: float) -> None:
        if not self.busy and self.plug_on and self.idle_since is None:
            self.idle_since = now

    def job(self, key: str, phase: JobPhase, now: float) -> None:
        """Note that job *key* is pending, processing or ended."""
        self.armed_at = None  # the planned switch-off moved: re-arm the failsafe
        if phase is JobPhase.ENDED:
            if self.jobs.pop(key, None) is not None and not self.busy:
                self.idle_since = None
                self._now_idle(now)
            return
        self.jobs[key] = phase
        self.idle_since = None
        self.prewarming = False

    def jobs_seen(self, active: Mapping[str, JobPhase], now: float) -> None:
        """Replace the active jobs with a fresh listing of the queue (Get-Jobs)."""
        was_busy = self.busy
        if set(active) != set(self.jobs):
            self.armed_at = None
        self.jobs = {k: p for k, p in active.items() if p is not JobPhase.ENDED}
        if self.busy:
            self.idle_since = None
            self.prewarming = False
        elif was_busy:
            self._now_idle(now)

    def plug_seen(self, on: bool, now: float) -> None:
        """Note the relay state read from the plug (a manual power-on is noticed here)."""
        if on and not self.plug_on:
            self.idle_since = None
            self.armed_at = None
        self.plug_on = on
        if on:
            self._now_idle(now)
        else:
            self.idle_since = None
            self.armed_at = None
            # off while a dialog still wants it on: the coming switch-on is pre-warm's
            self.prewarming = now < self.prewarm_until and not self.busy

    def switched(self, on: bool, now: float) -> None:
        """Note that the driver switched the relay."""
        self.plug_seen(on, now)

    def failsafe_armed(self, now: float) -> None:
        """Note that the failsafe timer was armed."""
        self.armed_at = now

    def hold(self, until: float) -> None:
        """Keep the plug on until *until* (0 ends a hold)."""
        self.hold_until = until
        self.armed_at = None

    def prewarm(self, now: float, delay: float) -> None:
        """Note a print dialog: want the plug on for *delay* seconds from *now*."""
        self.prewarm_until = max(self.prewarm_until, now + delay)
        self.armed_at = None
        if self.plug_on is not True and not self.busy:
            self.prewarming = True

    def set_delay(self, delay: float) -> None:
        """Change the idle delay; a running timer uses the new value at once."""
        self.delay = max(0.0, delay)
        self.armed_at = None

    def off_at(self, now: float) -> float | None:
        """Return when the plug is due to go off; None while busy, held open-ended or off."""
        if self.busy or not self.plug_on:
            return None
        if self.prewarming:
            return max(self.prewarm_until, self.hold_until)
        since = now if self.idle_since is None else self.idle_since
        return max(since + self.delay, self.hold_until, self.prewarm_until)

    def _wants_on(self, now: float) -> bool:
        return self.busy or now < self.hold_until or now < self.prewarm_until

    def _failsafe(self, now: float) -> Action | None:
        if self.failsafe <= 0 or not self.plug_on:
            return None
        if self.armed_at is not None and now - self.armed_at < self.rearm_every:
            return None
        off = self.off_at(now)
        cover = 0.0 if off is None else off - now + FAILSAFE_MARGIN_S
        # Never shorter than ``failsafe``: should re-arming fail when a job starts
        # (plug unreachable for a while), an old timer must not cut the job.
        return Action(Act.ARM_FAILSAFE, max(self.failsafe, cover))

    @property
    def rearm_every(self) -> float:
        """Seconds between re-arms: well inside the failsafe's own length."""
        return min(FAILSAFE_REARM_S, self.failsafe / 3)

    def decide(self, now: float) -> list[Action]:
        """Return what to do at *now*."""
        if self._wants_on(now):
            if self.plug_on is not True:
                return [Action(Act.SWITCH_ON)]
        else:
            self._now_idle(now)
            off = self.off_at(now)
            if off is not None and now >= off:
                return [Action(Act.SWITCH_OFF)]
        failsafe = self._failsafe(now)
        return [failsafe] if failsafe is not None else []

    def next_change(self, now: float) -> float | None:
        """Return the next time :meth:`decide` may answer differently without new events."""
        times = [
            t
            for t in (self.off_at(now), self.hold_until, self.prewarm_until)
            if t is not None and t > now
        ]
        if self.failsafe > 0 and self.plug_on and self.armed_at is not None:
            times.append(self.armed_at + self.rearm_every)
        return min(times, default=None)
