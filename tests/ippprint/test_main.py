"""The ippeveprinter command's own decisions: printer name, retry copies, error lines."""

from __future__ import annotations

import io
import json
from pathlib import Path

from printerapp.ippprint.main import keep_for_retry, printer_name, run_document
from printerapp.manager.resubmit import kept_jobs
from printerapp.ppd.options import PpdChoices


def test_printer_name_choice() -> None:
    ppd = PpdChoices(nickname="HP LaserJet 2100 Foomatic/pxlmono (recommended)")
    assert printer_name({"PRINTER": "office"}, ppd) == "office"
    assert printer_name({}, ppd) == "HP_LaserJet_2100_Foomatic_pxlmono_recommended"
    assert printer_name({}, None) == "printerapp"
    assert printer_name({"PRINTER": "a/../b c"}, None) == "a_.._b_c"


def test_keep_for_retry_links_document_and_job(tmp_path: Path) -> None:
    doc = tmp_path / "3-report.pdf"
    doc.write_bytes(b"%PDF-1.4 test")
    env = {"IPP_JOB_ID": "3", "CONTENT_TYPE": "application/pdf", "DEVICE_URI": "ipp://u:pw@h/q"}
    kept = keep_for_retry(doc, env)
    assert kept == tmp_path / "retry" / doc.name
    assert kept.read_bytes() == doc.read_bytes()
    saved = json.loads(kept.with_name(kept.name + ".json").read_text())
    assert saved == {
        "IPP_JOB_ID": "3",
        "CONTENT_TYPE": "application/pdf",
        "DEVICE_URI": "ipp://h/q",
    }


def test_a_held_document_is_kept_apart_from_the_resubmitted_ones(tmp_path: Path) -> None:
    doc = tmp_path / "4-report.pdf"
    doc.write_bytes(b"%PDF-1.4 test")
    kept = keep_for_retry(doc, {"IPP_JOB_ID": "4"}, held=True)
    assert kept == tmp_path / "retry" / "held" / doc.name
    assert kept_jobs(tmp_path / "retry") == []  # the server resubmits none of it
    assert kept.with_name(kept.name + ".json").is_file()


def test_missing_document_is_one_error_line(tmp_path: Path) -> None:
    status = io.BytesIO()
    assert run_document(tmp_path / "gone.pdf", {}, status=status) == 1
    assert status.getvalue().decode().splitlines() == [
        f"ERROR: document {tmp_path / 'gone.pdf'} does not exist"
    ]


def test_formats_outside_the_installation_list_are_refused(tmp_path: Path) -> None:
    # a PWG-raster-only installation (snap ./configure --formats=pwg) gets a PDF
    doc = tmp_path / "1-doc.pdf"
    doc.write_bytes(Path("/usr/share/cups/data/default-testpage.pdf").read_bytes())
    out = tmp_path / "out.prn"
    env = {
        "CONTENT_TYPE": "application/pdf",
        "PRINTERAPP_FORMATS": "image/pwg-raster,image/urf",
        "DEVICE_URI": f"file://{out}",
        "PRINTERAPP_CACHE_DIR": str(tmp_path / "cache"),
    }
    status = io.BytesIO()
    assert run_document(doc, env, status=status) == 1
    lines = status.getvalue().decode().splitlines()
    assert lines == [
        "ERROR: application/pdf is not printed here (only image/pwg-raster, image/urf)"
    ]
    assert not out.exists()
