"""How real clients fare with our queues: media-col acceptance, PWG suites, LAN discovery time.

Run as root inside the private network (it starts avahi, ippeveprinter and
two network namespaces of its own)::

    scripts/in-private-net.sh .venv/bin/python bench/client_interop.py

It prints:

* media-col acceptance over a repeatable sample of PPDs from the driver
  database: the driver's PPD as a plain ippeveprinter serves it, next to the
  queue's normalised copy (every PageSize, size alone and with margins);
* the PWG self-certification suites (ipp-everywhere, ipp-1.1, ipp-2.0) run
  with ipptool against a plain ippeveprinter and against our queue's PPD;
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

SUITES = ("ipp-everywhere.test", "ipp-1.1.test", "ipp-2.0.test")
DEMO_PPD = "gutenprint.5.3://hp-lj_2100/expert"
DOCUMENT = Path("/usr/share/cups/data/default-testpage.pdf")


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


def _suite(ppd: Path, work: Path, suite: str) -> tuple[int, int, int]:
    """Return (passed, failed, skipped) of one PWG suite against ippeveprinter on *ppd*."""
    port = 18900 + len(list(work.iterdir()))
    spool = work / f"spool-{port}"
    spool.mkdir()
    argv = [IPPEVEPRINTER, "-p", str(port), "-n", "localhost", "-P", str(ppd)]
    argv += ["-c", "/bin/true", "-d", str(spool), f"suite {port}"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        # -f: the document the print tests send; the PWG raster sample files are not
        # shipped by Debian, so the tests that need them cannot run (ipptool says which)
        done = subprocess.run(
            [
                "ipptool",
                "-t",
                "-I",
                "-T",
                "30",
                "-f",
                str(DOCUMENT),
                f"ipp://localhost:{port}/ipp/print",
                f"/usr/share/cups/ipptool/{suite}",
            ],
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
            cwd="/usr/share/cups/ipptool",
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    marks = [line.rstrip()[-6:] for line in done.stdout.splitlines()]
    return marks.count("[PASS]"), marks.count("[FAIL]"), marks.count("[SKIP]")


def _suites(driver: Path, queue: Path, work: Path) -> None:
    print("PWG suites (passed, failed, skipped), demo PPD:")
    for suite in SUITES:
        plain = _suite(driver, work, suite)
        ours = _suite(queue, work, suite)
        print(f"  {suite:20s} plain ippeveprinter {plain}   printerapp queue PPD {ours}")


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
                queue = work / "suites" / "demo-queue.ppd"
                shutil.copyfile(driver, queue)
                prepare_queue_ppd(queue)
                _suites(driver, queue, work / "suites")
        (work / "lan").mkdir()
        _lan_discovery(work / "lan")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
