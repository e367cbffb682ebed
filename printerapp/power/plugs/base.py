"""The smart-plug interface: a small abstract base and the table of drivers.

One driver per module, looked up by its ``type`` name in :data:`PLUG_DRIVERS`
(module path and class name), so a driver's own imports (python-kasa,
aiohttp) are paid only when a plug of that type is configured.

Errors: a driver raises :class:`~printerapp.errors.PlugUnreachableError` when
the plug did not answer (the only error worth retrying) and
:class:`~printerapp.errors.PowerError` for everything else.  Retries with
backoff live in one place, :mod:`printerapp.power.plugs.retry`, not in drivers.
"""

from __future__ import annotations

import abc
import enum
import importlib
from dataclasses import dataclass, field
from typing import ClassVar

from printerapp.errors import ConfigError, PowerError

__all__ = [
    "PLUG_DRIVERS",
    "Credentials",
    "Plug",
    "PlugFeature",
    "PlugSpec",
    "create_plug",
]


class PlugFeature(enum.Flag):
    """What a plug can do besides switching."""

    NONE = 0
    #: reads the instantaneous power in W
    POWER = enum.auto()
    #: reads a cumulative energy counter in Wh
    ENERGY = enum.auto()
    #: switches itself off after a delay unless re-armed (Tapo AutoOff, Shelly toggle_after...)
    FAILSAFE = enum.auto()


@dataclass(frozen=True, slots=True)
class Credentials:
    """A cloud or device login; the password never appears in a repr or a log."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class PlugSpec:
    """How to reach one plug, from the configuration or the command line."""

    #: the name the user gives it (``[power.plugs.NAME]``)
    name: str
    #: the driver: a key of PLUG_DRIVERS
    type: str
    #: host name or address (empty for the ``command`` driver)
    host: str = ""
    #: port override; None means the protocol's default (simulators need this)
    port: int | None = None
    #: driver-specific settings (e.g. the Shelly generation, a switch index)
    options: tuple[tuple[str, str], ...] = ()
    #: argv lists of the ``command`` driver: on, off, state
    commands: tuple[tuple[str, ...], ...] = ()

    def option(self, key: str, default: str = "") -> str:
        """Return a driver option by name."""
        return next((v for k, v in self.options if k == key), default)

    def __str__(self) -> str:
        where = self.host + (f":{self.port}" if self.port is not None else "")
        return f"{self.name} ({self.type}{' at ' + where if where else ''})"


class Plug(abc.ABC):
    """One smart plug.  Methods are coroutines and run on the daemon's event loop."""

    #: the extras this driver supports
    features: ClassVar[PlugFeature] = PlugFeature.NONE

    def __init__(self, spec: PlugSpec, credentials: Credentials | None = None) -> None:
        self.spec = spec
        self.credentials = credentials

    @abc.abstractmethod
    async def state(self) -> bool:
        """Return True when the relay is on."""

    @abc.abstractmethod
    async def switch(self, on: bool) -> None:
        """Switch the relay on or off."""

    async def power_w(self) -> float:
        """Return the instantaneous power in W (needs PlugFeature.POWER)."""
        raise PowerError(f"plug {self.spec}: does not measure power")

    async def energy_wh(self) -> float:
        """Return the plug's cumulative energy counter in Wh (needs PlugFeature.ENERGY)."""
        raise PowerError(f"plug {self.spec}: has no energy counter")

    async def arm_failsafe(self, seconds: float) -> None:
        """Make the plug switch itself off after *seconds* (needs PlugFeature.FAILSAFE)."""
        raise PowerError(f"plug {self.spec}: has no failsafe timer")

    async def close(self) -> None:  # noqa: B027 - optional hook: most drivers hold nothing
        """Release connections; the default driver holds none."""


#: type name -> (module, class).  Add a driver by adding a line here.
PLUG_DRIVERS: dict[str, tuple[str, str]] = {
    "command": ("printerapp.power.plugs.command", "CommandPlug"),
    "kasa": ("printerapp.power.plugs.kasa", "KasaPlug"),
    "tapo": ("printerapp.power.plugs.tapo", "TapoPlug"),
    "shelly": ("printerapp.power.plugs.shelly", "ShellyPlug"),
    "tasmota": ("printerapp.power.plugs.tasmota", "TasmotaPlug"),
}


def create_plug(spec: PlugSpec, credentials: Credentials | None = None) -> Plug:
    """Return the driver instance for *spec*, importing its module on first use."""
    try:
        module_name, class_name = PLUG_DRIVERS[spec.type]
    except KeyError:
        known = ", ".join(sorted(PLUG_DRIVERS)) or "none"
        raise ConfigError(
            f"plug {spec.name!r}: unknown type {spec.type!r} (known: {known})"
        ) from None
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Plug)):
        raise ConfigError(f"plug type {spec.type!r}: {module_name}.{class_name} is not a Plug")
    return cls(spec, credentials)
