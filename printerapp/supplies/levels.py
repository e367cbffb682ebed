"""A queue's supply attributes (``marker-*``, ``printer-supply``) -> levels to draw.  Pure.

The input is the dict a Get-Printer-Attributes answer became: each value a
single item or a list (:mod:`printerapp.ipp.answer` gives one value bare).  ``marker-*`` win when
present: the job runner (:mod:`.ippattrs`) and CUPS's backends send them
with colours and low levels.  Otherwise the PWG 5100.13 ``printer-supply``
strings (``index=1;class=...;type=toner;...;level=40;colorantname=black;``)
are read with :func:`parse_printer_supply`.

ippeveprinter 2.4 starts every queue with invented supplies (an ink set for
a colour printer, a toner set for a mono one, fixed levels) and no
``marker-*`` at all.  :func:`invented` recognises exactly those values, so
a queue that has not heard from its printer shows "unknown" instead of
made-up levels; the first ``ATTR:`` line of a job replaces them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from printerapp.supplies.mib import COLOUR_HEX

__all__ = [
    "INVENTED",
    "SupplyLevel",
    "invented",
    "parse_printer_supply",
    "supplies_json",
    "supply_levels",
]

#: what ippeveprinter 2.4 (``create_printer``) advertises before any job said otherwise
INVENTED: frozenset[tuple[str, ...]] = frozenset(
    {
        (
            "index=1;class=receptacleThatIsFilled;type=wasteInk;unit=percent;maxcapacity=100;"
            "level=25;colorantname=unknown;",
            "index=2;class=supplyThatIsConsumed;type=ink;unit=percent;maxcapacity=100;"
            "level=75;colorantname=black;",
            "index=3;class=supplyThatIsConsumed;type=ink;unit=percent;maxcapacity=100;"
            "level=50;colorantname=cyan;",
            "index=4;class=supplyThatIsConsumed;type=ink;unit=percent;maxcapacity=100;"
            "level=33;colorantname=magenta;",
            "index=5;class=supplyThatIsConsumed;type=ink;unit=percent;maxcapacity=100;"
            "level=67;colorantname=yellow;",
        ),
        (
            "index=1;class=receptacleThatIsFilled;type=wasteToner;unit=percent;maxcapacity=100;"
            "level=25;colorantname=unknown;",
            "index=2;class=supplyThatIsConsumed;type=toner;unit=percent;maxcapacity=100;"
            "level=75;colorantname=black;",
        ),
    }
)
#: CUPS's default low level when a backend sends none (percent)
DEFAULT_LOW = 5
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")
_MAX_SUPPLIES = 64
_MAX_TEXT = 255


@dataclass(frozen=True, slots=True)
class SupplyLevel:
    """One supply as a bar: its name, colour and percent left (None: unknown)."""

    name: str
    #: ``marker-types`` style keyword (``toner``, ``waste-toner``...) or the MIB type name
    kind: str
    #: ``#RRGGBB``, or "" when the printer names none
    colour: str
    level: int | None
    low: int = DEFAULT_LOW
    high: int = 100
    #: a waste box: its level is the room left, so "low" means nearly full
    receptacle: bool = False

    @property
    def status(self) -> str:
        """Say ``unknown``, ``empty`` (waste box: ``full``), ``low`` (``almost-full``) or ``ok``."""
        if self.level is None:
            return "unknown"
        if self.level <= 0:
            return "full" if self.receptacle else "empty"
        if self.level <= self.low:
            return "almost-full" if self.receptacle else "low"
        return "ok"


def _values(attrs: Mapping[str, object], name: str) -> list[object]:
    value = attrs.get(name)
    if value is None or value == "":
        return []
    items = list(value) if isinstance(value, list | tuple) else [value]
    return items[:_MAX_SUPPLIES]


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return "".join(c if c.isprintable() else " " for c in str(value))[:_MAX_TEXT]


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = _text(value).strip()
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) else None


def parse_printer_supply(value: str) -> dict[str, str]:
    """Return the ``key=value`` fields of one ``printer-supply`` string (malformed ones skipped)."""
    fields: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, val = part.partition("=")
        key = key.strip().lower()
        if sep and re.fullmatch(r"[a-z-]{1,32}", key):
            fields.setdefault(key, val.strip())
    return fields


def invented(attrs: Mapping[str, object]) -> bool:
    """Tell whether the supplies are ippeveprinter's built-in ones (no printer has spoken)."""
    if _values(attrs, "marker-levels"):
        return False
    supplies = tuple(_text(v) for v in _values(attrs, "printer-supply"))
    return supplies in INVENTED


def _percent(level: int | None, high: int) -> int | None:
    if level is None or level < 0 or high <= 0:
        return None
    return max(0, min(100, round(100 * level / high)))


def _from_markers(attrs: Mapping[str, object]) -> list[SupplyLevel]:
    levels = [_int(v) for v in _values(attrs, "marker-levels")]
    names = [_text(v) for v in _values(attrs, "marker-names")]
    colours = [_text(v) for v in _values(attrs, "marker-colors")]
    kinds = [_text(v) for v in _values(attrs, "marker-types")]
    lows = [_int(v) for v in _values(attrs, "marker-low-levels")]
    highs = [_int(v) for v in _values(attrs, "marker-high-levels")]
    out = []
    for i, level in enumerate(levels):
        kind = kinds[i] if i < len(kinds) else "unknown"
        colour = colours[i] if i < len(colours) else ""
        low = lows[i] if i < len(lows) else None
        high = highs[i] if i < len(highs) else None
        out.append(
            SupplyLevel(
                name=names[i] if i < len(names) else f"supply {i + 1}",
                kind=kind,
                # a multi-colour marker ("#00FFFF#FF00FF#FFFF00") is drawn with its first colour
                colour=m.group(0) if (m := _HEX.match(colour)) else "",
                level=_percent(level, 100),
                low=low if low is not None and 0 <= low <= 100 else DEFAULT_LOW,
                high=high if high is not None and 0 < high <= 100 else 100,
                receptacle=kind.startswith("waste"),
            )
        )
    return out


def _from_supply(value: str, description: str) -> SupplyLevel:
    fields = parse_printer_supply(value)
    capacity = _int(fields.get("maxcapacity", ""))
    level = _int(fields.get("level", ""))
    unit = fields.get("unit", "")
    if capacity is not None and capacity > 0:
        percent = _percent(level, capacity)
    else:
        percent = level if unit == "percent" and level is not None and 0 <= level <= 100 else None
    colour_name = fields.get("colorantname", "").lower()
    return SupplyLevel(
        name=description or fields.get("type", "supply"),
        kind=fields.get("type", "unknown"),
        colour=COLOUR_HEX.get(colour_name, ""),
        level=percent,
        receptacle=fields.get("class") == "receptacleThatIsFilled",
    )


def supply_levels(attrs: Mapping[str, object]) -> list[SupplyLevel]:
    """Return the queue's supplies to draw; empty when unknown (or only ippeveprinter's own)."""
    if _values(attrs, "marker-levels"):
        return _from_markers(attrs)
    if invented(attrs):
        return []
    supplies = [_text(v) for v in _values(attrs, "printer-supply")]
    descriptions = [_text(v) for v in _values(attrs, "printer-supply-description")]
    return [
        _from_supply(s, descriptions[i] if i < len(descriptions) else "")
        for i, s in enumerate(supplies)
    ]


def supplies_json(levels: Sequence[SupplyLevel]) -> list[dict[str, object]]:
    """Return *levels* as the API shows them."""
    return [
        {
            "name": s.name,
            "kind": s.kind,
            "colour": s.colour,
            "level": s.level,
            "low": s.low,
            "high": s.high,
            "receptacle": s.receptacle,
            "status": s.status,
        }
        for s in levels
    ]
