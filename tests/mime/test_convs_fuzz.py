"""Malformed ``.convs`` lines and PPD filter values never crash; each bad one is reported."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from printerapp.mime.convs import parse_convs, parse_ppd_filter
from printerapp.mime.records import FilterEdge, LineError

# Pieces of real lines, shuffled and damaged, find the parser's corners faster than noise.
PIECES = st.sampled_from(
    [
        "application/pdf",
        "image/*",
        "*/*",
        "/",
        "-",
        "0",
        "100",
        "99999999999",
        " ",
        "\t",
        "maxsize(",
        ")",
        "maxsize(10)",
        "pdftopdf",
        "#",
        "printer/foo",
        "x",
        "\r",
        "é",
        "\x00",
    ]
)
LINE = st.one_of(st.text(max_size=80), st.lists(PIECES, max_size=10).map("".join))


@given(st.lists(LINE, max_size=8))
def test_convs_never_crash_and_report_path_and_line(lines: list[str]) -> None:
    text = "\n".join(line.replace("\n", " ") for line in lines)
    edges, errors = parse_convs(text, "fuzz.convs")
    assert len(edges) + len(errors) <= len(lines)
    for err in errors:
        assert isinstance(err, LineError)
        assert err.path == "fuzz.convs"
        assert 1 <= err.line <= max(len(lines), 1)
        assert str(err).startswith(f"fuzz.convs:{err.line}:")
    for edge in edges:
        assert edge.cost >= 0
        assert edge.program
        assert "/" in edge.src
        assert "/" in edge.dst


@given(LINE, st.integers(min_value=1, max_value=10_000))
def test_ppd_filter_values_never_crash(value: str, line: int) -> None:
    result = parse_ppd_filter(value, "printer/foo", "fuzz.ppd", line)
    assert isinstance(result, FilterEdge | LineError)
    assert (result.path, result.line) == ("fuzz.ppd", line)
    if isinstance(result, FilterEdge):
        assert result.dst.startswith("printer/foo")
        assert result.maxsize >= 0
        assert result.program
