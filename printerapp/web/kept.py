"""Documents kept for a reprint, beside each queue's spool.

ippeveprinter keeps a job's document in its spool (``<id>-<name>.<ext>``)
only until it forgets the job, 60 s after the job ended.  So while the
queue still lists a job, :func:`keep_documents` hard-links its document
into ``<spool>/kept/`` (no copy, no job runner change) with a JSON sidecar
in the job runner's retry format: ``CONTENT_TYPE`` and the job's ``IPP_*``
variables, which :mod:`printerapp.manager.resubmit` reads back to print it
again.  :func:`prune` drops documents older than ``keep_hours`` and, oldest
first, whatever exceeds ``keep_max_mb`` per printer; a document larger than
the cap is not kept at all.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from printerapp.errors import ConfigError, InputError
from printerapp.web.jobs import JobView

__all__ = [
    "KEPT_DIR",
    "KeepSettings",
    "KeptDocument",
    "find_kept",
    "keep_documents",
    "list_kept",
    "prune",
    "spooled_documents",
]

log = logging.getLogger(__name__)

KEPT_DIR = "kept"
#: ippeveprinter's spool names: ``<job-id>-<job name>.<ext>`` (``.prn`` is the output)
_SPOOLED = re.compile(r"^(\d{1,9})-.*\.([A-Za-z0-9]{1,8})$")
_KEY = re.compile(r"^\d{1,12}-\d{1,9}$")
#: the extensions ippeveprinter gives each format (create_job_filename)
_FORMATS = {
    "pdf": "application/pdf",
    "ps": "application/postscript",
    "jpg": "image/jpeg",
    "png": "image/png",
    "pwg": "image/pwg-raster",
    "urf": "image/urf",
    "pcl": "application/vnd.hp-pcl",
    "txt": "text/plain",
}


@dataclass(frozen=True, slots=True)
class KeepSettings:
    """How long and how much is kept for reprints (``[web] keep_hours``, ``keep_max_mb``)."""

    #: hours a document stays after its job was created; 0 keeps none
    hours: float = 24.0
    #: bytes kept per printer at most; a larger document is not kept
    max_bytes: int = 256 * 1024 * 1024
    #: days a held document (a job that used up its retries) is kept; 0: until deleted
    held_days: float = 7.0

    def __post_init__(self) -> None:
        if not 0 <= self.hours <= 24 * 366 or self.max_bytes < 0 or not 0 <= self.held_days <= 3660:
            raise ConfigError(
                f"keep: {self.hours} h / {self.max_bytes} bytes / held {self.held_days} days"
                " is out of range"
            )


@dataclass(frozen=True, slots=True)
class KeptDocument:
    """A document kept for a reprint."""

    #: ``<creation time>-<job id>``: names it in URLs
    key: str
    path: Path
    job_id: int
    job_name: str
    user: str
    content_type: str
    created: float
    size: int

    @property
    def sidecar(self) -> Path:
        """The JSON file holding the job's variables."""
        return self.path.with_name(self.path.name + ".json")

    def variables(self) -> dict[str, str]:
        """Return the sidecar's variables (CONTENT_TYPE, IPP_*)."""
        data = json.loads(self.sidecar.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _sidecar(job: JobView, content_type: str, created: int) -> dict[str, str]:
    return {
        "CONTENT_TYPE": content_type,
        "IPP_JOB_ID": str(job.id),
        "IPP_JOB_NAME": job.name,
        "IPP_JOB_ORIGINATING_USER_NAME": job.user,
        "PRINTERAPP_CREATED": str(created),
        **dict(job.options),
    }


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def spooled_documents(spool: Path) -> dict[str, int]:
    """Return the documents ippeveprinter holds in *spool*: file name -> job id."""
    try:
        names = [e.name for e in os.scandir(spool) if e.is_file(follow_symlinks=False)]
    except OSError:
        return {}
    out = {}
    for name in names:
        found = _SPOOLED.match(name)
        if found and found.group(2).lower() != "prn":
            out[name] = int(found.group(1))
    return out


def keep_documents(spool: Path, jobs: Sequence[JobView], settings: KeepSettings) -> list[Path]:
    """Keep the spooled documents of the listed *jobs* not kept yet; return the new copies."""
    if settings.hours <= 0:
        return []
    by_id = {j.id: j for j in jobs if j.created is not None}
    target_dir = spool / KEPT_DIR
    new = []
    try:
        entries = list(os.scandir(spool))
    except OSError:
        return []
    for entry in entries:
        found = _SPOOLED.match(entry.name)
        if not found or not entry.is_file(follow_symlinks=False):
            continue
        job = by_id.get(int(found.group(1)))
        ext = found.group(2).lower()
        if job is None or job.created is None or ext == "prn":
            continue
        created = int(job.created)
        target = target_dir / f"{created}-{job.id}.{ext}"
        if target.exists() or entry.stat().st_size > settings.max_bytes:
            continue
        target_dir.mkdir(mode=0o700, exist_ok=True)
        try:
            _link(Path(entry.path), target)
            sidecar = _sidecar(job, _FORMATS.get(ext, "application/octet-stream"), created)
            target.with_name(target.name + ".json").write_text(json.dumps(sidecar, indent=1))
        except OSError as exc:
            log.warning("%s: not kept for reprints: %s", entry.path, exc)
            target.unlink(missing_ok=True)
            continue
        new.append(target)
    return new


def _document(path: Path) -> KeptDocument | None:
    stem = path.name.partition(".")[0]
    if not _KEY.match(stem) or path.suffix == ".json":
        return None
    try:
        size = path.stat().st_size
        values = json.loads(path.with_name(path.name + ".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(values, dict):
        return None
    created, job_id = stem.split("-")
    return KeptDocument(
        key=stem,
        path=path,
        job_id=int(job_id),
        job_name=str(values.get("IPP_JOB_NAME", "")),
        user=str(values.get("IPP_JOB_ORIGINATING_USER_NAME", "")),
        content_type=str(values.get("CONTENT_TYPE", "application/octet-stream")),
        created=float(created),
        size=size,
    )


def list_kept(spool: Path) -> list[KeptDocument]:
    """Return the documents kept for *spool*'s queue, newest first."""
    try:
        paths = list((spool / KEPT_DIR).iterdir())
    except OSError:
        return []
    docs = [d for d in map(_document, paths) if d is not None]
    return sorted(docs, key=lambda d: (d.created, d.job_id), reverse=True)


def find_kept(spool: Path, key: str) -> KeptDocument:
    """Return the kept document named *key*; raise InputError when there is none."""
    if not _KEY.match(key):
        raise InputError(f"{key!r} is not the name of a kept document")
    for doc in list_kept(spool):
        if doc.key == key:
            return doc
    raise InputError(f"no kept document {key!r}: it expired or was never kept")


def _drop(doc: KeptDocument) -> None:
    doc.path.unlink(missing_ok=True)
    doc.sidecar.unlink(missing_ok=True)


def prune(spool: Path, settings: KeepSettings, now: float) -> int:
    """Drop kept documents past their time or over the size cap; return how many went."""
    dropped, total = 0, 0
    for doc in list_kept(spool):  # newest first: the oldest go over the cap
        if doc.created < now - settings.hours * 3600 or total + doc.size > settings.max_bytes:
            _drop(doc)
            dropped += 1
        else:
            total += doc.size
    return dropped
