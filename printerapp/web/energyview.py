"""A printer's energy and cost as the API and the dashboard show them.

Pure: an :class:`~printerapp.web.power.EnergySummary` in, JSON-ready dicts or
HTML out.  The plug's jobs are keyed ``QUEUE/JOB-ID``; a printer shows only
its own queue's (a plug may feed several printers), while days and months are
the plug's, as the meter cannot tell the printers on it apart.  Estimated
figures carry ``"estimated": true`` and a ``~`` in the tables.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from printerapp.power.energy import JobEnergy
from printerapp.web.chart import Money, energy_svg
from printerapp.web.power import EnergySummary

__all__ = ["energy_html", "energy_json", "printer_jobs", "summary_svg"]

#: jobs listed under each chart
JOBS_SHOWN = 10
#: months listed under each chart
MONTHS_SHOWN = 3


def printer_jobs(summary: EnergySummary, key: str) -> list[JobEnergy]:
    """Return the summary's jobs of queue *key*."""
    return [j for j in summary.jobs if j.job.startswith(f"{key}/")]


def _cost(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def energy_json(summary: EnergySummary, name: str, key: str) -> dict[str, Any]:
    """Return ``GET /api/energy``'s answer."""
    return {
        "printer": name,
        "currency": summary.currency or None,
        "days": [
            {"day": t.day.isoformat(), "wh": round(t.wh, 3), "cost": _cost(t.cost)}
            | {"estimated": t.estimated}
            for t in summary.days
        ],
        "months": [
            {"month": m.month, "wh": round(m.wh, 3), "cost": _cost(m.cost)}
            | {"estimated": m.estimated}
            for m in summary.months
        ],
        "jobs": [
            {
                "job": j.job,
                "job_id": j.job.rpartition("/")[2],
                "start": round(j.start, 3),
                "end": round(j.end, 3),
                "wh": round(j.wh, 3),
                "cost": _cost(j.cost, 6),
                "currency": j.currency or None,
                "estimated": j.estimated,
            }
            for j in printer_jobs(summary, key)
        ],
    }


def _money(cost: float | None, currency: str, digits: int = 2) -> str:
    return "-" if cost is None else f"{cost:.{digits}f} {escape(currency)}"


def _tilde(estimated: bool) -> str:
    return '<abbr title="estimated: a reading was missed">~</abbr>' if estimated else ""


def _months(summary: EnergySummary) -> str:
    rows = "".join(
        f"<tr><td>{escape(m.month)}</td><td>{_tilde(m.estimated)}{m.wh / 1000:.3f} kWh</td>"
        f"<td>{_money(m.cost, summary.currency)}</td></tr>"
        for m in summary.months[-MONTHS_SHOWN:]
    )
    return (
        '<table class="energy-months"><thead><tr><th>Month</th><th>Energy</th><th>Cost</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _jobs(jobs: list[JobEnergy], tz: dt.tzinfo | None) -> str:
    if not jobs:
        return '<p class="energy-jobs">No job measured in these days.</p>'
    rows = "".join(
        f'<tr data-job="{escape(j.job, quote=True)}"><td>{escape(j.job.rpartition("/")[2])}</td>'
        f"<td>{dt.datetime.fromtimestamp(j.start, tz).strftime('%Y-%m-%d %H:%M')}</td>"
        f"<td>{_tilde(j.estimated)}{j.wh:.1f} Wh</td><td>{_money(j.cost, j.currency, 4)}</td></tr>"
        for j in jobs[-JOBS_SHOWN:]
    )
    return (
        '<table class="energy-jobs"><thead><tr><th>Job</th><th>Started</th><th>Energy</th>'
        f"<th>Cost</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def energy_html(summary: EnergySummary, name: str, key: str, tz: dt.tzinfo | None = None) -> str:
    """Return a printer's chart, its last months and its last jobs, as HTML."""
    return summary_svg(summary, name) + _months(summary) + _jobs(printer_jobs(summary, key), tz)


def summary_svg(summary: EnergySummary, name: str) -> str:
    """Return the daily chart of *summary*, with costs when there is a tariff."""
    money = Money(summary.currency, {t.day: t.cost for t in summary.days})
    return energy_svg(
        [(t.day, t.wh) for t in summary.days],
        name,
        money=money if summary.currency else None,
        estimated={t.day for t in summary.days if t.estimated},
    )
