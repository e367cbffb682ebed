"""The ATTR: formatter, pure: what each supply and alert becomes."""

from __future__ import annotations

import pytest

from printerapp.supplies.ippattrs import (
    attr_lines,
    encode_values,
    marker_level,
    marker_type,
    printer_alert,
    printer_supply,
    state_lines,
    state_reasons,
)
from printerapp.supplies.parse import parse_report
from printerapp.supplies.records import Alert, PrinterStatus, Supply, SupplyReport
from tests.supplies.conftest import read_snmprec


@pytest.mark.parametrize(
    ("kind", "keyword"),
    [
        ("toner", "toner"),
        ("wasteToner", "waste-toner"),
        ("tonerCartridge", "toner-cartridge"),
        ("opc", "opc"),
        ("fuserCleaningPad", "fuser-cleaning-pad"),
        ("unknown", "unknown"),
        ("noSuchType", "unknown"),
    ],
)
def test_marker_types_as_cups_spells_them(kind: str, keyword: str) -> None:
    assert marker_type(kind) == keyword


def test_marker_levels_count_room_left_in_a_waste_box() -> None:
    assert marker_level(Supply(1, "Black", kind="toner", level=34)) == 34
    assert marker_level(Supply(2, "Waste", kind="wasteToner", level=100)) == 0
    box = Supply(3, "Box", supply_class="receptacleThatIsFilled", level=30)
    assert marker_level(box) == 70
    assert marker_level(Supply(4, "Unknown")) == -1


def test_printer_supply_is_pwg_5100_13() -> None:
    toner, drum = parse_report(read_snmprec("brother-mfc-l2710dw")).supplies
    assert printer_supply(toner) == (
        "index=1;class=other;type=toner;unit=unknown;maxcapacity=-2;level=-3;colorantname=black;"
    )
    assert printer_supply(drum) == (
        "index=2;class=other;type=opc;unit=unknown;maxcapacity=12000;level=11501;"
    )


def test_printer_alert_is_pwg_5100_9() -> None:
    alert = Alert(3, "warning", "markerTonerAlmostEmpty", "Low", "markerSupplies", 2, "trained")
    assert printer_alert(alert) == (
        "index=3;severity=warning;training=trained;group=markerSupplies;groupindex=2;"
        "location=-1;code=markerTonerAlmostEmpty;"
    )


def test_unknown_report_says_nothing() -> None:
    assert attr_lines(SupplyReport()) == []


def test_lines_for_a_recorded_printer() -> None:
    lines = attr_lines(parse_report(read_snmprec("hp-color-laserjet-m452nw")))
    assert lines[:4] == [
        "ATTR: marker-colors=#000000,#00FFFF,#FF00FF,#FFFF00",
        "ATTR: marker-high-levels=100,100,100,100",
        "ATTR: marker-levels=54,44,76,71",
        "ATTR: marker-low-levels=5,5,5,5",
    ]
    assert lines[4].startswith("ATTR: marker-names='Black Cartridge HP CF410A,Cyan")
    assert lines[5] == "ATTR: marker-types=unknown,unknown,unknown,unknown"
    assert [line.split("=", 1)[0] for line in lines[6:]] == [
        "ATTR: printer-supply",
        "ATTR: printer-supply-description",
    ]
    assert all("\n" not in line for line in lines)


def test_encode_values() -> None:
    assert encode_values(["a", "b"]) == "a,b"
    assert encode_values(["a b", "c,d"]) == "'a b,c\\\\,d'"
    assert encode_values(["it's"]) == "'it\\\\\\'s'"
    assert encode_values(["tab\there"]) == "'tab here'"


def test_no_value_can_start_another_message() -> None:
    evil = Supply(1, "Toner\nSTATE: +media-jam\rATTR: x=1")
    for line in attr_lines(SupplyReport((evil,))):
        assert "\n" not in line
        assert "\r" not in line


def test_state_reasons_from_error_bits_and_levels() -> None:
    report = SupplyReport(
        (
            Supply(1, "Black", kind="toner", level=1),
            Supply(2, "Cyan ink", kind="inkCartridge", level=4),
            Supply(3, "Magenta ink", kind="ink", level=50),
            Supply(4, "Waste", kind="wasteToner", level=0),
            Supply(5, "Drum", kind="opc", level=0),
        ),
        PrinterStatus("idle", ("doorOpen", "noPaper", "overduePreventMaint")),
    )
    assert state_reasons(report) == [
        "cover-open",
        "marker-supply-low",
        "media-empty",
        "toner-empty",
    ]
    assert state_lines(report) == [
        "STATE: -cover-open,input-tray-missing,marker-supply-empty,marker-supply-low,"
        "media-empty,media-jam,media-low,toner-empty,toner-low",
        "STATE: +cover-open,marker-supply-low,media-empty,toner-empty",
    ]


def test_unknown_report_keeps_the_reasons() -> None:
    assert state_lines(SupplyReport()) == []
