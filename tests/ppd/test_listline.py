"""The driver-program ``list`` line parser, on real output and on garbage."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.errors import DriverListError
from printerapp.ppd.listline import PPD_TYPES, ListEntry, parse_list_line
from printerapp.ppd.programs import parse_list_output

DRIVERS = "/usr/lib/cups/driver"


@pytest.mark.parametrize("program", ["foomatic-db-compressed-ppds", "gutenprint.5.3"])
def test_every_real_line_parses(program: str) -> None:
    out = subprocess.run([f"{DRIVERS}/{program}", "list"], capture_output=True, check=True).stdout
    result = parse_list_output(out)
    assert result.bad_lines == 0
    assert len(result.entries) > 3000
    assert all(e.name.startswith(program) and e.make and e.make_and_model for e in result.entries)


def test_foomatic_line() -> None:
    line = (
        '"foomatic-db-compressed-ppds:0/ppd/foomatic-ppd/Brother-HL-1050-hl1250.ppd" en "Brother" '
        '"Brother HL-1050 Foomatic/hl1250 (recommended)" '
        '"MFG:Brother;MDL:HL-1050 series;CMD:PCL5,PJL,PCLXL;DRV:Dhl1250,R1,M0,TG;"\n'
    )
    entry = parse_list_line(line)
    assert entry.make == "Brother"
    assert entry.make_and_model.endswith("(recommended)")
    assert entry.device_id.startswith("MFG:Brother;")
    assert entry.languages == ("en",)
    assert entry.ppd_type == "postscript"


def test_all_fields_and_languages() -> None:
    entry = parse_list_line('"n" en,de,fr "M" "M X" "MFG:M;MDL:X;" "(M X)" "(3010) 0" "raster"')
    assert entry == ListEntry(
        "n", ("en", "de", "fr"), "M", "M X", "MFG:M;MDL:X;", "(M X)", "(3010) 0", "raster"
    )


def test_empty_device_id_ends_the_line_as_in_cups() -> None:
    entry = parse_list_line('"n" en "M" "M X" "" "(M X)"')
    assert entry.device_id == ""
    assert entry.product == ""  # CUPS's %[^"] cannot read "" and stops there


def test_unknown_type_is_kept_as_unknown() -> None:
    assert parse_list_line('"n" en "M" "M X" "ID;" "P" "V" "hologram"').ppd_type == "unknown"


@pytest.mark.parametrize(
    "line",
    [
        "",
        "garbage",
        '"n" en "M"',
        '"n" "M" "M X"',
        'n en "M" "M X"',
        '"' + "x" * 300 + '" en "M" "M X"',
        '"n" en "' + "m" * 200 + '" "M X"',
        '"n" ' + "e" * 200 + ' "M" "M X"',
    ],
)
def test_refused_lines(line: str) -> None:
    with pytest.raises(DriverListError):
        parse_list_line(line)


def test_garbage_lines_are_counted_not_fatal() -> None:
    data = b'"a" en "M" "M A"\n\xff\xfe garbage\nnot a line\n"b" en "M" "M B"\n'
    result = parse_list_output(data)
    assert [e.name for e in result.entries] == ["a", "b"]
    assert result.bad_lines == 2
    assert result.first_bad


@given(st.text(max_size=400))
def test_any_text_parses_or_raises_driver_list_error(text: str) -> None:
    try:
        entry = parse_list_line(text)
    except DriverListError:
        return
    assert entry.name
    assert '"' not in entry.name
    assert entry.ppd_type in PPD_TYPES


_field = st.text(
    alphabet=st.characters(blacklist_characters='"\x00', blacklist_categories=("Cs",)),
    min_size=1,
    max_size=120,
)
_lang = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=5)


@given(_field, st.lists(_lang, min_size=1, max_size=3), _field, _field, _field, _field)
def test_valid_lines_round_trip(
    name: str, langs: list[str], make: str, model: str, dev: str, product: str
) -> None:
    line = f'"{name}" {",".join(langs)} "{make}" "{model}" "{dev}" "{product}"\n'
    entry = parse_list_line(line)
    assert (entry.name, entry.languages) == (name, tuple(langs))
    assert (entry.make, entry.make_and_model, entry.device_id, entry.product) == (
        make,
        model,
        dev,
        product,
    )
