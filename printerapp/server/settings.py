"""The ``[server]`` and ``[printers]`` tables of the configuration file.

Example::

    [server]
    state_dir = "/var/lib/printerapp"   # default; $SNAP_COMMON under snap
    ports = "8000-9000"                 # queue ports
    internal_ports = "18000-19000"      # ippeveprinters' own ports, loopback only, behind
                                        # the daemon's front on each queue port
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
    job_retry_interval = 30             # s between a failed job's tries (CUPS's JobRetryInterval)
    job_retry_limit = 5                 # retries before retry-job holds it (JobRetryLimit)
    keep_hours = 24                     # hours a printed document is kept for "Reprint" (0: none)
    keep_max_mb = 256                   # MiB of kept documents per printer, oldest dropped first
    held_days = 7                       # days a held document (retries used up) is kept
                                        # (0: until resubmitted or deleted)

    [control]                           # the control server's limits (web/guard.py)
    header_timeout = 10                 # s from connecting to the end of the request headers
    keepalive = 15                      # s an idle connection stays open between requests
    max_connections = 1024              # in all; never above half the descriptor limit
    max_per_address = 256               # from one client address
    max_line = 8190                     # bytes of the request line
    max_field = 8190                    # bytes of one header
    max_headers = 64                    # headers per request
    event_write_timeout = 10            # s an event stream client may go without reading
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
from printerapp.ippprint.policy import DEFAULT_RETRY_INTERVAL_S, DEFAULT_RETRY_LIMIT, ErrorPolicy
from printerapp.ippprint.procs import (
    DEFAULT_CPU_LIMIT_S,
    DEFAULT_MEMORY_LIMIT_MIB,
    DEFAULT_TIME_LIMIT_S,
)
from printerapp.manager.held import DEFAULT_HELD_DAYS
from printerapp.manager.ports import DEFAULT_PORTS, INTERNAL_PORTS, PortRange
from printerapp.manager.queue import SLOW_RESTART_INTERVAL
from printerapp.manager.settings import IDENTIFY_MODES
from printerapp.manager.system import ManagerSettings, PrinterOverride
from printerapp.web.guard import Limits
from printerapp.web.kept import KeepSettings
from printerapp.web.logring import LOG_LEVELS

__all__ = [
    "DEFAULT_CONTROL_PORT",
    "LOG_LEVELS",
    "ServerSettings",
    "control_limits",
    "parse_address",
    "server_settings",
    "whole",
]

#: the control API and dashboard
DEFAULT_CONTROL_PORT = 7631
_SERVER_KEYS = {
    "state_dir",
    "ports",
    "internal_ports",
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
    "held_days",
    "job_retry_interval",
    "job_retry_limit",
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
    #: the control server's limits; its connection caps are sized to the descriptor limit
    limits: Limits = field(default_factory=Limits)
    #: CUPS's JobRetryInterval (s) and JobRetryLimit, for every queue's jobs
    job_retry_interval: float = DEFAULT_RETRY_INTERVAL_S
    job_retry_limit: int = DEFAULT_RETRY_LIMIT


def parse_address(text: str, where: str) -> tuple[str, int]:
    """Parse ``HOST:PORT`` (``[v6]:PORT`` for IPv6)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{where}: {text!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


def whole(section: Section, key: str, default: int, minimum: int, maximum: int) -> int:
    """Return a whole number between *minimum* and *maximum*; raise ConfigError naming it."""
    value = section.number(key, default, minimum=minimum, maximum=maximum)
    if value != int(value):
        raise ConfigError(f"{section.where(key)}: {value:g} is not a whole number")
    return int(value)


def _ports(section: Section, key: str = "ports", default: PortRange = DEFAULT_PORTS) -> PortRange:
    text = section.string(key, f"{default.first}-{default.last}")
    first, sep, last = text.partition("-")
    if not sep or not first.strip().isdigit() or not last.strip().isdigit():
        raise ConfigError(f"{section.source}: server.{key}: {text!r} is not FIRST-LAST")
    try:
        return PortRange(int(first), int(last))
    except ConfigError as exc:
        raise ConfigError(f"{section.source}: server.{key}: {exc}") from exc


def _port_ranges(section: Section) -> tuple[PortRange, PortRange]:
    public, internal = _ports(section), _ports(section, "internal_ports", INTERNAL_PORTS)
    if public.first <= internal.last and internal.first <= public.last:
        raise ConfigError(
            f"{section.source}: server.internal_ports: {internal.first}-{internal.last} "
            f"overlaps server.ports {public.first}-{public.last}"
        )
    return public, internal


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


def _seconds(section: Section, key: str, default: float) -> float:
    """Return a timeout: above 0, at most a day."""
    value = section.number(key, default, minimum=0, maximum=86400)
    if value <= 0:
        raise ConfigError(f"{section.where(key)}: {value:g} is not a timeout (above 0 s)")
    return value


def control_limits(config: Config) -> Limits:
    """Return the ``[control]`` table's limits; raise ConfigError naming the file and key."""
    control = config.section("control")
    control.reject_unknown(
        {
            "header_timeout",
            "keepalive",
            "max_connections",
            "max_per_address",
            "max_line",
            "max_field",
            "max_headers",
            "event_write_timeout",
        }
    )
    d = Limits()
    return Limits(
        connections=whole(control, "max_connections", d.connections, 1, 1 << 20),
        per_client=whole(control, "max_per_address", d.per_client, 1, 1 << 20),
        header_timeout=_seconds(control, "header_timeout", d.header_timeout),
        keepalive=_seconds(control, "keepalive", d.keepalive),
        max_line=whole(control, "max_line", d.max_line, 256, 1 << 20),
        max_field=whole(control, "max_field", d.max_field, 256, 1 << 20),
        max_headers=whole(control, "max_headers", d.max_headers, 8, 10000),
        event_write_timeout=_seconds(control, "event_write_timeout", d.event_write_timeout),
    )


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
    public, internal = _port_ranges(server)
    manager = ManagerSettings(
        state_dir=server.path("state_dir") or default_state_dir(),
        ports=public,
        internal_ports=internal,
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
        held_days=server.number("held_days", DEFAULT_HELD_DAYS, minimum=0, maximum=3660),
    )
    return ServerSettings(
        manager,
        host,
        port,
        level,
        keep,
        limits=control_limits(config),
        job_retry_interval=server.number(
            "job_retry_interval", DEFAULT_RETRY_INTERVAL_S, minimum=0, maximum=86400
        ),
        job_retry_limit=whole(server, "job_retry_limit", DEFAULT_RETRY_LIMIT, 0, 1000),
    )
