"""The power settings of the configuration file, as frozen records.

::

    [power]
    idle_delay = 600          # s after the last job before the plug goes off
    ready_timeout = 120       # s a printer may take to boot before a job is retried
    failsafe = 1800           # s of the plug-side auto-off timer (0: never arm it)
    events_socket = "/run/printerapp/power.sock"   # job start/end reports (optional)
    energy_sample = 60        # s between energy readings while the plug is on
    prewarm = true            # a print dialog switches the plug on (server mode)
    prewarm_delay = 120       # s after the dialog's last request before an unused pre-warm ends

    [power.tariff]            # optional: energy cost (see printerapp.power.tariff)
    currency = "EUR"
    rate = 0.30               # per kWh, or periods = [{start = "07:00", rate = 0.35}, ...]

    [power.printers.office]   # a printer (ippeveprinter queue or CUPS queue) by name
    plug = "desk"             # a [power.plugs.NAME] table
    idle_delay = 300          # overrides the global one
    ready_timeout = 60
    prewarm = false           # overrides the global one (and prewarm_delay too)
    device_id = "MFG:HP;MDL:LaserJet 2100;SN:CN123;"   # USB readiness without a serial URI
    device_uri = "usb://HP/LaserJet%202100?serial=CN123"  # listed by the power: backend

    [cups_power]              # plain-CUPS mode (``printerapp cups-power``)
    server = "ipp://localhost:631"
    poll_interval = 5
    [cups_power.queues]       # CUPS queue -> plug, like the seed's PRINTERS
    HP_LaserJet_CP1525N = "desk"

Plugs themselves are ``[power.plugs.NAME]`` tables, read by
:mod:`printerapp.power.plugs.specs`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from printerapp.config import Config, Section
from printerapp.errors import ConfigError
from printerapp.power.plugs.base import Plug, create_plug
from printerapp.power.tariff import Tariff, parse_tariff

__all__ = [
    "CupsPowerSettings",
    "PowerSettings",
    "PrinterPower",
    "cups_power_settings",
    "load_plug",
    "power_settings",
]

#: default delay between the end of the last job and switching off, as in the seed
DEFAULT_IDLE_DELAY_S = 600.0
DEFAULT_READY_TIMEOUT_S = 120.0
DEFAULT_FAILSAFE_S = 1800.0
DEFAULT_ENERGY_SAMPLE_S = 60.0
DEFAULT_POLL_S = 5.0
DEFAULT_PREWARM_DELAY_S = 120.0


@dataclass(frozen=True, slots=True)
class PrinterPower:
    """One printer's plug and its timings."""

    printer: str
    plug: str
    idle_delay: float = DEFAULT_IDLE_DELAY_S
    ready_timeout: float = DEFAULT_READY_TIMEOUT_S
    device_id: str = ""
    #: the real device URI, for the ``power:`` backend wrapper's discovery
    device_uri: str = ""
    #: a print dialog's Get-Printer-Attributes switches the plug on
    prewarm: bool = True
    prewarm_delay: float = DEFAULT_PREWARM_DELAY_S


@dataclass(frozen=True, slots=True)
class PowerSettings:
    """The ``[power]`` table."""

    idle_delay: float = DEFAULT_IDLE_DELAY_S
    ready_timeout: float = DEFAULT_READY_TIMEOUT_S
    failsafe: float = DEFAULT_FAILSAFE_S
    energy_sample: float = DEFAULT_ENERGY_SAMPLE_S
    events_socket: Path | None = None
    prewarm: bool = True
    prewarm_delay: float = DEFAULT_PREWARM_DELAY_S
    printers: dict[str, PrinterPower] = field(default_factory=dict)
    #: the electricity tariff, for energy cost; None: energy only
    tariff: Tariff | None = None

    def printer(self, name: str, plug: str = "") -> PrinterPower | None:
        """Return printer *name*'s settings; *plug* (e.g. from the environment) wins."""
        found = self.printers.get(name)
        if plug:
            base = found or PrinterPower(
                name,
                plug,
                self.idle_delay,
                self.ready_timeout,
                prewarm=self.prewarm,
                prewarm_delay=self.prewarm_delay,
            )
            return replace(base, plug=plug)
        return found


_PRINTER_KEYS = frozenset(
    {"plug", "idle_delay", "ready_timeout", "device_id", "device_uri", "prewarm", "prewarm_delay"}
)


def _printer(name: str, table: Section, defaults: PowerSettings) -> PrinterPower:
    table.reject_unknown(set(_PRINTER_KEYS))
    plug = table.string("plug")
    if not plug:
        raise ConfigError(f"{table.source}: {table.name}.plug: missing")
    return PrinterPower(
        printer=name,
        plug=plug,
        idle_delay=table.number("idle_delay", defaults.idle_delay, minimum=0),
        ready_timeout=table.number("ready_timeout", defaults.ready_timeout, minimum=0),
        device_id=table.string("device_id"),
        device_uri=table.string("device_uri"),
        prewarm=table.flag("prewarm", defaults.prewarm),
        prewarm_delay=table.number("prewarm_delay", defaults.prewarm_delay, minimum=0),
    )


def power_settings(config: Config) -> PowerSettings:
    """Read ``[power]`` and ``[power.printers.*]``."""
    table = config.section("power")
    table.reject_unknown(
        {
            "idle_delay",
            "ready_timeout",
            "failsafe",
            "events_socket",
            "energy_sample",
            "prewarm",
            "prewarm_delay",
            "plugs",
            "printers",
            "tariff",
        }
    )
    base = PowerSettings(
        idle_delay=table.number("idle_delay", DEFAULT_IDLE_DELAY_S, minimum=0),
        ready_timeout=table.number("ready_timeout", DEFAULT_READY_TIMEOUT_S, minimum=0),
        failsafe=table.number("failsafe", DEFAULT_FAILSAFE_S, minimum=0),
        energy_sample=table.number("energy_sample", DEFAULT_ENERGY_SAMPLE_S, minimum=1),
        events_socket=table.path("events_socket"),
        prewarm=table.flag("prewarm", True),
        prewarm_delay=table.number("prewarm_delay", DEFAULT_PREWARM_DELAY_S, minimum=0),
    )
    printers = {n: _printer(n, t, base) for n, t in table.table("printers").tables().items()}
    return replace(base, printers=printers, tariff=parse_tariff(table.table("tariff")))


@dataclass(frozen=True, slots=True)
class CupsPowerSettings:
    """The ``[cups_power]`` table: which CUPS server, and queue -> plug."""

    server: str = "ipp://localhost:631"
    poll_interval: float = DEFAULT_POLL_S
    queues: dict[str, str] = field(default_factory=dict)


def cups_power_settings(config: Config) -> CupsPowerSettings:
    """Read ``[cups_power]``."""
    table = config.section("cups_power")
    table.reject_unknown({"server", "poll_interval", "queues"})
    queues_table = table.table("queues")
    queues = {q: queues_table.string(q) for q in queues_table.values}
    return CupsPowerSettings(
        server=table.string("server", "ipp://localhost:631"),
        poll_interval=table.number("poll_interval", DEFAULT_POLL_S, minimum=0.05),
        queues=queues,
    )


def load_plug(config: Config, name: str) -> Plug:
    """Return the driver of plug *name* from ``[power.plugs.NAME]``, with its credentials."""
    from printerapp.power.plugs.specs import plug_credentials, plug_spec

    spec = plug_spec(config, name)
    return create_plug(spec, plug_credentials(spec))
