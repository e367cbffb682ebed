"""Plain-CUPS mode against a private cupsd: the ``power:`` backend and the Get-Jobs watch."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from printerapp.config import load_config
from printerapp.power.backend_wrapper import wrap_uri
from printerapp.power.cupspower import CupsPower
from printerapp.power.events import JobEvent, send_event
from printerapp.power.idle import JobPhase
from printerapp.power.jobs import active_jobs, phases
from tests.support.cupsd import PrivateCupsd, free_port
from tests.support.powered import PoweredPrinter, plug_table

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root]

BIN = Path(sys.executable).parent
WRAPPER = BIN / "printerapp-backend"
TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")
JOB_TIMEOUT_S = 60.0


def test_get_jobs_states_to_phases() -> None:
    jobs = [
        {"job-id": 1, "job-state": 3},
        {"job-id": 2, "job-state": 4},  # held: waits for a person, not for power
        {"job-id": 3, "job-state": 5},
        {"job-id": 4, "job-state": 9},
        {"job-id": "x", "job-state": 5},
    ]
    assert phases(jobs, "q/") == {"q/1": JobPhase.PENDING, "q/3": JobPhase.PROCESSING}


@pytest.fixture
def work() -> Iterator[Path]:
    """A folder lp can enter: cupsd runs the real socket backend as lp."""
    path = Path(tempfile.mkdtemp(prefix="printerapp-cups-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _config(work: Path, relay: Path, server: str, idle: float) -> Path:
    config = work / "printerapp.toml"
    config.write_text(
        f"[power]\nready_timeout = 30\nidle_delay = {idle}\n"
        f'[cups_power]\nserver = "{server}"\npoll_interval = 0.2\n'
        '[cups_power.queues]\nbackroom = "desk"\n' + plug_table(relay)
    )
    config.chmod(0o644)
    return config


def test_lp_job_powers_the_plug_and_reaches_the_printer(work: Path) -> None:
    """Scenario 7: ``lp`` a job to a ``power:`` queue; the plug goes on, the job arrives."""
    relay = work / "relay"
    config = work / "printerapp.toml"
    with (
        PoweredPrinter(relay, boot_delay=1.0) as printer,
        PrivateCupsd(work / "cups", env={"PRINTERAPP_CONFIG": str(config)}) as cupsd,
    ):
        _config(work, relay, cupsd.server_uri, idle=600)
        cupsd.add_backend("power", WRAPPER, 0o700)
        cupsd.lpadmin("-p", "backroom", "-E", "-v", wrap_uri(printer.uri), "-m", "raw")
        cupsd.lp("backroom", TESTPAGE)
        jobs = printer.wait_for_jobs(1, JOB_TIMEOUT_S)
        assert jobs == [TESTPAGE.read_bytes()], cupsd.error_log()[-3000:]
        assert relay.read_text() == "on"
        assert printer.ready_at is not None
        assert printer.job_connected_at[0] >= printer.ready_at


def _wait_until_off(printer: PoweredPrinter) -> None:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while printer.is_on() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_watch_switches_on_for_queued_jobs_and_off_when_idle(work: Path) -> None:
    """The Get-Jobs watch alone (a queue without the wrapper), like the seed but over IPP."""
    relay = work / "relay"
    with (
        PoweredPrinter(relay, boot_delay=0.3) as printer,
        PrivateCupsd(work / "cups") as cupsd,
    ):
        config = load_config(_config(work, relay, cupsd.server_uri, idle=0.5))
        cupsd.lpadmin("-p", "backroom", "-E", "-v", printer.uri, "-m", "raw")
        watcher = CupsPower(config, energy=None)
        stop = asyncio.Event()
        timeline: list[tuple[str, float]] = []

        async def scenario() -> None:
            runner = asyncio.create_task(watcher.run(stop))
            await asyncio.sleep(0.3)
            assert await active_jobs(cupsd.server_uri, "backroom") == {}
            await asyncio.to_thread(cupsd.lp, "backroom", TESTPAGE)
            timeline.append(("submitted", time.monotonic()))
            await asyncio.to_thread(printer.wait_for_jobs, 1, JOB_TIMEOUT_S)
            timeline.append(("printed", time.monotonic()))
            await asyncio.to_thread(_wait_until_off, printer)
            timeline.append(("off", time.monotonic()))
            stop.set()
            await runner

        asyncio.run(asyncio.wait_for(scenario(), JOB_TIMEOUT_S))
        assert printer.jobs == [TESTPAGE.read_bytes()], cupsd.error_log()[-3000:]
    times = dict(timeline)
    assert times["off"] - times["printed"] >= 0.4  # the idle delay, counted after the job
    assert watcher.controllers["desk"].switches[0][1] is True


def test_job_reports_drive_the_plug_while_the_server_is_down(work: Path) -> None:
    """Reports on the events socket act at once; a CUPS server that is down crashes nothing."""
    relay = work / "relay"
    config_path = work / "printerapp.toml"
    config_path.write_text(
        f'[power]\nidle_delay = 0.3\nevents_socket = "{work / "power.sock"}"\n'
        f'[cups_power]\nserver = "ipp://127.0.0.1:{free_port()}"\npoll_interval = 0.1\n'
        '[cups_power.queues]\nbackroom = "desk"\n' + plug_table(relay)
    )
    watcher = CupsPower(load_config(config_path), energy=None)
    stop = asyncio.Event()

    def report(event: str) -> None:
        sent = send_event(work / "power.sock", JobEvent(event, "backroom", "desk", "4", 0.0))
        assert sent

    async def scenario() -> None:
        runner = asyncio.create_task(watcher.run(stop))
        await asyncio.sleep(0.3)
        report("job-start")
        await asyncio.to_thread(_wait_for, lambda: relay.exists() and relay.read_text() == "on")
        report("job-end")
        switches = watcher.controllers["desk"].switches
        await asyncio.to_thread(_wait_for, lambda: len(switches) == 2)
        stop.set()
        await runner

    asyncio.run(asyncio.wait_for(scenario(), JOB_TIMEOUT_S))
    assert [on for _, on in watcher.controllers["desk"].switches] == [True, False]
    assert relay.read_text() == "off"


def _wait_for(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_the_command_runs_until_sigterm(work: Path) -> None:
    relay = work / "relay"
    config = work / "printerapp.toml"
    config.write_text(
        f'[power]\nidle_delay = 600\nevents_socket = "{work / "power.sock"}"\n'
        f'[cups_power]\nserver = "ipp://127.0.0.1:{free_port()}"\npoll_interval = 0.1\n'
        '[cups_power.queues]\nbackroom = "desk"\n' + plug_table(relay)
    )
    env = {**os.environ, "PRINTERAPP_STATE_DIR": str(work / "state")}
    proc = subprocess.Popen(
        [BIN / "printerapp", "cups-power", "--config", str(config)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: (work / "power.sock").exists())
        assert send_event(work / "power.sock", JobEvent("job-start", "backroom", "desk", "1", 0))
        _wait_for(lambda: relay.exists() and relay.read_text() == "on")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert (work / "state" / "energy.sqlite3").is_file()
