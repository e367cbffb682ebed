"""The pure parser, on recorded walks of real printers and on nonsense."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from printerapp.supplies import mib
from printerapp.supplies.parse import decode_text, parse_report
from printerapp.supplies.records import PrinterStatus, Supply, SupplyReport
from tests.supplies.conftest import read_snmprec


def test_hp_color_laserjet_levels_and_colours_from_descriptions() -> None:
    report = parse_report(read_snmprec("hp-color-laserjet-m452nw"))
    assert [(s.description[:15], s.level, s.colour) for s in report.supplies] == [
        ("Black Cartridge", 54, "black"),
        ("Cyan Cartridge ", 44, "cyan"),
        ("Magenta Cartrid", 76, "magenta"),
        ("Yellow Cartridg", 71, "yellow"),
    ]
    # the walk has no type column and no hrPrinterTable: those stay unknown
    assert {s.kind for s in report.supplies} == {"unknown"}
    assert report.status == PrinterStatus()
    assert report.known


def test_brother_some_remaining_and_drum_in_pages() -> None:
    toner, drum = parse_report(read_snmprec("brother-mfc-l2710dw")).supplies
    assert (toner.kind, toner.raw_level, toner.level, toner.some_remaining) == (
        "toner",
        -3,
        None,
        True,
    )
    assert toner.max_capacity == -2
    assert (drum.kind, drum.max_capacity, drum.raw_level, drum.level) == ("opc", 12000, 11501, 96)
    assert drum.colour is None
    report = parse_report(read_snmprec("brother-mfc-l2710dw"))
    assert report.status.errors == ()  # hrPrinterDetectedErrorState 0x00


def test_sharp_fourteen_supplies_and_low_toner_bit() -> None:
    report = parse_report(read_snmprec("sharp-mx-3570n"))
    assert len(report.supplies) == 14
    by_name = {s.description: s for s in report.supplies}
    assert by_name["Magenta Toner"].level == 19
    assert by_name["Waste Toner"].kind == "wasteToner"
    assert by_name["Waste Toner"].is_receptacle
    assert by_name["Fusing Unit"].level is None  # max and level both -2
    assert by_name["Cyan Photoconductive Drum"].colour is None  # a drum is not a colorant
    assert report.status.errors == ("lowToner",)  # 0x2000
    assert report.status.state == "unknown"  # the walk has no hrPrinterStatus


def test_xerox_levels_in_pages() -> None:
    report = parse_report(read_snmprec("xerox-altalink-c8045"))
    levels = {s.description.split(",")[0]: s.level for s in report.supplies}
    assert levels["Black Toner"] == 20  # 1060 of 5300
    assert levels["Yellow Toner"] == 60  # 1830 of 3050
    assert levels["Waste Toner Container"] == 5
    assert len(report.supplies) == 12


def test_complete_walk_colorants_alerts_and_status() -> None:
    report = parse_report(read_snmprec("colour-laser-complete"))
    assert report.status == PrinterStatus("printing", ("lowToner",))
    colours = [s.colour for s in report.supplies]
    assert colours[:4] == ["cyan", "magenta", "yellow", "black"]
    assert colours[4] is None  # waste toner: colorant index 0
    assert colours[5] == "cyan"  # the drum's colorant comes from the colorant table
    assert report.supplies[4].supply_class == "receptacleThatIsFilled"
    assert report.supplies[0].unit == "percent"
    low, cover = report.alerts
    assert (low.severity, low.code, low.group, low.group_index) == (
        "warning",
        "markerTonerAlmostEmpty",
        "markerSupplies",
        2,
    )
    assert low.description == "Magenta toner low"
    assert (cover.severity, cover.code, cover.training) == ("critical", "coverOpen", "untrained")


def test_garbage_gives_unknown_values_not_errors() -> None:
    report = parse_report(read_snmprec("garbage"))
    assert report.status == PrinterStatus()
    assert report.alerts == ()
    assert [s.description for s in report.supplies] == ["Black Toner", "Cyan Toner", "Waste Toner"]
    for supply in report.supplies:
        assert supply.level is None
        assert supply.raw_level == -2
    black = report.supplies[0]
    assert (black.kind, black.supply_class, black.unit, black.max_capacity) == (
        "unknown",
        "unknown",
        "unknown",
        -2,
    )


def test_nothing_walked_is_unknown() -> None:
    report = parse_report([])
    assert report == SupplyReport()
    assert not report.known
    assert report.to_dict() == {
        "supplies": [],
        "status": {"state": "unknown", "errors": []},
        "alerts": [],
    }


def test_to_dict_is_json_shaped() -> None:
    supply = parse_report(read_snmprec("brother-mfc-l2710dw")).supplies[0]
    assert supply.to_dict() == {
        "index": 1,
        "description": "Black Toner Cartridge",
        "kind": "toner",
        "class": "unknown",
        "unit": "unknown",
        "max_capacity": -2,
        "raw_level": -3,
        "level": None,
        "some_remaining": True,
        "colour": "black",
    }


def test_decode_text_latin1_and_control_characters() -> None:
    assert decode_text(b"Toner \xe9\x00\x07noir") == "Toner é noir"
    assert decode_text("Tóner".encode()) == "Tóner"
    assert decode_text(7) is None
    assert decode_text(b"x" * 1000) == "x" * 255


_values = st.one_of(st.none(), st.integers(), st.binary(max_size=40))
_columns = st.sampled_from([3, 4, 5, 6, 7, 8, 9])
_entries = st.sampled_from(
    [mib.SUPPLIES_ENTRY, mib.COLORANT_ENTRY, mib.ALERT_ENTRY, mib.HR_PRINTER_ENTRY]
)
_indexes = st.lists(st.integers(min_value=-5, max_value=2**33), min_size=0, max_size=3)


@given(
    st.lists(
        st.tuples(_entries, _columns, _indexes, _values).map(
            lambda t: ((*t[0], t[1], *t[2]), t[3])
        ),
        max_size=60,
    )
)
def test_any_varbinds_parse_to_sane_records(varbinds: list[tuple[tuple[int, ...], object]]) -> None:
    report = parse_report(varbinds)  # type: ignore[arg-type]
    assert len(report.supplies) <= 32
    for supply in report.supplies:
        assert isinstance(supply, Supply)
        assert supply.description
        assert supply.level is None or 0 <= supply.level <= 100
        assert supply.raw_level >= -3
        assert supply.max_capacity == -1 or supply.max_capacity == -2 or supply.max_capacity > 0
    assert report.status.state in mib.PRINTER_STATUSES.values()
