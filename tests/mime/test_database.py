"""Loading the MIME database: CUPS's drop rules, wildcard expansion, and the cache."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from printerapp.cups import CupsDirs
from printerapp.errors import MimeError
from printerapp.mime.database import load_mime_database
from tests.support.mimedirs import add_program, make_dirs


def _pairs(dirs: CupsDirs, cache: Path) -> dict[tuple[str, str], tuple[int, str]]:
    db = load_mime_database(dirs, cache_dir=cache)
    return {(e.src, e.dst): (e.cost, e.program) for e in db.filters}


def test_real_database_loads_cleanly(cups_dirs: CupsDirs, tmp_path: Path) -> None:
    db = load_mime_database(cups_dirs, cache_dir=tmp_path)
    assert db.errors == ()
    assert "application/pdf" in db.types
    pairs = {(e.src, e.dst): e for e in db.filters}
    assert pairs[("application/pdf", "application/vnd.cups-pdf")].program == "pdftopdf"
    # the cheaper of two same-pair lines wins: rastertopdf (0) over mime.convs' "-" (100)
    assert pairs[("image/urf", "application/pdf")].program == "rastertopdf"
    # /etc/cups/raw.convs is read too
    assert ("application/octet-stream", "application/vnd.cups-raw") in pairs


def test_wildcards_expand_and_missing_programs_drop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    convs = (
        "image/* application/pdf 50 imagetopdf\n"
        "*/* text/plain 10 anytotext\n"
        "text/plain application/pdf 20 missingprog\n"
        "text/plain no/such 20 imagetopdf\n"
        "garbage line\n"
    )
    dirs = make_dirs(tmp_path, convs, programs=("imagetopdf", "anytotext"))
    pairs = _pairs(dirs, tmp_path / "cache")
    assert pairs[("image/png", "application/pdf")] == (50, "imagetopdf")
    assert pairs[("image/jpeg", "application/pdf")] == (50, "imagetopdf")
    assert pairs[("image/x-photo-cd", "application/pdf")] == (50, "imagetopdf")
    assert pairs[("application/octet-stream", "text/plain")] == (10, "anytotext")
    assert ("text/plain", "application/pdf") not in pairs
    assert len(pairs) == 4
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for line in (3, 4, 5):
        assert f"test.convs:{line}:" in logged


def test_strictly_cheaper_line_replaces(tmp_path: Path) -> None:
    convs = "text/plain application/pdf 20 a\ntext/plain application/pdf 20 b\n"
    convs += "image/png application/pdf 30 a\nimage/png application/pdf 10 b\n"
    dirs = make_dirs(tmp_path, convs, programs=("a", "b"))
    pairs = _pairs(dirs, tmp_path / "cache")
    assert pairs[("text/plain", "application/pdf")] == (20, "a")
    assert pairs[("image/png", "application/pdf")] == (10, "b")


def test_no_types_is_an_error(tmp_path: Path) -> None:
    dirs = CupsDirs(tmp_path, tmp_path, tmp_path)
    with pytest.raises(MimeError):
        load_mime_database(dirs, cache_dir=tmp_path / "c")


def test_cache_is_reused_and_invalidated(tmp_path: Path) -> None:
    dirs = make_dirs(tmp_path, "text/plain application/pdf 20 a\n", programs=("a",))
    cache = tmp_path / "cache"
    first = load_mime_database(dirs, cache_dir=cache)
    assert list(cache.glob("mimedb-*.pickle"))
    assert load_mime_database(dirs, cache_dir=cache) == first
    # a new filter program changes the filter directory: the dropped line now counts
    convs = dirs.datadir / "mime" / "test.convs"
    convs.write_text("text/plain application/pdf 20 a\nimage/png application/pdf 5 b\n")
    stamp = time.time() - 100
    os.utime(convs, (stamp, stamp))
    second = load_mime_database(dirs, cache_dir=cache)
    assert second.fingerprint != first.fingerprint
    assert len(second.filters) == 1
    add_program(dirs, "b")
    third = load_mime_database(dirs, cache_dir=cache)
    assert len(third.filters) == 2


def test_untrusted_cache_is_ignored(tmp_path: Path) -> None:
    dirs = make_dirs(tmp_path, "text/plain application/pdf 20 a\n", programs=("a",))
    cache = tmp_path / "cache"
    load_mime_database(dirs, cache_dir=cache)
    (pickled,) = cache.glob("mimedb-*.pickle")
    pickled.write_bytes(b"not a pickle")
    assert len(load_mime_database(dirs, cache_dir=cache).filters) == 1
    pickled.chmod(0o666)
    assert len(load_mime_database(dirs, cache_dir=cache).filters) == 1
