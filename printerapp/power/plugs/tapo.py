"""Tapo plugs (P100, P110, P115...) through python-kasa's SMART protocol over KLAP.

Tapo needs the TP-Link account login (``TAPO_EMAIL``/``TAPO_PASSWORD`` or a
credentials file).  Options: ``encryption = "aes"`` for old firmware that
predates KLAP, ``https = true`` for KLAP over TLS, ``timeout``.

Energy: a P110 has no lifetime counter, only this month's Wh
(``get_energy_usage`` ``month_energy``), so :meth:`TapoPlug.energy_wh` returns
that; it falls back to zero on the first of a month, which the energy ledger
treats as a counter reset.  The failsafe is the plug's AutoOff: it switches
off ``delay_min`` whole minutes after being switched on, so a delay is rounded
up to minutes, and arming re-sends "on" to a plug that is on, to restart it.
"""

from __future__ import annotations

import math
from typing import Any

from kasa import Device, Module
from kasa.deviceconfig import DeviceConnectionParameters, DeviceEncryptionType, DeviceFamily

from printerapp.errors import PowerError
from printerapp.power.plugs.base import Credentials, PlugFeature, PlugSpec
from printerapp.power.plugs.kasa import KasaLibPlug

__all__ = ["TapoPlug", "auto_off_minutes"]

#: AutoOff's longest delay the app offers (24 h)
MAX_AUTO_OFF_MIN = 1440


def auto_off_minutes(seconds: float) -> int:
    """Return the AutoOff delay in whole minutes covering *seconds*."""
    if seconds <= 0:
        raise PowerError("failsafe delay must be positive")
    return min(max(1, math.ceil(seconds / 60)), MAX_AUTO_OFF_MIN)


class TapoPlug(KasaLibPlug):
    """A Tapo smart plug."""

    features = PlugFeature.POWER | PlugFeature.ENERGY | PlugFeature.FAILSAFE

    def __init__(self, spec: PlugSpec, credentials: Credentials | None = None) -> None:
        if credentials is None:
            raise PowerError(
                f"plug {spec}: a Tapo plug needs the TP-Link login: set TAPO_EMAIL and "
                "TAPO_PASSWORD, or the plug's credentials_file"
            )
        if spec.option("encryption", "klap") not in ("klap", "aes"):
            raise PowerError(f"plug {spec}: option encryption must be klap or aes")
        if not spec.option("login_version", "2").isdecimal():
            raise PowerError(f"plug {spec}: option login_version must be a number")
        if spec.option("https", "false") not in ("true", "false"):
            raise PowerError(f"plug {spec}: option https must be true or false")
        super().__init__(spec, credentials)

    def connection_type(self) -> DeviceConnectionParameters:
        """Return SMART over KLAP (or AES), as the spec's options say."""
        aes = self.spec.option("encryption", "klap") == "aes"
        return DeviceConnectionParameters(
            DeviceFamily.SmartTapoPlug,
            DeviceEncryptionType.Aes if aes else DeviceEncryptionType.Klap,
            login_version=int(self.spec.option("login_version", "2")),
            https=self.spec.option("https", "false") == "true",
        )

    def probe_query(self) -> str | dict[str, Any]:
        """Return the SMART protocol's device-info query."""
        return "get_device_info"

    def relay_state(self, answer: dict[str, Any]) -> bool:
        """Return ``device_on`` from the device info."""
        return answer["get_device_info"]["device_on"] is True

    async def energy_wh(self) -> float:
        """Return this month's energy in Wh (the P110's only running counter)."""

        async def read(device: Device) -> float:
            month = self._energy(await self._updated(device)).consumption_this_month
            if month is None:
                raise PowerError(f"plug {self.spec}: no energy counter")
            return float(month) * 1000.0

        return await self._call("energy", read)

    async def arm_failsafe(self, seconds: float) -> None:
        """Enable AutoOff for *seconds* (rounded up to minutes) and restart it if on."""
        minutes = auto_off_minutes(seconds)

        async def arm(device: Device) -> None:
            await self._updated(device)
            if Module.AutoOff not in device.modules:
                raise PowerError(f"plug {self.spec}: {device.model} has no AutoOff")
            auto_off = device.modules[Module.AutoOff]
            await auto_off.call("set_auto_off_config", {"enable": True, "delay_min": minutes})
            if device.is_on:
                await device.turn_on()

        await self._call("failsafe", arm)
