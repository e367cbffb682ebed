"""Chain search: CUPS's tie-breaking, maxsize, PPD filter rules, and a brute-force check."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printerapp.cups import CupsDirs
from printerapp.errors import NoChainError, UnknownTypeError
from printerapp.ippprint.plan import plan_job
from printerapp.mime.chain import find_chain
from printerapp.mime.records import FilterEdge
from tests.support.mimedirs import add_program, make_dirs, write_ppd

PROGRAMS = ("p2png", "p2jpg", "png2pdf", "jpg2pdf", "direct", "pdfprn", "psprn", "pre", "big")


def _plan(
    tmp_path: Path, convs: str, *ppd_lines: str, doc_bytes: bytes = b"x", ctype: str = "text/plain"
) -> tuple[str, ...]:
    dirs = make_dirs(tmp_path / "cups", convs, programs=PROGRAMS)
    ppd = write_ppd(tmp_path / "t.ppd", *ppd_lines)
    doc = tmp_path / "doc"
    doc.write_bytes(doc_bytes)
    return plan_job(dirs, ppd, doc, ctype, cache_dir=tmp_path / "cache").programs


TIE = (
    "text/plain image/png 10 p2png\n"
    "text/plain image/jpeg 10 p2jpg\n"
    "image/png application/pdf 10 png2pdf\n"
    "image/jpeg application/pdf 10 jpg2pdf\n"
)
PDF_PRINTER = '*cupsFilter: "application/pdf 0 pdfprn"'


def test_equal_cost_tie_goes_to_the_first_destination_name(tmp_path: Path) -> None:
    # image/jpeg sorts before image/png, whatever the file order
    assert _plan(tmp_path, TIE, PDF_PRINTER) == ("p2jpg", "jpg2pdf", "pdfprn")


def test_direct_filter_wins_an_equal_cost_tie(tmp_path: Path) -> None:
    convs = TIE + "text/plain application/pdf 20 direct\n"
    assert _plan(tmp_path, convs, PDF_PRINTER) == ("direct", "pdfprn")


def test_strictly_cheaper_chain_wins(tmp_path: Path) -> None:
    convs = TIE.replace("png2pdf", "png2pdf").replace("10 jpg2pdf", "11 jpg2pdf")
    assert _plan(tmp_path, convs, PDF_PRINTER) == ("p2png", "png2pdf", "pdfprn")


def test_maxsize_excludes_a_filter_for_big_documents(tmp_path: Path) -> None:
    lines = (
        '*cupsFilter2: "application/pdf application/x-a 0 maxsize(4) pdfprn"',
        '*cupsFilter2: "application/pdf application/x-b 50 big"',
    )
    assert _plan(tmp_path / "s", TIE, *lines, doc_bytes=b"1234") == ("p2jpg", "jpg2pdf", "pdfprn")
    assert _plan(tmp_path / "b", TIE, *lines, doc_bytes=b"12345") == ("p2jpg", "jpg2pdf", "big")


def test_cupsfilter2_lines_replace_cupsfilter_lines(tmp_path: Path) -> None:
    lines = (
        '*cupsFilter: "text/plain 0 direct"',
        '*cupsFilter2: "application/pdf application/vnd.x 0 pdfprn"',
    )
    assert _plan(tmp_path, TIE, *lines) == ("p2jpg", "jpg2pdf", "pdfprn")


def test_null_filter_runs_nothing(tmp_path: Path) -> None:
    assert _plan(tmp_path, TIE, '*cupsFilter: "application/pdf 0 -"') == ("p2jpg", "jpg2pdf")


def test_ppd_without_filter_lines_is_a_postscript_printer(tmp_path: Path) -> None:
    convs = "text/plain application/vnd.cups-postscript 5 psprn\n"
    assert _plan(tmp_path, convs) == ("psprn",)


def test_missing_ppd_program_is_dropped(tmp_path: Path) -> None:
    lines = ('*cupsFilter: "text/plain 0 nosuchfilter"', PDF_PRINTER)
    assert _plan(tmp_path, TIE, *lines) == ("p2jpg", "jpg2pdf", "pdfprn")


def test_prefilters_are_inserted(tmp_path: Path) -> None:
    lines = (PDF_PRINTER, '*cupsPreFilter: "image/jpeg 0 pre"')
    assert _plan(tmp_path, TIE, *lines) == ("p2jpg", "pre", "jpg2pdf", "pdfprn")


def test_no_chain_names_type_and_printer(tmp_path: Path) -> None:
    with pytest.raises(NoChainError, match=r"text/plain.*'foo'"):
        _plan(tmp_path, "", PDF_PRINTER)


def test_raw_queue_passes_everything(tmp_path: Path) -> None:
    dirs = make_dirs(tmp_path / "cups", TIE, programs=PROGRAMS)
    doc = tmp_path / "doc"
    doc.write_bytes(b"hello")
    plan = plan_job(dirs, None, doc, "image/png", printer="q", cache_dir=tmp_path / "c")
    assert (plan.programs, plan.final_type, plan.cost) == ((), "printer/q", 0)
    assert [s.is_null for s in plan.steps] == [True]


def test_zero_cost_cycles_terminate() -> None:
    edges = [
        FilterEdge("a/a", "b/b", 0, "x"),
        FilterEdge("b/b", "a/a", 0, "y"),
        FilterEdge("b/b", "c/c", 0, "z"),
    ]
    found = find_chain(edges, "a/a", "c/c")
    assert found is not None
    assert [e.program for e in found[0]] == ["x", "z"]


def _cups_reference(edges: list[FilterEdge], src: str, dst: str) -> tuple[int, list[str]] | None:
    """mime_find_filters() as written in CUPS, unpruned."""
    direct = {(e.src, e.dst): e for e in edges}
    leaving = sorted(edges, key=lambda e: tuple(e.dst.partition("/")[::2]))

    def find(node: str, ancestors: tuple[str, ...]) -> tuple[int, list[str]] | None:
        best, mincost = None, 9999999
        if (node, dst) in direct:
            best, mincost = [direct[(node, dst)].program], direct[(node, dst)].cost
        for e in (e for e in leaving if e.src == node):
            if e.dst in ancestors:
                continue
            sub = find(e.dst, (*ancestors, node))
            if sub is not None and sub[0] + e.cost < mincost:
                best, mincost = [e.program, *sub[1]], sub[0] + e.cost
        return None if best is None else (mincost, best)

    return find(src, ())


NODES = [f"t/{c}" for c in "abcdef"]


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(NODES), st.sampled_from(NODES)),
        st.integers(min_value=0, max_value=4),
        max_size=14,
    )
)
def test_pruned_search_equals_the_cups_recursion(graph: dict[tuple[str, str], int]) -> None:
    edges = [FilterEdge(s, d, c, f"{s[2]}{d[2]}") for (s, d), c in graph.items()]
    found = find_chain(edges, "t/a", "t/f")
    expected = _cups_reference(edges, "t/a", "t/f")
    got = None if found is None else (found[1], [e.program for e in found[0]])
    assert got == expected
    assert math.isfinite(found[1]) if found else True


def _cached_setup(tmp_path: Path, programs: tuple[str, ...]) -> tuple[CupsDirs, Path, Path, Path]:
    """CUPS dirs with TIE's filters, a PDF printer, a document and a cache dir."""
    dirs = make_dirs(tmp_path / "cups", TIE, programs=programs)
    ppd = write_ppd(tmp_path / "t.ppd", PDF_PRINTER)
    doc = tmp_path / "doc"
    doc.write_bytes(b"x")
    return dirs, ppd, doc, tmp_path / "cache"


def test_added_program_is_seen_after_cache(tmp_path: Path) -> None:
    dirs, ppd, doc, cache = _cached_setup(tmp_path, ("p2png", "png2pdf", "pdfprn"))
    assert plan_job(dirs, ppd, doc, "text/plain", cache_dir=cache).programs == (
        "p2png",
        "png2pdf",
        "pdfprn",
    )
    for name in ("p2jpg", "jpg2pdf"):
        add_program(dirs, name)
    assert plan_job(dirs, ppd, doc, "text/plain", cache_dir=cache).programs == (
        "p2jpg",
        "jpg2pdf",
        "pdfprn",
    )


def test_edited_convs_file_is_seen_after_cache(tmp_path: Path) -> None:
    dirs, ppd, doc, cache = _cached_setup(tmp_path, PROGRAMS)
    assert plan_job(dirs, ppd, doc, "text/plain", cache_dir=cache).programs[0] == "p2jpg"
    convs = dirs.datadir / "mime" / "test.convs"
    convs.write_text(TIE.replace("image/jpeg 10 p2jpg", "image/jpeg 30 p2jpg") + "\n")
    assert plan_job(dirs, ppd, doc, "text/plain", cache_dir=cache).programs[0] == "p2png"


def test_unknown_declared_type_is_refused_with_a_warm_cache(tmp_path: Path) -> None:
    dirs, ppd, doc, cache = _cached_setup(tmp_path, PROGRAMS)
    plan_job(dirs, ppd, doc, "text/plain", cache_dir=cache)
    with pytest.raises(UnknownTypeError, match="unknown document type 'text/x-nothing'"):
        plan_job(dirs, ppd, doc, "text/x-nothing", cache_dir=cache)


def test_warm_declared_type_does_not_load_the_mime_database(tmp_path: Path) -> None:
    dirs, ppd, doc, cache = _cached_setup(tmp_path, PROGRAMS)
    plan_job(dirs, ppd, doc, "text/plain", cache_dir=cache)
    # A fresh interpreter, as every ippeveprinter job is: only the chain cache is read.
    probe = (
        "import sys; from pathlib import Path; from printerapp.cups import CupsDirs;"
        "from printerapp.ippprint.plan import plan_job;"
        f"d = CupsDirs(Path({str(dirs.serverbin)!r}), Path({str(dirs.datadir)!r}),"
        f" Path({str(dirs.serverroot)!r}));"
        f"p = plan_job(d, Path({str(ppd)!r}), Path({str(doc)!r}), 'text/plain',"
        f" cache_dir=Path({str(cache)!r}));"
        "print(' '.join(p.programs), 'printerapp.mime.database' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["p2jpg", "jpg2pdf", "pdfprn", "False"]
