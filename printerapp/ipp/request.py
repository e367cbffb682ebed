"""A Print-Job request on the wire (RFC 8010), for resubmitted jobs and test pages.

Only what a resubmission needs: the operation attributes and a handful of
job template attributes, each with its proper value tag, and the status
code of the response.  The document itself follows the header unchanged.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from printerapp.ipp.attrs import AttrValue, encode_attribute

__all__ = [
    "IppAttribute",
    "get_job_attributes",
    "job_state",
    "operation_request",
    "print_job_header",
    "response_attributes",
    "response_status",
]

PRINT_JOB = 0x0002
GET_JOB_ATTRIBUTES = 0x0009
OPERATION_TAG, JOB_TAG, END_TAG = 0x01, 0x02, 0x03
INTEGER, ENUM, RANGE = 0x21, 0x23, 0x33
KEYWORD, URI, CHARSET, LANGUAGE, MIME, NAME = 0x44, 0x45, 0x47, 0x48, 0x49, 0x42


@dataclass(frozen=True, slots=True)
class IppAttribute:
    """One attribute with one value: ``int`` for integer/enum, ``(lo, hi)`` for a range."""

    name: str
    tag: int
    value: int | str | tuple[int, int]


def _value(attr: IppAttribute) -> bytes:
    v = attr.value
    if attr.tag in (INTEGER, ENUM) and isinstance(v, int):
        return struct.pack(">hi", 4, v)
    if attr.tag == RANGE and isinstance(v, tuple):
        return struct.pack(">hii", 8, *v)
    if isinstance(v, str) and attr.tag not in (INTEGER, ENUM, RANGE):
        raw = v.encode("utf-8")[:1023]
        return struct.pack(">h", len(raw)) + raw
    raise ValueError(f"IPP attribute {attr.name}: value {v!r} does not fit tag {attr.tag:#x}")


def _attribute(attr: IppAttribute) -> bytes:
    name = attr.name.encode("ascii")
    return struct.pack(">bh", attr.tag, len(name)) + name + _value(attr)


def _request(
    operation_id: int, printer_uri: str, extra: bytes, job: bytes, request_id: int
) -> bytes:
    """Frame a request: charset, language and printer-uri, then the encoded *extra* and *job*."""
    head = (
        IppAttribute("attributes-charset", CHARSET, "utf-8"),
        IppAttribute("attributes-natural-language", LANGUAGE, "en"),
        IppAttribute("printer-uri", URI, printer_uri),
    )
    out = struct.pack(">bbhi", 2, 0, operation_id, request_id)
    out += bytes([OPERATION_TAG]) + b"".join(map(_attribute, head)) + extra
    if job:
        out += bytes([JOB_TAG]) + job
    return out + bytes([END_TAG])


def print_job_header(
    printer_uri: str,
    user: str,
    job_name: str,
    document_format: str,
    job_attributes: Iterable[IppAttribute] = (),
    request_id: int = 1,
) -> bytes:
    """Return the Print-Job request up to the end tag; the document bytes follow it."""
    who_what = [
        IppAttribute("requesting-user-name", NAME, user or "anonymous"),
        IppAttribute("job-name", NAME, job_name or "resubmitted job"),
        IppAttribute("document-format", MIME, document_format or "application/octet-stream"),
    ]
    job = b"".join(map(_attribute, job_attributes))
    return _request(PRINT_JOB, printer_uri, b"".join(map(_attribute, who_what)), job, request_id)


def get_job_attributes(printer_uri: str, job_id: int, request_id: int = 1) -> bytes:
    """Return a complete Get-Job-Attributes request (all the job's attributes: a few)."""
    extra = _attribute(IppAttribute("job-id", INTEGER, job_id))
    return _request(GET_JOB_ATTRIBUTES, printer_uri, extra, b"", request_id)


def operation_request(
    operation_id: int,
    printer_uri: str,
    attributes: Mapping[str, AttrValue],
    request_id: int = 1,
) -> bytes:
    """Return a complete request of *operation_id* with these operation *attributes*.

    Any syntax and any number of values (``requested-attributes`` is a
    1setOf keyword); they follow charset, language and ``printer-uri``.
    """
    extra = b"".join(encode_attribute(name, attr) for name, attr in attributes.items())
    return _request(operation_id, printer_uri, extra, b"", request_id)


def response_attributes(body: bytes) -> dict[str, list[bytes]]:
    """Return the attributes of an IPP response as raw values by name (collections skipped)."""
    found: dict[str, list[bytes]] = {}
    pos, last = 8, ""  # after version, status and request id
    while pos < len(body):
        tag = body[pos]
        pos += 1
        if tag == END_TAG:
            break
        if tag < 0x10:  # the next group
            continue
        if pos + 2 > len(body):
            break
        name_len = struct.unpack(">h", body[pos : pos + 2])[0]
        name = body[pos + 2 : pos + 2 + name_len].decode("ascii", "replace")
        pos += 2 + name_len
        if pos + 2 > len(body):
            break
        value_len = struct.unpack(">h", body[pos : pos + 2])[0]
        if pos + 2 + value_len > len(body):
            break  # cut short: no half values
        value = body[pos + 2 : pos + 2 + value_len]
        pos += 2 + value_len
        last = name or last  # an empty name adds a value to the attribute before
        found.setdefault(last, []).append(value)
    return found


def job_state(body: bytes) -> tuple[int | None, tuple[str, ...]]:
    """Return ``job-state`` and ``job-state-reasons`` from a Get-Job-Attributes response."""
    attrs = response_attributes(body)
    states = attrs.get("job-state", [])
    state = int(struct.unpack(">i", states[0])[0]) if states and len(states[0]) == 4 else None
    reasons = tuple(v.decode("ascii", "replace") for v in attrs.get("job-state-reasons", []))
    return state, reasons


def response_status(body: bytes) -> int:
    """Return the status code of an IPP response (raise ValueError when it is not one)."""
    if len(body) < 8:
        raise ValueError("not an IPP response: too short")
    return int(struct.unpack(">h", body[2:4])[0])
