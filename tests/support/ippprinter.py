"""An ippeveprinter queue running ``printerapp-ippprint``, printed to and watched with ipptool."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.support.cupsd import free_port

__all__ = ["IPPTOOL", "TESTPAGE", "Printer", "ipptool"]

IPPPRINT = Path(sys.executable).parent / "printerapp-ippprint"
TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")
IPPTOOL = shutil.which("ipptool") or "/usr/bin/ipptool"
IPPEVEPRINTER = shutil.which("ippeveprinter") or "/usr/sbin/ippeveprinter"
START_TIMEOUT_S = 10.0
JOB_TIMEOUT_S = 90.0

PRINT_TEST = """{
  NAME "Print-Job"
  OPERATION Print-Job
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR name requesting-user-name e2e
  ATTR name job-name "e2e job"
  ATTR mimeMediaType document-format $filetype
  GROUP job-attributes-tag
  ATTR keyword media iso_a4_210x297mm
  FILE $filename
  STATUS successful-ok
  STATUS successful-ok-ignored-or-substituted-attributes
  EXPECT job-id
}
"""

GET_JOB_TEST = """{
  NAME "Get-Job-Attributes"
  OPERATION Get-Job-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR integer job-id $job_id
  ATTR keyword requested-attributes job-state,job-state-message,job-state-reasons
  STATUS successful-ok
}
"""


CANCEL_TEST = """{
  NAME "Cancel-Job"
  OPERATION Cancel-Job
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR integer job-id $job_id
  ATTR name requesting-user-name e2e
  STATUS successful-ok
}
"""


def ipptool(*args: str) -> str:
    out = subprocess.run(
        [IPPTOOL, "-tv", *args], capture_output=True, text=True, timeout=60, check=False
    )
    return out.stdout + out.stderr


class Printer:
    """One ippeveprinter process, with helpers to print and watch jobs."""

    def __init__(self, workdir: Path, ppd: Path, env: dict[str, str]) -> None:
        self.workdir, self.spool = workdir, workdir / "spool"
        self.spool.mkdir(parents=True)
        (workdir / "print.test").write_text(PRINT_TEST)
        (workdir / "job.test").write_text(GET_JOB_TEST)
        self.proc: subprocess.Popen[bytes] | None = None
        for _ in range(5):  # a port taken between probe and bind: try another
            self.port = free_port()
            if self._start(ppd, env):
                return
        raise RuntimeError("ippeveprinter did not start on any port")

    @property
    def uri(self) -> str:
        return f"ipp://localhost:{self.port}/ipp/print"

    def _start(self, ppd: Path, env: dict[str, str]) -> bool:
        argv = [IPPEVEPRINTER, "-p", str(self.port), "-n", "localhost", "-P", str(ppd)]
        argv += ["-c", str(IPPPRINT), "-d", str(self.spool), f"E2E {self.port}"]
        log = (self.workdir / "ippeveprinter.log").open("ab")
        # as the manager does: the job runner watches its job there (Cancel-Job)
        queue = {"PRINTERAPP_QUEUE_URI": f"ipp://127.0.0.1:{self.port}/ipp/print"}
        self.proc = subprocess.Popen(
            argv, stdout=log, stderr=log, env={**os.environ, **queue, **env}
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self.proc.poll() is None:
            test = "/usr/share/cups/ipptool/get-printer-attributes.test"
            if "[PASS]" in ipptool(self.uri, test):
                return True
            time.sleep(0.1)
        self.stop()
        return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def submit(self, document: Path, filetype: str) -> int:
        out = ipptool(
            "-f",
            str(document),
            "-d",
            f"filetype={filetype}",
            self.uri,
            str(self.workdir / "print.test"),
        )
        m = re.search(r"job-id \(integer\) = (\d+)", out)
        assert m is not None, out
        return int(m.group(1))

    def job(self, job_id: int) -> tuple[str, str, str]:
        """Return the job's state, state message and state reasons, as ipptool prints them."""
        out = ipptool("-d", f"job_id={job_id}", self.uri, str(self.workdir / "job.test"))
        found = [
            re.search(rf"{name} \({kind}\) = (.*)", out)
            for name, kind in (
                ("job-state", "enum"),
                ("job-state-message", "textWithoutLanguage"),
                ("job-state-reasons", r"(?:1setOf )?keyword"),
            )
        ]
        state, message, reasons = (m.group(1).strip() if m else "" for m in found)
        return state, message, reasons

    def wait_job(self, job_id: int, timeout: float = JOB_TIMEOUT_S) -> tuple[str, str]:
        """Wait until the job has ended; return its state and state message."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state, message, _ = self.job(job_id)
            if state in {"completed", "aborted", "canceled"}:
                return state, message
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not end within {timeout} s")

    def cancel(self, job_id: int) -> None:
        """Cancel-Job *job_id*."""
        (self.workdir / "cancel.test").write_text(CANCEL_TEST)
        out = ipptool("-d", f"job_id={job_id}", self.uri, str(self.workdir / "cancel.test"))
        assert "[PASS]" in out, out
