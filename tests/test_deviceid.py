"""IEEE-1284 device IDs: real IDs from the installed PPDs, variants, and hostile input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.deviceid import (
    MAX_FIELDS,
    MAX_VALUE_LENGTH,
    make_and_model,
    model_key,
    normalize_manufacturer,
    parse_device_id,
)

FOOMATIC_LJ2100 = (
    "MFG:Hewlett-Packard;MDL:HP LaserJet 2100 Series;CMD:PJL,MLC,PCLXL,PCL,POSTSCRIPT;"
)


def test_foomatic_id() -> None:
    dev = parse_device_id(FOOMATIC_LJ2100)
    assert dev.manufacturer == "Hewlett-Packard"
    assert dev.model == "HP LaserJet 2100 Series"
    assert dev.command_set == ("PJL", "MLC", "PCLXL", "PCL", "POSTSCRIPT")
    assert dev.make_and_model == "HP LaserJet 2100 Series"
    assert str(dev) == FOOMATIC_LJ2100


def test_long_keys_case_and_spaces() -> None:
    dev = parse_device_id(
        " manufacturer : HP ; Model:LaserJet   2100 ;COMMAND SET: PCL , PostScript ;"
        "SERIALNUMBER:CN123;des:Laser printer"
    )
    assert (dev.manufacturer, dev.model) == ("HP", "LaserJet 2100")
    assert dev.command_set == ("PCL", "PostScript")
    assert dev.serial == "CN123"
    assert dev.get("description") == "Laser printer"
    assert dev.make_and_model == "HP LaserJet 2100"


def test_missing_fields_and_fragments() -> None:
    dev = parse_device_id("garbage;MDL:Stylus;;:novalue;SN;")
    assert dev.manufacturer == ""
    assert dev.model == "Stylus"
    assert dev.serial == ""
    assert dev.command_set == ()
    assert dev.make_and_model == "Stylus"
    assert not parse_device_id("")


def test_first_duplicate_wins() -> None:
    assert parse_device_id("MFG:Epson;MANUFACTURER:Canon;").manufacturer == "Epson"


@pytest.mark.parametrize(
    ("make", "canonical"),
    [
        ("Hewlett-Packard", "HP"),
        ("HEWLETT-PACKARD", "HP"),
        ("hp", "HP"),
        ("Hewlett Packard Company", "HP"),
        ("HPC Ltd", "HPC Ltd"),
        ("Kyocera Mita", "Kyocera"),
        ("KYOCERA", "Kyocera"),
        ("Lexmark International", "Lexmark"),
        ("SEIKO EPSON", "Epson"),
        ("OKI DATA CORP", "Oki"),
        ("Brother", "Brother"),
    ],
)
def test_normalize_manufacturer(make: str, canonical: str) -> None:
    assert normalize_manufacturer(make) == canonical


@pytest.mark.parametrize(
    ("make", "model", "joined"),
    [
        ("Hewlett-Packard", "HP LaserJet 2100 Series", "HP LaserJet 2100 Series"),
        ("HP", "LaserJet 2100", "HP LaserJet 2100"),
        ("EPSON", "EPSON Stylus Photo R300", "EPSON Stylus Photo R300"),
        ("Epson", "Stylus Photo R300", "Epson Stylus Photo R300"),
        ("", "Stylus", "Stylus"),
        ("Canon", "", "Canon"),
    ],
)
def test_make_and_model(make: str, model: str, joined: str) -> None:
    assert make_and_model(make, model) == joined


def test_hostile_id_is_bounded_and_clean() -> None:
    huge = "MFG:" + "A" * 20_000 + ";MDL:x\x00\x1b[31m;" + "".join(f"K{i}:v;" for i in range(500))
    dev = parse_device_id(huge)
    assert len(dev.manufacturer) <= MAX_VALUE_LENGTH
    assert len(dev.fields) <= MAX_FIELDS
    assert all("\x00" not in v and "\x1b" not in v for _, v in dev.fields)


@given(st.text())
def test_any_text_parses_without_error(text: str) -> None:
    dev = parse_device_id(text)
    for key, value in dev.fields:
        assert key
        assert key == key.upper()
        assert ";" not in key
        assert ";" not in value
        assert len(value) <= MAX_VALUE_LENGTH
        assert not any(ord(c) < 32 or ord(c) == 127 for c in key + value)
    # what we print parses back to the same fields (a round trip through str)
    assert parse_device_id(str(dev)).fields == dev.fields
    assert isinstance(dev.make_and_model, str)


@given(st.text(), st.text())
def test_make_and_model_is_total(make: str, model: str) -> None:
    joined = make_and_model(make, model)
    assert isinstance(joined, str)
    assert isinstance(normalize_manufacturer(make), str)


_MODEL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-+"
_word = st.text(alphabet=_MODEL_CHARS, min_size=1, max_size=12)


@given(st.sampled_from(["HP", "Hewlett-Packard", "Kyocera Mita", "Epson", "Brother", ""]), _word)
def test_model_key_ignores_how_a_printer_spells_itself(make: str, model: str) -> None:
    key = model_key(make, model)
    assert model_key(make, f"{model} Series") == key
    assert model_key(make.upper(), f" {model.lower()}  ") == key
    if make:
        assert model_key(make, f"{make} {model}") == key
    if normalize_manufacturer(make) == "HP":
        assert model_key("HP" if make != "HP" else "Hewlett-Packard", model) == key


@given(st.text(), st.text())
def test_model_key_is_total(make: str, model: str) -> None:
    folded_make, folded_model = model_key(make, model)
    assert folded_make == folded_make.lower()
    assert set(folded_model) <= set("abcdefghijklmnopqrstuvwxyz0123456789+")
