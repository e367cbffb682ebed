"""The ``[detection]`` table of the configuration file, as a frozen dataclass.

Example::

    [detection]
    exclude = ["dnssd", "mdns", "driverless", "driverless-fax", "cups-brf"]
    event_backends = ["hp"]      # also run on a USB/serial/parallel event
    scan_interval = 60           # seconds between full scans of the other backends
    backend_timeout = 10         # hard limit of one backend run
    dedupe = true                # one record per physical printer
    mdns_interfaces = []         # addresses to browse on; empty means all
    udev_source = "auto"         # "udev", "kernel" or "auto"
    browse_time = 3              # mDNS browsing of the one-shot `devices`
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from printerapp.config import Section
from printerapp.cups import CupsDirs
from printerapp.errors import ConfigError

from .deviced import BACKEND_TIMEOUT_S, SchemeFilter
from .signals import SCAN_INTERVAL_S

__all__ = ["DEFAULT_EXCLUDE", "DetectionConfig"]

#: never run: dnssd/mdns duplicate our own zeroconf browser, driverless* list
#: printers that need no driver, cups-brf and implicitclass are CUPS-internal
DEFAULT_EXCLUDE = ("dnssd", "mdns", "driverless", "driverless-fax", "cups-brf", "implicitclass")
_KEYS = {
    "include",
    "exclude",
    "event_backends",
    "scan_interval",
    "backend_timeout",
    "backend_dir",
    "dedupe",
    "mdns",
    "mdns_interfaces",
    "udev",
    "udev_source",
    "browse_time",
}


def _snap_backends(env: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(n.strip() for n in env.get("SNAP_BACKENDS", "").split(",") if n.strip())


@dataclass(frozen=True, slots=True)
class DetectionConfig:
    """Settings of the detection layer."""

    #: backends to run at all (exact names); empty means every one not excluded
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    #: extra backends run on USB/serial/parallel events (plus ``$SNAP_BACKENDS``)
    event_backends: tuple[str, ...] = ()
    scan_interval_s: float = SCAN_INTERVAL_S
    backend_timeout_s: float = BACKEND_TIMEOUT_S
    backend_dir: Path = field(default_factory=lambda: CupsDirs.from_env().backend_dir)
    dedupe: bool = True
    mdns: bool = True
    mdns_interfaces: tuple[str, ...] = ()
    udev: bool = True
    udev_source: str = "auto"
    browse_time_s: float = 3.0

    @property
    def selection(self) -> SchemeFilter:
        """The backends the configuration allows."""
        include = frozenset(self.include) if self.include else None
        return SchemeFilter(include, frozenset(self.exclude))

    @classmethod
    def from_section(
        cls, section: Section, env: Mapping[str, str] | None = None
    ) -> DetectionConfig:
        """Read ``[detection]``; unknown keys and bad values raise ConfigError."""
        env = os.environ if env is None else env
        section.reject_unknown(_KEYS)
        source = section.string("udev_source", "auto")
        if source not in ("auto", "udev", "kernel"):
            raise ConfigError(f"{section.source}: detection.udev_source: {source!r} is invalid")
        default_dir = CupsDirs.from_env(env).backend_dir
        return cls(
            include=section.strings("include"),
            exclude=section.strings("exclude", DEFAULT_EXCLUDE),
            event_backends=section.strings("event_backends") + _snap_backends(env),
            scan_interval_s=section.number("scan_interval", SCAN_INTERVAL_S, minimum=1),
            backend_timeout_s=section.number("backend_timeout", BACKEND_TIMEOUT_S, minimum=0.1),
            backend_dir=section.path("backend_dir", default_dir) or default_dir,
            dedupe=section.flag("dedupe", True),
            mdns=section.flag("mdns", True),
            mdns_interfaces=section.strings("mdns_interfaces"),
            udev=section.flag("udev", True),
            udev_source=source,
            browse_time_s=section.number("browse_time", 3.0, minimum=0),
        )
