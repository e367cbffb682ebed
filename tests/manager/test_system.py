"""The manager with the real ippeveprinter: devices in, queues out, state kept."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from printerapp.detection.records import Change, Device, DeviceChange, Transport
from printerapp.deviceid import parse_device_id
from printerapp.errors import DriverError
from printerapp.ippprint.main import keep_for_retry
from printerapp.manager.drivers import DatabaseDrivers, WorkerDrivers
from printerapp.manager.ports import PortRange
from printerapp.manager.procfs import pid_listens_on, start_ticks
from printerapp.manager.resubmit import kept_jobs
from printerapp.manager.system import Manager, ManagerSettings, PrinterOverride
from tests.support.sink import TcpSink

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

LJ_ID = "MFG:Hewlett-Packard;MDL:HP LaserJet 2100 Series;CMD:PJL,PCLXL,PCL;"


def _device(uri: str, make_model: str = "HP LaserJet 2100", device_id: str = LJ_ID) -> Device:
    return Device(
        uri=uri,
        make_and_model=make_model,
        device_id=parse_device_id(device_id),
        transport=Transport.NETWORK,
    )


def _added(*devices: Device) -> list[DeviceChange]:
    return [DeviceChange(Change.ADDED, d) for d in devices]


@pytest.fixture
def settings(tmp_path: Path) -> ManagerSettings:
    return ManagerSettings(state_dir=tmp_path / "state", ports=PortRange(18000, 18050))


def test_device_gets_a_queue_and_loses_it(
    settings: ManagerSettings, drivers: DatabaseDrivers
) -> None:
    async def scenario() -> None:
        manager = Manager(settings, drivers)
        await manager.start()
        dev = _device("socket://127.0.0.1:9101")
        await manager.apply(
            _added(dev, _device("socket://127.0.0.1:9102", "Acme X", "MFG:Acme;MDL:X;"))
        )
        [printer] = manager.printers()
        assert printer.state == "running"
        assert printer.port in settings.ports
        assert printer.name == "HP LaserJet 2100"  # the model, not how it was found
        assert printer.pid is not None
        assert pid_listens_on(printer.pid, printer.port)
        assert (settings.state_dir / "ppd" / f"{printer.key}.ppd").is_file()
        [unsupported] = manager.unsupported_devices()
        assert unsupported.device_uri == "socket://127.0.0.1:9102"
        assert "no PPD matches 'Acme X'" in unsupported.reason
        await manager.apply([DeviceChange(Change.REMOVED, dev)])
        assert manager.printers() == []
        assert not (settings.state_dir / "ppd" / f"{printer.key}.ppd").exists()
        assert start_ticks(printer.pid) is None or not pid_listens_on(printer.pid, printer.port)
        await manager.shutdown()

    asyncio.run(scenario())


def test_a_driver_pinned_in_the_config_beats_the_best_match(
    settings: ManagerSettings, drivers: DatabaseDrivers
) -> None:
    pinned = "drv:///sample.drv/generpcl.ppd"
    overrides = {"socket://127.0.0.1:9101": PrinterOverride(ppd=pinned)}
    settings = replace(settings, overrides=overrides)

    async def scenario() -> None:
        manager = Manager(settings, drivers)
        await manager.start()
        await manager.apply(_added(_device("socket://127.0.0.1:9101")))
        [printer] = manager.printers()
        assert (printer.state, printer.ppd_name) == ("running", pinned)
        await manager.shutdown()

    asyncio.run(scenario())


def test_restart_adopts_and_keeps_ports(
    settings: ManagerSettings, drivers: DatabaseDrivers
) -> None:
    devices = [_device(f"socket://127.0.0.1:91{n:02d}") for n in range(3)]

    async def first_life() -> dict[str, tuple[int, int | None]]:
        manager = Manager(settings, drivers)
        await manager.start()
        await manager.apply(_added(*devices))
        seen = {p.device_uri: (p.port, p.pid) for p in manager.printers()}
        # the daemon dies without stopping anything: its queues are orphans now
        for task in manager._tasks.values():
            task.cancel()
        return seen

    async def second_life(before: dict[str, tuple[int, int | None]]) -> None:
        # a stray: a queue process on our spool that the state does not know
        spool = str(settings.state_dir / "spool" / "stray")
        stray = subprocess.Popen(  # noqa: ASYNC220 - a foreign process, started once
            ["ippeveprinter", "-p", str(settings.ports.last), "-n", "localhost", "-d", spool, "S"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(500):
            if pid_listens_on(stray.pid, settings.ports.last):
                break
            await asyncio.sleep(0.01)
        manager = Manager(settings, drivers)
        await manager.start()
        assert stray.wait(timeout=5) == -signal.SIGKILL
        await manager.apply(_added(*devices))
        after = {p.device_uri: (p.port, p.pid) for p in manager.printers()}
        assert after == before  # same ports, same (adopted) processes
        assert len(manager.printers()) == 3
        await manager.shutdown()
        for _port, pid in after.values():
            assert pid is not None
            assert start_ticks(pid) is None

    before = asyncio.run(first_life())
    assert len({port for port, _ in before.values()}) == 3
    asyncio.run(second_life(before))


def test_taken_port_moves_the_queue(settings: ManagerSettings, drivers: DatabaseDrivers) -> None:
    async def scenario() -> None:
        manager = Manager(settings, drivers)
        await manager.start()
        with socket.socket() as squatter:
            # bound but not listening: the chooser sees a free port, the bind then fails,
            # just as when another program takes the port between the choice and the start
            squatter.bind(("127.0.0.1", settings.ports.first))
            await manager.apply(_added(_device("socket://127.0.0.1:9101")))
        [printer] = manager.printers()
        assert printer.state == "running"
        assert printer.port != settings.ports.first
        await manager.shutdown()

    asyncio.run(scenario())


def test_killed_queue_comes_back_on_its_port(
    settings: ManagerSettings, drivers: DatabaseDrivers
) -> None:
    async def scenario() -> None:
        manager = Manager(settings, drivers)
        await manager.start()
        await manager.apply(_added(_device("socket://127.0.0.1:9101")))
        [before] = manager.printers()
        assert before.pid is not None
        os.kill(before.pid, signal.SIGKILL)
        for _ in range(200):
            [after] = manager.printers()
            if after.pid not in (None, before.pid) and after.state == "running":
                break
            await asyncio.sleep(0.01)
        assert after.port == before.port
        assert after.pid not in (None, before.pid)
        await manager.shutdown()

    asyncio.run(scenario())


def test_kept_document_is_resubmitted_when_the_queue_runs(
    settings: ManagerSettings, drivers: DatabaseDrivers
) -> None:
    with TcpSink() as sink:
        # what ippprint leaves behind when the backend asked for a retry
        retry_spool = settings.state_dir / "spool" / "HP_LaserJet_2100"
        retry_spool.mkdir(parents=True)
        doc = retry_spool / "1-report.pdf"
        shutil.copyfile("/usr/share/cups/data/default-testpage.pdf", doc)
        job_env = {
            "CONTENT_TYPE": "application/pdf",
            "IPP_JOB_NAME": "report",
            "IPP_JOB_ORIGINATING_USER_NAME": "alice",
            "IPP_COPIES": "1",
            "IPP_MEDIA": "iso_a4_210x297mm",
            "IPP_PRINT_QUALITY": "normal",
        }
        keep_for_retry(doc, job_env)
        doc.unlink()
        [kept] = kept_jobs(retry_spool / "retry")
        assert kept.user == "alice"
        assert {a.name for a in kept.attributes} == {"copies", "media", "print-quality"}

        async def scenario() -> None:
            manager = Manager(settings, drivers)
            await manager.start()
            await manager.apply(_added(_device(sink.uri)))
            [printer] = manager.printers()
            assert printer.key == "HP_LaserJet_2100"
            for _ in range(600):
                if sink.jobs:
                    break
                await asyncio.sleep(0.1)
            await manager.shutdown()

        asyncio.run(scenario())
        [job] = sink.wait_for_jobs(1)
        assert job.startswith(b"\x1b")  # printer language (the driver is CUPS's choice)
        assert len(job) > 10_000
        assert kept_jobs(retry_spool / "retry") == []


def test_worker_answers_like_the_database(drivers: DatabaseDrivers, tmp_path: Path) -> None:
    worker = WorkerDrivers(tmp_path / "state")
    try:
        assert worker.warm() == len(drivers.index)
        device = _device("socket://127.0.0.1:9101")
        assert worker.choose(device) == drivers.choose(device)
        with pytest.raises(DriverError, match="no PPD matches 'Acme X'"):
            worker.choose(_device("socket://h", "Acme X", "MFG:Acme;MDL:X;"))
        pick = worker.choose(device)
        assert worker.lookup(pick.ppd_name) == pick
        dest = tmp_path / "q.ppd"
        worker.install(pick.ppd_name, dest)
        assert dest.read_bytes().startswith(b"*PPD-Adobe:")
        # the second install of one PPD is the worker's copy, byte for byte
        worker.install(pick.ppd_name, tmp_path / "again.ppd")
        assert (tmp_path / "again.ppd").read_bytes() == dest.read_bytes()
        with pytest.raises(DriverError, match="unknown driver"):
            worker.install("no/such.ppd", tmp_path / "x.ppd")
    finally:
        worker.close()


def test_the_worker_stays_warm_and_a_gone_one_is_replaced(tmp_path: Path) -> None:
    worker = WorkerDrivers(tmp_path / "state")
    try:
        worker.warm()
        first = worker.pid
        assert first is not None
        worker.warm()
        assert worker.pid == first  # one process answers a burst of requests
        os.kill(first, signal.SIGKILL)  # as when it exits after its idle time
        worker.warm()
        assert worker.pid not in (None, first)
    finally:
        worker.close()
    assert worker.pid is None
