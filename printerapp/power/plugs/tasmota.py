"""Tasmota plugs over their HTTP command API, ``/cm?cmnd=...``.

``Power1 On`` / ``Power1 Off`` / ``Power1`` switch and read the relay
(answer ``{"POWER1": "ON"}``, or ``{"POWER": ...}`` on a one-relay device);
``Status 8`` gives ``StatusSNS.ENERGY.Power`` (W) and ``.Total`` (kWh).
The failsafe is ``PulseTime``: the relay switches itself off that long after
it was switched on.  PulseTime counts 0.1 s steps up to 11.1 s (values 1..111)
and whole seconds above (value = seconds + 100), so arming sets it and then
switches the relay on again to restart the pulse.  PulseTime is kept by the
device, so a manual switch-on is covered by the failsafe too.

Option ``relay`` picks the relay (default 1).  A login (``WebPassword``) goes
in the ``user``/``password`` parameters; such URLs are never logged.
"""

from __future__ import annotations

import math
from typing import Any

from printerapp.errors import PowerError
from printerapp.power.plugs.base import Credentials, PlugFeature, PlugSpec
from printerapp.power.plugs.httpplug import HttpPlug, number

__all__ = ["MAX_PULSE_S", "TasmotaPlug", "pulse_time_value"]

#: the longest PulseTime a device accepts (64900 - 100 s)
MAX_PULSE_S = 64800


def pulse_time_value(seconds: float) -> int:
    """Return the PulseTime value that means *seconds* (rounded up, at least 0.1 s)."""
    if seconds <= 0:
        raise PowerError("failsafe delay must be positive")
    if seconds <= 11.1:
        return max(1, math.ceil(round(seconds * 10, 6)))
    return min(math.ceil(seconds), MAX_PULSE_S) + 100


class TasmotaPlug(HttpPlug):
    """A plug running Tasmota (Sonoff, Gosund, Athom...)."""

    features = PlugFeature.POWER | PlugFeature.ENERGY | PlugFeature.FAILSAFE

    def __init__(self, spec: PlugSpec, credentials: Credentials | None = None) -> None:
        super().__init__(spec, credentials)
        relay = spec.option("relay", "1")
        if not relay.isdecimal() or int(relay) < 1:
            raise PowerError(f"plug {spec}: option relay must be 1, 2, ...")
        self._relay = int(relay)

    async def command(self, cmnd: str) -> Any:
        """Run one Tasmota command and return its JSON answer."""
        params = {"cmnd": cmnd}
        if self.credentials is not None:
            params |= {"user": self.credentials.username, "password": self.credentials.password}
        answer = await self.get_json("/cm", params)
        if not isinstance(answer, dict):
            raise PowerError(f"plug {self.spec}: answer to {cmnd.split()[0]} is not an object")
        if answer.get("WARNING"):
            raise PowerError(f"plug {self.spec}: {str(answer['WARNING'])[:80]}")
        return answer

    def _power_word(self, answer: dict[str, Any]) -> bool:
        word = answer.get(f"POWER{self._relay}")
        if word is None and self._relay == 1:
            word = answer.get("POWER")
        if word not in ("ON", "OFF"):
            raise PowerError(f"plug {self.spec}: no state of relay {self._relay} in the answer")
        return bool(word == "ON")

    async def state(self) -> bool:
        """Return True when the relay is on."""
        return self._power_word(await self.command(f"Power{self._relay}"))

    async def switch(self, on: bool) -> None:
        """Switch the relay on or off."""
        answer = await self.command(f"Power{self._relay} {'On' if on else 'Off'}")
        if self._power_word(answer) != on:
            raise PowerError(f"plug {self.spec}: relay did not switch {'on' if on else 'off'}")

    async def _energy(self) -> Any:
        answer = await self.command("Status 8")
        return answer.get("StatusSNS", {}).get("ENERGY")

    async def power_w(self) -> float:
        """Return the power in W."""
        return number(await self._energy(), "Power", what="power reading (ENERGY.Power)")

    async def energy_wh(self) -> float:
        """Return the energy counter in Wh."""
        return number(await self._energy(), "Total", what="energy counter") * 1000.0

    async def arm_failsafe(self, seconds: float) -> None:
        """Set PulseTime to *seconds* and restart it if the relay is on."""
        value = pulse_time_value(seconds)
        await self.command(f"PulseTime{self._relay} {value}")
        if await self.state():
            await self.command(f"Power{self._relay} On")
