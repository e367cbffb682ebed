"""The TXT record from a queue's printer attributes (pure)."""

from __future__ import annotations

import pytest

from printerapp.dnssd.avahi import encode_txt
from printerapp.dnssd.txt import base_txt, paper_max, queue_txt
from printerapp.errors import DnssdError

ATTRS = {
    "printer-make-and-model": "HP LaserJet 2100 - CUPS+Gutenprint v5.3.4",
    "document-format-supported": [
        "application/octet-stream",
        "application/pdf",
        "image/pwg-raster",
        "image/urf",
    ],
    "urf-supported": ["V1.4", "W8", "DM1", "RS300-600"],
    "printer-uuid": "urn:uuid:0b5e0c1e-0000-4000-8000-000000000001",
    "color-supported": False,
    "sides-supported": ["one-sided"],
    "media-supported": ["na_letter_8.5x11in", "iso_a4_210x297mm", "iso_dl_110x220mm"],
    "media-size-supported": [
        {"x-dimension": 21590, "y-dimension": 27940},
        {"x-dimension": 21000, "y-dimension": 29700},
        {"x-dimension": 11000, "y-dimension": 22000},
    ],
}


def test_the_record_carries_what_airprint_and_mopria_read() -> None:
    txt = dict(queue_txt(ATTRS, "2nd floor", "http://localhost:8000/"))
    assert txt["txtvers"] == "1"
    assert txt["qtotal"] == "1"
    assert txt["rp"] == "ipp/print"
    assert txt["ty"] == "HP LaserJet 2100 - CUPS+Gutenprint v5.3.4"
    assert txt["product"] == "(HP LaserJet 2100 - CUPS+Gutenprint v5.3.4)"
    assert txt["note"] == "2nd floor"
    assert txt["adminurl"] == "http://localhost:8000/"
    assert txt["pdl"] == "application/pdf,image/pwg-raster,image/urf"
    assert txt["URF"] == "V1.4,W8,DM1,RS300-600"
    assert txt["UUID"] == "0b5e0c1e-0000-4000-8000-000000000001"
    assert (txt["Color"], txt["Duplex"]) == ("F", "F")
    assert txt["kind"] == "document,envelope"
    assert txt["PaperMax"] == "legal-A4"
    assert (txt["air"], txt["priority"]) == ("none", "50")
    assert "mopria-certified" not in txt
    assert all(len(item) <= 255 for item in encode_txt(list(txt.items())))


def test_duplex_and_colour_follow_the_queue() -> None:
    attrs = {
        **ATTRS,
        "color-supported": True,
        "sides-supported": ["one-sided", "two-sided-long-edge"],
    }
    txt = dict(queue_txt(attrs, "", ""))
    assert (txt["Color"], txt["Duplex"]) == ("T", "T")


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ([(10160, 15240)], "<legal-A4"),
        ([(21590, 27940)], "<legal-A4"),
        ([(21000, 29700)], "legal-A4"),
        ([(21590, 35560)], "legal-A4"),
        ([(29700, 42000)], "tabloid-A3"),
        ([(42000, 59400)], "isoC-A2"),
        ([(84100, 118900)], ">isoC-A2"),
    ],
)
def test_paper_max(sizes: list[tuple[int, int]], expected: str) -> None:
    assert paper_max(sizes) == expected


def test_long_values_are_clipped_and_bad_keys_refused() -> None:
    txt = base_txt("X" * 400, "", "")
    assert all(len(item) <= 255 for item in encode_txt(txt))
    with pytest.raises(DnssdError, match="TXT key"):
        encode_txt([("a=b", "c")])
