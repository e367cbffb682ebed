"""The ippeveprinter command line and environment of one queue (pure).

ippeveprinter serves the IPP Everywhere side and runs ``printerapp
ippprint`` once per job; the job runner finds everything it needs in the
environment built here: the device URI (given as is: no quotes, no shell
ever sees it), the PPD and the CUPS directories.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from printerapp.cups import CupsDirs, driver_env
from printerapp.errors import PrinterProcessError

__all__ = ["IPPEVEPRINTER", "QueueLaunch", "find_ippprint", "ippeve_argv", "ippeve_env"]

IPPEVEPRINTER = "ippeveprinter"
#: passed through from the daemon's environment to every queue
_INHERITED = (
    "PATH",
    "LANG",
    "LC_ALL",
    "TZ",
    "PRINTERAPP_CONFIG",
    "PRINTERAPP_STATE_DIR",
    # "off" in the daemon's environment: no job polls its printer's SNMP agent
    "PRINTERAPP_SNMP",
    "PRINTERAPP_CACHE_DIR",
)


@dataclass(frozen=True, slots=True)
class QueueLaunch:
    """Everything needed to start one queue's ippeveprinter."""

    #: DNS-SD service name (at most 63 octets, see naming.service_name)
    name: str
    port: int
    ppd: Path
    spool: Path
    device_uri: str
    #: the host name ippeveprinter serves and advertises; "localhost" keeps it local
    hostname: str = "localhost"
    location: str = ""
    #: the program ippeveprinter runs per job (absolute: it resolves relative ones oddly)
    command: Path = Path("printerapp-ippprint")
    program: str = IPPEVEPRINTER


def find_ippprint() -> Path:
    """Return the absolute path of ``printerapp-ippprint`` next to this interpreter, or on PATH."""
    beside = Path(sys.executable).parent / "printerapp-ippprint"
    if beside.is_file():
        return beside
    found = shutil.which("printerapp-ippprint")
    if found is None:
        raise PrinterProcessError("printerapp-ippprint is not installed next to the daemon")
    return Path(found).absolute()


def ippeve_argv(launch: QueueLaunch) -> list[str]:
    """Return ippeveprinter's argv for *launch*."""
    argv = [
        launch.program,
        "-P",
        str(launch.ppd),
        "-c",
        str(launch.command),
        "-p",
        str(launch.port),
        "-n",
        launch.hostname,
        "-d",
        str(launch.spool),
    ]
    if launch.location:
        argv += ["-l", launch.location]

    return [*argv, launch.name]


def ippeve_env(
    launch: QueueLaunch, dirs: CupsDirs, base: Mapping[str, str], extra: Mapping[str, str]
) -> dict[str, str]:
    """Return the queue's environment: a few inherited variables, the job's CUPS context."""
    env = {k: v for k, v in base.items() if k in _INHERITED or k.startswith("SNAP")}
    env.update(driver_env(base))
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(dirs.as_env())
    env.update(DEVICE_URI=launch.device_uri, PPD=str(launch.ppd))
    env.update(extra)
    return env
