"""Held documents: jobs that used up their retries, kept until someone acts.

Under ``retry-job`` a job whose printer fails more than JobRetryLimit times
is aborted, as CUPS does, and the job runner keeps its document and the
job's variables under ``<spool>/retry/held/`` (see
:func:`printerapp.ippprint.main.keep_for_retry`), where nothing submits it
again by itself.  This module lists them, sends one back to its queue
(streamed, with the job's options, through :mod:`.resubmit`), deletes one,
and drops those older than the retention (``[server] held_days``).

A held document's id is its file name.  Names on disk are not trusted: an id
must match :data:`_ID`, and it is only ever compared with the names a
directory listing gives, never joined into a path as it came.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from printerapp.errors import InputError, IppError, JobError, UnknownDocumentError
from printerapp.ippprint.main import HELD_DIR, REASON_VAR
from printerapp.manager.resubmit import kept_job, print_kept

__all__ = [
    "DEFAULT_HELD_DAYS",
    "HeldDocument",
    "count_held",
    "delete_held",
    "find_held",
    "held_dir",
    "list_held",
    "prune_held",
    "resubmit_held",
]

log = logging.getLogger(__name__)

#: days a held document is kept before it is dropped
DEFAULT_HELD_DAYS = 7.0
#: a held document's file name (ippeveprinter's ``<id>-<job name>.<ext>``, maybe
#: behind a ``<ns>-`` prefix): no separators, no leading dot, not a sidecar
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$")
_SIDECAR = ".json"
#: documents being sent now: a second click must not print it twice
_sending: set[Path] = set()


@dataclass(frozen=True, slots=True)
class HeldDocument:
    """A held document and what its job said about itself."""

    #: the file name: names it in URLs
    id: str
    path: Path
    job_name: str
    user: str
    content_type: str
    size: int
    #: when it was held (seconds since the epoch)
    held_at: float
    #: why the job ended unprinted ("" when the job runner did not say)
    reason: str

    @property
    def sidecar(self) -> Path:
        """The JSON file holding the job's variables."""
        return self.path.with_name(self.path.name + _SIDECAR)

    def as_json(self) -> dict[str, Any]:
        """Return the document as the control API lists it."""
        return {
            "id": self.id,
            "name": self.job_name,
            "user": self.user,
            "size": self.size,
            "held_at": self.held_at,
            "reason": self.reason,
        }


def held_dir(spool: Path) -> Path:
    """Return where the held documents of the queue spooling in *spool* are."""
    return spool / "retry" / HELD_DIR


def _valid_id(name: str) -> bool:
    return bool(_ID.match(name)) and ".." not in name and not name.endswith(_SIDECAR)


def _read(path: Path) -> HeldDocument | None:
    sidecar = path.with_name(path.name + _SIDECAR)
    try:
        size = path.stat().st_size
        held_at = sidecar.stat().st_mtime
        values = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(values, dict):
        return None
    return HeldDocument(
        id=path.name,
        path=path,
        job_name=str(values.get("IPP_JOB_NAME", "")),
        user=str(values.get("IPP_JOB_ORIGINATING_USER_NAME", "")),
        content_type=str(values.get("CONTENT_TYPE", "application/octet-stream")),
        size=size,
        held_at=held_at,
        reason=str(values.get(REASON_VAR, "")),
    )


def list_held(spool: Path) -> list[HeldDocument]:
    """Return the held documents of *spool*'s queue, newest first."""
    try:
        entries = list(os.scandir(held_dir(spool)))
    except OSError:
        return []
    docs = []
    for entry in entries:
        if _valid_id(entry.name) and entry.is_file(follow_symlinks=False):
            doc = _read(Path(entry.path))
            if doc is not None:
                docs.append(doc)
    return sorted(docs, key=lambda d: (d.held_at, d.id), reverse=True)


def count_held(spool: Path) -> int:
    """Return how many documents *spool*'s queue holds (names only: cheap enough per second)."""
    try:
        names = {e.name for e in os.scandir(held_dir(spool)) if e.is_file(follow_symlinks=False)}
    except OSError:
        return 0
    return sum(1 for n in names if _valid_id(n) and n + _SIDECAR in names)


def find_held(spool: Path, doc_id: str) -> HeldDocument:
    """Return held document *doc_id*; raise InputError (UnknownDocumentError: none)."""
    if not _valid_id(doc_id):
        raise InputError(f"{doc_id[:80]!r} is not the id of a held document")
    for doc in list_held(spool):
        if doc.id == doc_id:
            return doc
    raise UnknownDocumentError(f"no held document {doc_id!r}: it was sent, deleted or expired")


def _drop(doc: HeldDocument) -> None:
    doc.path.unlink(missing_ok=True)
    doc.sidecar.unlink(missing_ok=True)


def delete_held(spool: Path, doc_id: str) -> HeldDocument:
    """Delete held document *doc_id*; return what it was."""
    doc = find_held(spool, doc_id)
    if doc.path in _sending:
        raise JobError(f"held document {doc_id!r} is being sent to the queue")
    _drop(doc)
    log.info("held document %s deleted", doc.path)
    return doc


async def resubmit_held(spool: Path, doc_id: str, port: int) -> HeldDocument:
    """Send held document *doc_id* to the queue on *port* as a new job; then delete it."""
    doc = find_held(spool, doc_id)
    if doc.path in _sending:
        raise JobError(f"held document {doc_id!r} is being sent already")
    _sending.add(doc.path)
    try:
        try:
            job = kept_job(doc.sidecar)
            status = await print_kept(job, port)
        except (OSError, ValueError, IppError) as exc:
            raise JobError(f"held document {doc_id!r} was not sent: {exc}") from exc
        if status >= 0x0100:
            raise JobError(f"the queue refused held document {doc_id!r} (status {status:#06x})")
        _drop(doc)
    finally:
        _sending.discard(doc.path)
    log.info("held document %s sent again to port %d", doc.path, port)
    return doc


def prune_held(spool_root: Path, max_age_s: float, now: float) -> int:
    """Drop the held documents older than *max_age_s* in every spool of *spool_root*."""
    dropped = 0
    try:
        spools = [Path(e.path) for e in os.scandir(spool_root) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return 0
    for spool in spools:
        for doc in list_held(spool):
            if doc.held_at < now - max_age_s and doc.path not in _sending:
                _drop(doc)
                dropped += 1
                days = max_age_s / 86400
                log.info("held document %s dropped: held longer than %g days", doc.path, days)
    return dropped
