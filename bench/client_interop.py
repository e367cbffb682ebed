"""How real clients fare with our queues: media-col acceptance, PWG suites, LAN discovery time.

Run as root inside the private network (it starts avahi, ippeveprinter and
two network namespaces of its own)::

    scripts/in-private-net.sh .venv/bin/python bench/client_interop.py

It prints:

* media-col acceptance over a repeatable sample of PPDs from the driver
  database: the driver's PPD as a plain ippeveprinter serves it, next to the
  queue's normalised copy (every PageSize, size alone and with margins);
* the PWG self-certification suite ``ipp-everywhere.test`` (it includes
  ipp-2.0 and ipp-1.1), with sample documents and PWG raster made by
  ghostscript, against the demo queue of a real ``printerapp server`` and
  against a plain ippeveprinter on the same driver PPD whose job command
  takes 2 s, each failure marked as both, plain only or ours only;
* the time from ``printerapp server --demo`` start on "printhost" to the
  queue being found by ippfind on "laptop", another namespace on a veth LAN.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from printerapp.config import Config, Section
from printerapp.cups import CupsDirs
from printerapp.ppd.cache import load_index
from printerapp.ppd.install import ppd_bytes, write_atomic
from printerapp.ppd.queueppd import prepare_queue_ppd
from printerapp.ppd.settings import drivers_config
from tests.support.avahi import loopback_avahi
from tests.support.lan import two_hosts
from tests.support.mediacheck import IPPEVEPRINTER, check_media
from tests.support.pwgsuites import SuiteResult, prepare_samples, run_suite
from tests.support.server import Daemon, Printer, free_port, kill_queues

DEMO_PPD = "gutenprint.5.3://hp-lj_2100/expert"


def _media(names: list[str], index_records: dict[str, object], work: Path) -> None:
    totals = {"driver PPD (plain ippeveprinter)": [0, 0], "queue PPD (printerapp)": [0, 0]}
    for n, name in enumerate(names):
        record = index_records[name]
        driver = work / f"d{n}.ppd"
        write_atomic(driver, ppd_bytes(record))  # type: ignore[arg-type]
        queue = work / f"q{n}.ppd"
        shutil.copyfile(driver, queue)
        prepare_queue_ppd(queue)
        for label, ppd in zip(totals, (driver, queue), strict=True):
            sub = work / f"{label[:5]}{n}"
            sub.mkdir()
            result = check_media(ppd, sub)
            totals[label][0] += len(result.accepted)
            totals[label][1] += len(result.accepted) + len(result.refused)
    print(f"media-col acceptance over {len(names)} PPDs (every size, alone and with margins):")
    for label, (ok, all_) in totals.items():
        print(f"  {label:36s} {ok:5d}/{all_:<5d} {100.0 * ok / max(all_, 1):6.2f} %")


#: a job command for the plain ippeveprinter that takes as long as a real print
_SLOW_COMMAND = '#!/bin/sh\ncat "$1" >/dev/null\nsleep 2\n'


def _plain(ppd: Path, work: Path, samples: Path) -> SuiteResult:
    """Run ipp-everywhere.test against a plain ippeveprinter on *ppd*."""
    port = free_port()
    spool = work / f"spool-{port}"
    spool.mkdir()
    command = work / "slow-print"
    command.write_text(_SLOW_COMMAND)
    command.chmod(0o755)
    argv = [IPPEVEPRINTER, "-p", str(port), "-n", "localhost", "-P", str(ppd)]
    argv += ["-c", str(command), "-d", str(spool), f"plain {port}"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        return run_suite(f"ipp://localhost:{port}/ipp/print", "ipp-everywhere.test", samples)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _ours(work: Path, samples_dir: Path, driver: Path) -> None:
    """Compare our demo queue (a real server) with a plain ippeveprinter on its driver PPD."""
    daemon = Daemon(work / "daemon")
    with Printer(work / "demo-jobs"):
        daemon.start()
        try:
            daemon.wait(daemon.running, 10, "the demo queue")
            uri = daemon.running()[0]["uri"]
            samples = prepare_samples(samples_dir, [uri])
            ours = run_suite(uri, "ipp-everywhere.test", samples)
        finally:
            daemon.stop()
            kill_queues(daemon.state)
    plain = _plain(driver, work, samples)
    print("ipp-everywhere.test (includes ipp-2.0 and ipp-1.1), demo PPD (passed, failed, skipped):")
    print(f"  plain ippeveprinter (2 s job command)  {plain.counts}")
    print(f"  printerapp demo queue                  {ours.counts}")
    rasters = len(plain.raster_prints()), len(ours.raster_prints())
    print(f"  PWG-raster prints passed: plain {rasters[0]}, ours {rasters[1]}")
    for name in sorted(set(plain.failed) | set(ours.failed)):
        where = (
            "both"
            if name in plain.failed and name in ours.failed
            else ("plain only" if name in plain.failed else "OURS ONLY")
        )
        print(f"    FAIL {where:10s} {name}")


def _lan_discovery(work: Path) -> None:
    with two_hosts(work, str(os.getpid() % 100000)) as (printhost, laptop):
        config = work / "printhost.toml"
        config.write_text(
            f'[server]\nstate_dir = "{work / "state"}"\nhostname = "*"\nports = "8000-8100"\n'
            'control = "127.0.0.1:7631"\n'
        )
        start = time.monotonic()
        server = printhost.spawn(
            [sys.executable, "-m", "printerapp", "server", "--demo", "--config", str(config)],
            work / "server.log",
        )
        try:
            found = None
            while time.monotonic() - start < 120 and found is None:
                out = laptop.run(["ippfind", "_ipp._tcp,_universal", "-T", "1"], timeout=30)
                if "printhost" in out.stdout:
                    found = time.monotonic() - start
        finally:
            server.terminate()
            server.wait(timeout=30)
    shown = f"{found:.1f} s" if found is not None else "not found in 120 s"
    print(f"printerapp server start -> queue found by ippfind on the laptop: {shown}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=50, help="PPDs in the media sample")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--no-suites", action="store_true", help="skip the PWG suites (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with loopback_avahi(work):
            config = drivers_config(Config(Section("", "<defaults>", {})))
            index, _ = load_index(CupsDirs(), config, work / "state")
            records = {r.name: r for r in index.records}
            names = random.Random(args.seed).sample(sorted(records), args.sample)  # noqa: S311
            (work / "media").mkdir()
            _media(names, records, work / "media")
            if not args.no_suites:
                (work / "suites").mkdir()
                driver = work / "suites" / "demo-driver.ppd"
                write_atomic(driver, ppd_bytes(records[DEMO_PPD]))
                _ours(work / "suites", work / "samples", driver)
        (work / "lan").mkdir()
        _lan_discovery(work / "lan")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
