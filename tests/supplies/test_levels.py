"""A queue's supply attributes -> bars: markers first, else printer-supply; invented ones hidden."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from printerapp.supplies.ippattrs import attr_lines
from printerapp.supplies.levels import (
    INVENTED,
    SupplyLevel,
    invented,
    parse_printer_supply,
    supply_levels,
)
from printerapp.supplies.parse import parse_report
from tests.supplies.conftest import read_snmprec

#: the decoded answer of a mono queue before its first job (seen on ippeveprinter 2.4.2)
FRESH_MONO = {
    "printer-supply": [
        "index=1;class=receptacleThatIsFilled;type=wasteToner;unit=percent;maxcapacity=100;"
        "level=25;colorantname=unknown;",
        "index=2;class=supplyThatIsConsumed;type=toner;unit=percent;maxcapacity=100;"
        "level=75;colorantname=black;",
    ],
    "printer-supply-description": ["Toner Waste Tank", "Black Toner"],
}


def test_parse_printer_supply_fields() -> None:
    fields = parse_printer_supply(
        "index=2;class=supplyThatIsConsumed;type=toner;unit=percent;maxcapacity=100;level=40;"
        "colorantname=black;"
    )
    assert fields["type"] == "toner"
    assert (fields["level"], fields["maxcapacity"], fields["colorantname"]) == (
        "40",
        "100",
        "black",
    )
    assert parse_printer_supply("junk;=x;level;type=ink") == {"type": "ink"}


def test_ippeveprinters_invented_supplies_are_hidden() -> None:
    assert invented(FRESH_MONO)
    assert supply_levels(FRESH_MONO) == []
    assert len(INVENTED) == 2
    # a single bare value (the decoder's way with one) of the real printer is shown
    real = {
        "printer-supply": FRESH_MONO["printer-supply"][1].replace("75", "40"),
        "printer-supply-description": "Black Toner",
    }
    [toner] = supply_levels(real)
    assert (toner.name, toner.level, toner.colour, toner.status) == (
        "Black Toner",
        40,
        "#000000",
        "ok",
    )
    # once a job sent marker-* the same values are the printer's own
    assert not invented({**FRESH_MONO, "marker-levels": [25, 75]})


def test_markers_win_and_carry_colour_low_and_waste() -> None:
    attrs = {
        "marker-names": ["Cyan", "Black", "Waste", "Tri"],
        "marker-colors": ["#00FFFF", "#000000", "none", "#00FFFF#FF00FF#FFFF00"],
        "marker-levels": [3, 0, 2, -1],
        "marker-low-levels": [5, 5, 5, 5],
        "marker-high-levels": [100, 100, 100, 100],
        "marker-types": ["toner", "toner", "waste-toner", "ink-cartridge"],
        "printer-supply": "index=1;type=toner;level=99;",
    }
    cyan, black, waste, tri = supply_levels(attrs)
    assert (cyan.status, black.status, waste.status, tri.status) == (
        "low",
        "empty",
        "almost-full",
        "unknown",
    )
    assert (waste.colour, tri.colour) == ("", "#00FFFF")


def test_recorded_printer_round_trips_through_attr_lines() -> None:
    """What the job runner sends for the recorded Sharp comes back as its 14 bars."""
    report = parse_report(read_snmprec("sharp-mx-3570n"))
    attrs: dict[str, object] = {}
    for line in attr_lines(report):
        name, _, value = line.removeprefix("ATTR: ").partition("=")
        attrs[name] = value.strip("'").split(",") if name.startswith("marker") else value
    bars = supply_levels(attrs)
    assert len(bars) == len(report.supplies) == 14
    assert [b.level for b in bars[:4]] == [55, 19, 40, 34]


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "marker-levels",
                "marker-names",
                "marker-colors",
                "marker-low-levels",
                "printer-supply",
                "printer-supply-description",
                "marker-types",
            ]
        ),
        st.one_of(
            st.text(max_size=40),
            st.integers(),
            st.lists(
                st.one_of(
                    st.text(max_size=20), st.integers(-(10**12), 10**12), st.binary(max_size=10)
                ),
                max_size=6,
            ),
        ),
    )
)
def test_any_answer_gives_sane_bars(attrs: dict[str, object]) -> None:
    for bar in supply_levels(attrs):
        assert isinstance(bar, SupplyLevel)
        assert bar.level is None or 0 <= bar.level <= 100
        assert bar.colour == "" or len(bar.colour) == 7
        assert bar.name.isprintable()
