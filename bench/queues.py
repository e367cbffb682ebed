"""Benchmark the server: hotplug-to-ready latency, and 100 printers at once.

Run as root inside the private network namespace (mDNS must stay on the
machine)::

    scripts/in-private-net.sh .venv/bin/python bench/queues.py

* latency: from an mDNS announcement of a raw-socket printer to its queue
  answering Get-Printer-Attributes; p50 and p95 over ``--trials`` (target
  p95 <= 1 s);
* scale: ``--printers`` announced at once; the time until every queue is
  ready, the daemon's RSS (target <= 60 MB), its CPU while idle over
  ``--idle`` seconds (target <= 0.5 %), and the ippeveprinter children's RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyipp import IPP
from pyipp.enums import IppOperation
from pyipp.exceptions import IPPError

from tests.support.avahi import loopback_avahi
from tests.support.server import Daemon, Printer, kill_queues, queue_processes

TARGET_P95_S = 1.0
TARGET_RSS_MB = 60.0
TARGET_IDLE_CPU = 0.5


def _only_loopback() -> bool:
    return {p.name for p in Path("/sys/class/net").iterdir()} <= {"lo"}


def _answers(port: int) -> bool:
    """Return True once the queue on *port* answers Get-Printer-Attributes."""

    async def ask() -> None:
        async with IPP(f"ipp://127.0.0.1:{port}/ipp/print", request_timeout=2) as ipp:
            message = {"operation-attributes-tag": {"attributes-natural-language": "en"}}
            await ipp.execute(IppOperation.GET_PRINTER_ATTRIBUTES, message)

    try:
        asyncio.run(ask())
    except (IPPError, OSError):
        return False
    return True


def _ready_ports(daemon: Daemon) -> list[int]:
    return [p["port"] for p in daemon.running() if _answers(p["port"])]


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@contextlib.contextmanager
def _daemon(work: Path, config: str = "") -> Iterator[Daemon]:
    daemon = Daemon(work, config)
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()
        kill_queues(daemon.state)


def latency(work: Path, trials: int) -> list[float]:
    """Return the announcement-to-ready times of *trials* printers, one after another."""
    times = []
    with _daemon(work / "latency") as daemon:
        for n in range(trials):
            start = time.monotonic()  # the clock starts with the announcement itself
            with Printer(work / "latency-jobs", f"HP LaserJet 2100 trial {n}", probe=False):
                daemon.wait(lambda: _ready_ports(daemon), 30, "a ready queue")
                times.append(time.monotonic() - start)
            daemon.wait(lambda: not daemon.printers(), 30, "the queue to go")
    return times


def scale(work: Path, count: int, idle_s: float) -> dict[str, float]:
    """Announce *count* printers at once; return the figures."""
    # identical printers on one host would be collapsed into one: keep them apart here
    with _daemon(work / "scale", "dedupe = false\n") as daemon, contextlib.ExitStack() as stack:
        start = time.monotonic()
        for n in range(count):
            name = f"HP LaserJet 2100 unit {n}"
            stack.enter_context(Printer(work / "scale-jobs", name, probe=False))
        daemon.wait(lambda: len(daemon.running()) >= count, 300, f"{count} running queues")
        daemon.wait(lambda: len(_ready_ports(daemon)) >= count, 60, f"{count} ready queues")
        all_ready = time.monotonic() - start
        assert daemon.proc is not None
        pid = daemon.proc.pid
        ticks = _cpu_ticks(pid)
        time.sleep(idle_s)
        idle_cpu = 100.0 * (_cpu_ticks(pid) - ticks) / os.sysconf("SC_CLK_TCK") / idle_s
        children = queue_processes(daemon.state)
        return {
            "all_ready_s": all_ready,
            "daemon_rss_mb": _rss_kb(pid) / 1024,
            "idle_cpu_pct": idle_cpu,
            "children": float(len(children)),
            "children_rss_mb": sum(_rss_kb(c) for c in children) / 1024,
        }


def main() -> int:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--printers", type=int, default=100)
    parser.add_argument("--idle", type=float, default=60.0, help="idle CPU window, seconds")
    args = parser.parse_args()
    if os.geteuid() != 0 or not _only_loopback():
        print("run as root inside scripts/in-private-net.sh (mDNS must stay local)")
        return 2
    with tempfile.TemporaryDirectory(prefix="printerapp-bench-") as tmp:
        work = Path(tmp)
        (work / "avahi").mkdir()
        with loopback_avahi(work / "avahi"):
            times = latency(work, args.trials)
            figures = scale(work, args.printers, args.idle)
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    print(
        f"hotplug to ready over {len(times)} trials: p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms (target p95 <= {TARGET_P95_S * 1000:.0f} ms)"
    )
    print(f"{args.printers} printers: all ready after {figures['all_ready_s']:.1f} s")
    print(
        f"daemon RSS {figures['daemon_rss_mb']:.1f} MB (target <= {TARGET_RSS_MB:.0f} MB), "
        f"idle CPU {figures['idle_cpu_pct']:.2f} % over {args.idle:.0f} s "
        f"(target <= {TARGET_IDLE_CPU} %)"
    )
    print(
        f"ippeveprinter children: {figures['children']:.0f}, "
        f"total RSS {figures['children_rss_mb']:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
