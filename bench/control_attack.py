"""Benchmark the control server under attack: a normal client's latency while a crowd holds it.

Run as root inside the private network namespace::

    scripts/in-private-net.sh .venv/bin/python bench/control_attack.py

The real daemon runs at a descriptor limit of ``--nofile`` (1,024, systemd's
default).  First a normal client's ``GET /api/health`` is timed alone; then
again while ``--half`` sockets (1,100) that sent half a request and
``--streams`` (200) ``/api/events`` clients that never read are held open.
Under the attack a printer is added too: its queue starts and the state is
saved.  Printed: latency p50/p95/max and failures, the daemon's descriptors,
the add's time, and how much the log grew (and whether it holds a traceback).
Target: p95 under attack <= 1 s, no failures, log growth < 1 MB.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.attack import add_printer, get, held, percentile
from tests.support.avahi import loopback_avahi
from tests.support.server import Daemon, kill_queues

TARGET_P95_S = 1.0
PPD = "foomatic-db-compressed-ppds:0/ppd/foomatic-ppd/HP-LaserJet_2100-pxlmono.ppd"
SOURCES = ["127.0.0.1", *(f"127.0.0.{n}" for n in range(2, 10))]


def timed(port: int, count: int) -> tuple[list[float], int]:
    """Time *count* GETs of /api/health; return the times of the good ones and the failures."""
    times, failed = [], 0
    for _ in range(count):
        start = time.monotonic()
        try:
            status, _ = get(port, "/api/health", timeout=5)
        except OSError:
            status = 0
        if status == 200:
            times.append(time.monotonic() - start)
        else:
            failed += 1
    return times, failed


def timed_add(port: int) -> float | None:
    """Add a printer by the API; return the seconds it took, None when it failed."""
    start = time.monotonic()
    try:
        ok = add_printer(port, PPD) == 201
    except OSError:
        ok = False
    return time.monotonic() - start if ok else None


def line(what: str, times: list[float], failed: int) -> str:
    if not times:
        return f"{what}: every request failed ({failed})"
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    return (
        f"{what}: p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms, {failed} failed of {len(times) + failed}"
    )


def run(work: Path, args: argparse.Namespace) -> None:
    daemon = Daemon(work, prefix=["prlimit", f"--nofile={args.nofile}:{args.nofile}", "--"])
    try:
        daemon.start()
        assert daemon.proc is not None
        print(line("alone", *timed(daemon.control, args.requests)))
        before = daemon.log.stat().st_size
        with held(daemon.control, args.half, args.streams, SOURCES) as (attack, sse):
            print(f"holding {len(attack)} half-open sockets and {len(sse)} silent event streams")
            times, failed = timed(daemon.control, args.requests)
            fds = sum(1 for _ in Path(f"/proc/{daemon.proc.pid}/fd").iterdir())
            added = timed_add(daemon.control)
        print(line("under attack", times, failed), f"(target p95 <= {TARGET_P95_S * 1000:.0f} ms)")
        print(f"daemon descriptors under attack: {fds} of {args.nofile}")
        print(
            "add a printer (queue start, state save):",
            "FAILED" if added is None else f"{added:.2f} s",
        )
        log = daemon.log.read_bytes()[before:]
        tracebacks = log.count(b"Traceback")
        print(f"log grew {len(log) / 1024:.1f} KiB, {tracebacks} tracebacks")
    finally:
        daemon.stop()
        kill_queues(daemon.state)


def main() -> int:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", type=int, default=1100)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--nofile", type=int, default=1024)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("run as root inside scripts/in-private-net.sh (the queues announce themselves)")
        return 2
    with tempfile.TemporaryDirectory(prefix="printerapp-bench-") as tmp:
        work = Path(tmp)
        (work / "avahi").mkdir()
        with loopback_avahi(work / "avahi"):
            run(work, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
