"""The IPP attribute codec and the printer-group rewrite, against ipptool's own decoding."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.errors import IppError
from printerapp.ipp.attrs import (
    PRINTER_GROUP,
    encode_attribute,
    parse_message,
    rewrite_group,
    tlv_values,
)

HEADER = struct.pack(">BBHI", 2, 0, 0x0000, 7)


def message(*groups: tuple[int, list[bytes]], data: bytes = b"") -> bytes:
    out = HEADER
    for tag, attrs in groups:
        out += bytes([tag]) + b"".join(attrs)
    return out + b"\x03" + data


def test_encode_keyword_and_additional_values() -> None:
    raw = encode_attribute("sides-supported", ("keyword", ["one-sided", "two-sided-long-edge"]))
    assert raw == (
        b"\x44\x00\x0fsides-supported\x00\x09one-sided\x44\x00\x00\x00\x13two-sided-long-edge"
    )
    assert [v for _t, v in tlv_values(raw)] == [b"one-sided", b"two-sided-long-edge"]


def test_encode_collection_as_rfc8010_says() -> None:
    raw = encode_attribute(
        "media-col-ready",
        (
            "collection",
            [
                {
                    "media-size": (
                        "collection",
                        [
                            {
                                "x-dimension": ("integer", [21000]),
                                "y-dimension": ("integer", [29700]),
                            }
                        ],
                    ),
                    "media-source": ("keyword", ["tray-1"]),
                }
            ],
        ),
    )
    tags = [t for t, _v in tlv_values(raw)]
    # begCollection, member media-size, begCollection, x (name, value), y, end, source, end
    assert tags == [0x34, 0x4A, 0x34, 0x4A, 0x21, 0x4A, 0x21, 0x37, 0x4A, 0x44, 0x37]
    assert raw.startswith(b"\x34\x00\x0fmedia-col-ready\x00\x00")


@pytest.mark.parametrize(
    ("syntax", "value"),
    [("integer", "x"), ("boolean", 1), ("rangeOfInteger", (1,)), ("nonsense", "x")],
)
def test_encode_refuses_values_that_do_not_fit(syntax: str, value: object) -> None:
    with pytest.raises(IppError):
        encode_attribute("a", (syntax, [value]))


def test_parse_and_encode_round_trip_with_data() -> None:
    state = encode_attribute("printer-state", ("enum", [4]))
    reasons = encode_attribute("printer-state-reasons", ("keyword", ["other", "media-low"]))
    body = message(
        (0x01, [encode_attribute("attributes-charset", ("charset", ["utf-8"]))]),
        (PRINTER_GROUP, [state, reasons]),
        data=b"%PDF-",
    )
    parsed = parse_message(body)
    assert parsed.encode() == body
    assert parsed.group(PRINTER_GROUP) == {"printer-state": state, "printer-state-reasons": reasons}
    assert parsed.data == b"%PDF-"


@pytest.mark.parametrize(
    "body",
    [b"", HEADER, HEADER + b"\x04\x44\x00\x05abc", HEADER + b"\x44\x00\x00\x00\x00\x03"],
)
def test_parse_refuses_cut_or_malformed_messages(body: bytes) -> None:
    with pytest.raises(IppError):
        parse_message(body)


def test_rewrite_replaces_in_place_and_adds_only_what_was_asked() -> None:
    msg = parse_message(
        message(
            (
                PRINTER_GROUP,
                [
                    encode_attribute("printer-state", ("enum", [4])),
                    encode_attribute("printer-state-message", ("text", ["Printing."])),
                ],
            )
        )
    )
    new = rewrite_group(
        msg,
        PRINTER_GROUP,
        {
            "printer-state-message": ("text", ["Printer not responding."]),
            "media-ready": ("keyword", ["iso_a4_210x297mm"]),
            "sides-default": ("keyword", ["one-sided"]),
        },
        add={"media-ready"},
    )
    group = new.group(PRINTER_GROUP)
    assert list(group) == ["printer-state", "printer-state-message", "media-ready"]
    assert tlv_values(group["printer-state-message"]) == [(0x41, b"Printer not responding.")]


@given(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=5))
def test_text_values_survive_a_round_trip(values: list[str]) -> None:
    raw = encode_attribute("printer-info", ("text", values))
    assert [v.decode() for _t, v in tlv_values(raw)] == values
    body = message((PRINTER_GROUP, [raw]))
    assert parse_message(body).encode() == body
