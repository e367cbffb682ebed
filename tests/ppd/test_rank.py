"""Ranking, pins, the generic fallback, unsupported devices, CUPS's name order."""

from __future__ import annotations

import pytest

from printerapp.deviceid import model_key
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.match import compile_query, names_key, score_device_id
from printerapp.ppd.needtable import HP_PLUGIN_NEED, firmware_need
from printerapp.ppd.rank import DeviceQuery, choose, missing_need, rank
from printerapp.ppd.settings import DriversConfig
from tests.ppd.idset import oracle


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


LJ2100 = "MFG:Hewlett-Packard;MDL:HP LaserJet 2100 Series;CMD:PJL,MLC,PCL,PCLXL,POSTSCRIPT;"


@pytest.mark.parametrize(
    "device_id",
    [
        "MANUFACTURER:Hewlett-Packard;MODEL:HP LaserJet 2100 Series;COMMAND SET:PJL,PCLXL;",
        "MFG:HP;MDL:LaserJet 2100;CMD:PJL,MLC,PCL,PCLXL,POSTSCRIPT;",
        "MFG: Hewlett-Packard ; MDL: HP LaserJet 2100 Series ; ",
        "MFG:Hewlett-Packard;MDL:Hewlett-Packard HP LaserJet 2100;",
    ],
)
def test_respelled_id_gets_the_driver_of_the_ppds_spelling(
    real_index: DriverIndex, device_id: str
) -> None:
    # cups-driverd offers nothing for these; the PPD's own spelling gets its first choice.
    assert not real_index.cups_scores(compile_query(device_id, ""))
    expected = rank(real_index, DeviceQuery(LJ2100, "HP LaserJet 2100 Series"), 1).best
    choice = rank(real_index, DeviceQuery(device_id), 3)
    assert choice.best is not None
    assert expected is not None
    assert choice.best.record == expected.record
    assert choice.best.reasons[0].startswith("respelled MFG:Hewlett-Packard;MDL:HP LaserJet 2100")
    assert choice.best.score > 0


def test_same_model_where_cups_cannot_read_the_ppds_own_id(real_index: DriverIndex) -> None:
    # "E+" is a regex quantifier to cups-driverd, so this PPD's own ID never matches itself.
    device_id = "MFG:Lexmark International;MDL:Lexmark Optra E+ LaserPrinter;CMD:PCL 5 Emulation;"
    assert not real_index.cups_scores(compile_query(device_id, "Lexmark Optra E+ LaserPrinter"))
    best = rank(real_index, DeviceQuery(device_id, "Lexmark Optra E+ LaserPrinter"), 1).best
    assert best is not None
    assert "Lexmark-Optra_Eplus-" in best.record.name
    assert best.reasons == ("same model, normalised MFG+MDL",)
    assert not best.generic


def test_a_cmd_unlike_the_ppds_still_matches_mfg_and_mdl(real_index: DriverIndex) -> None:
    # cups-driverd's CMD group is optional: this ID's groups score 2, on MFG+MDL, and the
    # first choice is cups-driverd's whichever driver set is installed (Gutenprint's by
    # default; hplip's, whose make-and-model also matches, with DRIVERS=all).
    device_id = "MFG:Hewlett-Packard;MDL:HP LaserJet 2100 Series;CMD:PJL,PCLXL;"
    best = rank(real_index, DeviceQuery(device_id, "HP LaserJet 2100 Series"), 1).best
    assert best is not None
    assert best.record.name == oracle(device_id, "HP LaserJet 2100 Series")
    assert score_device_id(compile_query(device_id, ""), best.record) == 2


@pytest.mark.parametrize(
    ("device_id", "make_model", "expected"),
    [
        # cups-driverd's own choices (checked against it): PPDs it compiles from .drv files
        ("MFG:HP;MDL:DeskJet Series;", "HP DeskJet Series", "drv:///sample.drv/deskjet.ppd"),
        (
            "MFG:Zebra;MDL:ZPL Label Printer;",
            "Zebra ZPL Label Printer",
            "drv:///sample.drv/zebra.ppd",
        ),
        ("MFG:DYMO;MDL:Label Printer;", "DYMO Label Printer", "drv:///sample.drv/dymo.ppd"),
    ],
)
def test_drv_ppds_are_ranked(
    real_index: DriverIndex, device_id: str, make_model: str, expected: str
) -> None:
    best = rank(real_index, DeviceQuery(device_id, make_model), 1).best
    assert best is not None
    assert best.record.name == expected


def test_model_key_folds_the_spellings_of_one_printer() -> None:
    key = model_key("HP", "LaserJet 2100")
    assert model_key("Hewlett-Packard", "HP LaserJet 2100 Series") == key
    assert model_key("Hewlett-Packard", "Hewlett-Packard HP LaserJet 2100") == key
    assert model_key("hp", "laserjet-2100") == key
    assert model_key("Kyocera Mita", "FS-1800+") == model_key("Kyocera", "Kyocera Mita FS-1800+")
    assert model_key("Kyocera", "FS-1550") != model_key("Kyocera", "FS-1550+")
    assert model_key("", "OKIDATA OKIPAGE 6e") == model_key("OKI DATA CORP", "OKIPAGE 6e")
    assert model_key("HP", "HPC 5") == ("hp", "hpc5")  # a whole word only


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


def test_a_driver_needing_hps_plugin_says_so(real_index: DriverIndex) -> None:
    plugin = [r for r in real_index.records if r.name.startswith("hplip:") and r.needs]
    if not plugin:
        pytest.skip("hplip is not installed (DRIVERS=all scripts/setup.sh)")
    # hplip's NickName: "HP LaserJet 1018, hpcups 3.22.10, requires proprietary plugin"
    query = DeviceQuery("MFG:HP;MDL:HP LaserJet 1018 Printer;", "HP LaserJet 1018 Printer")
    choice = rank(real_index, query)
    needing = [c for c in choice.candidates if c.record.name.startswith("hplip:")]
    assert needing
    assert all("needs HP's proprietary plugin" in " ".join(c.reasons) for c in needing)
    # the ranking is CUPS's: cups-driverd offers only hplip's, and so do we first
    assert oracle(query.device_id, query.make_model) == needing[0].record.name
    assert choice.best == needing[0]
    # with the plugin installed CUPS's choice stands
    assert choose(real_index, query, missing=frozenset()).best == needing[0]
    assert not missing_need(choice, frozenset())
    # without it, foo2zjs (which needs only the printer's firmware, here present) comes first
    lacking = frozenset({HP_PLUGIN_NEED})
    without = choose(real_index, query, missing=lacking)
    best = without.best
    assert best is not None
    assert best.record.name == "foo2zjs:0/ppd/foo2zjs/HP-LaserJet_1018.ppd"
    assert best.reasons[0].startswith("prints here without it:")
    assert "needs HP's proprietary plugin" in best.reasons[0]
    assert "not installed" in best.reasons[0]
    assert best.reasons[1] == f"needs {firmware_need('1018')}"
    assert not missing_need(without, lacking)
    assert needing[0].record.name in [c.record.name for c in without.candidates]
    # with neither the plugin nor the firmware, the reason names both ways to make it print
    neither = frozenset({HP_PLUGIN_NEED, firmware_need("1018")})
    refused = choose(real_index, query, missing=neither)
    assert refused.best == needing[0]
    need = missing_need(refused, neither)
    assert HP_PLUGIN_NEED in need
    assert "sihp1018.dl" in need


def test_a_plugin_driver_without_a_free_one_is_reported(real_index: DriverIndex) -> None:
    lacking = frozenset({HP_PLUGIN_NEED})
    for rec in real_index.records:
        if not (rec.name.startswith("hplip:") and rec.needs and rec.device_id):
            continue
        query = DeviceQuery(rec.device_id, rec.make_and_model)
        choice = choose(real_index, query, missing=lacking)
        if (best := choice.best) is not None and best.record.needs:
            break
    else:
        pytest.skip("no plugin-only printer without a free driver in this driver set")
    # the manager refuses it with this reason, so the printer is listed as needing the plugin
    need = missing_need(choice, lacking)
    assert need.endswith("needs HP's proprietary plugin (not free; install it with hp-plugin)")
    assert best.record.make_and_model in need
    # a pinned plugin driver is the user's choice: kept, the need still named
    pinned = choose(real_index, query, best.record.name, lacking)
    assert pinned.best is not None
    assert pinned.best.pinned
    assert missing_need(pinned, lacking)
