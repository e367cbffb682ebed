"""Installing the chosen PPD: sanitised names, atomic writes, ``cat`` via the driver."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.errors import DriverProgramError
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.install import MAX_NAME, install_ppd, sanitize_name
from printerapp.ppd.records import DriverRecord


@pytest.mark.parametrize(
    "hostile", ["../../etc/passwd", ".hidden", "a/b\\c", "x" * 500, "", "..", "é€ 💥", "\x00\n"]
)
def test_sanitised_names_stay_in_the_directory(hostile: str, tmp_path: Path) -> None:
    stem = sanitize_name(hostile)
    assert stem
    assert not stem.startswith(".")
    assert len(stem) <= MAX_NAME
    assert set(stem) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    assert (tmp_path / f"{stem}.ppd").resolve().parent == tmp_path.resolve()


def test_install_file_and_driver_ppds(real_index: DriverIndex, tmp_path: Path) -> None:
    for name in (
        "lsb/usr/cupsfilters/Generic-PDF_Printer-PDF.ppd",
        "gutenprint.5.3://hp-lj_2100/expert",
        "drv:///sample.drv/zebra.ppd",
    ):
        rec = real_index.get(name)
        assert rec is not None
        path = install_ppd(rec, tmp_path, "../HP LaserJet/2100")
        assert path.parent == tmp_path / "ppd"
        assert path.name == "HP_LaserJet_2100.ppd"
        assert path.read_bytes().startswith(b"*PPD-Adobe:")
    assert [p.name for p in (tmp_path / "ppd").iterdir()] == [
        "HP_LaserJet_2100.ppd"
    ]  # no temp left


@pytest.mark.timeout(20)
def test_hanging_cat_is_killed(tmp_path: Path) -> None:
    prog = tmp_path / "hangs"
    prog.write_text("#!/bin/sh\nsleep 60 &\nsleep 60\n")
    prog.chmod(0o755)
    rec = DriverRecord.create(
        name="hangs:x",
        kind="driver",
        path=str(prog),
        scheme="hangs",
        make="A",
        make_and_model="A",
        nickname="A",
    )
    with pytest.raises(DriverProgramError, match="killed"):
        install_ppd(rec, tmp_path, "x", timeout=0.5)
    assert not (tmp_path / "ppd" / "x.ppd").exists()
