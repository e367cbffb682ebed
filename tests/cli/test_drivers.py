"""``printerapp drivers`` on the real database."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.cli.main import main


@pytest.fixture(autouse=True)
def _state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRINTERAPP_STATE_DIR", str(tmp_path_factory.getbasetemp() / "cli-state"))
    monkeypatch.setenv("PRINTERAPP_CONFIG", str(tmp_path_factory.getbasetemp() / "none.toml"))


def test_rank(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "drivers",
        "--device-id",
        "MFG:HP;MDL:LaserJet 2100;",
        "--make-model",
        "HP LaserJet 2100",
        "--limit",
        "3",
    ]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert "hp-lj_2100" in lines[0]
    assert "cups score" in lines[0]


def test_generic_and_unsupported(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drivers", "--device-id", "MFG:Zz;MDL:Qq;CMD:PDF;", "--limit", "1"]) == 0
    assert "generic" in capsys.readouterr().out
    assert main(["drivers", "--device-id", "MFG:Zz;MDL:Qq;CMD:ZZ;"]) == 1
    assert "unsupported" in capsys.readouterr().out


def test_list_and_cat(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["drivers", "--list", "--make", "Hewlett-Packard"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) > 500
    assert all("HP" in ln or "Hewlett" in ln.upper() or "hp" in ln for ln in out[:50])
    assert main(["drivers", "--cat", "lsb/usr/cupsfilters/pxlmono.ppd"]) == 0
    assert capsys.readouterr().out.startswith("*PPD-Adobe:")
    assert main(["drivers", "--cat", "no/such"]) == 1


def test_respelled_id_says_how_it_matched(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["drivers", "--device-id", "MANUFACTURER:HP;MODEL:LaserJet 2100;", "--limit", "1"]
    assert main(args) == 0
    [line] = capsys.readouterr().out.splitlines()
    # Gutenprint's LaserJet 2100 driver by default; hplip's with DRIVERS=all (CUPS's order)
    assert "hp-lj_2100" in line or "hp-laserjet_2100_series" in line
    assert "respelled MFG:Hewlett-Packard;MDL:HP LaserJet 2100 Series" in line


def test_cat_a_ppd_compiled_from_a_drv_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drivers", "--cat", "drv:///sample.drv/zebra.ppd"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("*PPD-Adobe:")
    assert '*NickName: "Zebra ZPL Label Printer"' in out
