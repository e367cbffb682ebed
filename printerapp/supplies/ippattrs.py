"""A :class:`SupplyReport` as the ``ATTR:`` lines a job command gives ippeveprinter.

ippeveprinter (CUPS 2.4, ``process_attr_message``) takes from its command's
stderr ``ATTR:`` lines of ``name=value`` options (``cupsParseOptions``), and
keeps on the printer only ``marker-*``, ``printer-alert``,
``printer-alert-description``, ``printer-supply`` and
``printer-supply-description`` (plus ``job-impressions`` and
``job-impressions-completed`` on the job).  Each value list is encoded with
``cupsEncodeOption``: commas separate values, quotes protect commas and
spaces.  The ``marker-*`` lines follow CUPS's own SNMP code
(``backend/snmp-supplies.c``): levels in percent, -1 when unknown, waste
boxes counted as the room left; ``printer-supply`` follows PWG 5100.13
(``index=1;class=...;type=...;unit=...;maxcapacity=...;level=...;colorantname=...;``).

An unknown report gives no lines: ippeveprinter keeps what it had.
"""

from __future__ import annotations

import re

from printerapp.supplies import mib
from printerapp.supplies.records import Alert, Supply, SupplyReport

__all__ = [
    "ATTRIBUTES",
    "LOW_PERCENT",
    "attr_lines",
    "marker_level",
    "marker_type",
    "printer_alert",
    "printer_supply",
    "quote_value",
]

#: the printer attributes ippeveprinter 2.4 accepts by ATTR: (besides marker-*)
ATTRIBUTES = (
    "printer-alert",
    "printer-alert-description",
    "printer-supply",
    "printer-supply-description",
)
#: a supply at or below this percentage is "low" (marker-low-levels, as CUPS's 5 %)
LOW_PERCENT = 5
_CLASSES = frozenset(mib.SUPPLY_CLASSES.values())
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
#: characters cupsParseOptions and cupsEncodeOption treat specially inside a value
_SPECIAL = re.compile(r"[\\\"',\s]")
_SPECIAL_IN_QUOTES = re.compile(r"[\\\"']")


def quote_value(text: str) -> str:
    """Return *text* as one value of an ATTR: option, quoted as CUPS's backends do.

    The line is unquoted twice: by cupsParseOptions (the single quotes) and by
    cupsEncodeOption (the double quotes, which keep commas inside one value).
    """
    if not _SPECIAL.search(text):
        return text
    escaped = _SPECIAL_IN_QUOTES.sub(lambda m: "\\\\\\" + m.group(0), text)
    return f"'\"{escaped}\"'"


def marker_type(kind: str) -> str:
    """Return the ``marker-types`` keyword of a MIB type name (``wasteToner``: ``waste-toner``)."""
    return _CAMEL.sub("-", kind).lower() if kind in mib.SUPPLY_TYPES.values() else "unknown"


def marker_level(supply: Supply) -> int:
    """Return the ``marker-levels`` value: percent left (room left for a waste box), or -1."""
    if supply.level is None:
        return -1
    percent = max(0, min(100, supply.level))
    return 100 - percent if supply.is_receptacle else percent


def printer_supply(supply: Supply) -> str:
    """Return one PWG 5100.13 ``printer-supply`` value."""
    fields = [
        f"index={supply.index}",
        f"class={supply.supply_class if supply.supply_class in _CLASSES else 'other'}",
        f"type={supply.kind}",
        f"unit={supply.unit}",
        f"maxcapacity={supply.max_capacity}",
        f"level={supply.raw_level}",
    ]
    if supply.colour:
        fields.append(f"colorantname={supply.colour}")
    return ";".join(fields) + ";"


def printer_alert(alert: Alert) -> str:
    """Return one PWG 5100.9 ``printer-alert`` value."""
    fields = [
        f"index={alert.index}",
        f"severity={alert.severity}",
        f"training={alert.training}",
        f"group={alert.group}",
        f"groupindex={alert.group_index}",
        f"location={alert.location}",
        f"code={alert.code}",
    ]
    return ";".join(fields) + ";"


def _line(name: str, values: list[str]) -> str:
    return f"ATTR: {name}={','.join(values)}"


def _marker_lines(supplies: tuple[Supply, ...]) -> list[str]:
    return [
        _line("marker-colors", [mib.COLOUR_HEX.get(s.colour or "", "none") for s in supplies]),
        _line("marker-high-levels", ["100" for _ in supplies]),
        _line("marker-levels", [str(marker_level(s)) for s in supplies]),
        _line("marker-low-levels", [str(LOW_PERCENT) for _ in supplies]),
        _line("marker-names", [quote_value(s.description) for s in supplies]),
        _line("marker-types", [marker_type(s.kind) for s in supplies]),
    ]


def attr_lines(report: SupplyReport) -> list[str]:
    """Return the ATTR: lines for *report* (none when nothing is known)."""
    lines: list[str] = []
    if report.supplies:
        lines += _marker_lines(report.supplies)
        supplies = [quote_value(printer_supply(s)) for s in report.supplies]
        lines.append(_line("printer-supply", supplies))
        descriptions = [quote_value(s.description) for s in report.supplies]
        lines.append(_line("printer-supply-description", descriptions))
    if report.alerts:
        lines.append(_line("printer-alert", [quote_value(printer_alert(a)) for a in report.alerts]))
        texts = [quote_value(a.description or a.code) for a in report.alerts]
        lines.append(_line("printer-alert-description", texts))
    return lines
