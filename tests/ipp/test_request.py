"""IPP requests on the wire, checked against the real ippeveprinter's answers elsewhere."""

from __future__ import annotations

import struct

import pytest

from printerapp.ipp import request as ipp


def test_print_job_header_layout() -> None:
    header = ipp.print_job_header(
        "ipp://localhost:8000/ipp/print",
        "alice",
        "report",
        "application/pdf",
        [
            ipp.IppAttribute("copies", ipp.INTEGER, 2),
            ipp.IppAttribute("page-ranges", ipp.RANGE, (1, 3)),
        ],
    )
    assert header[:4] == b"\x02\x00\x00\x02"
    assert header.endswith(b"\x03")
    assert b"\x42\x00\x14requesting-user-name\x00\x05alice" in header
    assert b"\x02\x21\x00\x06copies\x00\x04\x00\x00\x00\x02" in header
    assert b"\x33\x00\x0bpage-ranges\x00\x08" + struct.pack(">ii", 1, 3) in header


def test_mismatched_value_is_refused() -> None:
    with pytest.raises(ValueError, match="copies"):
        ipp.print_job_header(
            "ipp://x/", "u", "j", "t", [ipp.IppAttribute("copies", ipp.INTEGER, "2")]
        )


def test_response_status() -> None:
    assert ipp.response_status(b"\x02\x00\x04\x00\x00\x00\x00\x01\x03") == 0x0400
    with pytest.raises(ValueError, match="too short"):
        ipp.response_status(b"\x02")


def _attr(tag: int, name: str, value: bytes) -> bytes:
    return (
        struct.pack(">bh", tag, len(name)) + name.encode() + struct.pack(">h", len(value)) + value
    )


def test_job_state_and_reasons_from_a_response() -> None:
    body = b"\x02\x00\x00\x00\x00\x00\x00\x01\x01"
    body += _attr(ipp.CHARSET, "attributes-charset", b"utf-8")
    body += b"\x02" + _attr(ipp.ENUM, "job-state", struct.pack(">i", 5))
    body += _attr(ipp.KEYWORD, "job-state-reasons", b"processing-to-stop-point")
    body += _attr(ipp.KEYWORD, "", b"job-printing")  # a second value of the same attribute
    body += b"\x03"
    assert ipp.job_state(body) == (5, ("processing-to-stop-point", "job-printing"))
    assert ipp.job_state(b"\x02\x00\x00\x00\x00\x00\x00\x01\x03") == (None, ())
    assert ipp.job_state(body[:-9]) == (5, ("processing-to-stop-point",))  # cut short: no crash


def test_get_job_attributes_request() -> None:
    request = ipp.get_job_attributes("ipp://127.0.0.1:8000/ipp/print", 42)
    assert request[2:4] == b"\x00\x09"
    assert b"\x21\x00\x06job-id\x00\x04\x00\x00\x00\x2a" in request
    assert request.endswith(b"\x03")
