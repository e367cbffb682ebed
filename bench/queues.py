"""Benchmark the server: hotplug-to-ready latency, and 100 printers at once.

Run as root inside the private network namespace (mDNS must stay on the
machine)::

    scripts/in-private-net.sh .venv/bin/python bench/queues.py

* latency: from an mDNS announcement of a raw-socket printer (its first
  packet; zeroconf's two repetitions within ~0.5 s are not waited for) to
  its queue answering Get-Printer-Attributes; p50 and p95 over ``--trials``
  (target p95 <= 250 ms);
* scale: ``--printers`` announced at once; the time until every queue is
  ready (target <= 5 s), the daemon's RSS (target <= 60 MB), its CPU while
  idle over ``--idle`` seconds (target <= 0.5 %), and each ippeveprinter's
  PSS (what it costs beyond the pages it shares with the others).  The idle
  window starts ``--settle`` seconds after the last queue answered: avahi
  repeats each new queue's announcement for a few seconds (the daemon's
  browser hears them all) and the daemon reads the log lines of the
  bench's own probes; that settling is measured and printed on its own.

Where a hot-plug's time goes is read from the daemon's debug log: the
driver choice (the driver worker), the PPD install, the PPD preparation,
the DNS-SD announcement and the ippeveprinter start up to listening; the
rest is detection (mDNS browse and resolve) and the bench's own probe.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from printerapp.errors import IppError
from printerapp.ipp.client import get_printer_attributes
from printerapp.manager.front import MAX_PER_ADDRESS
from tests.support.avahi import loopback_avahi
from tests.support.server import Daemon, kill_queues, queue_processes

TARGET_P95_S = 0.25
TARGET_ALL_READY_S = 5.0
TARGET_RSS_MB = 60.0
TARGET_IDLE_CPU = 0.5
#: ippeveprinter's own PSS floor: one queue with nothing else running
IPPEVE_FLOOR_MB = 1.25

#: the daemon's debug lines that time a queue's start (manager/system.py, runner.py)
_STEPS = {
    "driver": re.compile(r"driver chosen in (\d+) ms"),
    "ppd install": re.compile(r"PPD installed in (\d+) ms"),
    "ppd prepare": re.compile(r"ready in \d+ ms \(PPD prepared (\d+)"),
    "announce": re.compile(r"ready in \d+ ms \(.*announced (\d+)"),
    "ippeveprinter start": re.compile(r"ready in \d+ ms \(.*started (\d+)"),
}


def _only_loopback() -> bool:
    return {p.name for p in Path("/sys/class/net").iterdir()} <= {"lo"}


async def _answers(port: int) -> bool:
    """Return True when the queue on *port* answers Get-Printer-Attributes."""
    try:
        await get_printer_attributes(f"ipp://127.0.0.1:{port}/ipp/print", 2)
    except IppError:
        return False
    return True


def _ready_ports(daemon: Daemon) -> list[int]:
    """Return the ports of the running queues that answer (asked all at once)."""
    ports = [p["port"] for p in daemon.running()]

    async def ask() -> list[bool]:
        # the fronts refuse one client address more than MAX_PER_ADDRESS connections at once
        slots = asyncio.Semaphore(MAX_PER_ADDRESS // 2)

        async def one(port: int) -> bool:
            async with slots:
                return await _answers(port)

        return list(await asyncio.gather(*(one(port) for port in ports)))

    return [port for port, ok in zip(ports, asyncio.run(ask()), strict=True) if ok]


def _info(n: int) -> ServiceInfo:
    return ServiceInfo(
        "_pdl-datastream._tcp.local.",
        f"HP LaserJet 2100 unit {n}._pdl-datastream._tcp.local.",
        addresses=[socket.inet_aton("127.0.0.1")],
        port=9100,
        properties={
            "txtvers": "1",
            "ty": "HP LaserJet 2100",
            "usb_MFG": "Hewlett-Packard",
            "usb_MDL": "HP LaserJet 2100",
            "usb_CMD": "PJL,PCLXL,PCL",
        },
        server=f"unit-{n}.local.",
    )


@contextlib.contextmanager
def _announced(units: range) -> Iterator[None]:
    """Announce raw-socket printers at once, from one responder on its own loop.

    It returns as soon as the first announcement of each went out (zeroconf
    repeats it twice more within ~0.5 s in the background): the clock of a
    measurement starts with the announcement, not after its repetitions.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    azc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)

    repeats: list[asyncio.Task[None]] = []

    async def register() -> None:
        for n in units:
            repeats.append(await azc.async_register_service(_info(n), cooperating_responders=True))

    async def close() -> None:
        await asyncio.gather(*repeats, return_exceptions=True)
        await azc.async_close()

    try:
        asyncio.run_coroutine_threadsafe(register(), loop).result(120)
        yield
    finally:
        asyncio.run_coroutine_threadsafe(close(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _pss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def breakdown(log_text: str) -> dict[str, float]:
    """Return the median milliseconds of each timed step in a daemon's debug log."""
    out = {}
    for step, pattern in _STEPS.items():
        values = [float(m.group(1)) for m in pattern.finditer(log_text)]
        if values:
            out[step] = statistics.median(values)
    return out


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@contextlib.contextmanager
def _daemon(work: Path, detection: str = "") -> Iterator[Daemon]:
    daemon = Daemon(work)
    text = daemon.config.read_text()  # [detection] is the daemon's own table: add to it
    daemon.config.write_text(text.replace("[detection]\n", f"[detection]\n{detection}", 1))
    # the driver index of an earlier run: its build is no part of what is measured
    for cached in sorted(work.parent.glob("*/state/drivers/index.pickle"))[:1]:
        (daemon.state / "drivers").mkdir(parents=True, exist_ok=True)
        shutil.copy2(cached, daemon.state / "drivers" / "index.pickle")
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()
        kill_queues(daemon.state)


def latency(work: Path, trials: int) -> tuple[list[float], dict[str, float]]:
    """Return the announcement-to-ready times of *trials* printers, and the steps' medians."""
    times = []
    with _daemon(work / "latency") as daemon:
        for n in range(trials):
            start = time.monotonic()  # the clock starts with the announcement itself
            with _announced(range(1000 + n, 1001 + n)):
                daemon.wait(lambda: _ready_ports(daemon), 30, "a ready queue")
                times.append(time.monotonic() - start)
            daemon.wait(lambda: not daemon.printers(), 30, "the queue to go")
        steps = breakdown(daemon.log.read_text())
    return times, steps


#: the daemon's log lines of a device detected, its driver chosen, its queue ready
_MILESTONES = {"detected": "network  dnssd://", "driver": "driver chosen", "ready": "ready in"}


class _LogClock:
    """Note when the daemon's log first shows each milestone (its lines carry no time)."""

    def __init__(self, log: Path, start: float) -> None:
        self.log, self.start = log, start
        self.seen: dict[str, list[float]] = {k: [] for k in _MILESTONES}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _LogClock:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        with self.log.open("r", errors="replace") as fh:
            fh.seek(0, os.SEEK_END)
            while not self._stop.is_set():
                for line in fh.readlines():
                    now = time.monotonic() - self.start
                    for name, text in _MILESTONES.items():
                        if text in line:
                            self.seen[name].append(now)
                time.sleep(0.005)

    def summary(self) -> str:
        """Return when the first and the last of each milestone showed."""
        return ", ".join(
            f"{name} {times[0]:.2f}-{times[-1]:.2f} s ({len(times)})"
            for name, times in self.seen.items()
            if times
        )


def scale(work: Path, count: int, idle_s: float, settle_s: float = 0.0) -> dict[str, float]:
    """Announce *count* printers at once; return the figures."""
    # identical printers on one host would be collapsed into one: keep them apart here
    with _daemon(work / "scale", "dedupe = false\n") as daemon:
        start = time.monotonic()
        with _LogClock(daemon.log, start) as clock, _announced(range(count)):
            daemon.wait(lambda: len(daemon.running()) >= count, 300, f"{count} running queues")
            daemon.wait(lambda: len(_ready_ports(daemon)) >= count, 60, f"{count} ready queues")
            all_ready = time.monotonic() - start
            print(f"  in the daemon's log: {clock.summary()}")
            assert daemon.proc is not None
            pid = daemon.proc.pid
            hz = os.sysconf("SC_CLK_TCK")
            ticks = _cpu_ticks(pid)
            time.sleep(settle_s)
            settled = _cpu_ticks(pid)
            time.sleep(idle_s)
            idle_cpu = 100.0 * (_cpu_ticks(pid) - settled) / hz / idle_s
            settle_cpu = 100.0 * (settled - ticks) / hz / settle_s if settle_s else 0.0
            children = queue_processes(daemon.state)
            pss = sorted(_pss_kb(c) / 1024 for c in children)
            return {
                "all_ready_s": all_ready,
                "daemon_rss_mb": _rss_kb(pid) / 1024,
                "daemon_pss_mb": _pss_kb(pid) / 1024,
                "idle_cpu_pct": idle_cpu,
                "settle_cpu_pct": settle_cpu,
                "children": float(len(children)),
                "children_rss_mb": sum(_rss_kb(c) for c in children) / 1024,
                "pss_median_mb": statistics.median(pss) if pss else 0.0,
                "pss_max_mb": pss[-1] if pss else 0.0,
                "pss_total_mb": sum(pss),
            }


def main() -> int:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--printers", type=int, default=100)
    parser.add_argument("--idle", type=float, default=60.0, help="idle CPU window, seconds")
    parser.add_argument(
        "--settle", type=float, default=5.0, help="seconds after ready before the idle window"
    )
    parser.add_argument("--keep-logs", type=Path, help="copy the daemons' logs to this directory")
    args = parser.parse_args()
    if os.geteuid() != 0 or not _only_loopback():
        print("run as root inside scripts/in-private-net.sh (mDNS must stay local)")
        return 2
    with tempfile.TemporaryDirectory(prefix="printerapp-bench-") as tmp:
        work = Path(tmp)
        (work / "avahi").mkdir()
        with loopback_avahi(work / "avahi"):
            _print_latency(*latency(work, args.trials))
            try:
                figures = scale(work, args.printers, args.idle, args.settle)
                _print_scale(args.printers, args.idle, args.settle, figures)
            finally:
                if args.keep_logs is not None:
                    args.keep_logs.mkdir(parents=True, exist_ok=True)
                    for log in work.glob("*/daemon.log"):
                        shutil.copy2(log, args.keep_logs / f"{log.parent.name}.log")
    return 0


def _print_latency(times: list[float], steps: dict[str, float]) -> None:
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    print(
        f"hotplug to ready over {len(times)} trials: p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms (target p95 <= {TARGET_P95_S * 1000:.0f} ms)"
    )
    print("  median per step: " + ", ".join(f"{k} {v:.0f} ms" for k, v in steps.items()))
    sys.stdout.flush()


def _print_scale(printers: int, idle: float, settle: float, figures: dict[str, float]) -> None:
    print(
        f"{printers} printers: all ready after {figures['all_ready_s']:.1f} s "
        f"(target <= {TARGET_ALL_READY_S:.0f} s)"
    )
    print(
        f"daemon RSS {figures['daemon_rss_mb']:.1f} MB, PSS {figures['daemon_pss_mb']:.1f} MB "
        f"(target RSS <= {TARGET_RSS_MB:.0f} MB), "
        f"idle CPU {figures['idle_cpu_pct']:.2f} % over {idle:.0f} s "
        f"(target <= {TARGET_IDLE_CPU} %), "
        f"{figures['settle_cpu_pct']:.2f} % over the {settle:g} s before it"
    )
    print(
        f"ippeveprinter children: {figures['children']:.0f}, "
        f"total RSS {figures['children_rss_mb']:.1f} MB; PSS per queue: median "
        f"{figures['pss_median_mb']:.2f} MB, max {figures['pss_max_mb']:.2f} MB, total "
        f"{figures['pss_total_mb']:.1f} MB (ippeveprinter's floor ~{IPPEVE_FLOOR_MB} MB)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
