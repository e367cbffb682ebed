"""An ippeveprinter queue with a given job command, printed to and read back over IPP."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from printerapp.ipp.client import get_printer_attributes
from tests.support.cupsd import free_port

__all__ = ["Queue", "attributes", "listed"]

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
        self.port = free_port()
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


def attributes(q: Queue) -> dict[str, Any]:
    """Return the printer's attributes as printerapp.ipp.answer decodes them (lists for 1setOf)."""
    return asyncio.run(get_printer_attributes(q.uri, 10))


def listed(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]
