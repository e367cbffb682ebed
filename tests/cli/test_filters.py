"""``printerapp filters``: the listing, the cupsfilter-style list, and clean errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from printerapp.cli.main import main

CUPSFILTER = shutil.which("cupsfilter") or "/usr/sbin/cupsfilter"
TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")


def test_listing_shows_type_programs_and_cost(
    get_ppd: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ppd = get_ppd("r300-gutenprint")
    assert main(["filters", "--ppd", str(ppd), "--cache-dir", str(tmp_path), str(TESTPAGE)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "type: application/pdf"
    assert [ln.split("\t")[0] for ln in out[1:-1]] == [
        "pdftopdf",
        "gstoraster",
        "rastertogutenprint.5.3",
    ]
    assert out[-1] == "cost: 265"


def test_list_filters_equals_cupsfilter(
    get_ppd: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ppd = get_ppd("lj2100-pxlmono")
    argv = [
        "filters",
        "--list-filters",
        "--ppd",
        str(ppd),
        "--cache-dir",
        str(tmp_path),
        str(TESTPAGE),
    ]
    assert main(argv) == 0
    oracle = subprocess.run(
        [CUPSFILTER, "--list-filters", "-e", "-p", str(ppd), "-m", "printer/foo", str(TESTPAGE)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert capsys.readouterr().out == oracle.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ppd", "/etc/hostname"], "not a PPD file"),
        (["--ppd", "/nonexistent.ppd"], "cannot read PPD"),
        (["--type", "foo/bar"], "unknown document type"),
    ],
)
def test_errors_are_one_line_without_traceback(
    extra: list[str], message: str, tmp_path: Path
) -> None:
    argv = [
        sys.executable,
        "-m",
        "printerapp",
        "filters",
        "--cache-dir",
        str(tmp_path),
        *extra,
        str(TESTPAGE),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert done.stdout == ""


def test_missing_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["filters", str(tmp_path / "nothing.pdf")]) == 1
    assert "nothing.pdf: no such file" in capsys.readouterr().err
