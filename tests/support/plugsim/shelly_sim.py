"""A Shelly plug on 127.0.0.1: Gen1 (``/relay/0``, ``/status``) or Gen2 RPC.

Gen1 answers ``/shelly`` without ``gen``, ``/relay/0?turn=on|off[&timer=S]``
and ``/status`` (``relays[0].ison``, ``meters[0].power`` W, ``meters[0].total``
watt-minutes).  Gen2 answers ``/shelly`` with ``gen: 2``,
``/rpc/Switch.Set?id=0&on=true[&toggle_after=S]`` and
``/rpc/Switch.GetStatus?id=0`` (``output``, ``apower``, ``aenergy.total`` Wh).
Only relay 0 exists; another id gets the device's 404-style error.  With
``meter=False`` the plug reads power but has no counter (no ``aenergy`` and
no ``total``); :meth:`PlugSim.play_profile` scripts the load's power over time.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.support.plugsim.base import PlugSim

__all__ = ["ShellySim"]


def _timer(text: str | None) -> float | None:
    return float(text) if text else None


class ShellySim(PlugSim):
    """A Shelly Plug S (gen=1) or Plus Plug S (gen=2)."""

    def __init__(self, *, gen: int = 2, meter: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gen = gen
        #: False: a plug that reads power but has no energy counter
        self.meter = meter

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/shelly", self._shelly)
        if self.gen >= 2:
            app.router.add_get("/rpc/Switch.Set", self._rpc_set)
            app.router.add_get("/rpc/Switch.GetStatus", self._rpc_status)
        else:
            app.router.add_get("/relay/{index}", self._relay)
            app.router.add_get("/status", self._status)

    async def _shelly(self, request: web.Request) -> web.Response:
        if self.gen >= 2:
            return web.json_response({"id": "shellyplusplugs-sim", "gen": self.gen, "app": "PlugS"})
        return web.json_response({"type": "SHPLG-S", "mac": "000000000000", "auth": False})

    def _gen2_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "id": 0,
            "source": "http",
            "output": self.is_on,
            "apower": self.power_now_w,
        }
        if self.meter:
            status["aenergy"] = {"total": round(self.energy_wh, 3)}
        return status

    async def _rpc_set(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("id", "0") != "0" or query.get("on") not in ("true", "false"):
            return web.json_response({"code": -103, "message": "Invalid argument"}, status=500)
        was_on = self.is_on
        self.set_relay(query["on"] == "true", failsafe_s=_timer(query.get("toggle_after")) or 0)
        return web.json_response({"was_on": was_on})

    async def _rpc_status(self, request: web.Request) -> web.Response:
        if request.query.get("id", "0") != "0":
            return web.json_response({"code": -105, "message": "No such component"}, status=500)
        return web.json_response(self._gen2_status())

    def _relay_json(self) -> dict[str, Any]:
        remaining = self.failsafe_remaining()
        return {
            "ison": self.is_on,
            "has_timer": remaining is not None,
            "timer_remaining": round(remaining or 0),
        }

    async def _relay(self, request: web.Request) -> web.Response:
        if request.match_info["index"] != "0":
            raise web.HTTPNotFound
        turn = request.query.get("turn")
        if turn in ("on", "off"):
            self.set_relay(turn == "on", failsafe_s=_timer(request.query.get("timer")) or 0)
        elif turn is not None:
            raise web.HTTPBadRequest(text="Bad turn!")
        return web.json_response(self._relay_json())

    async def _status(self, request: web.Request) -> web.Response:
        meter: dict[str, Any] = {"power": self.power_now_w, "is_valid": True}
        if self.meter:
            meter["total"] = round(self.energy_wh * 60)
        return web.json_response({"relays": [self._relay_json()], "meters": [meter]})
