"""One real job through the whole daemon, its energy and cost from a Kasa plug's live meter.

The daemon runs the detected demo printer's queue with a Kasa HS110 plug
(the npm simulator with a live meter) and a flat tariff.  Just before the
job is submitted the simulated load starts a known profile: a warm-up burst,
then a steady draw.  The job's start and end readings come from the job
runner's power hook, as in production.  ``GET /api/energy`` must then list
the job with the profile's energy over the job's own span and its cost at
the rate, not estimated, and ``printerapp plugs energy`` must print it.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.support.plugsim import KasaSim, kasa_simulator_available
from tests.support.server import Daemon, Printer, kill_queues

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.timeout(240)]

TESTPAGE = "/usr/share/cups/data/default-testpage.pdf"
RATE = 0.30
#: (s after submission, W): a 7.2 kW burst for 3 s, then 3.6 kW (1 Wh a second; shrunk time)
PROFILE = ((0.0, 7200.0), (3.0, 3600.0))
#: the readings are taken a few ms after the meter answers, at both ends alike
TOLERANCE = 0.03


def test_a_printed_job_gets_the_energy_and_cost_of_the_plugs_profile(
    tmp_path: Path, avahi: None
) -> None:
    if not kasa_simulator_available():
        pytest.fail("node or tplink-smarthome-simulator is missing: run scripts/setup.sh")
    with KasaSim(model="hs110") as plug:
        plug.is_on = False
        plug.set_emeter(power_w=5.0, total_kwh=12.0)
        daemon = Daemon(
            tmp_path,
            "[power]\nidle_delay = 600\nfailsafe = 0\nenergy_sample = 1\n"
            f'[power.tariff]\ncurrency = "EUR"\nrate = {RATE}\n'
            f'[power.plugs.desk]\ntype = "kasa"\nhost = "127.0.0.1"\nport = {plug.port}\n'
            '[power.printers.HP_LaserJet_2100_Series]\nplug = "desk"\n',
        )
        try:
            daemon.start()
            with Printer(tmp_path / "jobs") as printer:
                daemon.wait(daemon.running, 30, "a running queue")
                [queue] = daemon.running()
                query = urllib.parse.urlencode({"printer": queue["name"], "days": 1})

                def jobs() -> list[dict[str, object]]:
                    answer = daemon.api(f"/api/energy?{query}")
                    return [] if answer is None else list(answer["jobs"])

                plug.play_profile(PROFILE)
                job = subprocess.run(
                    ["ipptool", "-tv", "-f", TESTPAGE, queue["uri"], "print-job.test"],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
                assert job.returncode == 0, job.stdout + job.stderr
                daemon.wait(lambda: printer.demo.jobs, 90, "the job at the printer")
                daemon.wait(jobs, 60, "the job's energy in the API")
                [energy] = jobs()
                # and on the printer's job list, beside the job the queue lists
                name = urllib.parse.quote(str(queue["name"]), safe="")
                listed = daemon.api(f"/api/printers/{name}")["jobs"]
                [measured] = [j["energy"] for j in listed if j["energy"]]
                assert measured["wh"] == pytest.approx(energy["wh"], abs=0.001)
                assert measured["cost"] == pytest.approx(energy["cost"], abs=1e-6)
                cli = [sys.executable, "-m", "printerapp", "plugs", "energy", "desk"]
                readout = subprocess.run(
                    [*cli, "--config", str(daemon.config)],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
        finally:
            daemon.stop()
            kill_queues(daemon.state)
        to_monotonic = time.monotonic() - time.time()
        start, end = float(energy["start"]), float(energy["end"])  # type: ignore[arg-type]
        expected = plug.profile_wh(start + to_monotonic, end + to_monotonic)
    print(
        f"\n[kasa hs110, real job] {end - start:.2f} s: expected {expected:.3f} Wh, "
        f"measured {energy['wh']} Wh; expected cost {expected / 1000 * RATE:.6f} EUR, "
        f"measured {energy['cost']} {energy['currency']}"
    )
    assert expected > 3.0  # the job spanned a good part of the profile
    assert energy["wh"] == pytest.approx(expected, rel=TOLERANCE)
    assert energy["cost"] == pytest.approx(expected / 1000 * RATE, rel=TOLERANCE)
    assert energy["currency"] == "EUR"
    assert energy["estimated"] is False
    assert readout.returncode == 0, readout.stderr
    assert "Jobs: 1," in readout.stdout
