"""Benchmark: pre-warm on and off, for a printer that takes *warmup* seconds to boot.

The rig (:mod:`tests.support.prewarmrig`) is the real path: a queue
(ippeveprinter + ``printerapp-ippprint``, the HP LaserJet 2100 foomatic PPD)
behind a Shelly Gen2 simulator (``--plug kasa``: the npm Kasa HS110
simulator), reached through the queue's front on a veth
address, printing to a :class:`~tests.support.powered.PoweredPrinter` whose
port opens *warmup* seconds after its plug goes on (that is how readiness is
judged: :mod:`printerapp.power.readiness` waits for the port).

Each run: ipptool sends the dialog's Get-Printer-Attributes ("dialog
opened", t=0); a job follows *after* seconds later (15 s, as a person
choosing options).  Printed per mode:

* dialog -> plug on: the simulator's relay switching on, from t=0;
* dialog -> ready: the printer's port opening, from t=0;
* job -> ready: the same from the job's submission: how long the job had to
  wait for the printer (0 when it was up first).  The targets apply to it;
* job -> backend: the ``socket`` backend's connection to the printer, from
  the job's submission.  The job runner switches the plug on (or finds the
  printer up) *before* its filter chain, so this adds the filters' time,
  which the ``already on`` line measures alone (printer up before the dialog).

Target: with pre-warm the job waits <= 6 s, without >= *warmup*.  ``--scale``
shrinks every time (0.1: a 2 s warm-up, the job 1.5 s after the dialog) for
a quick run.  Run as root in a private network:
``scripts/in-private-net.sh .venv/bin/python bench/prewarm.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.avahi import loopback_avahi  # noqa: E402
from tests.support.plugsim.kasa_sim import KasaSim  # noqa: E402
from tests.support.plugsim.shelly_sim import ShellySim  # noqa: E402
from tests.support.powered import PoweredPrinter  # noqa: E402
from tests.support.ppds import extract_ppd  # noqa: E402
from tests.support.prewarmrig import Rig, ipptool, lan_address, print_testpage, running_rig  # noqa: E402

WARMUP_S = 20.0
JOB_AFTER_S = 15.0
TARGET_WITH_S = 6.0
GPA = "/usr/share/cups/ipptool/get-printer-attributes.test"
JOB_TIMEOUT_S = 180.0


async def _submit(rig: Rig) -> None:
    out = await print_testpage(rig)
    if "job-id" not in out:
        raise RuntimeError(f"the job was refused: {out[-2000:]}")


async def _wait(what: object, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not what():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        await asyncio.sleep(0.01)


def _simulator(kind: str) -> KasaSim | ShellySim:
    return KasaSim() if kind == "kasa" else ShellySim(gen=2, power_w=30.0)


async def _run(
    workdir: Path, ppd: Path, mode: str, warmup: float, after: float, kind: str
) -> tuple[float, float, float, float]:
    """Return (dialog -> plug on, dialog -> ready, job -> ready, job -> backend) for one mode."""
    with (
        _simulator(kind) as plug,
        PoweredPrinter(lambda: plug.is_on, boot_delay=warmup) as device,
    ):
        plug.is_on = mode == "warm"
        toml = plug_toml(kind, plug.port)
        async with running_rig(workdir, ppd, device, toml, prewarm=mode != "off") as rig:
            if mode == "warm":
                await _wait(lambda: device.ready_at is not None, warmup + 10)
                # one untimed job first: the filters' caches are cold in the first run only
                await _submit(rig)
                await _wait(lambda: device.job_connected_at, JOB_TIMEOUT_S)
                await asyncio.to_thread(device.wait_for_jobs, 1, JOB_TIMEOUT_S)
                device.job_connected_at.clear()
                await asyncio.sleep(2.0)  # ippeveprinter takes one job at a time
            opened = time.monotonic()
            await ipptool(rig.uri, GPA)
            await asyncio.sleep(max(0.0, opened + after - time.monotonic()))
            submitted = time.monotonic()
            await _submit(rig)
            await _wait(lambda: device.job_connected_at, JOB_TIMEOUT_S)
            ready = device.ready_at if device.ready_at is not None else float("nan")
            waited = max(0.0, ready - submitted)
            ons = [t for t, on in plug.switch_log if on]
            plug_on = ons[0] - opened if ons else float("nan")
            return plug_on, ready - opened, waited, device.job_connected_at[0] - submitted


def plug_toml(kind: str, port: int) -> str:
    return f'[power.plugs.desk]\ntype = "{kind}"\nhost = "127.0.0.1"\nport = {port}\n'


async def main_async(scale: float, kind: str) -> int:
    warmup, after = WARMUP_S * scale, JOB_AFTER_S * scale
    print(f"{kind} plug, printer warm-up {warmup:g} s, job {after:g} s after the dialog opens")
    results = {}
    with tempfile.TemporaryDirectory() as tmp, lan_address():
        root = Path(tmp)
        for sub in ("avahi", "ppd", "warm", "on", "off"):
            (root / sub).mkdir()
        with loopback_avahi(root / "avahi"):
            ppd = extract_ppd("lj2100-pxlmono", root / "ppd")
            for mode in ("warm", "on", "off"):
                results[mode] = await _run(root / mode, ppd, mode, warmup, after, kind)
                plug_on, ready, waited, backend = results[mode]
                label = {"warm": "already on", "on": "pre-warm on", "off": "pre-warm off"}[mode]
                shown = f"{ready:6.2f} s" if ready >= 0 else "up before"
                on = f"{plug_on:6.2f} s" if plug_on >= 0 else "on before"
                print(
                    f"{label:12}  dialog -> plug on {on:>9}   ready {shown:>8}   "
                    f"job -> ready {waited:6.2f} s   job -> backend {backend:6.2f} s"
                )
    if scale != 1.0:
        print("(the targets apply to the full-scale run: the filter chain's time does not shrink)")
        return 0
    with_ok = results["on"][2] <= TARGET_WITH_S
    without_ok = results["off"][2] >= warmup
    print(
        f"target (job -> ready): with pre-warm <= {TARGET_WITH_S:g} s: "
        f"{'met' if with_ok else 'MISSED'}; without >= {warmup:g} s: "
        f"{'met' if without_ok else 'MISSED'}"
    )
    return 0 if with_ok and without_ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every time (0.1: quick)")
    parser.add_argument("--plug", choices=("shelly", "kasa"), default="shelly", help="simulator")
    args = parser.parse_args()
    return asyncio.run(main_async(args.scale, args.plug))


if __name__ == "__main__":
    sys.exit(main())
