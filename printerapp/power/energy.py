"""Energy history: readings, per-job energy and cost, daily and monthly totals in SQLite.

The database is ``energy.sqlite3`` in the state directory.  Every reading of
a plug (a periodic sample, the one taken at a job's start and end, and the one
taken at every switch-off) is stored with the energy used since the previous
reading of that plug, worked out by :func:`printerapp.power.cost.interval_between`
(counter difference, a reset starting a new segment, or the power model; a
missing reading gives an estimate marked as such).

That energy, and its cost at the tariff's rates, is added to the daily
totals, cut at local midnight and at the tariff's period starts and changes.
A job's energy and cost are those of the readings' intervals within its time
span, stored with the job.  Costs are in the currency of the tariff in force
when they were recorded; without a tariff they are NULL.  A pre-warm period
(the plug on for a print dialog, before a job or without one) sums its
readings the same way, kept in its own table so that dialog time never
counts as job time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from printerapp.power.cost import (
    MAX_POWER_GAP_S,
    Interval,
    Reading,
    Usage,
    interval_between,
    portions,
    span_usage,
)
from printerapp.power.tariff import Tariff

__all__ = [
    "DB_NAME",
    "MAX_POWER_GAP_S",
    "DailyTotal",
    "EnergyLog",
    "JobEnergy",
    "MonthlyTotal",
    "counter_delta",
    "energy_readout",
    "energy_report",
    "split_by_day",
]

logger = logging.getLogger(__name__)

DB_NAME = "energy.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS readings (
    plug TEXT NOT NULL, ts REAL NOT NULL, kind TEXT NOT NULL,
    power_w REAL, counter_wh REAL, delta_wh REAL NOT NULL);
CREATE INDEX IF NOT EXISTS readings_plug_ts ON readings (plug, ts);
CREATE TABLE IF NOT EXISTS daily (
    plug TEXT NOT NULL, day TEXT NOT NULL, wh REAL NOT NULL, PRIMARY KEY (plug, day));
CREATE TABLE IF NOT EXISTS jobs (
    plug TEXT NOT NULL, job TEXT NOT NULL, start_ts REAL NOT NULL, end_ts REAL NOT NULL,
    wh REAL NOT NULL);
CREATE TABLE IF NOT EXISTS prewarms (
    plug TEXT NOT NULL, start_ts REAL NOT NULL, end_ts REAL NOT NULL,
    wh REAL NOT NULL, job_followed INTEGER NOT NULL);
"""
#: an older database's readings learn where their interval started: the previous reading
_FILL_SINCE = """
UPDATE readings SET since_ts = (
    SELECT MAX(r.ts) FROM readings AS r WHERE r.plug = readings.plug AND r.ts < readings.ts)
WHERE since_ts IS NULL AND delta_wh != 0
"""
#: columns added since the first schema: (table, column, declaration)
_ADDED = (
    ("readings", "since_ts", "REAL"),
    ("readings", "estimated", "INTEGER NOT NULL DEFAULT 0"),
    ("daily", "cost", "REAL"),
    ("daily", "estimated", "INTEGER NOT NULL DEFAULT 0"),
    ("jobs", "cost", "REAL"),
    ("jobs", "currency", "TEXT NOT NULL DEFAULT ''"),
    ("jobs", "estimated", "INTEGER NOT NULL DEFAULT 0"),
)


def counter_delta(previous: float, current: float) -> float:
    """Return the energy between two counter readings; a lower reading means a reset."""
    return current - previous if current >= previous else current


def split_by_day(
    t0: float, t1: float, wh: float, tz: dt.tzinfo | None = None
) -> list[tuple[dt.date, float]]:
    """Split *wh* used between *t0* and *t1* over the local days it spans, by time."""
    if t1 <= t0:
        return [(dt.datetime.fromtimestamp(t1, tz).date(), wh)]
    return [(p.day, p.usage.wh) for p in portions(Interval(t0, t1, wh), None, tz)]


@dataclass(frozen=True, slots=True)
class DailyTotal:
    """The energy a plug used on one day, its cost (None without a tariff), estimated or not."""

    day: dt.date
    wh: float
    cost: float | None = None
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class MonthlyTotal:
    """The energy a plug used in one month (``YYYY-MM``)."""

    month: str
    wh: float
    cost: float | None = None
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class JobEnergy:
    """One job's energy and cost, as stored when it ended."""

    job: str
    start: float
    end: float
    wh: float
    cost: float | None
    currency: str
    estimated: bool


def monthly_totals(days: list[DailyTotal]) -> list[MonthlyTotal]:
    """Sum daily totals by month, oldest first."""
    months: dict[str, Usage] = {}
    for t in days:
        key = t.day.strftime("%Y-%m")
        usage = Usage(t.wh, t.cost, t.estimated)
        months[key] = months[key] + usage if key in months else usage
    return [MonthlyTotal(m, u.wh, u.cost, u.estimated) for m, u in sorted(months.items())]


class EnergyLog:
    """The energy database of the state directory."""

    def __init__(
        self, path: Path, tz: dt.tzinfo | None = None, tariff: Tariff | None = None
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.tz = tz
        self.tariff = tariff
        import sqlite3  # here: a daemon without plugs keeps no log, and saves sqlite's ~1 MB

        self._db = sqlite3.connect(path)
        self._db.executescript(_SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Add the columns a database of an older version lacks."""
        with self._db:
            for table, column, decl in _ADDED:
                info = self._db.execute(f"PRAGMA table_info({table})")  # constants only
                have = {row[1] for row in info}
                if column not in have:
                    sql = f"ALTER TABLE {table} ADD COLUMN {column} {decl}"  # constants only
                    self._db.execute(sql)
                    if column == "since_ts":
                        self._db.execute(_FILL_SINCE)

    @property
    def currency(self) -> str:
        """The tariff's currency; empty without a tariff."""
        return "" if self.tariff is None else self.tariff.currency

    @classmethod
    def open_default(cls, tz: dt.tzinfo | None = None, tariff: Tariff | None = None) -> EnergyLog:
        """Open the database in the state directory."""
        from printerapp.config import default_state_dir

        return cls(default_state_dir() / DB_NAME, tz, tariff)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def _previous(self, plug: str) -> Reading | None:
        row = self._db.execute(
            "SELECT ts, power_w, counter_wh, kind FROM readings WHERE plug = ? "
            "ORDER BY ts DESC, rowid DESC LIMIT 1",
            (plug,),
        ).fetchone()
        return None if row is None else Reading(row[0], row[1], row[2], row[3])

    def record(
        self,
        plug: str,
        ts: float,
        power_w: float | None,
        counter_wh: float | None,
        kind: str = "sample",
    ) -> float:
        """Store one reading; return the energy in Wh since the plug's previous one."""
        prev = self._previous(plug)
        cur = Reading(ts, power_w, counter_wh, kind)
        interval = None if prev is None else interval_between(prev, cur, MAX_POWER_GAP_S)
        with self._db:
            self._db.execute(
                "INSERT INTO readings (plug, ts, kind, power_w, counter_wh, delta_wh, since_ts, "
                "estimated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    plug,
                    ts,
                    kind,
                    power_w,
                    counter_wh,
                    0.0 if interval is None else interval.wh,
                    None if interval is None else interval.t0,
                    int(interval is not None and interval.estimated),
                ),
            )
            if interval is not None and (interval.wh or interval.estimated):
                for part in portions(interval, self.tariff, self.tz):
                    self._add_day(plug, part.day, part.usage)
        if interval is not None and interval.estimated:
            logger.info("plug %s: %.2f Wh estimated (a reading was missed)", plug, interval.wh)
        return 0.0 if interval is None else interval.wh

    def _add_day(self, plug: str, day: dt.date, usage: Usage) -> None:
        self._db.execute(
            "INSERT INTO daily (plug, day, wh, cost, estimated) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (plug, day) DO UPDATE SET wh = wh + excluded.wh, "
            "cost = CASE WHEN excluded.cost IS NULL THEN cost "
            "ELSE COALESCE(cost, 0) + excluded.cost END, "
            "estimated = MAX(estimated, excluded.estimated)",
            (plug, day.isoformat(), usage.wh, usage.cost, int(usage.estimated)),
        )

    def readings(self, plug: str, since: float) -> list[Reading]:
        """Return the plug's readings after *since*, oldest first."""
        rows = self._db.execute(
            "SELECT ts, power_w, counter_wh, kind FROM readings WHERE plug = ? AND ts > ? "
            "ORDER BY ts, rowid",
            (plug, since),
        ).fetchall()
        return [Reading(*row) for row in rows]

    def intervals(self, plug: str, start: float, end: float) -> list[Interval]:
        """Return the intervals between readings that overlap [start, end]."""
        rows = self._db.execute(
            "SELECT COALESCE(since_ts, ts), ts, delta_wh, estimated FROM readings "
            "WHERE plug = ? AND ts > ? AND COALESCE(since_ts, ts) <= ? ORDER BY ts",
            (plug, start, end),
        ).fetchall()
        return [Interval(t0, t1, wh, bool(est)) for t0, t1, wh, est in rows]

    def job_usage(self, plug: str, start: float, end: float) -> Usage:
        """Return the energy and cost between *start* and *end* (not stored)."""
        return span_usage(self.intervals(plug, start, end), start, end, self.tariff, self.tz)

    def record_job(self, plug: str, job: str, start: float, end: float) -> float:
        """Store job *job*'s energy and cost over [start, end]; return its Wh."""
        usage = self.job_usage(plug, start, end)
        with self._db:
            self._db.execute(
                "INSERT INTO jobs (plug, job, start_ts, end_ts, wh, cost, currency, estimated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (plug, job, start, end, usage.wh, usage.cost, self.currency, int(usage.estimated)),
            )
        return usage.wh

    def record_prewarm(self, plug: str, start: float, end: float, job_followed: bool) -> float:
        """Store and return a pre-warm period's energy over [start, end], counted as a job's is."""
        wh = self.job_usage(plug, start, end).wh
        with self._db:
            self._db.execute(
                "INSERT INTO prewarms VALUES (?, ?, ?, ?, ?)",
                (plug, start, end, wh, int(job_followed)),
            )
        return float(wh)

    def prewarms(self, plug: str, since: float) -> list[tuple[float, float, float, bool]]:
        """Return (start, end, Wh, job followed) of the pre-warms that ended after *since*."""
        rows = self._db.execute(
            "SELECT start_ts, end_ts, wh, job_followed FROM prewarms WHERE plug = ? "
            "AND end_ts > ? ORDER BY end_ts",
            (plug, since),
        ).fetchall()
        return [(a, b, wh, bool(j)) for a, b, wh, j in rows]

    def daily(self, plug: str, days: int, now: float) -> list[DailyTotal]:
        """Return the daily totals of the last *days* days up to *now*, oldest first."""
        today = dt.datetime.fromtimestamp(now, self.tz).date()
        first = (today - dt.timedelta(days=days - 1)).isoformat()
        rows = self._db.execute(
            "SELECT day, wh, cost, estimated FROM daily WHERE plug = ? AND day >= ? ORDER BY day",
            (plug, first),
        ).fetchall()
        return [DailyTotal(dt.date.fromisoformat(d), wh, c, bool(e)) for d, wh, c, e in rows]

    def monthly(self, plug: str, months: int, now: float) -> list[MonthlyTotal]:
        """Return the monthly totals of the last *months* months up to *now*, oldest first."""
        today = dt.datetime.fromtimestamp(now, self.tz).date()
        index = today.year * 12 + today.month - 1 - (months - 1)
        first = dt.date(index // 12, index % 12 + 1, 1)
        days = (today - first).days + 1
        return monthly_totals(self.daily(plug, days, now))

    def jobs(self, plug: str, since: float) -> list[tuple[str, float, float, float]]:
        """Return (job, start, end, Wh) of the jobs that ended after *since*."""
        return [(j.job, j.start, j.end, j.wh) for j in self.job_energy(plug, since)]

    def job_energy(self, plug: str, since: float) -> list[JobEnergy]:
        """Return the stored energy and cost of the jobs that ended after *since*."""
        rows = self._db.execute(
            "SELECT job, start_ts, end_ts, wh, cost, currency, estimated FROM jobs "
            "WHERE plug = ? AND end_ts > ? ORDER BY end_ts",
            (plug, since),
        ).fetchall()
        return [JobEnergy(j, s, e, wh, c, cur, bool(est)) for j, s, e, wh, c, cur, est in rows]

    def switch_offs(
        self, plug: str, since: float
    ) -> list[tuple[float, float | None, float | None]]:
        """Return (time, W, counter Wh) of the switch-offs after *since*."""
        return self._db.execute(
            "SELECT ts, power_w, counter_wh FROM readings WHERE plug = ? AND kind = 'switch-off' "
            "AND ts > ? ORDER BY ts",
            (plug, since),
        ).fetchall()


def _money(cost: float | None, currency: str, digits: int = 2) -> str:
    return "" if cost is None else f"  {cost:10.{digits}f} {currency}"


def _mark(estimated: bool) -> str:
    return " ~" if estimated else "  "


def _job_lines(log: EnergyLog, plug: str, since: float) -> list[str]:
    jobs = log.job_energy(plug, since)
    if not jobs:
        return []
    costs = [j.cost for j in jobs if j.cost is not None]
    total = _money(sum(costs), jobs[-1].currency, 4) if costs else ""
    lines = [f"Jobs: {len(jobs)}, {sum(j.wh for j in jobs):.1f} Wh{total}"]
    for j in jobs[-10:]:
        when = dt.datetime.fromtimestamp(j.start, log.tz).strftime("%Y-%m-%d %H:%M")
        money = _money(j.cost, j.currency, 4)
        lines.append(f"  {when}  {j.job:<24} {j.wh:8.1f} Wh{_mark(j.estimated)}{money}")
    return lines


def energy_report(log: EnergyLog, plug: str, days: int, now: float, months: int = 12) -> str:
    """Return the text of ``printerapp plugs energy NAME --days N --months M``."""
    cur = log.currency
    totals = log.daily(plug, days, now)
    tariff = f" (tariff in {cur})" if cur else ""
    lines = [f"Energy of plug {plug}, last {days} days{tariff}"]
    for t in totals:
        money = _money(t.cost, cur)
        lines.append(f"  {t.day.isoformat()}  {t.wh / 1000:9.3f} kWh{_mark(t.estimated)}{money}")
    costs = [t.cost for t in totals if t.cost is not None]
    total = _money(sum(costs), cur) if costs else ""
    lines.append(f"  total       {sum(t.wh for t in totals) / 1000:9.3f} kWh  {total}")
    lines.append(f"Months, last {months}:")
    for m in log.monthly(plug, months, now):
        money = _money(m.cost, cur)
        lines.append(f"  {m.month}     {m.wh / 1000:9.3f} kWh{_mark(m.estimated)}{money}")
    since = now - days * 86400
    lines += _job_lines(log, plug, since)
    warms = log.prewarms(plug, since)
    if warms:
        minutes = sum(end - start for start, end, _wh, _j in warms) / 60
        lines.append(
            f"Pre-warm: {len(warms)} times, {minutes:.1f} min on, "
            f"{sum(w[2] for w in warms):.1f} Wh, {sum(w[3] for w in warms)} followed by a job"
        )
    offs = log.switch_offs(plug, since)
    if offs:
        ts, watts, counter = offs[-1]
        when = dt.datetime.fromtimestamp(ts, log.tz).strftime("%Y-%m-%d %H:%M")
        w = "?" if watts is None else f"{watts:.2f} W"
        c = "?" if counter is None else f"{counter / 1000:.3f} kWh"
        lines.append(f"Last switch-off: {when}  power {w}  counter {c}")
    if any(t.estimated for t in totals):
        lines.append("~ estimated: a reading was missed or the plug's counter was reset")
    return "\n".join(lines)


def energy_readout(plug: str, days: int = 30, now: float | None = None) -> str:
    """Return the readout of ``printerapp plugs energy PLUG --days N`` from the state directory."""
    import time

    log = EnergyLog.open_default()
    try:
        return energy_report(log, plug, days, time.time() if now is None else now)
    finally:
        log.close()
