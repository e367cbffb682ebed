"""Ranking, pins, the generic fallback, unsupported devices, CUPS's name order."""

from __future__ import annotations

import pytest

from printerapp.ppd.index import DriverIndex
from printerapp.ppd.match import compile_query, names_key
from printerapp.ppd.rank import DeviceQuery, choose, model_key, rank
from printerapp.ppd.settings import DriversConfig


def test_names_key_orders_numbers_by_value() -> None:
    names = [
        "HP LaserJet 2100M",
        "hp laserjet 100",
        "HP LaserJet 2100",
        "HP LaserJet 20",
        "HP Deskjet",
    ]
    assert sorted(names, key=names_key) == [
        "HP Deskjet",
        "HP LaserJet 20",
        "hp laserjet 100",
        "HP LaserJet 2100",
        "HP LaserJet 2100M",
    ]
    assert names_key("A007") == names_key("a7")


def test_cups_regex_quirks() -> None:
    assert compile_query("MFG:HP; MDL:X;", "").device_re is not None
    assert compile_query("MFG:HP; MDL:X;", "").device_re.pattern.count("(") == 1  # type: ignore[union-attr]
    assert compile_query("DES:x;CLS:PRINTER;", "").device_re is None
    assert compile_query("", "HP (LaserJet)").make_model_short
    assert compile_query("", "HP {x}").make_model == ""
    assert compile_query("MFG:C++;MDL:a+?b;", "").device_re is not None


def test_exact_model_ranks_first(real_index: DriverIndex) -> None:
    choice = rank(
        real_index, DeviceQuery("MFG:HP;MDL:LaserJet 2100;CMD:PJL,PCLXL;", "HP LaserJet 2100")
    )
    assert choice.best is not None
    assert choice.best.record.name == "gutenprint.5.3://hp-lj_2100/expert"
    assert choice.best.score == 3
    assert any("PCLXL" in r for r in choice.best.reasons)


def test_normalised_match_when_cups_finds_nothing(real_index: DriverIndex) -> None:
    choice = rank(
        real_index, DeviceQuery("MANUFACTURER:Hewlett-Packard;MODEL:HP LaserJet 2100 Series;")
    )
    assert choice.best is not None
    assert "HP-LaserJet_2100-" in choice.best.record.name
    assert choice.best.record.recommended
    assert choice.best.reasons == ("normalised MFG+MDL match",)
    assert model_key("Hewlett-Packard", "HP LaserJet 2100 Series") == model_key(
        "HP", "LaserJet 2100"
    )
    assert model_key("Kyocera Mita", "FS-1000+")[0] == "kyocera"


@pytest.mark.parametrize(
    ("cmd", "model"),
    [
        ("PDF,PCL", "PDF Printer"),
        ("POSTSCRIPT", "PostScript Printer"),
        ("PCLXL", "PCL 6/PCL XL Printer"),
    ],
)
def test_generic_fallback(real_index: DriverIndex, cmd: str, model: str) -> None:
    choice = rank(real_index, DeviceQuery(f"MFG:Acmezz;MDL:Qq 9;CMD:{cmd};"))
    assert choice.best is not None
    assert choice.best.generic
    assert choice.best.record.model == model


def test_unsupported_has_a_reason(real_index: DriverIndex) -> None:
    # the manager records it and does not retry it until it goes (tests/manager)
    choice = rank(real_index, DeviceQuery("MFG:Acmezz;MDL:Qq 9;CMD:ESCPQQ;", "Acmezz Qq 9"))
    assert choice.best is None
    assert "Acmezz Qq 9" in choice.reason


def test_pin_wins(real_index: DriverIndex) -> None:
    config = DriversConfig(
        pin_by_uri={"usb://HP/LaserJet%202100": "lsb/usr/cupsfilters/pxlmono.ppd"},
        pin_by_serial={"SN42": "lsb/usr/cupsfilters/Generic-PDF_Printer-PDF.ppd"},
    )
    query = DeviceQuery(
        "MFG:HP;MDL:LaserJet 2100;SN:SN42;", "HP LaserJet 2100", "usb://HP/LaserJet%202100"
    )
    best = choose(real_index, query, config.pinned(query.uri, "SN42")).best
    assert best is not None
    assert best.pinned
    assert best.record.name.endswith("pxlmono.ppd")
    best = choose(real_index, query, config.pinned("usb://other", "SN42")).best
    assert best is not None
    assert best.record.name.endswith("Generic-PDF_Printer-PDF.ppd")
    assert choose(real_index, query, "no/such.ppd").reason
