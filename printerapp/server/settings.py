"""The ``[server]`` and ``[printers]`` tables of the configuration file.

Example::

    [server]
    state_dir = "/var/lib/printerapp"   # default; $SNAP_COMMON under snap
    ports = "8000-9000"                 # queue ports
    hostname = "localhost"              # "localhost" keeps queues on this machine
    control = "127.0.0.1:7631"          # the control API and dashboard
    log_level = "INFO"
    # formats every queue advertises; default $PRINTERAPP_FORMATS (set by the
    # snap's ./configure --formats), else what each PPD's filters accept
    formats = ["image/pwg-raster", "image/urf"]
    job_cpu_limit = 600                 # CPU seconds per job, all its processes (0: no limit)
    job_time_limit = 7200               # seconds per job in all (0: no limit)
    job_memory_limit = 2048             # MiB of address space per process of a job (0: no limit)
    restart_interval = 300              # seconds between tries of a crash-looping queue
                                        # (0: it stays stopped until restarted by hand)
    error_policy = "retry-job"          # retry-job | retry-current-job | abort-job | stop-printer
    keep_hours = 24                     # hours a printed document is kept for "Reprint" (0: none)
    keep_max_mb = 256                   # MiB of kept documents per printer, oldest dropped first
    identify = "ipp"                    # "Identify": ipp (Identify-Printer) | print (a page)

    [printers."socket://192.168.1.20:9100"]
    name = "Office laser"
    location = "2nd floor"
    disabled = false
    error_policy = "stop-printer"       # this printer's own
    ppd = "gutenprint.5.3://hp-lj_4050/expert"  # this driver, not the best match
    job_time_limit = 14400              # and the job limits, each on its own
    identify = "print"                  # "Identify" prints a page naming the queue
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from printerapp.config import Config, Section, default_state_dir
from printerapp.errors import ConfigError
from printerapp.ippprint.policy import ErrorPolicy
from printerapp.ippprint.procs import (
    DEFAULT_CPU_LIMIT_S,
    DEFAULT_MEMORY_LIMIT_MIB,
    DEFAULT_TIME_LIMIT_S,
)
from printerapp.manager.ports import DEFAULT_PORTS, PortRange
from printerapp.manager.queue import SLOW_RESTART_INTERVAL
from printerapp.manager.settings import IDENTIFY_MODES
from printerapp.manager.system import ManagerSettings, PrinterOverride
from printerapp.web.kept import KeepSettings
from printerapp.web.logring import LOG_LEVELS

__all__ = [
    "DEFAULT_CONTROL_PORT",
    "LOG_LEVELS",
    "ServerSettings",
    "parse_address",
    "server_settings",
]

#: the control API and dashboard
DEFAULT_CONTROL_PORT = 7631
_SERVER_KEYS = {
    "state_dir",
    "ports",
    "hostname",
    "control",
    "log_level",
    "ippeveprinter",
    "formats",
    "job_cpu_limit",
    "job_time_limit",
    "job_memory_limit",
    "restart_interval",
    "error_policy",
    "keep_hours",
    "keep_max_mb",
    "identify",
}
_MIME = re.compile(r"^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$")


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Everything ``printerapp server`` reads from the configuration."""

    manager: ManagerSettings
    control_host: str = "127.0.0.1"
    control_port: int = DEFAULT_CONTROL_PORT
    log_level: str = "INFO"
    #: documents kept for reprints
    keep: KeepSettings = field(default_factory=KeepSettings)


def parse_address(text: str, where: str) -> tuple[str, int]:
    """Parse ``HOST:PORT`` (``[v6]:PORT`` for IPv6)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{where}: {text!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


def _ports(section: Section) -> PortRange:
    text = section.string("ports", f"{DEFAULT_PORTS.first}-{DEFAULT_PORTS.last}")
    first, sep, last = text.partition("-")
    if not sep or not first.strip().isdigit() or not last.strip().isdigit():
        raise ConfigError(f"{section.source}: server.ports: {text!r} is not FIRST-LAST")
    try:
        return PortRange(int(first), int(last))
    except ConfigError as exc:
        raise ConfigError(f"{section.source}: server.ports: {exc}") from exc


#: job limits a [printers."URI"] table may set for itself
_LIMITS = ("job_cpu_limit", "job_time_limit", "job_memory_limit")


def _overrides(config: Config) -> Mapping[str, PrinterOverride]:
    out = {}
    for uri, table in config.section("printers").tables().items():
        table.reject_unknown(
            {"name", "location", "disabled", "error_policy", "ppd", "identify", *_LIMITS}
        )
        limits = {k: table.number(k, 0, minimum=0) for k in _LIMITS if k in table.values}
        out[uri] = PrinterOverride(
            table.string("name"),
            table.string("location"),
            table.flag("disabled"),
            _policy(table, ""),
            table.string("ppd"),
            identify=_identify(table, ""),
            **limits,
        )
    return out


def _policy(section: Section, default: str) -> str:
    text = section.string("error_policy", default)
    if text and text not in {p.value for p in ErrorPolicy}:
        choices = ", ".join(p.value for p in ErrorPolicy)
        where = f"{section.name}.error_policy" if section.name else "error_policy"
        raise ConfigError(f"{section.source}: {where}: {text!r} is not one of {choices}")
    return text


def _identify(section: Section, default: str) -> str:
    text = section.string("identify", default)
    if text and text not in IDENTIFY_MODES:
        choices = ", ".join(IDENTIFY_MODES)
        raise ConfigError(f"{section.where('identify')}: {text!r} is not one of {choices}")
    return text


def _formats(section: Section, env: Mapping[str, str]) -> tuple[str, ...]:
    default = tuple(f.strip() for f in env.get("PRINTERAPP_FORMATS", "").split(",") if f.strip())
    formats = section.strings("formats", default)
    for fmt in formats:
        if not _MIME.match(fmt):
            raise ConfigError(f"{section.source}: server.formats: {fmt!r} is not a MIME type")
    return formats


def server_settings(config: Config, env: Mapping[str, str] | None = None) -> ServerSettings:
    """Return the server's settings; raise ConfigError naming the file and key."""
    server = config.section("server")
    server.reject_unknown(_SERVER_KEYS)
    level = server.string("log_level", "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(
            f"{server.source}: server.log_level: {level!r} is not one of {LOG_LEVELS}"
        )
    host, port = parse_address(
        server.string("control", f"127.0.0.1:{DEFAULT_CONTROL_PORT}"),
        f"{server.source}: server.control",
    )
    manager = ManagerSettings(
        state_dir=server.path("state_dir") or default_state_dir(),
        ports=_ports(server),
        hostname=server.string("hostname", "localhost"),
        program=server.string("ippeveprinter", "ippeveprinter"),
        overrides=_overrides(config),
        formats=_formats(server, os.environ if env is None else env),
        job_cpu_limit=server.number("job_cpu_limit", DEFAULT_CPU_LIMIT_S, minimum=0),
        job_time_limit=server.number("job_time_limit", DEFAULT_TIME_LIMIT_S, minimum=0),
        job_memory_limit=server.number("job_memory_limit", DEFAULT_MEMORY_LIMIT_MIB, minimum=0),
        restart_interval=server.number("restart_interval", SLOW_RESTART_INTERVAL, minimum=0),
        error_policy=_policy(server, ErrorPolicy.RETRY_JOB.value),
        identify=_identify(server, "ipp"),
    )
    keep = KeepSettings(
        hours=server.number("keep_hours", 24, minimum=0, maximum=24 * 366),
        max_bytes=int(server.number("keep_max_mb", 256, minimum=0, maximum=1 << 20) * 1024 * 1024),
    )
    return ServerSettings(manager, host, port, level, keep)
