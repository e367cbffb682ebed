"""The identify page (read back by Ghostscript) and the ``identify`` settings."""

from __future__ import annotations

import asyncio
import logging
import subprocess
from pathlib import Path

import pytest

from printerapp.config import load_config
from printerapp.errors import ConfigError, JobError
from printerapp.manager.system import PrinterInfo
from printerapp.server.settings import server_settings
from printerapp.web.identify import identify, identify_pdf
from printerapp.web.logring import printer_of
from tests.support.cupsd import free_port


def _text_of(pdf: bytes, tmp_path: Path) -> tuple[str, str]:
    """Return (page count, text) of *pdf* as Ghostscript reads it."""
    path = tmp_path / "identify.pdf"
    path.write_bytes(pdf)
    gs = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER"]
    text = subprocess.run(
        [*gs, "-sDEVICE=txtwrite", "-sOutputFile=-", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    pages = subprocess.run(
        [
            *gs,
            "-dNODISPLAY",
            "-dNOSAFER",
            "-c",
            f"({path}) (r) file runpdfbegin pdfpagecount = quit",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "Error" not in text.stderr + pages.stderr, text.stderr + pages.stderr
    return pages.stdout.strip(), text.stdout


def test_the_page_names_the_queue_and_hides_credentials(tmp_path: Path) -> None:
    pdf = identify_pdf(
        "Front Desk (2nd floor) \\ A4", "ipp://bob:pw@10.0.0.5/ipp", "ipp://host:8001/ipp/print", 0
    )
    count, text = _text_of(pdf, tmp_path)
    assert count == "1"
    assert "Front Desk (2nd floor) \\ A4" in text
    assert "ipp://***@10.0.0.5/ipp" in text
    assert "pw@" not in text
    assert "ipp://host:8001/ipp/print" in text


def test_a_name_beyond_latin_1_still_makes_a_valid_page(tmp_path: Path) -> None:
    count, text = _text_of(
        identify_pdf("Drucker Küche 打印机\n", "usb://x", "ipp://h:1/", 0), tmp_path
    )
    assert count == "1"
    assert "Drucker Küche" in text


def _settings(tmp_path: Path, text: str) -> object:
    path = tmp_path / "printerapp.toml"
    path.write_text(text)
    return server_settings(load_config(path))


def test_identify_for_the_server_and_per_printer(tmp_path: Path) -> None:
    default = server_settings(load_config(tmp_path / "absent.toml")).manager
    assert default.identify == "ipp"
    assert default.identify_for("socket://x") == "ipp"
    path = tmp_path / "printerapp.toml"
    path.write_text(
        '[server]\nidentify = "print"\n[printers."usb://A"]\nidentify = "ipp"\n'
        '[printers."usb://B"]\nname = "B"\n'
    )
    manager = server_settings(load_config(path)).manager
    assert manager.identify_for("usb://A") == "ipp"
    assert manager.identify_for("usb://B") == "print"  # the server's
    assert manager.identify_for("usb://other") == "print"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[server]\nidentify = "blink"\n',
            r"toml: server\.identify: 'blink' is not one of ipp, print",
        ),
        (
            '[printers."u"]\nidentify = "page"\n',
            r"toml: printers\.u\.identify: 'page' is not one of",
        ),
        ("[server]\nidentify = 1\n", r"toml: server\.identify: expected str"),
    ],
)
def test_bad_identify_values_name_file_key_and_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _settings(tmp_path, text)


@pytest.mark.parametrize("mode", ["print", "ipp"])
def test_a_queue_that_does_not_answer_is_one_error_logged_for_its_printer(
    mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # nobody listens there
    info = PrinterInfo(
        "Desk", "Desk", f"ipp://localhost:{port}/ipp/print", port, "running", "",
        "socket://127.0.0.1:9", "", "", "manual", None,
    )  # fmt: skip
    with caplog.at_level(logging.INFO), pytest.raises(JobError, match=r"^Desk: "):
        asyncio.run(identify(info, mode, 0.0))
    [record] = [r for r in caplog.records if r.name == "printerapp.web.identify"]
    assert record.levelno == logging.WARNING
    assert printer_of(record) == "Desk"
    assert record.getMessage().startswith("printer 'Desk': identify failed: Desk: ")
