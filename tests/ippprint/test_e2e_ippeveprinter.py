"""The real ippeveprinter runs ``printerapp-ippprint`` for each job, into a TCP sink."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.sink import TcpSink

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root]

GetPpd = Callable[[str], Path]
IPPPRINT = Path(sys.executable).parent / "printerapp-ippprint"
TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")
PJL_PCLXL = (b"\x1b%-12345X@PJL", b") HP-PCL XL")
IPPTOOL = shutil.which("ipptool") or "/usr/bin/ipptool"
IPPEVEPRINTER = shutil.which("ippeveprinter") or "/usr/sbin/ippeveprinter"
GS = shutil.which("gs") or "/usr/bin/gs"
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ipptool(*args: str) -> str:
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
            self.port = _free_port()
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
            if "[PASS]" in _ipptool(self.uri, test):
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
        out = _ipptool(
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

    def wait_job(self, job_id: int) -> tuple[str, str]:
        """Wait until the job has ended; return its state and state message."""
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline:
            out = _ipptool("-d", f"job_id={job_id}", self.uri, str(self.workdir / "job.test"))
            state = re.search(r"job-state \(enum\) = (\S+)", out)
            if state and state.group(1) in {"completed", "aborted", "canceled"}:
                msg = re.search(r"job-state-message \(textWithoutLanguage\) = (.*)", out)
                return state.group(1), msg.group(1) if msg else ""
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not end within {JOB_TIMEOUT_S} s")


@pytest.fixture
def start_printer(avahi: None, tmp_path: Path) -> Iterator[Callable[..., Printer]]:
    printers: list[Printer] = []

    def start(ppd: Path, env: dict[str, str], name: str = "p") -> Printer:
        printers.append(Printer(tmp_path / name, ppd, env))
        return printers[-1]

    yield start
    for p in printers:
        p.stop()


@pytest.fixture
def sink() -> Iterator[TcpSink]:
    with TcpSink() as s:
        yield s


@pytest.fixture(scope="module")
def jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("jpeg") / "page.jpg"
    subprocess.run(
        [
            GS,
            "-q",
            "-dBATCH",
            "-dNOPAUSE",
            "-sDEVICE=jpeg",
            "-r40",
            f"-sOutputFile={dest}",
            str(TESTPAGE),
        ],
        check=True,
        timeout=60,
    )
    return dest


def _serverbin_with(tmp_path: Path, filters: dict[str, str], backends: dict[str, str]) -> Path:
    """A CUPS_SERVERBIN of links to the real programs plus some scripts, all 0755."""
    sb = tmp_path / "serverbin"
    for kind, extra in (("filter", filters), ("backend", backends)):
        (sb / kind).mkdir(parents=True)
        for real in Path(f"/usr/lib/cups/{kind}").iterdir():
            (sb / kind / real.name).symlink_to(real)
        for name, body in extra.items():
            prog = sb / kind / name
            prog.write_text("#!/bin/sh\n" + body)
            prog.chmod(0o755)
    for d in (tmp_path, sb, sb / "filter", sb / "backend"):
        d.chmod(0o755)
    return sb


def test_pdf_jpeg_and_octet_stream_print_pcl_xl(
    start_printer: Callable[..., Printer], sink: TcpSink, get_ppd: GetPpd, jpeg: Path
) -> None:
    printer = start_printer(get_ppd("lj2100-pxlmono").resolve(), {"DEVICE_URI": sink.uri})
    docs = [
        (TESTPAGE, "application/pdf"),
        (jpeg, "image/jpeg"),
        (TESTPAGE, "application/octet-stream"),
    ]
    for n, (doc, filetype) in enumerate(docs, start=1):
        job_id = printer.submit(doc, filetype)
        state, message = printer.wait_job(job_id)
        assert state == "completed", f"{filetype}: {message}"
        data = sink.wait_for_jobs(n)[n - 1]
        assert data.startswith(PJL_PCLXL[0]), filetype
        assert PJL_PCLXL[1] in data, filetype


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


def test_cancel_stops_an_endless_postscript_job_and_frees_the_queue(
    start_printer: Callable[..., Printer], sink: TcpSink, get_ppd: GetPpd, tmp_path: Path
) -> None:
    # 24 bytes that keep Ghostscript busy forever on a PCL queue (foomatic-rip runs gs)
    endless = tmp_path / "loop.ps"
    endless.write_text("%!PS-Adobe-3.0\n{ } loop\n")
    cancel = tmp_path / "cancel.test"
    cancel.write_text(CANCEL_TEST)
    printer = start_printer(get_ppd("lj2100-pxlmono").resolve(), {"DEVICE_URI": sink.uri})
    stuck = printer.submit(endless, "application/postscript")
    time.sleep(2)  # the job is processing: gs spins
    cancelled = time.monotonic()
    out = _ipptool("-d", f"job_id={stuck}", printer.uri, str(cancel))
    assert "[PASS]" in out, out
    # the queue is free again: the next job is taken (not server-error-busy) and prints
    next_job = None
    while next_job is None and time.monotonic() - cancelled < 10:
        try:
            next_job = printer.submit(TESTPAGE, "application/pdf")
        except AssertionError:
            time.sleep(0.1)
    assert next_job is not None
    assert time.monotonic() - cancelled < 5, "Cancel-Job did not free the queue within 5 s"
    assert printer.wait_job(stuck)[0] == "canceled"
    state, message = printer.wait_job(next_job)
    assert state == "completed", message
    assert sink.wait_for_jobs(1)[0].startswith(PJL_PCLXL[0])


def test_gutenprint_r300_prints_escp2(
    start_printer: Callable[..., Printer], sink: TcpSink, get_ppd: GetPpd
) -> None:
    printer = start_printer(get_ppd("r300-gutenprint").resolve(), {"DEVICE_URI": sink.uri})
    state, message = printer.wait_job(printer.submit(TESTPAGE, "application/pdf"))
    assert state == "completed", message
    data = sink.wait_for_jobs(1)[0]
    assert b"\x1b@" in data
    assert b"\x1b(R" in data  # ESC/P2 remote mode


def test_failing_filter_aborts_the_job(
    start_printer: Callable[..., Printer], sink: TcpSink, get_ppd: GetPpd, tmp_path: Path
) -> None:
    sb = _serverbin_with(
        tmp_path, {"brokenrip": 'echo "ERROR: brokenrip ran out of ink" >&2\nexit 2\n'}, {}
    )
    ppd = tmp_path / "broken.ppd"
    lines = get_ppd("lj2100-pxlmono").read_text(encoding="latin-1").splitlines()
    kept = [ln for ln in lines if not ln.startswith("*cupsFilter")]
    kept.insert(1, '*cupsFilter: "application/vnd.cups-pdf 0 brokenrip"')
    ppd.write_text("\n".join(kept) + "\n", encoding="latin-1")
    printer = start_printer(ppd, {"DEVICE_URI": sink.uri, "CUPS_SERVERBIN": str(sb)})
    state, message = printer.wait_job(printer.submit(TESTPAGE, "application/pdf"))
    assert state == "aborted"
    assert "brokenrip" in message
    assert sink.jobs == []


def test_backend_retry_keeps_the_document(
    start_printer: Callable[..., Printer], get_ppd: GetPpd, tmp_path: Path
) -> None:
    sb = _serverbin_with(
        tmp_path, {}, {"offline": 'cat > /dev/null\necho "ERROR: printer is off" >&2\nexit 6\n'}
    )
    retry = tmp_path / "retry"
    env = {
        "DEVICE_URI": "offline://printer",
        "CUPS_SERVERBIN": str(sb),
        "PRINTERAPP_RETRY_DIR": str(retry),
        # CUPS_BACKEND_RETRY is retried within the job: 2 retries, 0.5 s apart
        "PRINTERAPP_JOB_RETRY_INTERVAL": "0.5",
        "PRINTERAPP_JOB_RETRY_LIMIT": "2",
    }
    printer = start_printer(get_ppd("lj2100-pxlmono").resolve(), env)
    state, message = printer.wait_job(printer.submit(TESTPAGE, "application/pdf"))
    assert state == "aborted"
    assert "aborted after 3 attempts" in message
    spooled = list(printer.spool.glob("1-*.pdf"))
    assert len(spooled) == 1
    kept = retry / spooled[0].name
    assert kept.read_bytes() == TESTPAGE.read_bytes()
    assert '"IPP_JOB_ID": "1"' in kept.with_name(kept.name + ".json").read_text()
    shutil.rmtree(retry)
