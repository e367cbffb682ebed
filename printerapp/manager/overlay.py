"""What the daemon adds to a queue's Get-Printer-Attributes answers (pure but for one read).

While ippeveprinter is processing a job, the job's own view of the
printer (:mod:`printerapp.ippprint.statusfile`) is the truer one: the
reasons ippeveprinter shows as ``other`` are given their CUPS names
(``connecting-to-device``, ``offline-report``...) and its fixed
"Printing." gives way to the job's message ("Printer not responding: ...").
An idle or stopped queue is shown as ippeveprinter has it: a status file
left by a job that was killed says nothing about the printer any more.

Further attributes (printing defaults, loaded media) come from *extra*
callables; an attribute the answer lacks is added only when the client
asked for it (by name, ``all`` or ``printer-description``, or by asking
for nothing in particular).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from printerapp.errors import IppError, PrinterAppError
from printerapp.ipp.attrs import (
    PRINTER_GROUP,
    AttrValue,
    parse_message,
    rewrite_group,
    tlv_values,
)
from printerapp.ipp.peek import IppRequestHead
from printerapp.ippprint.statusfile import STATUS_FILE, PrinterStatus, read_status
from printerapp.ppd.ippoverlay import ipp_overlay
from printerapp.ppd.printdefaults import defaults_path, read_defaults
from printerapp.ppd.uioptions import read_ppd_ui

__all__ = ["PROCESSING", "defaults_extra", "make_rewrite", "requested_names", "status_changes"]

log = logging.getLogger(__name__)

PROCESSING = 4
#: CUPS's words for reasons whose IPP keyword differs
_KEYWORDS = {"offline": "offline-report"}
#: the stand-in the job gives ippeveprinter for a reason it does not know
_STAND_IN = "other"

#: more printer attributes for a queue's answers, computed at each answer
Extra = Callable[[], Mapping[str, AttrValue]]


def _enum(raw: bytes | None) -> int | None:
    values = tlv_values(raw) if raw else []
    return int.from_bytes(values[0][1], "big") if values and len(values[0][1]) == 4 else None


def _keywords(raw: bytes | None) -> list[str]:
    return [v.decode("utf-8", "replace") for _tag, v in tlv_values(raw)] if raw else []


def status_changes(
    group: Mapping[str, bytes], status: PrinterStatus | None
) -> dict[str, AttrValue]:
    """Return the state attributes to show for a printer group, given the job's *status*."""
    if status is None or _enum(group.get("printer-state")) != PROCESSING:
        return {}
    changes: dict[str, AttrValue] = {}
    own = [_KEYWORDS.get(r, r) for r in status.reasons]
    if own and "printer-state-reasons" in group:
        shown = [r for r in _keywords(group["printer-state-reasons"]) if r != "none"]
        if any(r == _STAND_IN for r in shown) and _STAND_IN not in status.reasons:
            shown = [r for r in shown if r != _STAND_IN]
        reasons = list(dict.fromkeys([*shown, *own]))
        changes["printer-state-reasons"] = ("keyword", reasons or ["none"])
    if status.message and "printer-state-message" in group:
        changes["printer-state-message"] = ("text", [status.message])
    return changes


def requested_names(head: IppRequestHead, names: set[str]) -> set[str]:
    """Return which of *names* the request asks for (groups count as asking for all)."""
    asked = set(head.values("requested-attributes"))
    if not asked or asked & {"all", "printer-description"}:
        return names
    return names & asked


def make_rewrite(
    spool: Path, extra: Extra | None = None
) -> Callable[[IppRequestHead, bytes], bytes]:
    """Return the rewrite of answers of the queue whose spool directory is *spool*."""

    def rewrite(head: IppRequestHead, body: bytes) -> bytes:
        try:
            message = parse_message(body)
        except IppError as exc:
            log.debug("%s: answer passed as it is: %s", spool.name, exc)
            return body
        group = message.group(PRINTER_GROUP)
        changes = status_changes(group, read_status(spool / STATUS_FILE))
        if extra is not None:
            changes.update(extra())
        if not changes:
            return body
        add = requested_names(head, set(changes))
        return rewrite_group(message, PRINTER_GROUP, changes, add).encode()

    return rewrite


def defaults_extra(state_dir: Path, key: str, ppd: Path) -> Extra:
    """Return the saved printing defaults and loaded media of queue *key*, as attributes.

    Nothing is changed for a queue without saved defaults: ippeveprinter's
    own answer (from the PPD) is then the same.  What cannot be read is said
    once per distinct reason, not at every client's poll.
    """
    said: set[str] = set()

    def extra() -> Mapping[str, AttrValue]:
        try:
            if not defaults_path(state_dir, key).is_file():
                return {}
            ui = read_ppd_ui(ppd)
            saved, dropped = read_defaults(state_dir, key, ui)
            problems = ["; ".join(dropped)] if dropped else []
            overlay: Mapping[str, AttrValue] = ipp_overlay(saved, ui)
        except (PrinterAppError, OSError, ValueError) as exc:
            problems, overlay = [str(exc)], {}
        for problem in problems:
            if problem not in said:
                said.add(problem)
                log.warning("queue %s: saved defaults not all shown to clients: %s", key, problem)
        return overlay

    return extra
