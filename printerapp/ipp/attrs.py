"""Encode IPP attributes and rewrite the printer group of a response (pure).

Written from RFC 8010 section 3.  A message is version (2 octets),
operation-id or status-code (2), request-id (4), attribute groups each
opened by a delimiter tag (0x01-0x0F except 0x03), the end tag 0x03, then
any data.  An attribute is a value TLV that carries its name, followed by
the TLVs of its additional values, which carry none.  A collection's
members (RFC 8010 3.1.6) are TLVs without names too, so "one named TLV and
every unnamed one after it" is exactly one attribute, collections included,
and an attribute can be replaced without being understood.

Attributes are given in a neutral form, :data:`AttrValue`: a syntax name
and its values, a collection value being a dict of member name to
``(syntax, values)``.
"""

from __future__ import annotations

import struct
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from printerapp.errors import IppError

__all__ = [
    "AttrValue",
    "IppMessage",
    "encode_attribute",
    "parse_message",
    "rewrite_group",
    "tlv_values",
]

PRINTER_GROUP = 0x04
_END = 0x03
_BEG_COLLECTION, _END_COLLECTION, _MEMBER_NAME = 0x34, 0x37, 0x4A

#: syntax name -> value tag (RFC 8010 3.5.1 and 3.5.2)
TAGS = {
    "integer": 0x21,
    "boolean": 0x22,
    "enum": 0x23,
    "dateTime": 0x31,
    "resolution": 0x32,
    "rangeOfInteger": 0x33,
    "text": 0x41,
    "name": 0x42,
    "keyword": 0x44,
    "uri": 0x45,
    "charset": 0x47,
    "naturalLanguage": 0x48,
    "mimeMediaType": 0x49,
}

#: (syntax, values): values are int, bool, str, (int, int) ranges, (x, y, units) resolutions,
#: or for "collection" dicts of member name -> AttrValue
AttrValue = tuple[str, Sequence[object]]


def _tlv(tag: int, name: str, value: bytes) -> bytes:
    raw_name = name.encode("utf-8")
    if len(raw_name) > 0x7FFF or len(value) > 0x7FFF:
        raise IppError(f"IPP attribute {name!r}: name or value too long")
    return struct.pack(">BH", tag, len(raw_name)) + raw_name + struct.pack(">H", len(value)) + value


def _value(syntax: str, value: object) -> bytes:
    if syntax in ("integer", "enum") and isinstance(value, int) and not isinstance(value, bool):
        return struct.pack(">i", value)
    if syntax == "boolean" and isinstance(value, bool):
        return b"\x01" if value else b"\x00"
    if syntax == "rangeOfInteger" and isinstance(value, tuple) and len(value) == 2:
        return struct.pack(">ii", *value)
    if syntax == "resolution" and isinstance(value, tuple) and len(value) == 3:
        return struct.pack(">iiB", *value)
    if syntax in TAGS and TAGS[syntax] >= 0x40 and isinstance(value, str):
        return value.encode("utf-8")
    raise IppError(f"IPP value {value!r} does not fit the syntax {syntax!r}")


def _values(name: str, attr: AttrValue) -> bytes:
    syntax, values = attr
    if not values:
        raise IppError(f"IPP attribute {name!r} has no value")
    out = b""
    for i, value in enumerate(values):
        label = name if i == 0 else ""
        if syntax == "collection":
            if not isinstance(value, Mapping):
                raise IppError(f"IPP attribute {name!r}: a collection value must be a mapping")
            out += _tlv(_BEG_COLLECTION, label, b"")
            for member, member_attr in value.items():
                out += _tlv(_MEMBER_NAME, "", member.encode("utf-8"))
                # a member's values follow its name, themselves without a name
                out += _values("", member_attr)
            out += _tlv(_END_COLLECTION, "", b"")
        elif syntax in TAGS:
            out += _tlv(TAGS[syntax], label, _value(syntax, value))
        else:
            raise IppError(f"IPP attribute {name!r}: unknown syntax {syntax!r}")
    return out


def encode_attribute(name: str, attr: AttrValue) -> bytes:
    """Return the TLVs of attribute *name* with *attr*'s values."""
    if not name:
        raise IppError("an IPP attribute needs a name")
    return _values(name, attr)


@dataclass(frozen=True, slots=True)
class IppMessage:
    """A message split into its header, its groups' attributes (raw) and its data."""

    header: bytes
    #: (delimiter tag, [(attribute name, its raw TLVs)])
    groups: tuple[tuple[int, tuple[tuple[str, bytes], ...]], ...]
    data: bytes

    def encode(self) -> bytes:
        """Return the message's octets."""
        out = [self.header]
        for tag, attrs in self.groups:
            out.append(bytes([tag]))
            out.extend(raw for _name, raw in attrs)
        out.append(bytes([_END]))
        out.append(self.data)
        return b"".join(out)

    def group(self, tag: int) -> dict[str, bytes]:
        """Return the first group *tag*'s attributes by name (empty when absent)."""
        return next((dict(attrs) for t, attrs in self.groups if t == tag), {})


def parse_message(data: bytes) -> IppMessage:
    """Split an IPP message; raise IppError when it is not a whole one."""
    if len(data) < 9:
        raise IppError(f"IPP message too short ({len(data)} bytes)")
    at = 8
    groups: list[tuple[int, tuple[tuple[str, bytes], ...]]] = []
    attrs: list[tuple[str, bytes]] = []
    tag = -1
    while True:
        if at >= len(data):
            raise IppError("IPP message ends before its end tag")
        byte = data[at]
        if byte <= 0x0F:  # a delimiter: the current group ends
            if tag >= 0:
                groups.append((tag, tuple(attrs)))
            if byte == _END:
                return IppMessage(data[:8], tuple(groups), data[at + 1 :])
            tag, attrs, at = byte, [], at + 1
            continue
        if tag < 0:
            raise IppError("IPP message: an attribute before any group")
        start, name, at = at, *_skip_tlv(data, at)
        if name:
            attrs.append((name, data[start:at]))
        elif attrs:
            attrs[-1] = (attrs[-1][0], attrs[-1][1] + data[start:at])
        else:
            raise IppError("IPP message: an additional value before any attribute")


def _skip_tlv(data: bytes, at: int) -> tuple[str, int]:
    """Return the name of the TLV at *at* and where the next one starts."""
    if at + 3 > len(data):
        raise IppError("IPP message cut inside an attribute")
    (name_len,) = struct.unpack_from(">H", data, at + 1)
    value_at = at + 3 + name_len
    if value_at + 2 > len(data):
        raise IppError("IPP message cut inside an attribute name")
    name = data[at + 3 : value_at].decode("utf-8", "replace")
    (value_len,) = struct.unpack_from(">H", data, value_at)
    end = value_at + 2 + value_len
    if end > len(data):
        raise IppError("IPP message cut inside an attribute value")
    return name, end


def rewrite_group(
    message: IppMessage,
    tag: int,
    changes: Mapping[str, AttrValue],
    add: Collection[str] = (),
) -> IppMessage:
    """Return *message* with attributes of group *tag* replaced by *changes*.

    An attribute of *changes* the group does not have is added only when its
    name is in *add* (what the client asked for); the group keeps its order.
    """
    groups = []
    done = False
    for group_tag, attrs in message.groups:
        if group_tag != tag or done:
            groups.append((group_tag, attrs))
            continue
        done = True
        seen = {name for name, _raw in attrs}
        new = [(n, encode_attribute(n, changes[n]) if n in changes else raw) for n, raw in attrs]
        extra = [n for n in changes if n not in seen and n in add]
        new += [(n, encode_attribute(n, changes[n])) for n in extra]
        groups.append((group_tag, tuple(new)))
    return IppMessage(message.header, tuple(groups), message.data)


def tlv_values(raw: bytes) -> list[tuple[int, bytes]]:
    """Return the (value tag, value) of each TLV of one attribute's raw bytes."""
    out, at = [], 0
    while at < len(raw):
        _name, end = _skip_tlv(raw, at)
        name_len = int.from_bytes(raw[at + 1 : at + 3], "big")
        out.append((raw[at], raw[at + 5 + name_len : end]))
        at = end
    return out
