"""Benchmark: job arrival with the plug off -> backend start, minus the printer's boot.

The printer is a :class:`tests.support.powered.PoweredPrinter`: its TCP port
opens *boot* seconds after its plug goes on.  The figure is the time from the
job's arrival to the moment the real ``socket`` backend connects to the
printer, minus *boot*: the cost of noticing the job, switching the plug and
detecting readiness.  Three paths:

* ``ippprint/command``: ``printerapp-ippprint`` (as ippeveprinter runs it) with
  a ``command`` plug (a state file);
* ``ippprint/shelly``: the same with a Shelly Gen2 simulator over HTTP;
* ``cups/power:``: ``lp`` to a private cupsd queue whose device URI is the
  ``power:`` wrapper backend, with the command plug.

Prints the median and the worst of *runs* jobs each.  Target: <= 1 s.
``--check`` makes a missed target an exit status of 1.  Run as root (the
private cupsd), e.g. ``scripts/in-private-net.sh .venv/bin/python
bench/power_on_latency.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from printerapp.power.backend_wrapper import wrap_uri  # noqa: E402
from tests.support.cupsd import PrivateCupsd  # noqa: E402
from tests.support.plugsim.shelly_sim import ShellySim  # noqa: E402
from tests.support.powered import PoweredPrinter, plug_table  # noqa: E402

BIN = Path(sys.executable).parent
TARGET_S = 1.0
DOC = b"\x1b%-12345X@PJL JOB\r\nbenchmark page\r\n"
JOB_TIMEOUT_S = 60.0


def _wait_off(printer: PoweredPrinter) -> None:
    while printer.listening:
        time.sleep(0.01)


def _one(
    printer: PoweredPrinter, switch_off: Callable[[], None], submit: Callable[[], None]
) -> float:
    """Switch off, wait until the printer is down, submit one job; return the latency."""
    switch_off()
    _wait_off(printer)
    done = len(printer.jobs)
    arrived = time.monotonic()
    submit()
    printer.wait_for_jobs(done + 1, JOB_TIMEOUT_S)
    if len(printer.jobs) <= done:
        raise RuntimeError("the job never reached the printer")
    return printer.job_connected_at[done] - arrived - printer.boot_delay


def _ippprint(work: Path, config: Path, printer: PoweredPrinter, n: int) -> Callable[[], None]:
    doc = work / f"{n}-bench.prn"
    doc.write_bytes(DOC)
    env = {
        **os.environ,
        "DEVICE_URI": printer.uri,
        "CONTENT_TYPE": "application/vnd.cups-raw",
        "IPP_JOB_ID": str(n),
        "PRINTER": "bench",
        "PRINTERAPP_PLUG": "desk",
        "PRINTERAPP_CONFIG": str(config),
    }

    def submit() -> None:
        subprocess.run(
            [BIN / "printerapp-ippprint", doc], env=env, check=True, timeout=60, capture_output=True
        )

    return submit


def bench_ippprint_command(work: Path, runs: int, boot: float) -> list[float]:
    relay = work / "relay"
    config = work / "command.toml"
    config.write_text("[power]\nready_timeout = 30\n" + plug_table(relay))
    with PoweredPrinter(relay, boot_delay=boot) as printer:
        return [
            _one(printer, lambda: relay.write_text("off"), _ippprint(work, config, printer, n))
            for n in range(runs)
        ]


def bench_ippprint_shelly(work: Path, runs: int, boot: float) -> list[float]:
    with ShellySim(gen=2) as sim:
        config = work / "shelly.toml"
        config.write_text(
            '[power]\nready_timeout = 30\n[power.plugs.desk]\ntype = "shelly"\n'
            f'host = "127.0.0.1"\nport = {sim.port}\ngen = 2\n'
        )

        def off() -> None:
            sim.is_on = False

        with PoweredPrinter(lambda: sim.is_on, boot_delay=boot) as printer:
            return [_one(printer, off, _ippprint(work, config, printer, n)) for n in range(runs)]


def bench_cups(work: Path, runs: int, boot: float) -> list[float]:
    relay = work / "relay-cups"
    config = work / "cups.toml"
    doc = work / "doc.prn"
    doc.write_bytes(DOC)
    config.write_text(
        '[power]\nready_timeout = 30\n[cups_power.queues]\nbench = "desk"\n' + plug_table(relay)
    )
    config.chmod(0o644)
    with (
        PoweredPrinter(relay, boot_delay=boot) as printer,
        PrivateCupsd(work / "cups", env={"PRINTERAPP_CONFIG": str(config)}) as cupsd,
    ):
        cupsd.add_backend("power", BIN / "printerapp-backend", 0o700)
        cupsd.lpadmin("-p", "bench", "-E", "-v", wrap_uri(printer.uri), "-m", "raw")
        return [
            _one(printer, lambda: relay.write_text("off"), lambda: cupsd.lp("bench", doc))
            for _ in range(runs)
        ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--boot", type=float, default=2.0, help="simulated boot delay, s")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="power-bench-"))
    work.chmod(0o755)  # cupsd runs the real backend as lp
    results = {}
    try:
        results["ippprint/command"] = bench_ippprint_command(work, args.runs, args.boot)
        results["ippprint/shelly"] = bench_ippprint_shelly(work, args.runs, args.boot)
        if os.geteuid() == 0:
            results["cups/power:"] = bench_cups(work, args.runs, args.boot)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"power-on latency beyond a {args.boot:g} s boot, {args.runs} jobs each "
        f"(target <= {TARGET_S:g} s)"
    )
    worst = 0.0
    for name, values in results.items():
        print(f"  {name:<18} median {statistics.median(values):6.3f} s   max {max(values):6.3f} s")
        worst = max(worst, max(values))
    return 1 if args.check and worst > TARGET_S else 0


if __name__ == "__main__":
    sys.exit(main())
