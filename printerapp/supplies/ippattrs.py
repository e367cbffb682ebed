"""A :class:`SupplyReport` as the ``ATTR:`` lines a job command gives ippeveprinter.

ippeveprinter (CUPS 2.4, ``process_attr_message``) takes from its command's
stderr ``ATTR:`` lines of ``name=value`` options (``cupsParseOptions``), and
keeps on the printer only ``marker-*``, ``printer-alert``,
``printer-alert-description``, ``printer-supply`` and
``printer-supply-description`` (plus ``job-impressions`` and
``job-impressions-completed`` on the job).  Each value list is encoded with
``cupsEncodeOption``: commas separate values (see :func:`encode_values`).
The ``marker-*`` lines follow CUPS's own SNMP code
(``backend/snmp-supplies.c``): levels in percent, -1 when unknown, waste
boxes counted as the room left; ``printer-supply`` follows PWG 5100.13
(``index=1;class=...;type=...;unit=...;maxcapacity=...;level=...;colorantname=...;``).

The printer's condition goes as ``STATE:`` lines (``-reason,...`` removes,
``+reason,...`` adds): hrPrinterDetectedErrorState's bits and supplies at
or below 5 % (1 %: empty), limited to the reasons ippeveprinter 2.4 knows.

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
    "encode_values",
    "marker_level",
    "marker_type",
    "printer_alert",
    "printer_supply",
    "state_lines",
    "state_reasons",
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
#: ... and at or below this one "empty" (CUPS: 1 %)
EMPTY_PERCENT = 1
#: the printer-state-reasons these lines own; ippeveprinter 2.4 knows no others of the kind
MANAGED_REASONS = (
    "cover-open",
    "input-tray-missing",
    "marker-supply-empty",
    "marker-supply-low",
    "media-empty",
    "media-jam",
    "media-low",
    "toner-empty",
    "toner-low",
)
_ERROR_REASONS = {
    "lowPaper": "media-low",
    "noPaper": "media-empty",
    "inputTrayEmpty": "media-empty",
    "lowToner": "toner-low",
    "noToner": "toner-empty",
    "doorOpen": "cover-open",
    "jammed": "media-jam",
    "inputTrayMissing": "input-tray-missing",
}
#: (low, empty) reasons of the consumables that carry colorant
_SUPPLY_REASONS = {
    "toner": ("toner-low", "toner-empty"),
    "tonerCartridge": ("toner-low", "toner-empty"),
    **{
        kind: ("marker-supply-low", "marker-supply-empty")
        for kind in ("ink", "inkCartridge", "inkRibbon", "solidWax", "ribbonWax")
    },
}
_CLASSES = frozenset(mib.SUPPLY_CLASSES.values())
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: characters cupsEncodeOption treats specially inside one value of a list
_SPLIT_SPECIAL = re.compile(r"[\\,'\"]")
#: characters cupsParseOptions treats specially inside a value
_SPECIAL = re.compile(r"[\\\"'\s]")


def encode_values(values: list[str]) -> str:
    """Return *values* as the value part of one ATTR: option, each value kept whole.

    ippeveprinter unquotes a line twice: cupsParseOptions takes the single
    quotes and one level of backslashes, then cupsEncodeOption splits the
    list at commas that are neither escaped nor inside quotes (which it keeps
    in the value).  So a backslash goes before each comma, quote and
    backslash of a value, and the list goes in single quotes.  (CUPS's
    backends quote names as ``'"name"'`` for cupsd; ippeveprinter would keep
    those double quotes in the value.)
    """
    # a newline would end the line and start another message (STATE:...): never let one through
    clean = (_CONTROL.sub(" ", v) for v in values)
    listed = ",".join(_SPLIT_SPECIAL.sub(r"\\\g<0>", v) for v in clean)
    if not _SPECIAL.search(listed):
        return listed
    return "'" + listed.replace("\\", "\\\\").replace("'", "\\'") + "'"


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
    return f"ATTR: {name}={encode_values(values)}"


def _marker_lines(supplies: tuple[Supply, ...]) -> list[str]:
    return [
        _line("marker-colors", [mib.COLOUR_HEX.get(s.colour or "", "none") for s in supplies]),
        _line("marker-high-levels", ["100" for _ in supplies]),
        _line("marker-levels", [str(marker_level(s)) for s in supplies]),
        _line("marker-low-levels", [str(LOW_PERCENT) for _ in supplies]),
        _line("marker-names", [s.description for s in supplies]),
        _line("marker-types", [marker_type(s.kind) for s in supplies]),
    ]


def state_reasons(report: SupplyReport) -> list[str]:
    """Return the printer-state-reasons the report shows, among those ippeveprinter knows."""
    found = {_ERROR_REASONS[e] for e in report.status.errors if e in _ERROR_REASONS}
    for supply in report.supplies:
        reasons = _SUPPLY_REASONS.get(supply.kind)
        if reasons is None or supply.level is None or supply.is_receptacle:
            continue  # waste boxes: "no two vendors report them the same" (CUPS)
        if supply.level <= EMPTY_PERCENT:
            found.add(reasons[1])
        elif supply.level <= LOW_PERCENT:
            found.add(reasons[0])
    return sorted(found)


def state_lines(report: SupplyReport) -> list[str]:
    """Return the STATE: lines that set the supply and error reasons (none when unknown).

    Reasons others set (``paused``, ``media-needed``...) are left alone.
    """
    if not report.known:
        return []
    lines = ["STATE: -" + ",".join(MANAGED_REASONS)]
    reasons = state_reasons(report)
    if reasons:
        lines.append("STATE: +" + ",".join(reasons))
    return lines


def attr_lines(report: SupplyReport) -> list[str]:
    """Return the ATTR: lines for *report* (none when nothing is known)."""
    lines: list[str] = []
    if report.supplies:
        lines += _marker_lines(report.supplies)
        supplies = [printer_supply(s) for s in report.supplies]
        lines.append(_line("printer-supply", supplies))
        descriptions = [s.description for s in report.supplies]
        lines.append(_line("printer-supply-description", descriptions))
    if report.alerts:
        lines.append(_line("printer-alert", [printer_alert(a) for a in report.alerts]))
        texts = [a.description or a.code for a in report.alerts]
        lines.append(_line("printer-alert-description", texts))
    return lines
