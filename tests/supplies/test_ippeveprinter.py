"""The ATTR: lines reach a real ippeveprinter, and ipptool reads them back as printer attributes."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from printerapp.ipp.client import get_printer_attributes
from printerapp.supplies import SnmpTarget, Supply, SupplyReport, attr_lines, poll
from tests.support.snmpsim import SnmpSim

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root]

IPPTOOL = shutil.which("ipptool") or "/usr/bin/ipptool"
IPPEVEPRINTER = shutil.which("ippeveprinter") or "/usr/sbin/ippeveprinter"
TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")
START_TIMEOUT_S = 10.0
JOB_TIMEOUT_S = 30.0
ATTRS = (
    "marker-colors,marker-high-levels,marker-levels,marker-low-levels,marker-names,"
    "marker-types,printer-supply,printer-supply-description,printer-alert,"
    "printer-alert-description,printer-state-reasons"
)

GET_ATTRS = f"""{{
  OPERATION Get-Printer-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR keyword requested-attributes {ATTRS}
  STATUS successful-ok
}}
"""

GET_JOB = """{
  OPERATION Get-Job-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR integer job-id $job_id
  ATTR keyword requested-attributes job-state
  STATUS successful-ok
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ipptool(*args: str) -> str:
    out = subprocess.run(
        [IPPTOOL, "-tv", *args], capture_output=True, text=True, timeout=30, check=False
    )
    return out.stdout + out.stderr


class Queue:
    """One ippeveprinter whose job command is *command*."""

    def __init__(self, workdir: Path, command: Path, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        (workdir / "spool").mkdir(parents=True)
        (workdir / "get.test").write_text(GET_ATTRS)
        (workdir / "job.test").write_text(GET_JOB)
        self.port = _free_port()
        argv = [IPPEVEPRINTER, "-p", str(self.port), "-n", "localhost", "-f", "application/pdf"]
        argv += ["-c", str(command), "-d", str(workdir / "spool"), f"Supplies {self.port}"]
        with (workdir / "ippeveprinter.log").open("ab") as log:
            self.proc = subprocess.Popen(
                argv, stdout=log, stderr=log, env={**os.environ, **(env or {})}
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while "[PASS]" not in self.attributes():
            assert self.proc.poll() is None, "ippeveprinter exited"
            assert time.monotonic() < deadline, "ippeveprinter did not answer"
            time.sleep(0.1)

    @property
    def uri(self) -> str:
        return f"ipp://localhost:{self.port}/ipp/print"

    def attributes(self) -> str:
        return _ipptool(self.uri, str(self.workdir / "get.test"))

    def print_and_wait(self) -> str:
        out = _ipptool("-f", str(TESTPAGE), self.uri, "/usr/share/cups/ipptool/print-job.test")
        found = re.search(r"job-id \(integer\) = (\d+)", out)
        assert found, out
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline:
            state = re.search(
                r"job-state \(enum\) = (\w+)",
                _ipptool(
                    "-d", f"job_id={found.group(1)}", self.uri, str(self.workdir / "job.test")
                ),
            )
            if state and state.group(1) in ("completed", "aborted", "canceled"):
                return state.group(1)
            time.sleep(0.1)
        raise AssertionError("the job did not end")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def queue(avahi: None, tmp_path: Path) -> Iterator[Callable[..., Queue]]:
    started: list[Queue] = []

    def start(command: Path, env: dict[str, str] | None = None) -> Queue:
        started.append(Queue(tmp_path / f"q{len(started)}", command, env))
        return started[-1]

    yield start
    for q in started:
        q.stop()


def _attributes(q: Queue) -> dict[str, Any]:
    """Return the printer's attributes as pyipp decodes them (lists for 1setOf)."""
    return asyncio.run(get_printer_attributes(q.uri, 10))


def _listed(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _script(path: Path, lines: list[str]) -> Path:
    (path.parent / "attr-lines").write_text("".join(f"{line}\n" for line in lines))
    path.write_text(f"#!/bin/sh\ncat '{path.parent / 'attr-lines'}' >&2\nexit 0\n")
    path.chmod(0o755)
    return path


def test_supplies_from_snmp_become_printer_attributes(
    queue: Callable[..., Queue], snmpsim: SnmpSim, tmp_path: Path
) -> None:
    report = poll(SnmpTarget("127.0.0.1", snmpsim.port, community="colour-laser-complete"))
    q = queue(_script(tmp_path / "job.sh", attr_lines(report)))
    # before the first job ippeveprinter shows its own made-up supplies (a waste tank, black toner)
    assert _listed(_attributes(q)["printer-supply-description"]) == [
        "Toner Waste Tank",
        "Black Toner",
    ]
    assert q.print_and_wait() == "completed"
    attrs = _attributes(q)
    assert _listed(attrs["marker-levels"])[:6] == [55, 19, 40, 34, 0, 81]  # waste: room left
    assert _listed(attrs["marker-colors"])[:5] == [
        "#00FFFF",
        "#FF00FF",
        "#FFFF00",
        "#000000",
        "none",
    ]
    assert _listed(attrs["marker-types"])[:6] == ["toner"] * 4 + ["waste-toner", "opc"]
    assert _listed(attrs["marker-names"]) == [s.description for s in report.supplies]
    assert _listed(attrs["marker-low-levels"]) == [5] * 14
    assert _listed(attrs["marker-high-levels"]) == [100] * 14
    supplies = [v.decode() if isinstance(v, bytes) else v for v in _listed(attrs["printer-supply"])]
    assert len(supplies) == 14
    assert supplies[0] == (
        "index=1;class=supplyThatIsConsumed;type=toner;unit=percent;maxcapacity=100;level=55;"
        "colorantname=cyan;"
    )
    assert supplies[4].startswith("index=5;class=receptacleThatIsFilled;type=wasteToner;")
    assert _listed(attrs["printer-supply-description"])[:2] == ["Cyan Toner", "Magenta Toner"]
    alerts = [v.decode() if isinstance(v, bytes) else v for v in _listed(attrs["printer-alert"])]
    assert alerts == [
        "index=1;severity=warning;training=trained;group=markerSupplies;groupindex=2;"
        "location=-1;code=markerTonerAlmostEmpty;",
        "index=2;severity=critical;training=untrained;group=cover;groupindex=1;"
        "location=-1;code=coverOpen;",
    ]
    assert _listed(attrs["printer-alert-description"]) == ["Magenta toner low", "Front cover open"]


def test_names_with_commas_and_quotes_stay_one_value(
    queue: Callable[..., Queue], snmpsim: SnmpSim, tmp_path: Path
) -> None:
    report = poll(SnmpTarget("127.0.0.1", snmpsim.port, community="xerox-altalink-c8045"))
    odd = ['Say "hi"', "it's", "back\\slash", "  spaced  out ", "a,b,,c"]
    extra = tuple(Supply(index=20 + i, description=d) for i, d in enumerate(odd))
    report = SupplyReport(report.supplies + extra)
    q = queue(_script(tmp_path / "job.sh", attr_lines(report)))
    assert q.print_and_wait() == "completed"
    attrs = _attributes(q)
    # each Xerox description has a comma inside: still one value each
    names = [s.description for s in report.supplies]
    assert _listed(attrs["marker-names"]) == names
    assert _listed(attrs["printer-supply-description"]) == names
    assert (
        _listed(attrs["marker-levels"])
        == [20, 66, 72, 60, 50, 92, 93, 93, 90, 5, 65, 86] + [-1] * 5
    )
