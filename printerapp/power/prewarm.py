"""Pre-warm: tell a print dialog's Get-Printer-Attributes from a status poll (pure).

A print dialog asks the printer what it can do before the person chooses
options and presses Print: a Get-Printer-Attributes for everything
(``requested-attributes`` absent or ``all``), or for groups and capability
attributes such as ``printer-description``, ``job-template`` or
``media-col-database``.  That moment is when a person starts waiting, so the
plug is switched on then (see :mod:`printerapp.power.idle`).

A status poll asks only for the state: CUPS's ipp backend while a job runs,
and monitors, ask for ``printer-state``, ``printer-state-reasons``, markers
and the like.  Such a request, where *every* requested attribute is in
:data:`STATUS_ATTRIBUTES` (or starts with one of :data:`STATUS_PREFIXES`),
does not count.  Nor does a request whose ``requesting-user-name`` is
:data:`OWN_USER`: every request of printerapp's own IPP client
(:mod:`printerapp.ipp.client`: the dashboard's status, the announcer, Get-Jobs)
carries it, so they never count, though they pass the queue's front as
every client does.

The ``User-Agent`` does not help: ipptool, cupsd's backends and CUPS-based
dialogs all send ``CUPS/2.4.x (...) IPP/2.0``.  The limits of this heuristic
are in the README ("Pre-warm").
"""

from __future__ import annotations

import enum

from printerapp.ipp.peek import GET_PRINTER_ATTRIBUTES, OWN_USER, IppRequestHead

__all__ = ["OWN_USER", "STATUS_ATTRIBUTES", "STATUS_PREFIXES", "Asked", "classify"]

#: attributes a status poll asks for; a request for nothing else is not a dialog
STATUS_ATTRIBUTES = frozenset(
    {
        "printer-state",
        "printer-state-reasons",
        "printer-state-message",
        "printer-state-change-time",
        "printer-state-change-date-time",
        "printer-is-accepting-jobs",
        "printer-up-time",
        "printer-current-time",
        "printer-config-change-time",
        "printer-config-change-date-time",
        "queued-job-count",
        "job-state",
        "job-state-reasons",
        "job-impressions-completed",
        "job-media-sheets-completed",
        "printer-uri-supported",
        "printer-name",
    }
)
#: attribute families of supply and alert monitoring
STATUS_PREFIXES = ("marker-", "printer-supply", "printer-alert")


class Asked(enum.Enum):
    """What a request means for pre-warm."""

    #: a print dialog (or any client) wants to know what the printer can do: pre-warm
    DIALOG = "dialog"
    #: only state, markers or alerts: a poll, not a person
    STATUS_POLL = "status-poll"
    #: sent by printerapp itself
    OWN = "own"
    #: another operation (Print-Job, Get-Jobs, ...): the job path handles jobs
    OTHER = "other"


def _is_status(name: str) -> bool:
    return name in STATUS_ATTRIBUTES or name.startswith(STATUS_PREFIXES)


def classify(head: IppRequestHead) -> Asked:
    """Return what *head* means for pre-warm."""
    if head.operation_id != GET_PRINTER_ATTRIBUTES:
        return Asked.OTHER
    if OWN_USER in head.values("requesting-user-name"):
        return Asked.OWN
    requested = head.values("requested-attributes")
    if not requested and not head.complete:
        # cut short before requested-attributes: unknown, so no pre-warm
        return Asked.STATUS_POLL
    if requested and all(_is_status(name) for name in requested):
        return Asked.STATUS_POLL
    return Asked.DIALOG
