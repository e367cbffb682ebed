"""Decode an IPP response into plain Python values (pure).

Written from RFC 8010 section 3.  :func:`decode_response` turns a response
into an :class:`IppAnswer`: the status, the operation attributes, and one
dict per job group and per printer group, by attribute name.  This is the
shape the consumers were written against (it is what pyipp made of an
answer), so a value is:

* bare when the attribute has one value, a list when it has several (1setOf);
* ``int`` for integer and enum, ``bool`` for boolean;
* ``str`` for the text kinds (text, name, keyword, uri, ...; with or without
  a language) and octetString, decoded as UTF-8 with replacement;
* an aware ``datetime`` for dateTime;
* ``(low, high)`` for rangeOfInteger, ``(x, y, units)`` for resolution;
* a ``dict`` of member name to value (bare or list alike) for a collection;
* ``""`` for the out-of-band values (unsupported, unknown, no-value): the
  consumers read an empty string as "nothing said";
* ``bytes`` for a value tag RFC 8010 does not define.

Groups other than operation, job, printer and unsupported (subscription,
event notification, document) are not read: no consumer asks for them.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from typing import Any

from printerapp.errors import IppError
from printerapp.ipp.attrs import parse_message, tlv_values

__all__ = ["IppAnswer", "decode_attribute", "decode_response", "status_name"]

_BEG_COLLECTION, _END_COLLECTION, _MEMBER_NAME = 0x34, 0x37, 0x4A
_INTEGER, _BOOLEAN, _ENUM = 0x21, 0x22, 0x23
_DATE, _RESOLUTION, _RANGE = 0x31, 0x32, 0x33
_TEXT_LANG, _NAME_LANG = 0x35, 0x36
_OCTET_STRING = 0x30
_OUT_OF_BAND = range(0x10, 0x20)
_STRINGS = range(0x40, 0x60)

#: the status codes by name (RFC 8011 appendix B, PWG 5100.x), for error messages
STATUS_NAMES = {
    0x0000: "successful-ok",
    0x0001: "successful-ok-ignored-or-substituted-attributes",
    0x0002: "successful-ok-conflicting-attributes",
    0x0400: "client-error-bad-request",
    0x0401: "client-error-forbidden",
    0x0402: "client-error-not-authenticated",
    0x0403: "client-error-not-authorized",
    0x0404: "client-error-not-possible",
    0x0405: "client-error-timeout",
    0x0406: "client-error-not-found",
    0x0407: "client-error-gone",
    0x0408: "client-error-request-entity-too-large",
    0x0409: "client-error-request-value-too-long",
    0x040A: "client-error-document-format-not-supported",
    0x040B: "client-error-attributes-or-values-not-supported",
    0x040C: "client-error-uri-scheme-not-supported",
    0x040D: "client-error-charset-not-supported",
    0x040E: "client-error-conflicting-attributes",
    0x040F: "client-error-compression-not-supported",
    0x0410: "client-error-compression-error",
    0x0411: "client-error-document-format-error",
    0x0412: "client-error-document-access-error",
    0x0500: "server-error-internal-error",
    0x0501: "server-error-operation-not-supported",
    0x0502: "server-error-service-unavailable",
    0x0503: "server-error-version-not-supported",
    0x0504: "server-error-device-error",
    0x0505: "server-error-temporary-error",
    0x0506: "server-error-not-accepting-jobs",
    0x0507: "server-error-busy",
    0x0508: "server-error-job-canceled",
    0x0509: "server-error-multiple-document-jobs-not-supported",
}


@dataclass(frozen=True, slots=True)
class IppAnswer:
    """One IPP response: its header and its attribute groups, decoded."""

    version: tuple[int, int]
    status: int
    request_id: int
    #: the (first) operation attributes group
    operation: dict[str, Any]
    #: one dict per job attributes group (Get-Jobs: one per job)
    jobs: tuple[dict[str, Any], ...]
    #: one dict per printer attributes group
    printers: tuple[dict[str, Any], ...]
    #: the unsupported attributes groups (what the printer did not take)
    unsupported: tuple[dict[str, Any], ...]


def status_name(code: int) -> str:
    """Return the IPP name of status *code* (``client-error-not-found``), or ``unknown``."""
    return STATUS_NAMES.get(code, "unknown")


def decode_response(data: bytes) -> IppAnswer:
    """Decode an IPP response; raise IppError naming what is wrong when it is not one."""
    message = parse_message(data)
    major, minor, status, request_id = struct.unpack(">BBHI", message.header)
    found: dict[int, list[dict[str, Any]]] = {0x01: [], 0x02: [], 0x04: [], 0x05: []}
    for tag, attrs in message.groups:
        if tag in found and attrs:
            found[tag].append({name: decode_attribute(name, raw) for name, raw in attrs})
    return IppAnswer(
        version=(major, minor),
        status=status,
        request_id=request_id,
        operation=found[0x01][0] if found[0x01] else {},
        jobs=tuple(found[0x02]),
        printers=tuple(found[0x04]),
        unsupported=tuple(found[0x05]),
    )


def decode_attribute(name: str, raw: bytes) -> Any:
    """Return the value of attribute *name* from its raw TLVs: bare when one, a list when more."""
    tlvs = tlv_values(raw)
    values: list[Any] = []
    at = 0
    while at < len(tlvs):
        if tlvs[at][0] in (_END_COLLECTION, _MEMBER_NAME):
            raise IppError(f"IPP attribute {name!r}: a collection part outside any collection")
        value, at = _take(name, tlvs, at)
        values.append(value)
    return _bare(values)


def _bare(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def _take(name: str, tlvs: list[tuple[int, bytes]], at: int) -> tuple[Any, int]:
    """Return the value starting at TLV *at* and the index after it."""
    tag, raw = tlvs[at]
    if tag == _BEG_COLLECTION:
        return _collection(name, tlvs, at + 1)
    return _scalar(name, tag, raw), at + 1


def _collection(name: str, tlvs: list[tuple[int, bytes]], at: int) -> tuple[Any, int]:
    """Return the collection whose members start at TLV *at*, and the index after its end."""
    members: dict[str, list[Any]] = {}
    member = ""
    while at < len(tlvs):
        tag, raw = tlvs[at]
        if tag == _END_COLLECTION:
            return {k: _bare(v) for k, v in members.items()}, at + 1
        if tag == _MEMBER_NAME:
            member, at = raw.decode("utf-8", "replace"), at + 1
            members.setdefault(member, [])
            continue
        if not member:
            raise IppError(f"IPP attribute {name!r}: a collection value without a member name")
        value, at = _take(f"{name}.{member}", tlvs, at)
        members[member].append(value)
    raise IppError(f"IPP attribute {name!r}: a collection without its end")


def _scalar(name: str, tag: int, raw: bytes) -> Any:
    """Return one value of value tag *tag* (RFC 8010 3.9)."""
    if tag in _OUT_OF_BAND:
        return ""
    if tag in (_TEXT_LANG, _NAME_LANG):
        return _with_language(name, raw)
    if tag in _STRINGS or tag == _OCTET_STRING:
        return raw.decode("utf-8", "replace")
    sizes = {_INTEGER: 4, _ENUM: 4, _BOOLEAN: 1, _DATE: 11, _RESOLUTION: 9, _RANGE: 8}
    if tag not in sizes:
        return raw
    if len(raw) != sizes[tag]:
        raise IppError(f"IPP attribute {name!r}: a value of tag {tag:#04x} has {len(raw)} octets")
    if tag in (_INTEGER, _ENUM):
        return struct.unpack(">i", raw)[0]
    if tag == _BOOLEAN:
        return raw != b"\x00"
    if tag == _RANGE:
        return struct.unpack(">ii", raw)
    if tag == _RESOLUTION:
        return struct.unpack(">iib", raw)
    return _date(name, raw)


def _with_language(name: str, raw: bytes) -> str:
    """Return the text of a textWithLanguage/nameWithLanguage value (its language dropped)."""
    if len(raw) >= 2:
        lang_len = int.from_bytes(raw[:2], "big")
        text_at = 2 + lang_len + 2
        text_len = int.from_bytes(raw[text_at - 2 : text_at], "big")
        if len(raw) >= text_at and len(raw) == text_at + text_len:
            return raw[text_at:].decode("utf-8", "replace")
    raise IppError(f"IPP attribute {name!r}: a value with a language does not add up")


def _date(name: str, raw: bytes) -> dt.datetime:
    """Return an RFC 2579 DateAndTime as an aware datetime."""
    year, month, day, hour, minute, second, decis, sign, tz_h, tz_m = struct.unpack(
        ">HBBBBBBcBB", raw
    )
    if sign not in (b"+", b"-"):
        raise IppError(f"IPP attribute {name!r}: a date with UTC offset sign {sign!r}")
    offset = dt.timedelta(hours=tz_h, minutes=tz_m) * (1 if sign == b"+" else -1)
    try:
        tz = dt.timezone(offset)
        return dt.datetime(year, month, day, hour, minute, second, decis * 100_000, tzinfo=tz)
    except ValueError as exc:
        raise IppError(f"IPP attribute {name!r}: not a date ({exc})") from exc
