"""The IPP response decoder: real ippeveprinter answers checked against ipptool, and edge cases."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import struct
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from printerapp.errors import IppError
from printerapp.ipp.answer import decode_attribute, decode_response, status_name
from printerapp.ipp.attrs import encode_attribute
from printerapp.ipp.client import (
    get_jobs,
    get_printer_attributes,
    http_url,
    job_operation,
    print_job,
)
from printerapp.ipp.request import operation_request
from tests.ipp.test_client import IPPEVEPRINTER, TEST_PAGE, _until_it_answers
from tests.support.cupsd import free_port

IPPTOOL = "/usr/bin/ipptool"
HEADER = struct.pack(">BBHI", 2, 0, 0x0000, 7)
GET_JOBS_ALL = """{
  OPERATION Get-Jobs
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR keyword which-jobs all
  ATTR keyword requested-attributes all
  STATUS successful-ok
}
"""
#: ipptool's line for one received attribute: ``name (syntax) = value``
_LINE = re.compile(r"^\s+([a-z0-9-]+) \(([^)]+)\) = (.*)$")


@pytest.fixture(scope="module")
def printer(avahi: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ippeveprinter that has printed one job; yields its URI."""
    port = free_port()
    spool = tmp_path_factory.mktemp("answer")
    argv = [IPPEVEPRINTER, "-p", str(port), "-n", "localhost", "-f", "application/pdf"]
    proc = subprocess.Popen(
        [*argv, "-d", str(spool), f"answer {port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    uri = f"ipp://localhost:{port}/ipp/print"
    try:
        asyncio.run(_until_it_answers(uri))
        status = asyncio.run(
            print_job(
                port,
                TEST_PAGE.read_bytes(),
                user="alice",
                job_name="décodé",
                document_format="application/pdf",
                timeout_s=10,
            )
        )
        assert status < 0x0100, f"Print-Job refused: {status:#06x}"
        yield uri
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _raw_answer(uri: str, operation_id: int, attributes: dict[str, Any]) -> bytes:
    body = operation_request(operation_id, uri, attributes)
    request = urllib.request.Request(  # noqa: S310 (our own loopback printer)
        http_url(uri), data=body, headers={"Content-Type": "application/ipp"}
    )
    with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310
        return bytes(resp.read())


def _ipptool(uri: str, test: Path) -> dict[str, tuple[str, str]]:
    """Return what ipptool received: name -> (syntax, value as ipptool prints it)."""
    out = subprocess.run(
        [IPPTOOL, "-tv", uri, str(test)], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    received = out[out.index("RECEIVED:") :]
    return {m[1]: (m[2], m[3]) for m in map(_LINE.match, received.splitlines()) if m}


def _shown(syntax: str, value: Any) -> str | None:
    """Return *value* as ipptool prints values of *syntax*; None where it names enums."""
    base = syntax.removeprefix("1setOf ")
    values = value if isinstance(value, list) else [value]
    if base == "enum" or base == "collection":
        return None
    if base == "boolean":
        return ",".join("true" if v else "false" for v in values)
    if base == "rangeOfInteger":
        return ",".join(f"{lo}-{hi}" for lo, hi in values)
    if base == "resolution":
        unit = {3: "dpi", 4: "dpcm"}
        return ",".join(f"{x}{unit[u]}" if x == y else f"{x}x{y}{unit[u]}" for x, y, u in values)
    if base == "dateTime":
        return ",".join(v.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for v in values)
    if base in ("no-value", "unknown", "unsupported"):
        return base if value == "" else repr(value)
    return ",".join(str(v) for v in values)


def _agree(ours: dict[str, Any], theirs: dict[str, tuple[str, str]]) -> None:
    assert set(ours) == set(theirs)
    for name, (syntax, text) in theirs.items():
        value = ours[name]
        assert isinstance(value, list) == syntax.startswith("1setOf"), name
        if "collection" in syntax:
            assert all(isinstance(v, dict) for v in (value if isinstance(value, list) else [value]))
        shown = _shown(syntax, value)
        if shown is not None:
            assert shown == text, name


@pytest.mark.e2e
@pytest.mark.needs_root
def test_get_printer_attributes_decodes_as_ipptool_does(printer: str, tmp_path: Path) -> None:
    # what get-printer-attributes.test asks for: every attribute, the media database too
    requested = {"requested-attributes": ("keyword", ["all", "media-col-database"])}
    answer = decode_response(_raw_answer(printer, 0x000B, requested))
    assert answer.status == 0
    [attrs] = answer.printers
    _agree(
        {**answer.operation, **attrs},
        _ipptool(printer, Path("/usr/share/cups/ipptool/get-printer-attributes.test")),
    )
    # the types the consumers rely on
    assert attrs["printer-state"] in (3, 4, 5)
    assert isinstance(attrs["document-format-supported"], list)
    assert attrs["color-supported"] in (True, False)
    assert isinstance(attrs["printer-current-time"], dt.datetime)
    assert isinstance(attrs["media-col-default"]["media-size"]["x-dimension"], int)
    assert all(isinstance(m["media-size"], dict) for m in attrs["media-col-database"])
    assert attrs["copies-supported"] == (1, 999)
    # the client hands back the same printer group
    fetched = asyncio.run(get_printer_attributes(printer, 10, ["all", "media-col-database"]))
    assert fetched.keys() == attrs.keys()


@pytest.mark.e2e
@pytest.mark.needs_root
def test_get_jobs_decodes_as_ipptool_does(printer: str, tmp_path: Path) -> None:
    (tmp_path / "jobs.test").write_text(GET_JOBS_ALL)
    attributes = {
        "requesting-user-name": ("name", ["printerapp"]),
        "which-jobs": ("keyword", ["all"]),
        "requested-attributes": ("keyword", ["all"]),
    }
    answer = decode_response(_raw_answer(printer, 0x000A, attributes))
    [job] = answer.jobs
    _agree({**answer.operation, **job}, _ipptool(printer, tmp_path / "jobs.test"))
    assert job["job-name"] == "décodé"
    assert job["job-originating-user-name"] == "alice"
    assert isinstance(job["date-time-at-creation"], dt.datetime)
    [listed] = asyncio.run(get_jobs(printer, 10, "all"))
    assert listed["job-id"] == job["job-id"]


@pytest.mark.e2e
@pytest.mark.needs_root
def test_a_cut_real_answer_is_an_ipp_error(printer: str) -> None:
    whole = _raw_answer(printer, 0x000B, {"requested-attributes": ("keyword", ["all"])})
    for cut in (len(whole) - 1, len(whole) // 2, 9):
        with pytest.raises(IppError, match=r"IPP message (cut|ends)"):
            decode_response(whole[:cut])


@pytest.mark.e2e
@pytest.mark.needs_root
def test_an_error_status_is_named(printer: str) -> None:
    with pytest.raises(IppError, match=r"Cancel-Job on .*status 0x0406 \(client-error-not-found\)"):
        asyncio.run(job_operation(printer, "CANCEL_JOB", 4242, 10))


def _message(*attrs: bytes, tag: int = 0x04) -> bytes:
    return HEADER + bytes([tag]) + b"".join(attrs) + b"\x03"


def _tlv(tag: int, name: str, value: bytes) -> bytes:
    raw = name.encode()
    return struct.pack(">BH", tag, len(raw)) + raw + struct.pack(">H", len(value)) + value


def test_one_value_is_bare_and_several_a_list() -> None:
    one = encode_attribute("sides-supported", ("keyword", ["one-sided"]))
    two = encode_attribute("media-supported", ("keyword", ["a4", "letter"]))
    [group] = decode_response(_message(one, two)).printers
    assert group == {"sides-supported": "one-sided", "media-supported": ["a4", "letter"]}


def test_out_of_band_values_are_empty_strings() -> None:
    body = _message(
        _tlv(0x13, "date-time-at-completed", b""),
        _tlv(0x12, "printer-location", b""),
        _tlv(0x10, "job-hold-until", b""),
    )
    [group] = decode_response(body).printers
    assert group == {"date-time-at-completed": "", "printer-location": "", "job-hold-until": ""}


def test_collections_nest_and_keep_every_member_value() -> None:
    raw = encode_attribute(
        "media-col-database",
        (
            "collection",
            [
                {
                    "media-size": ("collection", [{"x-dimension": ("integer", [21000])}]),
                    "media-source": ("keyword", ["tray-1", "tray-2"]),
                },
                {"media-type": ("keyword", ["stationery"])},
            ],
        ),
    )
    assert decode_attribute("media-col-database", raw) == [
        {"media-size": {"x-dimension": 21000}, "media-source": ["tray-1", "tray-2"]},
        {"media-type": "stationery"},
    ]


def test_every_syntax_has_its_type() -> None:
    date = struct.pack(">HBBBBBBcBB", 2026, 12, 2, 18, 30, 5, 3, b"-", 5, 30)
    lang = struct.pack(">H", 2) + b"fr" + struct.pack(">H", 5) + b"bonjo"
    attrs = {
        "i": _tlv(0x21, "i", struct.pack(">i", -3)),
        "b": _tlv(0x22, "b", b"\x01"),
        "e": _tlv(0x23, "e", struct.pack(">i", 4)),
        "d": _tlv(0x31, "d", date),
        "r": _tlv(0x32, "r", struct.pack(">iib", 600, 300, 3)),
        "g": _tlv(0x33, "g", struct.pack(">ii", 1, 99)),
        "t": _tlv(0x35, "t", lang),
        "o": _tlv(0x30, "o", b"level=40;"),
        "x": _tlv(0x24, "x", b"\x00\x01"),
    }
    decoded = {name: decode_attribute(name, raw) for name, raw in attrs.items()}
    tz = dt.timezone(-dt.timedelta(hours=5, minutes=30))
    assert decoded == {
        "i": -3,
        "b": True,
        "e": 4,
        "d": dt.datetime(2026, 12, 2, 18, 30, 5, 300_000, tzinfo=tz),
        "r": (600, 300, 3),
        "g": (1, 99),
        "t": "bonjo",
        "o": "level=40;",
        "x": b"\x00\x01",
    }


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (_tlv(0x21, "copies", b"\x00\x01"), "'copies': a value of tag 0x21 has 2 octets"),
        (_tlv(0x31, "d", b"\x07\xea" + b"\x00" * 9), "'d': a date with UTC offset sign"),
        (_tlv(0x31, "d", struct.pack(">HBBBBBBcBB", 2026, 13, 1, 0, 0, 0, 0, b"+", 0, 0)), "date"),
        (_tlv(0x35, "t", b"\x00\x09fr"), "'t': a value with a language does not add up"),
        (_tlv(0x34, "c", b"") + _tlv(0x4A, "", b"m"), "'c': a collection without its end"),
        (_tlv(0x34, "c", b"") + _tlv(0x21, "", b"\x00" * 4), "a collection value without a member"),
        (_tlv(0x37, "c", b""), "'c': a collection part outside any collection"),
    ],
)
def test_malformed_values_are_named(raw: bytes, reason: str) -> None:
    with pytest.raises(IppError, match=re.escape(reason)):
        decode_response(_message(raw))


def test_only_known_groups_are_read_and_empty_ones_skipped() -> None:
    job = encode_attribute("job-id", ("integer", [5]))
    op = encode_attribute("attributes-charset", ("charset", ["utf-8"]))
    body = HEADER + b"\x01" + op + b"\x02" + b"\x02" + job + b"\x07" + job + b"\x02" + job + b"\x03"
    answer = decode_response(body)
    assert answer.operation == {"attributes-charset": "utf-8"}
    assert answer.jobs == ({"job-id": 5}, {"job-id": 5})
    assert (answer.printers, answer.unsupported, answer.request_id) == ((), (), 7)


def test_status_names() -> None:
    assert status_name(0x0406) == "client-error-not-found"
    assert status_name(0x0507) == "server-error-busy"
    assert status_name(0x0999) == "unknown"


@pytest.mark.parametrize(
    ("uri", "url"),
    [
        ("ipp://127.0.0.1:8000/ipp/print", "http://127.0.0.1:8000/ipp/print"),
        ("ipp://cups.local/printers/q", "http://cups.local:631/printers/q"),
        ("ipps://[::1]:443/ipp/print", "https://[::1]:443/ipp/print"),
    ],
)
def test_printer_uris_become_urls(uri: str, url: str) -> None:
    assert http_url(uri) == url


@pytest.mark.parametrize("uri", ["http://x/ipp", "ipp:///ipp/print", "ipp://x:99999/"])
def test_bad_printer_uris_are_refused(uri: str) -> None:
    with pytest.raises(IppError, match="not an IPP printer URI"):
        http_url(uri)


def test_a_bad_uri_fails_the_request_with_the_operation_named() -> None:
    with pytest.raises(IppError, match="Get-Jobs on http://x/: not an IPP printer URI"):
        asyncio.run(get_jobs("http://x/", 1))
