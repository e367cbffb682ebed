"""TP-Link plugs through python-kasa: the shared part, and legacy Kasa (XOR, port 9999).

The connection parameters are fixed per driver (family, encryption, port), so
a plug is reached with :meth:`kasa.Device.connect` straight away: no UDP
discovery, ever.  The device object is made on first use and kept; a failed
call keeps it too (python-kasa re-handshakes by itself), so the next call
costs one request, not a new discovery.

python-kasa's errors are mapped at this boundary: timeouts, refused or dropped
connections and its retryable errors become :class:`PlugUnreachableError`;
refused logins and everything else become :class:`PowerError`.

The relay state is read with one system-info query sent with python-kasa's
retries off, so the one retry policy (:mod:`printerapp.power.plugs.retry`) decides;
``device.update()`` (needed for the Energy module) retries every module's
query with delays when the plug is gone, so it runs only after that query
answered.  Switching goes through ``turn_on``/``turn_off``, whose transport
keeps python-kasa's few quick internal retries (they cannot be turned off).

Kasa's countdown rules would make a failsafe, but python-kasa can only read
and delete them, and no simulator runs them, so :class:`KasaPlug` does not
declare ``FAILSAFE``.  HS110-class plugs have a lifetime energy counter
(``emeter.get_realtime`` ``total``); an HS100 has no meter and its power and
energy readings raise :class:`PowerError`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from kasa import AuthenticationError, Device, DeviceConfig, KasaException, Module
from kasa import Credentials as KasaCredentials
from kasa.deviceconfig import DeviceConnectionParameters, DeviceEncryptionType, DeviceFamily
from kasa.exceptions import TimeoutError as KasaTimeoutError
from kasa.exceptions import _ConnectionError, _RetryableError

from printerapp.errors import PlugUnreachableError, PowerError
from printerapp.power.plugs.base import Credentials, Plug, PlugFeature, PlugSpec

__all__ = ["KASA_TIMEOUT_S", "KasaLibPlug", "KasaPlug"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: seconds python-kasa waits for one answer (option ``timeout`` overrides it)
KASA_TIMEOUT_S = 5


def _unreachable(exc: BaseException) -> bool:
    """Tell whether a python-kasa error means the plug did not answer."""
    if isinstance(exc, AuthenticationError):
        return False
    if isinstance(exc, KasaTimeoutError | _ConnectionError | _RetryableError):
        return True
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError | TimeoutError | asyncio.IncompleteReadError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


class KasaLibPlug(Plug):
    """A plug driven by python-kasa with a fixed connection type."""

    def __init__(self, spec: PlugSpec, credentials: Credentials | None = None) -> None:
        super().__init__(spec, credentials)
        try:
            timeout = int(float(spec.option("timeout") or KASA_TIMEOUT_S))
        except ValueError:
            raise PowerError(f"plug {spec}: option timeout is not a number") from None
        login = (
            KasaCredentials(credentials.username, credentials.password)
            if credentials is not None
            else None
        )
        #: the cached connection config: made once, reused by every call
        self.config = DeviceConfig(
            host=spec.host,
            port_override=spec.port,
            timeout=max(timeout, 1),
            credentials=login,
            connection_type=self.connection_type(),
        )
        self._device: Device | None = None
        self._lock = asyncio.Lock()

    def connection_type(self) -> DeviceConnectionParameters:
        """Return how this kind of plug is spoken to."""
        return DeviceConnectionParameters(DeviceFamily.IotSmartPlugSwitch, DeviceEncryptionType.Xor)

    async def _call(self, what: str, operation: Callable[[Device], Awaitable[T]]) -> T:
        """Run *operation* on the (cached) device, mapping python-kasa's errors."""
        async with self._lock:
            try:
                if self._device is None:
                    self._device = await Device.connect(config=self.config)
                    logger.debug("plug %s: connected (%s)", self.spec.name, self._device.model)
                return await operation(self._device)
            except AuthenticationError as exc:
                raise PowerError(f"plug {self.spec}: login refused; check the credentials") from exc
            except (KasaException, OSError, TimeoutError) as exc:
                if _unreachable(exc):
                    raise PlugUnreachableError(f"plug {self.spec}: no answer to {what}") from exc
                raise PowerError(f"plug {self.spec}: {what} failed: {exc}") from exc

    def probe_query(self) -> str | dict[str, Any]:
        """Return the cheapest query the device answers: its system info."""
        return {"system": {"get_sysinfo": None}}

    def relay_state(self, answer: dict[str, Any]) -> bool:
        """Return the relay state in the answer to :meth:`probe_query`."""
        return bool(answer["system"]["get_sysinfo"]["relay_state"] == 1)

    async def _probe(self, device: Device) -> dict[str, Any]:
        """Ask once, without python-kasa's own retries: the retry policy is ours."""
        answer: dict[str, Any] = await device.protocol.query(self.probe_query(), retry_count=0)
        return answer

    async def _updated(self, device: Device) -> Device:
        """Refresh *device* for its modules, after a fast check that it answers."""
        # device.update() folds a failed query into per-module error codes and
        # retries each one with delays: probe first so a dead plug fails at once.
        await self._probe(device)
        await device.update()
        return device

    async def state(self) -> bool:
        """Return True when the relay is on."""

        async def read(device: Device) -> bool:
            try:
                return self.relay_state(await self._probe(device))
            except (KeyError, TypeError) as exc:
                raise PowerError(f"plug {self.spec}: no relay state in the answer") from exc

        return await self._call("state", read)

    async def switch(self, on: bool) -> None:
        """Switch the relay on or off."""

        async def write(device: Device) -> None:
            await (device.turn_on() if on else device.turn_off())

        await self._call("on" if on else "off", write)

    def _energy(self, device: Device) -> Any:
        if Module.Energy not in device.modules:
            raise PowerError(f"plug {self.spec}: {device.model} has no energy meter")
        return device.modules[Module.Energy]

    async def power_w(self) -> float:
        """Return the power in W."""

        async def read(device: Device) -> float:
            value = self._energy(await self._updated(device)).current_consumption
            if value is None:
                raise PowerError(f"plug {self.spec}: no power reading")
            return float(value)

        return await self._call("power", read)

    async def close(self) -> None:
        """Close the connection."""
        if self._device is not None:
            device, self._device = self._device, None
            await device.disconnect()


class KasaPlug(KasaLibPlug):
    """A legacy Kasa plug (HS100, HS103, HS110, KP115...) on the XOR protocol."""

    features = PlugFeature.POWER | PlugFeature.ENERGY

    async def energy_wh(self) -> float:
        """Return the lifetime energy counter in Wh."""

        async def read(device: Device) -> float:
            total = self._energy(await self._updated(device)).consumption_total
            if total is None:
                raise PowerError(f"plug {self.spec}: no energy counter")
            return float(total) * 1000.0

        return await self._call("energy", read)
