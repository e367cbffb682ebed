"""Each listed job's measured energy and cost, from the energy log (pure).

The power watch stores a job's energy under ``QUEUE/JOB-ID`` when it ends
(:mod:`printerapp.power.jobs`).  Job ids start again at 1 when a queue
restarts, so an id alone could name an older job: a record belongs to a
listed job only when it started within :data:`SLACK_S` of the job's own
creation and end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from printerapp.power.energy import JobEnergy

if TYPE_CHECKING:
    from printerapp.web.jobs import JobView

__all__ = ["SLACK_S", "energy_json", "energy_text", "match_energy"]

#: how far a record's start may lie outside the job's created..ended span
SLACK_S = 60.0


def match_energy(
    jobs: Sequence[JobView], measured: Sequence[JobEnergy], key: str, now: float
) -> dict[int, JobEnergy]:
    """Return the measured energy of each of *jobs* of queue *key* that has one, by job id."""
    by_name: dict[str, list[JobEnergy]] = {}
    for record in measured:
        by_name.setdefault(record.job, []).append(record)
    out = {}
    for job in jobs:
        if job.created is None:
            continue
        end = job.completed if job.completed is not None else now
        fits = [
            r
            for r in by_name.get(f"{key}/{job.id}", [])
            if job.created - SLACK_S <= r.start <= end + SLACK_S
        ]
        created = job.created
        if fits:
            out[job.id] = min(fits, key=lambda r: abs(r.start - created))
    return out


def energy_json(record: JobEnergy) -> dict[str, Any]:
    """Return a job's measured energy as the API shows it."""
    return {
        "wh": round(record.wh, 3),
        "cost": None if record.cost is None else round(record.cost, 6),
        "currency": record.currency,
        "estimated": record.estimated,
    }


def energy_text(record: JobEnergy | None) -> str:
    """Return a job's energy as the page shows it ("" when not measured)."""
    if record is None:
        return ""
    text = f"{record.wh:.1f} Wh"
    if record.cost is not None:
        # a page costs a fraction of a cent: two decimals would say 0.00
        digits = 2 if record.cost >= 0.01 or record.cost == 0 else 4
        text += f" · {record.cost:.{digits}f} {record.currency}".rstrip()
    return text + (" (estimated)" if record.estimated else "")
