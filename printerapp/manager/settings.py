"""The manager's configuration: ports, host name, per-printer overrides, job limits."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from printerapp.ippprint.procs import (
    DEFAULT_CPU_LIMIT_S,
    DEFAULT_MEMORY_LIMIT_MIB,
    DEFAULT_TIME_LIMIT_S,
)
from printerapp.manager.ippeve import IPPEVEPRINTER
from printerapp.manager.ports import DEFAULT_PORTS, INTERNAL_PORTS, PortRange

__all__ = [
    "IDENTIFY_MODES",
    "LOOPBACK_NAMES",
    "WILDCARD_NAMES",
    "ManagerSettings",
    "PrinterOverride",
]

#: [server] hostname values that keep queues on this machine, and that mean "every address"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_NAMES = frozenset({"*", "0.0.0.0", "::"})  # noqa: S104 - names, not binds
#: what "Identify" does: IPP Identify-Printer to the queue, or a one-page identify print
IDENTIFY_MODES = ("ipp", "print")


@dataclass(frozen=True, slots=True)
class PrinterOverride:
    """Per-printer settings from the configuration (by device URI)."""

    name: str = ""
    location: str = ""
    disabled: bool = False
    #: this printer's error policy ("": the server's)
    error_policy: str = ""
    #: the driver to use, by its name in the driver database ("": the best match)
    ppd: str = ""
    #: this printer's job limits (CPU s, wall s, MiB per process); None: the server's
    job_cpu_limit: float | None = None
    job_time_limit: float | None = None
    job_memory_limit: float | None = None
    #: what "Identify" does for this printer ("": the server's)
    identify: str = ""


@dataclass(frozen=True, slots=True)
class ManagerSettings:
    """The manager's configuration."""

    state_dir: Path
    ports: PortRange = DEFAULT_PORTS
    #: where the ippeveprinters listen on loopback, behind the queues' fronts (manager.front)
    internal_ports: PortRange = INTERNAL_PORTS
    #: the host name clients use; "localhost" keeps the queues on this machine, anything
    #: else ("*", the host's name or "<host>.local") serves the LAN as well
    hostname: str = "localhost"
    program: str = IPPEVEPRINTER
    #: the per-job command; None: printerapp-ippprint next to this interpreter
    ippprint: Path | None = None
    overrides: Mapping[str, PrinterOverride] = field(default_factory=dict)
    #: the only document formats queues print (empty: whatever the PPD's filters take)
    formats: tuple[str, ...] = ()
    #: CPU seconds a job (all its processes) may use, and seconds it may take (0: none)
    job_cpu_limit: float = DEFAULT_CPU_LIMIT_S
    job_time_limit: float = DEFAULT_TIME_LIMIT_S
    #: MiB of address space each process of a job may map (0: none)
    job_memory_limit: float = DEFAULT_MEMORY_LIMIT_MIB
    #: what a job does when its printer fails (printerapp.ippprint.policy)
    error_policy: str = "retry-job"
    #: seconds between the tries of a crash-looping queue (0: never); None: the queue default
    restart_interval: float | None = None
    #: what "Identify" does (one of IDENTIFY_MODES)
    identify: str = "ipp"

    def job_limits_for(self, device_uri: str) -> tuple[float, float, float]:
        """Return (CPU s, wall s, MiB) for the jobs of the printer at *device_uri*."""
        own = self.overrides.get(device_uri, PrinterOverride())
        return (
            self.job_cpu_limit if own.job_cpu_limit is None else own.job_cpu_limit,
            self.job_time_limit if own.job_time_limit is None else own.job_time_limit,
            self.job_memory_limit if own.job_memory_limit is None else own.job_memory_limit,
        )

    def error_policy_for(self, device_uri: str) -> str:
        """Return the error policy of the printer at *device_uri*: its own, else the server's."""
        override = self.overrides.get(device_uri)
        return (override.error_policy if override else "") or self.error_policy

    def identify_for(self, device_uri: str) -> str:
        """Return what "Identify" does for *device_uri* (its own, else the server's)."""
        override = self.overrides.get(device_uri)
        return (override.identify if override else "") or self.identify

    @property
    def serves_lan(self) -> bool:
        """True when queues are to be reachable from other machines."""
        return self.hostname not in LOOPBACK_NAMES

    @property
    def public_host(self) -> str:
        """The host name in the queues' URIs."""
        if self.hostname in WILDCARD_NAMES:
            return f"{socket.gethostname()}.local"
        return self.hostname
