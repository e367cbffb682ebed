"""A one-relay Tasmota plug with an energy monitor on 127.0.0.1.

``/cm?cmnd=...`` understands ``Power``/``Power1`` with ``On``, ``Off``,
``Toggle`` or nothing (answer ``{"POWER": "ON"}``), ``PulseTime``/``PulseTime1``
with or without a value (Tasmota's encoding: 1..111 tenths of a second,
112.. seconds plus 100; a switch-on restarts the pulse) and ``Status 8``
(``StatusSNS.ENERGY.Power`` W, ``.Total`` kWh).  Anything else gets
``{"Command": "Unknown"}``.  With ``password`` set, requests must carry
``user=admin&password=...`` or get HTTP 401, as with ``WebPassword``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.support.plugsim.base import PlugSim

__all__ = ["TasmotaSim", "pulse_seconds"]


def pulse_seconds(value: int) -> float:
    """Return the seconds a PulseTime value means (0: off)."""
    return value / 10 if value <= 111 else float(value - 100)


class TasmotaSim(PlugSim):
    """A Tasmota plug (Sonoff S31-like)."""

    def __init__(self, *, password: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.password = password
        self.pulse_time = 0

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/cm", self._cm)

    async def _cm(self, request: web.Request) -> web.Response:
        query = request.query
        if self.password and (query.get("user"), query.get("password")) != (
            "admin",
            self.password,
        ):
            raise web.HTTPUnauthorized
        command, _, arg = query.get("cmnd", "").strip().partition(" ")
        return web.json_response(self._run(command.lower(), arg.strip().lower()))

    def _run(self, command: str, arg: str) -> dict[str, Any]:
        if command in ("power", "power1"):
            return self._power(arg)
        if command in ("pulsetime", "pulsetime1"):
            if arg:
                self.pulse_time = int(arg)
            return {"PulseTime1": {"Set": self.pulse_time, "Remaining": self._remaining()}}
        if command == "status" and arg == "8":
            return {"StatusSNS": {"Time": "2026-11-24T00:00:00", "ENERGY": self._energy()}}
        return {"Command": "Unknown"}

    def _power(self, arg: str) -> dict[str, Any]:
        if arg in ("on", "1", "off", "0", "toggle", "2"):
            on = arg in ("on", "1") or (arg in ("toggle", "2") and not self.is_on)
            pulse = pulse_seconds(self.pulse_time) if self.pulse_time else 0
            self.set_relay(on, failsafe_s=pulse)
        elif arg:
            return {"Command": "Error"}
        return {"POWER": "ON" if self.is_on else "OFF"}

    def _remaining(self) -> int:
        remaining = self.failsafe_remaining()
        return 0 if remaining is None else round(remaining * 10)

    def _energy(self) -> dict[str, Any]:
        on = self.is_on
        return {
            "Total": round(self.energy_wh / 1000, 6),
            "Yesterday": 0.0,
            "Today": 0.0,
            "Power": self.power_w if on else 0,
            "Voltage": 230 if on else 0,
            "Current": round(self.power_w / 230, 3) if on else 0,
        }
