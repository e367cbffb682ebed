"""What the dashboard needs of power: a small interface, and its adapter over plug controllers.

The web layer never reaches into the power package's internals: it talks to
a :class:`PowerControl`.  :class:`ControllerPower` implements it over the
:class:`~printerapp.power.controller.PlugController` of each printer and the
:class:`~printerapp.power.energy.EnergyLog`; :class:`NoPower` is what a
daemon without plugs has.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from printerapp.errors import PowerError
from printerapp.power.controller import PlugController
from printerapp.power.energy import DailyTotal, EnergyLog, JobEnergy, MonthlyTotal
from printerapp.power.plugs.retry import with_retry

__all__ = [
    "ControllerPower",
    "EnergySummary",
    "NoPower",
    "PowerControl",
    "PowerStatus",
    "daily_series",
    "filled_days",
]

log = logging.getLogger(__name__)

#: the longest hold or idle delay the API accepts (a week)
MAX_SECONDS = 7 * 86400.0


@dataclass(frozen=True, slots=True)
class PowerStatus:
    """A printer's plug as the dashboard shows it."""

    plug: str
    #: ``on``, ``off``, ``unknown`` or ``unreachable``
    state: str
    #: active (pending or processing) jobs on the plug
    jobs: int
    #: when the plug is due to go off (epoch seconds); None while busy or off
    off_at: float | None
    delay: float
    hold_until: float
    #: True while the plug is on for a print dialog only (pre-warm, no job yet)
    prewarm: bool = False


@dataclass(frozen=True, slots=True)
class EnergySummary:
    """A printer's energy and cost: by day (zeros included), by month, and per job."""

    #: the tariff's currency; empty without a tariff (then every cost is None)
    currency: str
    days: tuple[DailyTotal, ...]
    months: tuple[MonthlyTotal, ...]
    #: the jobs of the printer's plug that ended in the days shown, oldest first
    jobs: tuple[JobEnergy, ...]


def filled_days(totals: Sequence[DailyTotal], days: int, today: dt.date) -> list[DailyTotal]:
    """Return the *days* days up to *today*, with zero days (costing 0 with a tariff) filled in."""
    have = {t.day: t for t in totals}
    with_cost = any(t.cost is not None for t in totals)
    first = today - dt.timedelta(days=days - 1)
    return [
        have.get(d) or DailyTotal(d, 0.0, 0.0 if with_cost else None)
        for d in (first + dt.timedelta(days=i) for i in range(days))
    ]


class PowerControl(Protocol):
    """Power actions and figures per printer name."""

    def status(self, printer: str) -> PowerStatus | None:
        """Return the printer's plug status; None when it has no plug."""
        ...

    async def switch(self, printer: str, on: bool) -> None:
        """Switch the printer's plug; raise PowerError when it cannot."""
        ...

    def hold(self, printer: str, seconds: float) -> None:
        """Keep the plug on for *seconds* from now (0 ends a hold)."""
        ...

    def set_delay(self, printer: str, seconds: float) -> None:
        """Set the idle delay of the printer's plug."""
        ...

    def daily(self, printer: str, days: int, now: float) -> list[tuple[dt.date, float]]:
        """Return (day, Wh) for each of the last *days* days, oldest first, zeros included."""
        ...

    def energy_summary(self, printer: str, days: int, months: int, now: float) -> EnergySummary:
        """Return the printer's energy and cost by day, by month and per job."""
        ...


def daily_series(
    totals: Mapping[dt.date, float], days: int, today: dt.date
) -> list[tuple[dt.date, float]]:
    """Return (day, Wh) for the *days* days up to *today*, with zeros for missing days."""
    first = today - dt.timedelta(days=days - 1)
    return [(d, totals.get(d, 0.0)) for d in (first + dt.timedelta(days=i) for i in range(days))]


class NoPower:
    """No plugs: every printer has none."""

    def status(self, printer: str) -> PowerStatus | None:
        """Return None: no printer has a plug."""
        return None

    async def switch(self, printer: str, on: bool) -> None:
        """Refuse: there is no plug."""
        raise PowerError(f"printer {printer!r} has no plug")

    def hold(self, printer: str, seconds: float) -> None:
        """Refuse: there is no plug."""
        raise PowerError(f"printer {printer!r} has no plug")

    def set_delay(self, printer: str, seconds: float) -> None:
        """Refuse: there is no plug."""
        raise PowerError(f"printer {printer!r} has no plug")

    def daily(self, printer: str, days: int, now: float) -> list[tuple[dt.date, float]]:
        """Return zeros: nothing is measured."""
        return daily_series({}, days, dt.datetime.fromtimestamp(now).date())

    def energy_summary(self, printer: str, days: int, months: int, now: float) -> EnergySummary:
        """Return zeros: nothing is measured."""
        today = dt.datetime.fromtimestamp(now).date()
        return EnergySummary("", tuple(filled_days([], days, today)), (), ())


class ControllerPower:
    """Power over the running plug controllers, keyed by printer name."""

    def __init__(
        self,
        controllers: Mapping[str, PlugController],
        energy: EnergyLog | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.controllers = controllers
        self.energy = energy
        self.clock = clock

    def _controller(self, printer: str) -> PlugController:
        ctl = self.controllers.get(printer)
        if ctl is None:
            raise PowerError(f"printer {printer!r} has no plug")
        return ctl

    def status(self, printer: str) -> PowerStatus | None:
        """Return the printer's plug status; None when it has no plug."""
        ctl = self.controllers.get(printer)
        if ctl is None:
            return None
        machine = ctl.machine
        return PowerStatus(
            plug=ctl.name,
            state=ctl.status,
            jobs=len(machine.jobs),
            off_at=machine.off_at(self.clock()),
            delay=machine.delay,
            hold_until=machine.hold_until,
            prewarm=machine.prewarming and machine.plug_on is True,
        )

    async def switch(self, printer: str, on: bool) -> None:
        """Switch the plug now; switching off under an active job is refused."""
        ctl = self._controller(printer)
        if not on and ctl.machine.busy:
            raise PowerError(f"plug {ctl.name}: a job is active; not switching off")
        await with_retry(lambda: ctl.plug.switch(on), f"plug {ctl.name} {'on' if on else 'off'}")
        now = ctl.clock()
        ctl.machine.switched(on, now)
        ctl.switches.append((now, on))
        ctl.status = "on" if on else "off"
        log.info("plug %s: switched %s by hand", ctl.name, ctl.status, extra={"printer": printer})
        # re-setting the delay wakes the controller's loop, which then plans
        # the idle switch-off (and the failsafe) from the new relay state
        ctl.set_delay(ctl.machine.delay)

    def hold(self, printer: str, seconds: float) -> None:
        """Keep the plug on for *seconds* from now (0 ends a hold)."""
        ctl = self._controller(printer)
        ctl.hold(self.clock() + seconds if seconds > 0 else 0.0)

    def set_delay(self, printer: str, seconds: float) -> None:
        """Set the idle delay of the printer's plug."""
        self._controller(printer).set_delay(seconds)

    def daily(self, printer: str, days: int, now: float) -> list[tuple[dt.date, float]]:
        """Return the plug's daily energy, zeros included."""
        today = dt.datetime.fromtimestamp(now).date()
        ctl = self.controllers.get(printer)
        if ctl is None or self.energy is None:
            return daily_series({}, days, today)
        totals = {t.day: t.wh for t in self.energy.daily(ctl.name, days, now)}
        return daily_series(totals, days, dt.datetime.fromtimestamp(now, self.energy.tz).date())

    def energy_summary(self, printer: str, days: int, months: int, now: float) -> EnergySummary:
        """Return the plug's energy and cost; its jobs are the printer's queue's."""
        ctl = self.controllers.get(printer)
        if ctl is None or self.energy is None:
            return NoPower().energy_summary(printer, days, months, now)
        log = self.energy
        today = dt.datetime.fromtimestamp(now, log.tz).date()
        return EnergySummary(
            currency=log.currency,
            days=tuple(filled_days(log.daily(ctl.name, days, now), days, today)),
            months=tuple(log.monthly(ctl.name, months, now)),
            jobs=tuple(log.job_energy(ctl.name, now - days * 86400)),
        )
