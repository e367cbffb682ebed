"""The real ippeveprinter runs ``printerapp-ippprint`` for each job, into a TCP sink."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.ippprinter import IPPTOOL, TESTPAGE, Printer
from tests.support.sink import TcpSink

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root]

GetPpd = Callable[[str], Path]
PJL_PCLXL = (b"\x1b%-12345X@PJL", b") HP-PCL XL")
GS = shutil.which("gs") or "/usr/bin/gs"
__all__ = ["IPPTOOL", "TESTPAGE", "Printer"]


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


def test_cancel_stops_an_endless_postscript_job_and_frees_the_queue(
    start_printer: Callable[..., Printer], sink: TcpSink, get_ppd: GetPpd, tmp_path: Path
) -> None:
    # 24 bytes that keep Ghostscript busy forever on a PCL queue (foomatic-rip runs gs)
    endless = tmp_path / "loop.ps"
    endless.write_text("%!PS-Adobe-3.0\n{ } loop\n")
    printer = start_printer(get_ppd("lj2100-pxlmono").resolve(), {"DEVICE_URI": sink.uri})
    stuck = printer.submit(endless, "application/postscript")
    time.sleep(2)  # the job is processing: gs spins
    cancelled = time.monotonic()
    printer.cancel(stuck)
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


def test_backend_retries_used_up_keep_the_document_apart(
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
    # kept, but apart: as CUPS aborts at JobRetryLimit, it is not sent again by itself
    assert not list(retry.glob("*.json"))
    kept = retry / "held" / spooled[0].name
    assert kept.read_bytes() == TESTPAGE.read_bytes()
    assert '"IPP_JOB_ID": "1"' in kept.with_name(kept.name + ".json").read_text()
    shutil.rmtree(retry)
