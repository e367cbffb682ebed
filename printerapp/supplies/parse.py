"""Varbinds from a Printer MIB walk -> :class:`SupplyReport`.  Pure: no I/O, never raises.

The input is what the SNMP edge hands over: ``(oid, value)`` pairs where an
INTEGER (or Gauge/Unsigned) arrived as ``int``, an OCTET STRING as ``bytes``,
and anything else as ``None``.  An agent that sends the wrong type, a negative
or absurd number, or a row with no description makes that value "unknown",
never an exception: a printer's bad firmware must not stop its queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from printerapp.supplies import mib
from printerapp.supplies.records import (
    LEVEL_OTHER,
    LEVEL_SOME_REMAINING,
    LEVEL_UNKNOWN,
    Alert,
    PrinterStatus,
    Supply,
    SupplyReport,
)

__all__ = ["MAX_ROWS", "MAX_TEXT", "Value", "Varbind", "decode_text", "parse_report"]

Value = int | bytes | None
Varbind = tuple[mib.Oid, Value]

#: rows kept per table, as CUPS's backends do (CUPS_MAX_SUPPLIES)
MAX_ROWS = 32
#: characters kept of a description
MAX_TEXT = 255
#: ceiling for capacities: the MIB's Integer32 range, rejecting absurd bigger ones
_MAX_INT = 2**31 - 1
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_PERCENT = 19  # PrtMarkerSuppliesSupplyUnitTC percent
_COLOURS_IN_TEXT = re.compile(
    r"\b(light[ -]?(?:cyan|magenta|black|gray)|black|cyan|magenta|yellow|gr[ae]y|red|green|blue)\b",
    re.IGNORECASE,
)
#: supply types that carry a colorant; others (a drum, a fuser) get no colour from their name
_COLOURED_KINDS = frozenset(
    {"toner", "tonerCartridge", "ink", "inkCartridge", "inkRibbon", "solidWax", "ribbonWax"}
)

Table = dict[tuple[int, ...], dict[int, Value]]


def decode_text(raw: Value) -> str | None:
    """Return an SNMP DisplayString as text (UTF-8, else Latin-1), or None if not a string."""
    if not isinstance(raw, bytes):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return _CONTROL.sub(" ", text).strip()[:MAX_TEXT]


def _table(varbinds: Iterable[Varbind], entry: mib.Oid) -> Table:
    """Return ``{row index: {column: value}}`` for the rows under *entry*."""
    rows: Table = {}
    n = len(entry)
    for oid, value in varbinds:
        if len(oid) > n + 1 and oid[:n] == entry:
            rows.setdefault(oid[n + 1 :], {})[oid[n]] = value
    return rows


def _int(row: Mapping[int, Value], column: int) -> int | None:
    value = row.get(column)
    # bool is an int too; the edge never makes one, but a mapping from elsewhere might
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _MAX_INT:
        return value
    return None


def _named(row: Mapping[int, Value], column: int, names: Mapping[int, str], default: str) -> str:
    number = _int(row, column)
    return names.get(number, default) if number is not None else default


def _capacity(row: Mapping[int, Value]) -> int:
    value = _int(row, 8)
    if value is None or (value < 0 and value not in (LEVEL_OTHER, LEVEL_UNKNOWN)) or value == 0:
        return LEVEL_UNKNOWN
    return value


def _raw_level(row: Mapping[int, Value], capacity: int) -> int:
    value = _int(row, 9)
    if value is None or value < LEVEL_SOME_REMAINING:
        return LEVEL_UNKNOWN
    if capacity > 0 and value > capacity:  # more than it holds: the agent is wrong
        return LEVEL_UNKNOWN
    return value


def _percent(raw: int, capacity: int, unit: int | None) -> int | None:
    if raw < 0:
        return None
    if capacity > 0:
        return round(100 * raw / capacity)
    if unit == _PERCENT and raw <= 100:
        return raw
    return None


def _colour(row: Mapping[int, Value], device: int, colorants: Table, kind: str) -> str | None:
    index = _int(row, 3)
    if index is not None and index > 0:
        name = decode_text(colorants.get((device, index), {}).get(4))
        if name and name.lower() not in ("unknown", "other", "none"):
            return name.lower().replace(" ", "-")
    description = decode_text(row.get(6)) or ""
    if kind in _COLOURED_KINDS or kind == "unknown":
        found = _COLOURS_IN_TEXT.search(description)
        if found:
            return found.group(1).lower().replace(" ", "-").replace("grey", "gray")
    return None


def _supply(key: tuple[int, ...], row: Mapping[int, Value], colorants: Table) -> Supply | None:
    description = decode_text(row.get(6))
    if not description or len(key) != 2:
        return None
    capacity = _capacity(row)
    raw = _raw_level(row, capacity)
    unit = _int(row, 7)
    kind = _named(row, 5, mib.SUPPLY_TYPES, "unknown")
    return Supply(
        index=key[1],
        description=description,
        kind=kind,
        supply_class=_named(row, 4, mib.SUPPLY_CLASSES, "unknown"),
        unit=mib.SUPPLY_UNITS.get(unit, "unknown") if unit is not None else "unknown",
        max_capacity=capacity,
        raw_level=raw,
        level=_percent(raw, capacity, unit),
        colour=_colour(row, key[0], colorants, kind),
    )


def _supplies(varbinds: list[Varbind]) -> tuple[Supply, ...]:
    colorants = _table(varbinds, mib.COLORANT_ENTRY)
    rows = _table(varbinds, mib.SUPPLIES_ENTRY)
    found = (_supply(key, rows[key], colorants) for key in sorted(rows))
    return tuple(s for s in found if s is not None)[:MAX_ROWS]


def _error_bits(raw: Value) -> tuple[str, ...]:
    if not isinstance(raw, bytes) or len(raw) > 4:
        return ()
    bits = int.from_bytes(raw.ljust(2, b"\0")[:2], "big")
    return tuple(name for i, name in enumerate(mib.ERROR_STATE_BITS) if bits & (0x8000 >> i))


def _status(varbinds: list[Varbind]) -> PrinterStatus:
    rows = _table(varbinds, mib.HR_PRINTER_ENTRY)
    for key in sorted(rows):
        status = PrinterStatus(
            _named(rows[key], 1, mib.PRINTER_STATUSES, "unknown"), _error_bits(rows[key].get(2))
        )
        if status != PrinterStatus():
            return status
    return PrinterStatus()


def _alert(key: tuple[int, ...], row: Mapping[int, Value]) -> Alert | None:
    severity, code = _int(row, 2), _int(row, 7)
    if severity not in mib.ALERT_SEVERITIES or code is None or code < 1:
        return None
    group_index, location = _int(row, 5), _int(row, 6)
    return Alert(
        index=key[-1],
        severity=mib.ALERT_SEVERITIES[severity],
        code=mib.ALERT_CODES.get(code, str(code)),
        description=decode_text(row.get(8)) or "",
        group=_named(row, 4, mib.ALERT_GROUPS, "other"),
        group_index=group_index if group_index is not None and group_index >= -1 else -1,
        training=_named(row, 3, mib.ALERT_TRAININGS, "unknown"),
        location=location if location is not None and location >= -1 else -1,
    )


def _alerts(varbinds: list[Varbind]) -> tuple[Alert, ...]:
    rows = _table(varbinds, mib.ALERT_ENTRY)
    found = (_alert(key, rows[key]) for key in sorted(rows))
    return tuple(a for a in found if a is not None)[:MAX_ROWS]


def parse_report(varbinds: Iterable[Varbind]) -> SupplyReport:
    """Build the report from the walked varbinds; what makes no sense is left out."""
    walked = list(varbinds)
    return SupplyReport(_supplies(walked), _status(walked), _alerts(walked))
