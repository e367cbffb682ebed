"""Many printers at once: concurrent starts, bounded, with no clash of ports, names or state."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from printerapp.detection.records import Change, Device, DeviceChange, Transport
from printerapp.deviceid import parse_device_id
from printerapp.dnssd.avahi import AvahiPublisher
from printerapp.manager import runner
from printerapp.manager.announce import QueueAnnouncer
from printerapp.manager.drivers import DatabaseDrivers, DriverPick
from printerapp.manager.ports import PortRange
from printerapp.manager.procfs import pid_listens_on
from printerapp.manager.queue import QueueProcess
from printerapp.manager.system import Manager, ManagerSettings

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

LJ_ID = "MFG:Hewlett-Packard;MDL:HP LaserJet 2100 Series;CMD:PJL,PCLXL,PCL;"
COUNT = 20


class CountingDrivers:
    """The real database, counting how many driver choices run at the same time."""

    def __init__(self, inner: DatabaseDrivers) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0

    def choose(self, device: Device) -> DriverPick:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.02)  # a real worker's answer takes this long: let the others overlap
            return self.inner.choose(device)
        finally:
            with self.lock:
                self.running -= 1

    def lookup(self, ppd_name: str) -> DriverPick:
        return self.inner.lookup(ppd_name)

    def install(self, ppd_name: str, dest: Path) -> None:
        self.inner.install(ppd_name, dest)


def _device(n: int) -> Device:
    # identical printers at 20 addresses: the same model and no serial numbers
    return Device(
        uri=f"socket://127.0.0.{n + 2}:9100",
        make_and_model="HP LaserJet 2100",
        device_id=parse_device_id(LJ_ID),
        transport=Transport.NETWORK,
        host=f"127.0.0.{n + 2}",
    )


@pytest.mark.timeout(120)
def test_twenty_announcements_at_once_give_twenty_distinct_queues(
    tmp_path: Path, drivers: DatabaseDrivers
) -> None:
    settings = ManagerSettings(state_dir=tmp_path / "state", ports=PortRange(18400, 18440))
    counting = CountingDrivers(drivers)

    async def scenario() -> list[tuple[str, int, int | None, str]]:
        manager = Manager(settings, counting)
        await manager.start()
        await manager.apply([DeviceChange(Change.ADDED, _device(n)) for n in range(COUNT)])
        printers = [(p.name, p.port, p.pid, p.state) for p in manager.printers()]
        for _name, port, pid, _state in printers:
            assert pid is not None
            assert pid_listens_on(pid, port)
        await manager.shutdown()
        return printers

    printers = asyncio.run(scenario())
    assert len(printers) == COUNT
    assert {state for *_, state in printers} == {"running"}
    assert len({name for name, *_ in printers}) == COUNT
    assert len({port for _, port, *_ in printers}) == COUNT
    assert 1 < counting.most <= runner.START_CONCURRENCY
    records = json.loads((settings.state_dir / "state.json").read_text())["queues"]
    assert sorted((r["name"], r["port"]) for r in records) == sorted(
        (name, port) for name, port, *_ in printers
    )


@pytest.mark.timeout(120)
def test_a_removal_between_additions_is_applied_in_order(
    tmp_path: Path, drivers: DatabaseDrivers
) -> None:
    settings = ManagerSettings(state_dir=tmp_path / "state", ports=PortRange(18450, 18470))

    async def scenario() -> list[str]:
        manager = Manager(settings, drivers)
        await manager.start()
        first, second, third = _device(0), _device(1), _device(2)
        await manager.apply(
            [
                DeviceChange(Change.ADDED, first),
                DeviceChange(Change.ADDED, second),
                DeviceChange(Change.REMOVED, first),
                DeviceChange(Change.ADDED, third),
            ]
        )
        uris = sorted(p.device_uri for p in manager.printers() if p.state == "running")
        await manager.shutdown()
        return uris

    assert asyncio.run(scenario()) == ["socket://127.0.0.3:9100", "socket://127.0.0.4:9100"]


def _browse_ipp() -> dict[str, tuple[int, str]]:
    """Return avahi's resolved _ipp._tcp services on lo: name -> (port, TXT)."""
    done = subprocess.run(
        ["avahi-browse", "-rtp", "_ipp._tcp"], capture_output=True, text=True, timeout=20
    )
    found = {}
    for line in done.stdout.splitlines():
        fields = line.split(";")
        if fields[0] == "=" and len(fields) >= 10:
            name = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1))), fields[3])
            found[name] = (int(fields[8]), fields[9])
    return found


@pytest.mark.timeout(180)
def test_twenty_queues_announced_at_once_are_each_published_under_their_name(
    tmp_path: Path, drivers: DatabaseDrivers, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = ManagerSettings(state_dir=tmp_path / "state", ports=PortRange(18480, 18520))
    starting = {"now": 0, "most": 0}
    real_start = QueueProcess.start

    async def counted_start(queue: QueueProcess) -> None:
        starting["now"] += 1
        starting["most"] = max(starting["most"], starting["now"])
        try:
            await real_start(queue)
        finally:
            starting["now"] -= 1

    monkeypatch.setattr(QueueProcess, "start", counted_start)

    async def scenario() -> tuple[list[tuple[str, int, str]], dict[str, tuple[int, str]]]:
        publisher = AvahiPublisher()
        await publisher.start()
        manager = Manager(
            settings, drivers, announcer=QueueAnnouncer(publisher, ("lo",), "localhost")
        )
        try:
            await manager.start()
            await manager.apply([DeviceChange(Change.ADDED, _device(n)) for n in range(COUNT)])
            printers = [(p.name, p.port, p.state) for p in manager.printers()]
            names = {name for name, *_ in printers}
            browsed: dict[str, tuple[int, str]] = {}
            for _ in range(20):  # avahi answers once every probe is over
                browsed = await asyncio.to_thread(_browse_ipp)
                if names <= set(browsed):
                    break
                await asyncio.sleep(0.2)
            await manager.shutdown()
        finally:
            await publisher.close()
        return printers, browsed

    printers, browsed = asyncio.run(scenario())
    assert len(printers) == COUNT
    assert {state for *_, state in printers} == {"running"}
    assert len({name for name, *_ in printers}) == COUNT
    assert len({port for _, port, _ in printers}) == COUNT
    for name, port, _state in printers:
        # our record, on the queue's own port, under the queue's own name (no "#2")
        assert name in browsed, (name, sorted(browsed))
        assert browsed[name][0] == port
        assert '"air=none"' in browsed[name][1]
    assert not [b for b in browsed if re.search(r" #\d+$", b)]
    # announced all at once, but no more ippeveprinters starting at a time than the bound
    assert 1 < starting["most"] <= runner.START_CONCURRENCY
