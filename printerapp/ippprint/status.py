"""Say the chain's status lines to ippeveprinter in the words it understands.

ippeveprinter 2.4 reads its job command's stderr line by line:

* ``ERROR:`` sets ``job-state-message`` (and it stays, even on a completed
  job); ``INFO:``, ``WARNING:`` and ``PAGE:`` are only logged (checked
  against Debian's 2.4.2: an ``INFO:`` line never reaches the message);
* ``STATE: [+-]keyword,...`` sets ``printer-state-reasons``, but only for the
  15 keywords it knows (``media-jam``, ``toner-low``, ``other``...):
  ``connecting-to-device`` and ``offline`` are dropped;
* ``ATTR: name=value`` sets ``job-impressions-completed``, ``marker-*`` and
  ``printer-alert``/``printer-alert-description``.

So the CUPS words are translated: a reason ippeveprinter does not know
becomes ``other`` and is spelt out in ``printer-alert-description``; a
printer that does not answer (the backend's "not responding" warnings)
becomes ``offline``, and "Connected to printer." clears it; ``PAGE:`` lines
are counted into ``job-impressions-completed``; and what the user must
see (the printer does not answer, the job waits for a retry) is said with
``ERROR:``, the one prefix that reaches ``job-state-message``.

The printer's side of it (the reasons in CUPS's words, and a message) is
also written to the spool directory's status file
(:mod:`printerapp.ippprint.statusfile`), from where the queue's IPP front
shows it as ``printer-state-reasons`` and ``printer-state-message``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

from printerapp.ippprint.statusfile import PrinterStatus, write_status

__all__ = ["IPPEVE_REASONS", "StatusForwarder"]

#: printer-state-reasons ippeveprinter 2.4 keeps (ippeve_preason_strings)
IPPEVE_REASONS = frozenset(
    {
        "other",
        "cover-open",
        "input-tray-missing",
        "marker-supply-empty",
        "marker-supply-low",
        "marker-waste-almost-full",
        "marker-waste-full",
        "media-empty",
        "media-jam",
        "media-low",
        "media-needed",
        "moving-to-paused",
        "paused",
        "spool-area-full",
        "toner-empty",
        "toner-low",
    }
)
#: reasons that describe this job's connection, cleared when the job ends
TRANSIENT = frozenset(
    # the socket backend sets the last one while the printer finishes the job, and never clears it
    {"connecting-to-device", "offline", "timed-out", "other", "cups-waiting-for-job-completed"}
)
_SUFFIX = re.compile(r"-(?:error|warning|report)$")
#: what the CUPS network backends say while the printer does not answer
_UNREACHABLE = re.compile(
    r"not responding|unavailable|printer is busy|unable to connect|unable to locate|"
    r"printer is not connected|network host .* is busy|connection refused",
    re.IGNORECASE,
)
_CONNECTED = re.compile(r"connected to printer|print file sent|sending data", re.IGNORECASE)
#: the lpd backend's words when the printer never acknowledged a file it sent (RFC 1179
#: requires a 0 byte): it exits 0 all the same, though the printer may hold nothing
_NO_ACK = re.compile(r"^The printer did not respond\.?$", re.IGNORECASE)
_PAGE = re.compile(r"^\s*(total\s+)?(\d+)(?:\s+(\d+))?")


def _keyword(word: str) -> str:
    return _SUFFIX.sub("", word.strip())


class StatusForwarder:
    """A write-only stream of status lines that translates them for ippeveprinter."""

    def __init__(self, out: BinaryIO, status_file: Path | None = None) -> None:
        self.out = out
        #: where the printer's status is published for the queue's front (None: nowhere)
        self.status_file = status_file
        self._published: PrinterStatus | None = None
        #: the last message shown, and the backend's words about the connection
        self._said = ""
        self._why = ""
        #: after end(), messages are the job's own ("Printed after 2 attempts"), not the printer's
        self._ended = False
        if status_file is not None:
            # a new job: what an earlier one left (killed while offline, say) no longer holds
            self._published = PrinterStatus()
            write_status(status_file, self._published)
        #: the reasons the chain has set, in its own (CUPS) words
        self.reasons: set[str] = set()
        self._shown: set[str] = set()
        self._alert = ""
        self.impressions = 0
        #: the last ERROR: text of the chain, for the job's final message
        self.last_error = ""
        #: a message was shown; a job that then prints says so, or the message would stay
        self.messaged = False
        #: the backend said the printer did not acknowledge what it sent (lpd)
        self.unacknowledged = False
        self._buffer = b""

    # -- the BinaryIO part the job runner uses --------------------------------

    def write(self, data: bytes) -> int:
        """Take status bytes; complete lines are translated and passed on."""
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self.line(line.decode("utf-8", "replace"))
        return len(data)

    def flush(self) -> None:
        """Pass on what is buffered (nothing is held back but a partial line)."""
        self.out.flush()

    # -- translation ----------------------------------------------------------

    def _emit(self, line: str) -> None:
        self.out.write(line.replace("\n", " ").encode("utf-8", "replace") + b"\n")
        self.out.flush()

    def line(self, text: str) -> None:
        """Translate one status line."""
        prefix, sep, rest = text.partition(":")
        if not sep or not prefix.isupper():
            self._emit(text)
            return
        rest = rest.strip()
        handler = {
            "STATE": self._state,
            "PAGE": self._page,
            "WARNING": self._warning,
            "ERROR": self._error,
            "INFO": self._info,
        }.get(prefix)
        if handler is None:
            self._emit(text)
        else:
            handler(rest)

    def _state(self, rest: str) -> None:
        words = {_keyword(w) for w in rest.lstrip("+-").split(",") if _keyword(w)}
        if rest.startswith("-"):
            self.reasons -= words
        elif rest.startswith("+"):
            self.reasons |= words
        else:
            self.reasons = words - {"none"}
        self._sync()

    def _page(self, rest: str) -> None:
        m = _PAGE.match(rest)
        if m is None:
            return
        if m.group(1):
            self.impressions = int(m.group(2))
        else:
            self.impressions += int(m.group(3) or 1)
        self._emit(f"ATTR: job-impressions-completed={self.impressions}")

    def _warning(self, rest: str) -> None:
        if _NO_ACK.search(rest):
            self.unacknowledged = True
        if _UNREACHABLE.search(rest):
            self.set_offline(rest)
            self.message(rest)
        else:
            self._emit(f"WARNING: {rest}")

    def _error(self, rest: str) -> None:
        self.last_error = rest
        self.message(rest)

    def message(self, text: str) -> None:
        """Show *text* as the job's ``job-state-message`` (ippeveprinter reads ERROR: only)."""
        self.messaged = True
        self._emit(f"ERROR: {text}")
        if not self._ended:
            self._said = text
            self._publish()

    def _info(self, rest: str) -> None:
        if _UNREACHABLE.search(rest):
            self.set_offline(rest)
        elif _CONNECTED.search(rest):
            self.clear_offline()
        self._emit(f"INFO: {rest}")

    def set_offline(self, why: str) -> None:
        """Show the printer as not answering, with *why*."""
        self.reasons.add("offline")
        self._sync(why)

    def clear_offline(self) -> None:
        """The printer answers again."""
        if self.reasons & {"offline", "connecting-to-device", "timed-out"}:
            self.reasons -= {"offline", "connecting-to-device", "timed-out"}
            self._said = self._why = ""  # "not responding", "waiting to retry": no longer so
            self._sync()

    def say(self, line: str) -> None:
        """Pass on a line of the job runner's own, untranslated."""
        self._emit(line)

    def end(self) -> None:
        """Clear what describes this job's connection; the printer keeps its supply states."""
        self.reasons -= TRANSIENT
        self._said = self._why = ""
        self._sync()
        self._ended = True

    def _sync(self, why: str = "") -> None:
        """Tell ippeveprinter the difference between the reasons shown and the reasons now."""
        if why:
            self._why = why
        self._publish()
        wanted = {r if r in IPPEVE_REASONS else "other" for r in self.reasons}
        added, removed = wanted - self._shown, self._shown - wanted
        if added:
            self._emit(f"STATE: +{','.join(sorted(added))}")
        if removed:
            self._emit(f"STATE: -{','.join(sorted(removed))}")
        self._shown = wanted
        foreign = sorted(r for r in self.reasons if r not in IPPEVE_REASONS)
        alert = ", ".join(foreign) + (f": {why}" if why and foreign else "")
        if foreign and why == "" and self._alert.startswith(", ".join(foreign) + ":"):
            alert = self._alert  # keep the explanation while the reasons stay
        if alert != self._alert:
            self._alert = alert
            value = alert.replace("'", " ").replace("\\", " ") or "none"
            self._emit(f"ATTR: printer-alert-description='{value}'")

    def printer_status(self) -> PrinterStatus:
        """Return what clients should read about the printer now."""
        if "offline" in self.reasons:
            message = "Printer not responding" + (f": {self._why}" if self._why else ".")
        elif "connecting-to-device" in self.reasons:
            message = "Connecting to printer."
        else:
            message = self._said
        return PrinterStatus(tuple(sorted(self.reasons)), message)

    def _publish(self) -> None:
        if self.status_file is None:
            return
        status = self.printer_status()
        if status != self._published:
            self._published = status
            write_status(self.status_file, status)
