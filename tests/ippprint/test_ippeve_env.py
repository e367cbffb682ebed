"""What ippeveprinter 2.4 tells the job command: the design of saved defaults rests on it.

A job attribute arrives as ``IPP_<NAME>`` only when the client sent it;
the printer's ``*-default`` attributes (from the PPD, at start) arrive as
``IPP_<NAME>_DEFAULT`` with every job.  So a missing ``IPP_SIDES`` means the
job did not ask, and ippeveprinter does not fill it in.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import pytest

from printerapp.errors import IppError
from printerapp.ipp.client import print_job
from printerapp.ipp.request import KEYWORD, IppAttribute
from printerapp.manager.ippeve import IPPEVEPRINTER
from printerapp.ppd.queueppd import prepare_queue_ppd
from tests.support.cupsd import free_port
from tests.support.ppds import extract_ppd

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf").read_bytes()
DUMP = '#!/bin/sh\nenv > "$DUMP_DIR/env-$IPP_JOB_ID.txt"\ncat "$1" > /dev/null\n'


def _env(path: Path) -> dict[str, str]:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never written"
        time.sleep(0.05)
    time.sleep(0.1)  # the shell's one write
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def _send(port: int, attributes: list[IppAttribute]) -> None:
    """Print, trying again for 10 s while the queue starts or is busy with a job."""
    deadline = time.monotonic() + 10
    while True:
        try:
            status = _print(port, attributes)
        except IppError:  # not listening yet
            status = -1
        if 0 <= status < 0x100:
            return
        assert time.monotonic() < deadline, f"Print-Job: status {status:#x}"
        time.sleep(0.1)


def _print(port: int, attributes: list[IppAttribute]) -> int:
    return asyncio.run(
        print_job(
            port,
            TESTPAGE,
            user="alice",
            job_name="env",
            document_format="application/pdf",
            attributes=attributes,
            timeout_s=30,
        )
    )


@pytest.mark.timeout(90)
def test_job_attributes_only_when_sent_and_printer_defaults_always(tmp_path: Path) -> None:
    ppd = extract_ppd("lj2100-pxlmono", tmp_path)
    prepare_queue_ppd(ppd)
    dump = tmp_path / "dump.sh"
    dump.write_text(DUMP)
    dump.chmod(0o755)
    (tmp_path / "spool").mkdir()
    port = free_port()
    argv = [IPPEVEPRINTER, "-p", str(port), "-n", "localhost", "-P", str(ppd), "-c", str(dump)]
    argv += ["-d", str(tmp_path / "spool"), f"Env {port}"]
    with (tmp_path / "ippeveprinter.log").open("ab") as log:
        env = {**os.environ, "DUMP_DIR": str(tmp_path)}
        proc = subprocess.Popen(argv, stdout=log, stderr=log, env=env)
    try:
        _send(port, [])
        bare = _env(tmp_path / "env-1.txt")
        for name in ("MEDIA", "MEDIA_COL", "SIDES", "PRINT_QUALITY", "PRINT_COLOR_MODE", "COPIES"):
            assert f"IPP_{name}" not in bare, name
        assert bare["IPP_MEDIA_DEFAULT"] == "na_letter_8.5x11in"
        assert bare["IPP_SIDES_DEFAULT"] == "one-sided"
        assert bare["IPP_PRINT_QUALITY_DEFAULT"] == "normal"
        assert bare["IPP_PRINT_COLOR_MODE_DEFAULT"] == "monochrome"
        assert bare["IPP_JOB_NAME"] == "env"
        _send(port, [IppAttribute("sides", KEYWORD, "two-sided-long-edge")])
        asked = _env(tmp_path / "env-2.txt")
        assert asked["IPP_SIDES"] == "two-sided-long-edge"
        assert asked["IPP_SIDES_DEFAULT"] == "one-sided"
        assert "IPP_MEDIA" not in asked
    finally:
        proc.terminate()
        proc.wait(timeout=10)
