"""Energy history: readings, per-job energy and daily totals in SQLite.

The database is ``energy.sqlite3`` in the state directory.  Every reading of
a plug (a periodic sample, the one taken at a job's start and end, and the one
taken at every switch-off) is stored with the energy used since the previous
reading of that plug:

* from the plug's cumulative counter: the difference of two readings, where a
  counter that went *down* was reset (plug rebooted or re-paired), so the
  energy since the reset is the new value itself;
* without a counter, from sampled power: the trapezoid of the two readings.

That energy is added to the daily totals, split in proportion to time when
the two readings lie on different days, so midnight loses nothing.  A job's
energy is the sum over the readings in its time span; so is a pre-warm
period's (the plug on for a print dialog, before a job or without one), kept
in its own table so that dialog time never counts as job time.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DB_NAME",
    "DailyTotal",
    "EnergyLog",
    "counter_delta",
    "energy_readout",
    "energy_report",
    "split_by_day",
]

logger = logging.getLogger(__name__)

DB_NAME = "energy.sqlite3"
#: the longest gap between two power samples that is still integrated
MAX_POWER_GAP_S = 3600.0

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


def counter_delta(previous: float, current: float) -> float:
    """Return the energy between two counter readings; a lower reading means a reset."""
    return current - previous if current >= previous else current


def split_by_day(
    t0: float, t1: float, wh: float, tz: dt.tzinfo | None = None
) -> list[tuple[dt.date, float]]:
    """Split *wh* used between *t0* and *t1* over the local days it spans, by time."""
    start = dt.datetime.fromtimestamp(t0, tz)
    end = dt.datetime.fromtimestamp(t1, tz)
    if t1 <= t0 or start.date() == end.date():
        return [(end.date(), wh)]
    parts = []
    cursor = start
    while cursor.date() < end.date():
        midnight = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time(), tz)
        parts.append((cursor.date(), wh * (midnight - cursor).total_seconds() / (t1 - t0)))
        cursor = midnight
    parts.append((end.date(), wh * (end - cursor).total_seconds() / (t1 - t0)))
    return parts


@dataclass(frozen=True, slots=True)
class DailyTotal:
    """The energy a plug used on one day."""

    day: dt.date
    wh: float


class EnergyLog:
    """The energy database of the state directory."""

    def __init__(self, path: Path, tz: dt.tzinfo | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.tz = tz
        self._db = sqlite3.connect(path)
        self._db.executescript(_SCHEMA)

    @classmethod
    def open_default(cls, tz: dt.tzinfo | None = None) -> EnergyLog:
        """Open the database in the state directory."""
        from printerapp.config import default_state_dir

        return cls(default_state_dir() / DB_NAME, tz)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def _previous(self, plug: str) -> tuple[float, float | None, float | None] | None:
        row = self._db.execute(
            "SELECT ts, power_w, counter_wh FROM readings WHERE plug = ? ORDER BY ts DESC, "
            "rowid DESC LIMIT 1",
            (plug,),
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def _delta(self, plug: str, ts: float, power_w: float | None, counter: float | None) -> float:
        prev = self._previous(plug)
        if prev is None or ts < prev[0]:
            return 0.0
        if counter is not None and prev[2] is not None:
            return counter_delta(prev[2], counter)
        if power_w is not None and prev[1] is not None and ts - prev[0] <= MAX_POWER_GAP_S:
            return (prev[1] + power_w) / 2 * (ts - prev[0]) / 3600
        return 0.0

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
        delta = self._delta(plug, ts, power_w, counter_wh)
        with self._db:
            self._db.execute(
                "INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?)",
                (plug, ts, kind, power_w, counter_wh, delta),
            )
            if prev is not None and delta:
                for day, wh in split_by_day(prev[0], ts, delta, self.tz):
                    self._db.execute(
                        "INSERT INTO daily VALUES (?, ?, ?) ON CONFLICT (plug, day) "
                        "DO UPDATE SET wh = wh + excluded.wh",
                        (plug, day.isoformat(), wh),
                    )
        return delta

    def record_job(self, plug: str, job: str, start: float, end: float) -> float:
        """Store and return job *job*'s energy: the readings between *start* and *end*."""
        (wh,) = self._db.execute(
            "SELECT COALESCE(SUM(delta_wh), 0) FROM readings WHERE plug = ? AND ts > ? AND ts <= ?",
            (plug, start, end),
        ).fetchone()
        with self._db:
            self._db.execute("INSERT INTO jobs VALUES (?, ?, ?, ?, ?)", (plug, job, start, end, wh))
        return float(wh)

    def record_prewarm(self, plug: str, start: float, end: float, job_followed: bool) -> float:
        """Store and return a pre-warm period's energy: the readings between *start* and *end*."""
        (wh,) = self._db.execute(
            "SELECT COALESCE(SUM(delta_wh), 0) FROM readings WHERE plug = ? AND ts > ? AND ts <= ?",
            (plug, start, end),
        ).fetchone()
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
            "SELECT day, wh FROM daily WHERE plug = ? AND day >= ? ORDER BY day", (plug, first)
        ).fetchall()
        return [DailyTotal(dt.date.fromisoformat(d), wh) for d, wh in rows]

    def jobs(self, plug: str, since: float) -> list[tuple[str, float, float, float]]:
        """Return (job, start, end, Wh) of the jobs that ended after *since*."""
        return self._db.execute(
            "SELECT job, start_ts, end_ts, wh FROM jobs WHERE plug = ? AND end_ts > ? "
            "ORDER BY end_ts",
            (plug, since),
        ).fetchall()

    def switch_offs(
        self, plug: str, since: float
    ) -> list[tuple[float, float | None, float | None]]:
        """Return (time, W, counter Wh) of the switch-offs after *since*."""
        return self._db.execute(
            "SELECT ts, power_w, counter_wh FROM readings WHERE plug = ? AND kind = 'switch-off' "
            "AND ts > ? ORDER BY ts",
            (plug, since),
        ).fetchall()


def energy_report(log: EnergyLog, plug: str, days: int, now: float) -> str:
    """Return the text of ``printerapp plugs energy NAME --days N``."""
    totals = log.daily(plug, days, now)
    lines = [f"Energy of plug {plug}, last {days} days"]
    lines += [f"  {t.day.isoformat()}  {t.wh / 1000:9.3f} kWh" for t in totals]
    lines.append(f"  total       {sum(t.wh for t in totals) / 1000:9.3f} kWh")
    since = now - days * 86400
    jobs = log.jobs(plug, since)
    if jobs:
        lines.append(f"Jobs: {len(jobs)}, {sum(j[3] for j in jobs):.1f} Wh")
        for job, start, _end, wh in jobs[-10:]:
            when = dt.datetime.fromtimestamp(start, log.tz).strftime("%Y-%m-%d %H:%M")
            lines.append(f"  {when}  {job:<24} {wh:8.1f} Wh")
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
    return "\n".join(lines)


def energy_readout(plug: str, days: int = 30, now: float | None = None) -> str:
    """Return the readout of ``printerapp plugs energy PLUG --days N`` from the state directory."""
    import time

    log = EnergyLog.open_default()
    try:
        return energy_report(log, plug, days, time.time() if now is None else now)
    finally:
        log.close()
