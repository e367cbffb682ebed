"""Shelly plugs over their local HTTP API, Gen1 and Gen2+ (RPC).

* Gen1: ``/relay/N?turn=on|off`` switches, ``/status`` gives ``relays[N].ison``
  and the meter (``meters[N].power`` in W, ``meters[N].total`` in watt-minutes);
  ``turn=on&timer=S`` is the failsafe (the relay flips back off after S s).
* Gen2 and later: ``/rpc/Switch.Set?id=N&on=true``, ``/rpc/Switch.GetStatus?id=N``
  (``output``, ``apower`` in W, ``aenergy.total`` in Wh); ``toggle_after=S`` is
  the failsafe.

The generation comes from option ``gen`` or, once per plug, from ``/shelly``
(Gen2+ answers with a ``gen`` field).  Option ``channel`` picks the relay.
A Gen1 login is sent as HTTP basic auth; Gen2's digest login is not supported.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

from printerapp.errors import PowerError
from printerapp.power.plugs.base import Credentials, PlugFeature, PlugSpec
from printerapp.power.plugs.httpplug import HttpPlug, number

__all__ = ["ShellyPlug"]

logger = logging.getLogger(__name__)


class ShellyPlug(HttpPlug):
    """A Shelly relay (Plug S, Plus Plug S, 1PM...)."""

    features = PlugFeature.POWER | PlugFeature.ENERGY | PlugFeature.FAILSAFE

    def __init__(self, spec: PlugSpec, credentials: Credentials | None = None) -> None:
        super().__init__(spec, credentials)
        channel = spec.option("channel", "0")
        gen = spec.option("gen")
        if not channel.isdecimal():
            raise PowerError(f"plug {spec}: option channel must be a relay number")
        if gen and not gen.isdecimal():
            raise PowerError(f"plug {spec}: option gen must be 1, 2, 3...")
        self._channel = channel
        self._gen = int(gen) if gen else None

    def _auth(self) -> aiohttp.BasicAuth | None:
        if self.credentials is None:
            return None
        return aiohttp.BasicAuth(self.credentials.username, self.credentials.password)

    async def _generation(self) -> int:
        """Return the API generation, asking ``/shelly`` the first time."""
        if self._gen is None:
            info = await self.get_json("/shelly")
            gen = info.get("gen", 1) if isinstance(info, dict) else 1
            self._gen = gen if isinstance(gen, int) and gen > 0 else 1
            logger.debug("plug %s: Shelly generation %d", self.spec.name, self._gen)
        return self._gen

    async def _status(self) -> dict[str, Any]:
        """Return the relay's status in the Gen2 shape (output, apower, aenergy.total)."""
        if await self._generation() >= 2:
            status = await self.get_json("/rpc/Switch.GetStatus", {"id": self._channel})
            if not isinstance(status, dict) or "output" not in status:
                raise PowerError(f"plug {self.spec}: Switch.GetStatus has no output")
            return status
        full = await self.get_json("/status")
        index = int(self._channel)
        try:
            relay, meters = full["relays"][index], full.get("meters", [])
        except (KeyError, IndexError, TypeError):
            raise PowerError(f"plug {self.spec}: /status has no relay {index}") from None
        out: dict[str, Any] = {"output": relay.get("ison") is True}
        if index < len(meters) and isinstance(meters[index], dict):
            meter = meters[index]
            out["apower"] = meter.get("power")
            if isinstance(total := meter.get("total"), int | float):
                out["aenergy"] = {"total": total / 60.0}  # Gen1 counts watt-minutes
        return out

    async def _set(self, on: bool, after: float | None = None) -> None:
        if await self._generation() >= 2:
            params = {"id": self._channel, "on": "true" if on else "false"}
            if after is not None:
                params["toggle_after"] = f"{after:g}"
            await self.get_json("/rpc/Switch.Set", params)
            return
        params = {"turn": "on" if on else "off"}
        if after is not None:
            params["timer"] = f"{after:g}"
        await self.get_json(f"/relay/{self._channel}", params)

    async def state(self) -> bool:
        """Return True when the relay is on."""
        return (await self._status())["output"] is True

    async def switch(self, on: bool) -> None:
        """Switch the relay on or off."""
        await self._set(on)

    async def power_w(self) -> float:
        """Return the relay's power in W."""
        return number(await self._status(), "apower", what="power reading (apower)")

    async def energy_wh(self) -> float:
        """Return the relay's energy counter in Wh."""
        return number(await self._status(), "aenergy", "total", what="energy counter")

    async def arm_failsafe(self, seconds: float) -> None:
        """Make a relay that is on flip off after *seconds* (a relay that is off stays off)."""
        if seconds <= 0:
            raise PowerError(f"plug {self.spec}: failsafe delay must be positive")
        if await self.state():
            await self._set(True, after=seconds)
