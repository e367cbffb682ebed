"""Saved printing defaults, PPD user options and the IPP overlay, on a real foomatic PPD."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printerapp.errors import InputError
from printerapp.ppd.ippoverlay import ipp_overlay, read_overlay
from printerapp.ppd.printdefaults import (
    LoadedMedia,
    SavedDefaults,
    check_defaults,
    check_media,
    defaults_path,
    load_defaults,
    parse_saved,
    save_defaults,
    supported_sides,
)
from printerapp.ppd.pwgmedia import standard_size
from printerapp.ppd.queueppd import prepare_queue_ppd
from printerapp.ppd.uioptions import PpdUi, media_source, parse_ppd_ui, read_ppd_ui, unppdize
from tests.support.ppds import extract_ppd

A4 = "iso_a4_210x297mm"
LETTER = "na_letter_8.5x11in"


@pytest.fixture(scope="module")
def ppd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HP LaserJet 2100 pxlmono PPD as a queue serves it."""
    path = extract_ppd("lj2100-pxlmono", tmp_path_factory.mktemp("ppd"))
    prepare_queue_ppd(path)
    return path


@pytest.fixture(scope="module")
def ui(ppd: Path) -> PpdUi:
    return parse_ppd_ui(ppd.read_text(encoding="latin-1"), standard_size)


def test_options_sizes_and_slots_from_the_ppd(ui: PpdUi) -> None:
    economode = ui.option("Economode")
    assert economode is not None
    assert economode.text == "Economy Mode"
    assert [(c.name, c.text) for c in economode.choices][1:] == [("Off", "Off"), ("On", "On")]
    assert economode.default == "FromPrintoutMode"
    # the standard options are the IPP defaults' business, not listed twice
    others = {o.keyword for o in ui.other_options}
    assert {"Economode", "InputSlot", "PrintoutMode"} <= others
    assert not others & {"PageSize", "PageRegion", "Duplex", "Copies"}
    a4 = ui.size(A4)
    assert a4 is not None
    assert (a4.ppd, a4.width, a4.length) == ("A4", 21000, 29700)
    assert a4.margins == (1270, 635, 635, 1270)
    assert ui.default_size == LETTER
    assert supported_sides(ui) == ("one-sided", "two-sided-long-edge", "two-sided-short-edge")
    assert [c.name for c in ui.slots][:3] == ["Default", "Upper", "Middle"]


@pytest.mark.parametrize(
    ("slot", "source"),
    [
        ("Default", "auto"),
        ("AutoSelect", "auto"),
        ("Upper", "top"),
        ("Lower", "bottom"),
        ("Multipurpose", "by-pass-tray"),
        ("MP", "by-pass-tray"),
        ("LargeCapacity", "large-capacity"),
        ("Cassette", "main"),
        ("Tray1", "tray-1"),
        ("Manual", "manual"),
        ("EnvelopeFeed", "envelope-feed"),
        ("tray-2", "tray-2"),
    ],
)
def test_media_source_as_cups_maps_input_slots(slot: str, source: str) -> None:
    assert media_source(slot) == source


def test_unppdize() -> None:
    assert unppdize("PhotoTray2") == "photo-tray-2"
    assert unppdize("plain_paper") == "plain-paper"


def test_check_defaults_accepts_ppd_choices(ui: PpdUi) -> None:
    body = {
        "media": A4,
        "sides": "two-sided-long-edge",
        "print-quality": "high",
        "print-color-mode": "monochrome",
        "options": {"Economode": "On", "InputSlot": ""},
    }
    kept = SavedDefaults(ready=(LoadedMedia("Upper", A4),))
    saved = check_defaults(body, ui, kept)
    assert saved.media == A4
    assert saved.sides == "two-sided-long-edge"
    assert saved.options == (("Economode", "On"),)
    assert saved.ready == kept.ready  # the media page's part is left alone


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"media": "iso_a0_841x1189mm"}, "media: 'iso_a0_841x1189mm' is not one of"),
        ({"sides": "three-sided"}, "sides: 'three-sided' is not one of one-sided"),
        ({"print-quality": "best"}, "print-quality: 'best' is not one of draft"),
        ({"print-color-mode": "color"}, "print-color-mode: 'color' is not one of monochrome"),
        ({"options": {"Economode": "Maybe"}}, "option 'Economode': 'Maybe' is not one of"),
        ({"options": {"Bogus": "On"}}, "option 'Bogus': the PPD has no such option"),
        ({"options": {"PageSize": "A4"}}, "option 'PageSize': the PPD has no such option"),
        ({"options": ["Economode"]}, "options: must be an object"),
        ({"colour": "red"}, "'colour' is not a printing default"),
    ],
)
def test_check_defaults_names_the_bad_value(ui: PpdUi, body: dict[str, object], words: str) -> None:
    with pytest.raises(InputError, match="^" + words.replace("(", r"\(")):
        check_defaults(body, ui, SavedDefaults())


def test_check_media(ui: PpdUi) -> None:
    saved = check_media({"Upper": {"media": A4}, "Lower": {"media": ""}}, ui, SavedDefaults())
    assert saved.ready == (LoadedMedia("Upper", A4),)
    with pytest.raises(InputError, match="slot 'Tray9': not an InputSlot"):
        check_media({"Tray9": {"media": A4}}, ui, saved)
    with pytest.raises(InputError, match="slot 'Upper': media 'x' is not a page size"):
        check_media({"Upper": {"media": "x"}}, ui, saved)
    with pytest.raises(InputError, match="media-type 'Glossy' is not one of none"):
        check_media({"Upper": {"media": A4, "media-type": "Glossy"}}, ui, saved)


def test_file_round_trip_and_atomic_save(ui: PpdUi, tmp_path: Path) -> None:
    saved = SavedDefaults(A4, "two-sided-short-edge", "draft", "", (("Economode", "On"),))
    saved = check_media({"Manual": {"media": LETTER}}, ui, saved)
    save_defaults(tmp_path, "lj2100", saved)
    assert [p.name for p in (tmp_path / "defaults").iterdir()] == ["lj2100.json"]
    assert load_defaults(tmp_path, "lj2100", ui) == saved
    assert load_defaults(tmp_path, "other", ui) == SavedDefaults()


@pytest.mark.parametrize("key", ["../x", "..", "a/b", "", ".hidden", "x" * 65])
def test_unsafe_keys_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(InputError, match="is not a queue key"):
        defaults_path(tmp_path, key)


def test_stale_and_unknown_values_are_dropped_in_one_line(
    ui: PpdUi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stale = {
        "version": 7,
        "media": "iso_a0_841x1189mm",
        "sides": "two-sided-long-edge",
        "options": {"Economode": "On", "Gone": "Yes"},
        "media-ready": [
            {"slot": "Upper", "media": A4},
            {"slot": "Tray9", "media": A4},
            {"slot": ["x"]},
            3,
        ],
        "future": True,
    }
    (tmp_path / "defaults").mkdir()
    (tmp_path / "defaults" / "q.json").write_text(json.dumps(stale))
    with caplog.at_level(logging.WARNING):
        saved = load_defaults(tmp_path, "q", ui)
    assert saved == SavedDefaults(
        sides="two-sided-long-edge",
        options=(("Economode", "On"),),
        ready=(LoadedMedia("Upper", A4),),
    )
    [record] = caplog.records
    for words in ("version 7", "'future'", "iso_a0", "'Gone'", "Tray9", "['x']", "3 is not"):
        assert words in record.getMessage()


@pytest.mark.parametrize("text", ["", "{", "[]", '"x"', "null", '{"options": 3, "media": 5}'])
def test_garbage_files_never_raise(ui: PpdUi, text: str) -> None:
    saved, problems = parse_saved(text, ui)
    assert saved.ready == ()
    assert saved.media == ""
    assert problems


def test_overlay_without_saved_values_is_the_ppds(ui: PpdUi) -> None:
    out = ipp_overlay(SavedDefaults(), ui)
    assert out["media-default"] == ("keyword", [LETTER])
    assert out["sides-default"] == ("keyword", ["one-sided"])
    assert out["print-quality-default"] == ("enum", [4])
    assert out["print-color-mode-default"] == ("keyword", ["monochrome"])
    [col] = out["media-col-default"][1]
    assert isinstance(col, dict)
    assert col["media-source"] == ("keyword", ["auto"])
    assert out["media-ready"] == ("keyword", [LETTER])
    assert out["media-col-ready"] == ("collection", [col])


def test_overlay_shows_saved_defaults_and_loaded_media(ui: PpdUi) -> None:
    saved = SavedDefaults(
        A4,
        "two-sided-long-edge",
        "high",
        "monochrome",
        (("InputSlot", "Upper"),),
        (LoadedMedia("Upper", A4), LoadedMedia("Manual", LETTER)),
    )
    out = ipp_overlay(saved, ui)
    assert out["media-default"] == ("keyword", [A4])
    assert out["sides-default"] == ("keyword", ["two-sided-long-edge"])
    assert out["print-quality-default"] == ("enum", [5])
    assert out["media-ready"] == ("keyword", [A4, LETTER])
    default = out["media-col-default"][1][0]
    assert default == {
        "media-size": (
            "collection",
            [{"x-dimension": ("integer", [21000]), "y-dimension": ("integer", [29700])}],
        ),
        "media-size-name": ("keyword", [A4]),
        "media-bottom-margin": ("integer", [1270]),
        "media-left-margin": ("integer", [635]),
        "media-right-margin": ("integer", [635]),
        "media-top-margin": ("integer", [1270]),
        "media-source": ("keyword", ["top"]),
    }
    tray, manual = out["media-col-ready"][1]
    assert isinstance(tray, dict)
    assert isinstance(manual, dict)
    assert tray["media-source"] == ("keyword", ["top"])
    assert manual["media-source"] == ("keyword", ["manual"])
    assert manual["media-size-name"] == ("keyword", [LETTER])
    syntaxes = {"keyword", "enum", "collection", "integer"}
    assert {syntax for syntax, _ in out.values()} <= syntaxes


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
_SLOTS = st.lists(
    st.fixed_dictionaries(
        {"slot": _JSON | st.sampled_from(["Upper", "Manual"])},
        optional={"media": st.sampled_from([A4, LETTER, "x"]) | _JSON, "media-type": _JSON},
    ),
    max_size=4,
)
_KEYS = st.sampled_from(
    ["version", "media", "sides", "print-quality", "print-color-mode", "options", "media-ready"]
)


@given(data=st.dictionaries(_KEYS | st.text(max_size=8), _JSON | _SLOTS, max_size=8))
@settings(max_examples=300, deadline=None)
def test_any_json_reads_as_valid_defaults_or_is_dropped(ui: PpdUi, data: dict[str, object]) -> None:
    saved, _problems = parse_saved(json.dumps(data), ui)
    # whatever survived passes the strict check the API applies
    body = {
        "media": saved.media,
        "sides": saved.sides,
        "print-quality": saved.print_quality,
        "print-color-mode": saved.print_color_mode,
        "options": dict(saved.options),
    }
    assert check_defaults(body, ui, saved) == saved
    slots = {m.slot: {"media": m.media, "media-type": m.media_type} for m in saved.ready}
    assert check_media(slots, ui, saved) == saved


def test_read_overlay_from_the_files(ppd: Path, ui: PpdUi, tmp_path: Path) -> None:
    assert read_ppd_ui(ppd) == ui
    assert read_ppd_ui(ppd) is read_ppd_ui(ppd)  # parsed once while the file is unchanged
    assert read_overlay(tmp_path, "q", ppd)["media-default"] == ("keyword", [LETTER])
    save_defaults(tmp_path, "q", SavedDefaults(media=A4, ready=(LoadedMedia("Lower", A4),)))
    out = read_overlay(tmp_path, "q", ppd)
    assert out["media-default"] == ("keyword", [A4])
    [col] = out["media-col-ready"][1]
    assert isinstance(col, dict)
    assert col["media-source"] == ("keyword", ["bottom"])
