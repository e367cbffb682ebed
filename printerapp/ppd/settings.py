"""The ``[drivers]`` table of the configuration file.

Example::

    [drivers]
    user_ppd_dir = "/etc/printerapp/ppd"     # extra PPD files, searched first
    list_timeout = 20                        # seconds for `PROGRAM list`
    cat_timeout = 30                         # seconds for `PROGRAM cat URI`
    exclude_programs = ["driverless", "driverless-fax"]

    [drivers.pin_by_uri]                     # device URI -> ppd-name; a pin wins
    "usb://HP/LaserJet%202100?serial=00XY" = "lsb/usr/cupsfilters/pxlmono.ppd"

    [drivers.pin_by_serial]                  # 1284 serial number -> ppd-name
    "CN12345" = "gutenprint.5.3://hp-lj_2100/expert"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from printerapp.config import Config, Section
from printerapp.errors import ConfigError
from printerapp.ppd import programs

__all__ = ["DEFAULT_EXCLUDED", "DriversConfig", "drivers_config"]

#: driver programs not run by default: they query the network on every call and
#: cannot drive a legacy printer (cups-driverd is asked to exclude them too)
DEFAULT_EXCLUDED = ("driverless", "driverless-fax")
_KEYS = {
    "user_ppd_dir",
    "list_timeout",
    "cat_timeout",
    "exclude_programs",
    "pin_by_uri",
    "pin_by_serial",
}


@dataclass(frozen=True, slots=True)
class DriversConfig:
    """Settings of the driver database."""

    #: a directory of the user's own PPD files (plain or .gz)
    user_ppd_dir: Path | None = None
    list_timeout: float = programs.LIST_TIMEOUT
    cat_timeout: float = programs.CAT_TIMEOUT
    #: names of driver programs never run
    exclude_programs: tuple[str, ...] = DEFAULT_EXCLUDED
    #: device URI -> ppd-name
    pin_by_uri: dict[str, str] = field(default_factory=dict)
    #: serial number (``SN`` of the device ID) -> ppd-name
    pin_by_serial: dict[str, str] = field(default_factory=dict)

    def pinned(self, device_uri: str = "", serial: str = "") -> str | None:
        """Return the ppd-name pinned for this device, by URI first, then by serial."""
        if device_uri and device_uri in self.pin_by_uri:
            return self.pin_by_uri[device_uri]
        if serial and serial in self.pin_by_serial:
            return self.pin_by_serial[serial]
        return None


def _pins(section: Section) -> dict[str, str]:
    pins: dict[str, str] = {}
    for key in section.values:
        value = section.string(key)
        if not value:
            raise ConfigError(f"{section.source}: {section.name}.{key}: empty ppd-name")
        pins[key] = value
    return pins


def drivers_config(config: Config) -> DriversConfig:
    """Read ``[drivers]`` into a :class:`DriversConfig`; raise ConfigError on bad values."""
    section = config.section("drivers")
    section.reject_unknown(_KEYS)
    return DriversConfig(
        user_ppd_dir=section.path("user_ppd_dir"),
        list_timeout=section.number("list_timeout", programs.LIST_TIMEOUT, minimum=0.1),
        cat_timeout=section.number("cat_timeout", programs.CAT_TIMEOUT, minimum=0.1),
        exclude_programs=section.strings("exclude_programs", DEFAULT_EXCLUDED),
        pin_by_uri=_pins(section.table("pin_by_uri")),
        pin_by_serial=_pins(section.table("pin_by_serial")),
    )
