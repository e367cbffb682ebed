"""Parse the lines a CUPS backend prints in discovery mode.

A backend run with no arguments prints one line per device::

    class uri "make-and-model" "info" ["device-id" ["location"]]

``class`` and ``uri`` are bare words; the others are double-quoted, with a
backslash escaping the next character, as cups-deviced reads them.  Everything
here is untrusted: fields are cleaned of control characters and bounded, and a
URI that is too long, not ``scheme:...`` or not printable makes the line
malformed rather than being cut into a different URI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from printerapp.errors import MalformedLineError

from .records import MAX_TEXT, clean_text

__all__ = ["MAX_LINE", "DiscoveryLine", "parse_backend_line"]

#: longest discovery line read; cups-deviced itself stops at 2 kB
MAX_LINE = 16 * 1024
#: a URI, or a bare scheme as backends print to advertise a manual scheme (``network ipp``)
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*(?::[\x21-\x7e]*)?")
_CLASS = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")


@dataclass(frozen=True, slots=True)
class DiscoveryLine:
    """One device as a backend printed it."""

    device_class: str
    uri: str
    make_and_model: str
    info: str
    device_id: str = ""
    location: str = ""


def _word(text: str, pos: int) -> tuple[str, int]:
    start = pos
    while pos < len(text) and not text[pos].isspace():
        pos += 1
    return text[start:pos], pos


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _quoted(text: str, pos: int) -> tuple[str, int]:
    """Read one ``"..."`` string starting at *pos*; raise if unterminated."""
    out: list[str] = []
    pos += 1  # the opening quote
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
            continue
        if char == '"':
            return "".join(out), pos + 1
        out.append(char)
        pos += 1
    raise MalformedLineError("unterminated quoted string")


def _quoted_fields(text: str, pos: int) -> list[str]:
    fields: list[str] = []
    pos = _skip_blanks(text, pos)
    while pos < len(text) and len(fields) < 4:
        if text[pos] != '"':
            raise MalformedLineError(f"expected a quoted string at column {pos + 1}")
        value, pos = _quoted(text, pos)
        fields.append(value)
        pos = _skip_blanks(text, pos)
    return fields


def parse_backend_line(line: str) -> DiscoveryLine:
    """Parse one discovery line; raise MalformedLineError saying what is wrong."""
    if len(line) > MAX_LINE:
        raise MalformedLineError(f"line longer than {MAX_LINE} characters")
    text = line.strip()
    device_class, pos = _word(text, 0)
    uri, pos = _word(text, _skip_blanks(text, pos))
    if not _CLASS.fullmatch(device_class):
        raise MalformedLineError("missing or invalid device class")
    if not _URI.fullmatch(uri) or len(uri) > MAX_TEXT:
        raise MalformedLineError("missing or invalid device URI")
    fields = _quoted_fields(text, pos)
    if len(fields) < 2:
        raise MalformedLineError("expected quoted make-and-model and info")
    fields += [""] * (4 - len(fields))
    return DiscoveryLine(
        device_class=device_class.lower(),
        uri=uri,
        make_and_model=clean_text(fields[0]),
        info=clean_text(fields[1]),
        device_id=clean_text(fields[2], 4096),
        location=clean_text(fields[3]),
    )
