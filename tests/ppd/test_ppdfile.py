"""The PPD header parser and reader, on the real matrix PPDs and on broken files."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from printerapp.errors import PPDError
from printerapp.ppd.ppdfile import parse_ppd, read_ppd
from tests.support.ppds import strip_filter_lines

GetPPD = Callable[[str], Path]


def test_foomatic_header(get_ppd: GetPPD) -> None:
    header = read_ppd(get_ppd("lj2100-pxlmono"))
    assert header.nickname is not None
    assert "LaserJet 2100" in header.nickname
    assert header.manufacturer is not None
    assert header.model_name is not None
    assert header.device_id is not None
    assert "MDL:" in header.device_id
    assert header.color_device is False
    assert [ln.value for ln in header.filters] == [
        "application/vnd.cups-postscript 100 foomatic-rip",
        "application/vnd.cups-pdf 0 foomatic-rip",
    ]
    assert all(ln.line > 1 for ln in header.filters)
    assert header.filters2 == ()
    assert header.chain_filters == header.filters


def test_gutenprint_header_commands(get_ppd: GetPPD) -> None:
    header = read_ppd(get_ppd("r300-gutenprint"))
    assert header.commands is not None
    assert "Clean" in header.commands
    assert header.color_device is True
    assert header.language_level == 3
    assert header.pc_filename is not None


def test_line_numbers_point_at_the_file(get_ppd: GetPPD) -> None:
    path = get_ppd("generic-pdf")
    header = read_ppd(path)
    rows = path.read_text(encoding="latin-1").splitlines()
    for ln in header.filters:
        assert rows[ln.line - 1].startswith("*cupsFilter:")


def test_stripped_ppd_has_no_filter_lines(get_ppd: GetPPD, tmp_path: Path) -> None:
    header = read_ppd(strip_filter_lines(get_ppd("lj2100-pxlmono"), tmp_path / "ps.ppd"))
    assert header.chain_filters == ()


def test_gzip_ppd(get_ppd: GetPPD, tmp_path: Path) -> None:
    src = get_ppd("lj2100-ljet4")
    gz = tmp_path / "x.ppd.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    assert read_ppd(gz).filters == read_ppd(src).filters


def test_cupsfilter2_wins_and_multiline_values_are_skipped() -> None:
    text = (
        '*PPD-Adobe: "4.3"\n'
        '*JCLBegin: "line one\n'
        '*cupsFilter: "inside a quoted value, not a line"\n'
        'end"\n'
        '*cupsFilter: "application/pdf 0 a"\n'
        '*cupsFilter2: "application/pdf application/x 0 b"\n'
        '*cupsPreFilter: "image/png 0 c"\n'
    )
    header = parse_ppd(text, "t.ppd")
    assert [ln.value for ln in header.filters] == ["application/pdf 0 a"]
    assert [(ln.value, ln.line) for ln in header.chain_filters] == [
        ("application/pdf application/x 0 b", 6)
    ]
    assert [ln.value for ln in header.prefilters] == ["image/png 0 c"]
    assert header.values("JCLBegin")[0].value.startswith("line one\n")


@pytest.mark.parametrize(
    "data", [b"", b"hello world\n", b"\x00\x01binary", b"\x1f\x8bnot really gzip"]
)
def test_garbage_raises_ppd_error_naming_the_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.ppd"
    path.write_bytes(data)
    with pytest.raises(PPDError, match=r"bad\.ppd"):
        read_ppd(path)


def test_missing_file_raises_ppd_error(tmp_path: Path) -> None:
    with pytest.raises(PPDError, match=r"nothere\.ppd"):
        read_ppd(tmp_path / "nothere.ppd")
