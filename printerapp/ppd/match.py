"""Score PPDs against a device exactly as cups-driverd 2.4 does (the oracle).

``cups-driverd list 0 N "ppd-device-id=... ppd-make-and-model=..."`` gives
every PPD a score and lists those above zero, best first:

* **Device ID.**  The device's ID is turned into a POSIX extended regex: each
  ``MFG:``/``MFR:``/``MANUFACTURER:``, ``MDL:``/``MODEL:`` and ``CMD:``/
  ``COMMAND SET:`` field, *in the device's order*, becomes a group
  ``(KEY:.*value.*;)`` (``CMD`` optional), joined by ``.*``; other fields are
  dropped; ``[]{}().*\\|`` in values are escaped and a ``:`` inside a value
  becomes ``:.*``.  It is matched case-insensitively against the PPD's
  ``*1284DeviceID``; on a match the score gains one point per group that took
  part.  Consequences: ``MFG:HP`` never matches ``MFG:Hewlett-Packard``; a
  field preceded by a space (``; MDL:``) is not seen at all; and as the
  greedy ``.*`` before a trailing optional ``CMD`` group always wins, a CMD
  group only counts when it is the first field.
* **Make and model.**  The query is a basic regex with ``[]{}().*\\``
  escaped (so ``\\(``, ``\\)`` group and ``\\{`` starts an interval) matched
  case-insensitively against the PPD's make-and-model: a match at the start
  of the full query length scores 3, a shorter match at the start (the query
  had parentheses) 2, a match elsewhere 1.
* **Order.**  Higher score first; equal scores by ``cupsdCompareNames()`` of
  make-and-model (case-insensitive, numbers by value: "a2" < "a100"); then in
  the order of CUPS's make/model list (make, make-and-model, language,
  filename, ppd-name).  ``(recommended)`` is *not* considered by CUPS 2.4.

Case folding is ASCII only, as in the C locale cups-driverd runs in.
This module is pure: it scores lists of records, it does no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from printerapp.ppd.records import DriverRecord, ascii_fold

__all__ = [
    "CupsQuery",
    "casecmp_key",
    "compile_query",
    "device_id_regex",
    "names_key",
    "score_make_model",
]

_KEYS = ("command set:", "cmd:", "manufacturer:", "mfg:", "mfr:", "model:", "mdl:")
_ERE_ESCAPED = set("[]{}().*\\|")
_QUANTIFIERS = "*+?"
_TOKEN = re.compile(rb"[0-9]+|.", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass(frozen=True, slots=True)
class CupsQuery:
    """A device's ID and make-and-model, compiled the way cups-driverd compiles them."""

    #: the device-ID regex (None: no usable field, or it does not compile)
    device_re: re.Pattern[str] | None = None
    #: folded literal pieces every matching PPD ID must contain (a pre-filter)
    device_pieces: tuple[str, ...] = ()
    #: the folded make-and-model text the basic regex matches literally
    make_model: str = ""
    #: True when the query had parentheses: a match at the start then scores 2
    make_model_short: bool = False


def _append_value_char(out: list[str], ch: str) -> None:
    """Append one value character to a Python regex, as glibc's ERE would read it."""
    if ch in _ERE_ESCAPED:
        out.append(re.escape(ch))
    elif ch in "+?" and out and out[-1] and out[-1][-1] in _QUANTIFIERS:
        # ERE allows stacked repetition ("x*+"); Python 3.11 would read it as possessive.
        prev = out[-1][-1]
        merged = prev if prev == ch else "*"
        out[-1] = out[-1][:-1] + merged
    elif ch in "+?^$":
        out.append(ch)
    else:
        out.append(re.escape(ch))


def _field_regex(field: str) -> tuple[str, list[str], bool]:
    """Return one field's group body, its literal pieces, and whether pieces are exact."""
    out: list[str] = []
    pieces: list[str] = [""]
    exact = True
    for ch in field:
        if ch == ":":
            out.append(":.*")
            pieces[-1] += ":"
            pieces.append("")
            continue
        _append_value_char(out, ch)
        if ch in "+?^$":
            exact = False
        pieces[-1] += ch
    out.append(".*;")
    return "".join(out), [ascii_fold(p) for p in pieces if p], exact


def device_id_regex(device_id: str) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    """Compile a device ID as cups-driverd's ``regex_device_id()``; return it and its pieces."""
    groups: list[str] = []
    pieces: list[str] = []
    for field in device_id.split(";"):
        lower = ascii_fold(field)
        if not lower.startswith(_KEYS):
            continue
        body, field_pieces, exact = _field_regex(field)
        if lower.startswith(("cmd:", "command set:")):
            groups.append(f"({body})?")  # optional: a PPD need not contain any of it
            continue
        if exact:
            pieces += field_pieces
        else:
            pieces.append(field_pieces[0])  # the key itself is always literal
        groups.append(f"({body})")
    if not groups:
        return None, ()
    try:
        pattern = re.compile(".*".join(groups), re.IGNORECASE | re.ASCII | re.DOTALL)
    except re.error:
        return None, ()
    return pattern, tuple(pieces)


def _make_model_literal(make_model: str) -> tuple[str, bool] | None:
    """Return what the basic regex of *make_model* matches literally, or None if it is invalid."""
    if "{" in make_model or "}" in make_model:
        return None  # "\{" opens a BRE interval: practically never valid here
    depth = 0
    for ch in make_model:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return None
    if depth:
        return None
    literal = make_model.replace("(", "").replace(")", "")
    return ascii_fold(literal), literal != make_model


def compile_query(device_id: str, make_model: str) -> CupsQuery:
    """Compile one query: the device's 1284 ID and its make-and-model."""
    device_id = _CONTROL.sub("", device_id)
    pattern, pieces = device_id_regex(device_id) if device_id else (None, ())
    literal = _make_model_literal(_CONTROL.sub("", make_model)) if make_model else None
    text, short = literal if literal and literal[0] else ("", False)
    return CupsQuery(pattern, pieces, text, short)


def score_device_id(query: CupsQuery, record: DriverRecord) -> int:
    """Return the device-ID part of cups-driverd's score for *record*."""
    if query.device_re is None:
        return 0
    match = query.device_re.search(record.device_id)
    if match is None:
        return 0
    return sum(1 for i in range(1, min(match.re.groups, 5) + 1) if match.start(i) >= 0)


def score_make_model(query: CupsQuery, position: int) -> int:
    """Return the make-and-model score for a match found at *position* (-1: none)."""
    if position < 0:
        return 0
    if position > 0:
        return 1
    return 2 if query.make_model_short else 3


def _byte_key(text: str) -> list[int]:
    # C's char is signed here: bytes >= 128 sort before ASCII.
    return [
        (b + 32 if 65 <= b <= 90 else b) - (256 if b >= 128 else 0)
        for b in text.encode("utf-8", "surrogateescape")
    ]


def casecmp_key(text: str) -> tuple[int, ...]:
    """Return a sort key ordering strings as ``_cups_strcasecmp()`` does."""
    return tuple(_byte_key(text))


def names_key(text: str) -> tuple[tuple[int, ...] | tuple[int, int, bytes], ...]:
    """Return a sort key ordering strings as ``cupsdCompareNames()`` does."""
    out: list[tuple[int, ...] | tuple[int, int, bytes]] = []
    for token in _TOKEN.findall(text.encode("utf-8", "surrogateescape")):
        if 48 <= token[0] <= 57:
            digits = token.lstrip(b"0")
            out.append((48, len(digits), digits))  # every digit sorts like '0' vs a letter
        else:
            b = token[0]
            out.append(((b + 32 if 65 <= b <= 90 else b) - (256 if b >= 128 else 0),))
    return tuple(out)
