"""Run one plug's :class:`~printerapp.power.idle.IdleMachine` on the event loop.

The controller feeds the machine (job events, Get-Jobs listings, the plug's
state read every :data:`STATE_POLL_S`) and carries out its decisions through
the one retry policy.  An unreachable plug is logged, shown as
``unreachable`` in :attr:`PlugController.status`, and tried again after
:data:`UNREACHABLE_RETRY_S`; it never ends the controller.

Energy: a reading (W and the Wh counter, as the plug supports) is recorded
when a job starts and ends, every ``energy_sample`` seconds while the plug is
on, and at every switch-off, where it is also logged as the seed did.
A pre-warm period (the plug switched on for a print dialog) is logged apart
from jobs: from the switch-on to the first job, or to the switch-off when
no job came.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping

from printerapp.errors import PowerError
from printerapp.power.energy import EnergyLog
from printerapp.power.idle import Act, Action, IdleMachine, JobPhase
from printerapp.power.plugs.base import Plug, PlugFeature
from printerapp.power.plugs.retry import with_retry

__all__ = ["STATE_POLL_S", "UNREACHABLE_RETRY_S", "PlugController"]

logger = logging.getLogger(__name__)

#: how often the relay state is read, to notice someone pressing the plug
STATE_POLL_S = 30.0
#: pause before acting again on a plug that stayed unreachable
UNREACHABLE_RETRY_S = 30.0
#: the longest the loop sleeps without looking at the machine
MAX_SLEEP_S = 60.0


class _JobArrived(Exception):
    """A switch-off was abandoned because the plug is wanted again."""


class PlugController:
    """One plug, the jobs of the printers on it, and its idle timer."""

    def __init__(
        self,
        plug: Plug,
        machine: IdleMachine,
        energy: EnergyLog | None = None,
        *,
        energy_sample: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.plug = plug
        self.name = plug.spec.name
        self.machine = machine
        self.energy = energy
        self.energy_sample = energy_sample
        self.clock = clock
        #: ``on``, ``off``, ``unknown`` or ``unreachable``, for status displays
        self.status = "unknown"
        #: every switch done, as (time, on), for status and tests
        self.switches: list[tuple[float, bool]] = []
        self._wake = asyncio.Event()
        #: job -> the time of the reading taken at its start (None until taken)
        self._job_start: dict[str, float | None] = {}
        self._jobs_to_record: list[tuple[str, float | None]] = []
        self._next_poll = 0.0
        self._next_sample = 0.0
        self._retry_after = 0.0
        #: when pre-warm switched the plug on (None: not pre-warming)
        self._prewarm_start: float | None = None
        #: pre-warms switched on, for status and tests
        self.prewarms = 0

    # -- events (call on the loop) -----------------------------------------------------------

    def job(self, key: str, phase: JobPhase) -> None:
        """Note a job event from ippprint, the wrapper or a queue watcher."""
        if phase is JobPhase.ENDED:
            self._track_jobs({}, ended=[key])
        else:
            self._track_jobs({key: phase}, ended=[])
        self.machine.job(key, phase, self.clock())
        self._job_came()
        self._wake.set()

    def _job_came(self) -> None:
        if self._prewarm_start is not None and not self.machine.prewarming:
            self._prewarm_ended(job_followed=True)

    def jobs_seen(self, active: Mapping[str, JobPhase]) -> None:
        """Replace the active jobs with a fresh Get-Jobs listing."""
        gone = [k for k in self._job_start if k not in active]
        self._track_jobs(active, ended=gone)
        self.machine.jobs_seen(active, self.clock())
        self._job_came()
        self._wake.set()

    def hold(self, until: float) -> None:
        """Keep the plug on until *until*."""
        self.machine.hold(until)
        self._wake.set()

    def prewarm(self, delay: float) -> None:
        """Note a print dialog: keep the plug on (or switch it on) for *delay* seconds."""
        self.machine.prewarm(self.clock(), delay)
        self._wake.set()

    def _prewarm_ended(self, job_followed: bool) -> None:
        start, self._prewarm_start = self._prewarm_start, None
        if start is None or self.energy is None:
            return
        wh = self.energy.record_prewarm(self.name, start, self.clock(), job_followed)
        logger.info(
            "plug %s: pre-warm %s after %.0f s, %.2f Wh",
            self.name,
            "met a job" if job_followed else "ended without a job",
            self.clock() - start,
            wh,
        )

    def set_delay(self, delay: float) -> None:
        """Change the idle delay live."""
        self.machine.set_delay(delay)
        self._wake.set()

    def _track_jobs(self, active: Mapping[str, JobPhase], ended: list[str]) -> None:
        if self.energy is None:
            return
        for key in active:
            if key not in self._job_start:
                self._job_start[key] = None  # the next reading marks the start
                self._next_sample = 0.0
        for key in ended:
            if key in self._job_start:
                self._jobs_to_record.append((key, self._job_start.pop(key)))
                self._next_sample = 0.0

    # -- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Drive the plug until cancelled."""
        while True:
            now = self.clock()
            if now >= self._next_poll:
                await self._poll_state()
            if now >= self._retry_after:
                for action in self.machine.decide(self.clock()):
                    await self._apply(action)
            await self._energy_tick()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._sleep_for())

    def _sleep_for(self) -> float:
        now = self.clock()
        times = [self._next_poll, now + MAX_SLEEP_S]
        if (change := self.machine.next_change(now)) is not None:
            times.append(change)
        if self._retry_after > now:
            times.append(self._retry_after)
        if self.machine.plug_on and self.energy is not None:
            times.append(self._next_sample)
        return max(0.0, min(times) - now)

    async def _poll_state(self) -> None:
        self._next_poll = self.clock() + STATE_POLL_S
        try:
            on = await with_retry(self.plug.state, f"plug {self.name} state", attempts=1)
        except PowerError as exc:
            self._unreachable(exc)
            return
        self.machine.plug_seen(on, self.clock())
        self.status = "on" if on else "off"

    def _unreachable(self, exc: PowerError) -> None:
        logger.warning("plug %s: %s", self.name, exc)
        self.status = "unreachable"
        self._retry_after = self.clock() + UNREACHABLE_RETRY_S

    async def _apply(self, action: Action) -> None:
        try:
            if action.act is Act.SWITCH_ON:
                await with_retry(lambda: self.plug.switch(True), f"plug {self.name} on")
                self._switched(True)
            elif action.act is Act.SWITCH_OFF:
                await self._switch_off()
            else:
                await with_retry(
                    lambda: self.plug.arm_failsafe(action.seconds), f"plug {self.name} failsafe"
                )
                self.machine.failsafe_armed(self.clock())
        except PowerError as exc:
            self._unreachable(exc)

    def _switched(self, on: bool) -> None:
        now = self.clock()
        if on and self.machine.prewarming:
            self._prewarm_start = now
            self.prewarms += 1
            self._next_sample = 0.0  # a reading at the start of the pre-warm
        elif not on and self._prewarm_start is not None:
            self._prewarm_ended(job_followed=False)
        self.machine.switched(on, now)
        self.switches.append((now, on))
        self.status = "on" if on else "off"
        self._retry_after = 0.0
        logger.info("plug %s: switched %s", self.name, "on" if on else "off")

    def _still_off(self) -> bool:
        """Return True while the machine still wants the plug off (no job came meanwhile)."""
        return any(a.act is Act.SWITCH_OFF for a in self.machine.decide(self.clock()))

    async def _switch_off(self) -> None:
        watts, counter = await self._read_energy()
        if not self._still_off():
            return  # a job arrived while the meter was read
        if self.energy is not None and (watts is not None or counter is not None):
            self.energy.record(self.name, self.clock(), watts, counter, "switch-off")
        logger.info(
            "plug %s: turning off | power: %s W | total: %s kWh",
            self.name,
            "?" if watts is None else f"{watts:.2f}",
            "?" if counter is None else f"{counter / 1000:.3f}",
        )
        try:
            await with_retry(self._off_unless_busy, f"plug {self.name} off")
        except _JobArrived:
            logger.info("plug %s: a job arrived; staying on", self.name)
            return
        self._switched(False)

    async def _off_unless_busy(self) -> None:
        # Checked before every attempt: retries take seconds, and a job may arrive.
        if not self._still_off():
            raise _JobArrived
        await self.plug.switch(False)

    async def _read_energy(self) -> tuple[float | None, float | None]:
        watts = counter = None
        with contextlib.suppress(PowerError):
            if PlugFeature.POWER in self.plug.features:
                watts = await with_retry(self.plug.power_w, f"plug {self.name} power", attempts=2)
            if PlugFeature.ENERGY in self.plug.features:
                counter = await with_retry(
                    self.plug.energy_wh, f"plug {self.name} energy", attempts=2
                )
        return watts, counter

    async def _energy_tick(self) -> None:
        if self.energy is None:
            return
        now = self.clock()
        if now < self._next_sample or not (self.machine.plug_on or self._jobs_to_record):
            return
        self._next_sample = now + self.energy_sample
        watts, counter = await self._read_energy()
        if watts is None and counter is None:
            return
        ts = self.clock()
        self.energy.record(self.name, ts, watts, counter)
        for key, start in self._job_start.items():
            if start is None:
                self._job_start[key] = ts
        while self._jobs_to_record:
            key, start = self._jobs_to_record.pop(0)
            wh = self.energy.record_job(self.name, key, ts if start is None else start, ts)
            logger.info("plug %s: job %s used %.2f Wh", self.name, key, wh)
