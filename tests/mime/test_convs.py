"""The ``.convs`` and PPD filter-value parsers, on the real files and on edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.mime.convs import parse_convs, parse_convs_line, parse_ppd_filter
from printerapp.mime.records import FilterEdge, LineError

MIME_DIR = Path("/usr/share/cups/mime")


def test_every_installed_convs_line_parses() -> None:
    files = sorted(MIME_DIR.glob("*.convs"))
    assert files
    total = 0
    for path in files:
        edges, errors = parse_convs(path.read_text(), str(path))
        assert errors == []
        total += len(edges)
    # ENVIRONMENT.md: the Debian packages install 342 conversion lines (some commented out)
    assert 100 < total <= 342


def test_convs_line_fields_and_position() -> None:
    edges, errors = parse_convs("# c\n\nimage/PNG\tApplication/PDF  65   imagetopdf\n", "x.convs")
    assert errors == []
    assert edges == [FilterEdge("image/png", "application/pdf", 65, "imagetopdf", 0, "x.convs", 3)]


def test_wildcards_and_null_filter() -> None:
    star = parse_convs_line("*/* application/vnd.cups-raw 0 -")
    assert isinstance(star, FilterEdge)
    assert star.src == "application/octet-stream"
    assert star.is_null
    image = parse_convs_line("image/* application/pdf 100 imagetopdf")
    assert isinstance(image, FilterEdge)
    assert image.src == "image/*"


def test_program_is_rest_of_line_and_cost_uses_leading_digits() -> None:
    edge = parse_convs_line("a/b c/d 10x my filter  ")
    assert isinstance(edge, FilterEdge)
    assert (edge.cost, edge.program) == (10, "my filter")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("a/b c/d", "expected"),
        ("ab c/d 1 x", "bad source"),
        ("a/b cd 1 x", "bad destination"),
        ("a/b c/* 1 x", "wildcard"),
        ("a/b c/d x1 prog", "not a number"),
        ("a/b c/d 99999999999 prog", "out of range"),
        ("sixteencharsxxxx/b c/d 1 prog", "bad source"),
    ],
)
def test_bad_convs_lines_are_reported(line: str, reason: str) -> None:
    result = parse_convs_line(line, "f.convs", 7)
    assert isinstance(result, LineError)
    assert reason in result.reason
    assert (result.path, result.line, result.text) == ("f.convs", 7, line)


def test_comments_and_blanks_are_silent() -> None:
    for line in ("", "   ", "# x", "  # indented"):
        assert parse_convs_line(line) is None


def test_ppd_cupsfilter_value() -> None:
    edge = parse_ppd_filter("application/vnd.cups-raster 100 rastertogutenprint.5.3", "printer/foo")
    assert edge == FilterEdge(
        "application/vnd.cups-raster", "printer/foo", 100, "rastertogutenprint.5.3"
    )


def test_ppd_cupsfilter2_value_names_a_printer_subtype() -> None:
    edge = parse_ppd_filter(
        "application/pdf application/vnd.cups-pdf 0 maxsize(1000) pdftopdf", "printer/foo", "p", 9
    )
    assert edge == FilterEdge(
        "application/pdf", "printer/foo/application/vnd.cups-pdf", 0, "pdftopdf", 1000, "p", 9
    )


def test_ppd_value_with_absolute_program_and_negative_cost() -> None:
    edge = parse_ppd_filter("text/plain -5 /usr/bin/x", "printer/p")
    assert isinstance(edge, FilterEdge)
    assert (edge.cost, edge.program, edge.dst) == (-5, "/usr/bin/x", "printer/p")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "application/pdf",
        "application/pdf 0",
        "application/pdf x prog",
        "a/b 1 maxsize(9 prog",
        "a/b 1 maxsize(9)",
        "applicationxxxxxxx/pdf 0 prog",
        "a/b 5prog",
    ],
)
def test_bad_ppd_values_are_reported(value: str) -> None:
    result = parse_ppd_filter(value, "printer/foo", "x.ppd", 3)
    assert isinstance(result, LineError)
    assert (result.path, result.line) == ("x.ppd", 3)
