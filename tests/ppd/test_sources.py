"""Building the index from PPD files and driver programs, bad input, and the cache."""

from __future__ import annotations

import gzip
import logging
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from printerapp.cups import CupsDirs
from printerapp.ppd.cache import load_index
from printerapp.ppd.install import ppd_bytes
from printerapp.ppd.settings import DriversConfig
from printerapp.ppd.sources import ppd_roots

GENERIC_PDF = Path("/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd")
GOOD_DRIVER = """#!/bin/sh
[ "$1" = list ] || exit 1
echo '"fake:one" en "Acme" "Acme One" "MFG:Acme;MDL:One;CMD:PCL;"'
echo 'this is garbage'
echo '"fake:two" en "Acme" "Acme Two (recommended)" "MFG:Acme;MDL:Two;"'
"""
HANGING_DRIVER = "#!/bin/sh\nsleep 60\n"
ACME_DRV = """// a driver file for CUPS's PPD compiler, without includes
{
  Manufacturer "Acme"
  ModelName "Label 9"
  Version 1.0
  PCFileName "acmelbl.ppd"
  Attribute "1284DeviceID" "" "MFG:Acme;MDL:Label 9;CMD:ZPL;"
  Filter application/vnd.cups-raster 50 rastertolabel
  *CustomMedia "w288h432/4 x 6" 288 432 0 0 0 0 "" ""
  *Resolution k 1 0 0 0 "203dpi/203 DPI"
}
"""


def _program(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def _bad_sources(dirs: CupsDirs) -> dict[str, Path]:
    model = dirs.datadir / "model"
    good = GENERIC_PDF.read_bytes()
    paths = {
        "good": model / "good.ppd",
        "gz": model / "good2.ppd.gz",
        "corrupt": model / "corrupt.ppd.gz",
        "encoding": model / "encoding.ppd",
        "missing": model / "missing.ppd",
        "hang": dirs.serverbin / "driver" / "hangs",
        "driver": dirs.serverbin / "driver" / "fake",
        "drv": dirs.datadir / "drv" / "broken.drv",
        "empty-drv": dirs.datadir / "drv" / "empty.drv",
    }
    paths["drv"].parent.mkdir()
    (dirs.datadir / "drv" / "acme.drv").write_text(ACME_DRV)
    paths["drv"].write_text('{\n  Manufacturer "Acme"\n  ModelName "Broken\n')
    paths["empty-drv"].write_text("// defines no driver\n")
    paths["good"].write_bytes(good)
    paths["gz"].write_bytes(gzip.compress(good.replace(b"Generic PDF Printer", b"Other PDF")))
    paths["corrupt"].write_bytes(gzip.compress(good)[:200])
    paths["encoding"].write_bytes(
        good.replace(b"*LanguageEncoding: ISOLatin1", b"*LanguageEncoding: UTF-8").replace(
            b"Generic PDF Printer", b"Broken \xff\xfe Printer"
        )
    )
    paths["missing"].write_bytes(
        b"".join(ln for ln in good.splitlines(True) if not ln.startswith(b"*Product"))
    )
    _program(paths["hang"], HANGING_DRIVER)
    _program(paths["driver"], GOOD_DRIVER)
    return paths


@pytest.mark.timeout(30)
def test_bad_input_is_reported_once_and_skipped(
    fake_cups: CupsDirs, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    paths = _bad_sources(fake_cups)
    config = DriversConfig(list_timeout=1.0)
    caplog.set_level(logging.WARNING)
    start = time.monotonic()
    index, stats = load_index(fake_cups, config, tmp_path / "state")
    assert time.monotonic() - start < 10  # the hanging program was killed at its timeout
    assert not stats.from_cache
    names = {r.name for r in index.records}
    assert {
        "good.ppd",
        "good2.ppd.gz",
        "fake:one",
        "fake:two",
        "drv:///acme.drv/acmelbl.ppd",
    } <= names
    problems = {p.source: p.message for p in index.problems}
    for key, words in [
        ("corrupt", "gzip"),
        ("encoding", "encoding"),
        ("missing", "Product"),
        ("hang", "killed"),
        ("driver", "bad list line"),
        ("drv", "Unterminated string"),
        ("empty-drv", "usage"),
    ]:
        assert words in problems[str(paths[key])], key
        assert sum(str(paths[key]) in r.getMessage() for r in caplog.records) == 1, key
    assert len(index.problems) == 7
    caplog.clear()
    again, stats = load_index(fake_cups, config, tmp_path / "state")
    assert stats.from_cache
    assert stats.reread == 0
    assert not caplog.records  # reported once: a warm start does not repeat it
    assert [r.name for r in again.records] == [r.name for r in index.records]
    assert len(again.problems) == 7


def test_records_follow_cups_rules(fake_cups: CupsDirs, tmp_path: Path) -> None:
    _program(fake_cups.serverbin / "driver" / "fake", GOOD_DRIVER)
    index, _ = load_index(fake_cups, DriversConfig(), tmp_path / "state")
    two = index.get("fake:two")
    assert two is not None
    assert two.recommended
    assert two.kind == "driver"
    assert two.make_and_model == "Acme Two (recommended)"  # CUPS 2.4 keeps the suffix
    one = index.get("fake:one")
    assert one is not None
    assert one.command_set == ("PCL",)
    assert one.manufacturer == "Acme"


def test_drv_files_are_compiled_by_ppdc_as_cups_driverd_lists_them(
    fake_cups: CupsDirs, tmp_path: Path
) -> None:
    (fake_cups.datadir / "drv").mkdir()
    (fake_cups.datadir / "drv" / "acme.drv").write_text(ACME_DRV)
    index, _ = load_index(fake_cups, DriversConfig(), tmp_path / "state")
    rec = index.get("drv:///acme.drv/acmelbl.ppd")
    assert rec is not None
    assert (rec.kind, rec.scheme, rec.make) == ("drv", "drv", "Acme")
    assert rec.make_and_model == "Acme Label 9, 1.0"  # ppdc's NickName, as cups-driverd lists it
    assert rec.device_id == "MFG:Acme;MDL:Label 9;CMD:ZPL;"
    ppd = ppd_bytes(rec)
    assert ppd.startswith(b"*PPD-Adobe:")
    assert b'*cupsFilter: "application/vnd.cups-raster 50 rastertolabel"' in ppd


def test_cache_invalidated_by_file_and_program_changes(fake_cups: CupsDirs, tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    mine = user / "mine.ppd"
    mine.write_bytes(GENERIC_PDF.read_bytes())
    prog = fake_cups.serverbin / "driver" / "fake"
    _program(prog, GOOD_DRIVER)
    config = replace(DriversConfig(), user_ppd_dir=user)
    state = tmp_path / "state"
    first, _ = load_index(fake_cups, config, state)
    assert first.get("user/mine.ppd") is not None
    assert load_index(fake_cups, config, state)[1].from_cache
    mine.write_bytes(GENERIC_PDF.read_bytes().replace(b"Generic PDF Printer", b"Mine PDF Printer!"))
    index, stats = load_index(fake_cups, config, state)
    assert stats.reread == 1
    assert not stats.from_cache
    rec = index.get("user/mine.ppd")
    assert rec is not None
    assert "Mine PDF" in rec.make_and_model
    _program(prog, GOOD_DRIVER.replace("Acme One", "Acme Uno"))
    os.utime(prog, ns=(1, 1))  # a new program identity, whatever the clock says
    index, stats = load_index(fake_cups, config, state)
    assert stats.reread == 1
    uno = index.get("fake:one")
    assert uno is not None
    assert uno.make_and_model == "Acme Uno"
    mine.unlink()
    index, _ = load_index(fake_cups, config, state)
    assert index.get("user/mine.ppd") is None


def test_no_state_dir_still_works(fake_cups: CupsDirs) -> None:
    _program(fake_cups.serverbin / "driver" / "fake", GOOD_DRIVER)
    index, stats = load_index(fake_cups, DriversConfig(), None)
    assert index.get("fake:one") is not None
    assert not stats.from_cache


def test_relocated_cups_reads_only_its_own_ppd_dirs(tmp_path: Path) -> None:
    snap = CupsDirs(tmp_path / "usr/lib/cups", tmp_path / "usr/share/cups", tmp_path / "etc/cups")
    roots = ppd_roots(snap, None)
    assert roots == [
        (tmp_path / "usr/share/cups/model", ""),
        (tmp_path / "usr/share/ppd", "lsb/usr"),
    ]
    system = [path for path, _ in ppd_roots(CupsDirs(), tmp_path / "mine")]
    assert system[0] == tmp_path / "mine"
    assert Path("/usr/share/ppd") in system
