"""Our announcements through the real avahi-daemon: subtypes, TXT, collisions, withdrawal."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from printerapp.dnssd.avahi import AvahiPublisher, Service
from tests.support.ppds import extract_ppd

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

IPPEVEPRINTER = shutil.which("ippeveprinter") or "/usr/sbin/ippeveprinter"


def _unescape(text: str) -> str:
    return re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1))), text)


def _browse(service_type: str) -> list[list[str]]:
    """Return avahi-browse's resolved lines for *service_type* (fields split on ';')."""
    done = subprocess.run(
        ["avahi-browse", "-rtp", service_type], capture_output=True, text=True, timeout=20
    )
    lines = [line.split(";") for line in done.stdout.splitlines() if line.startswith("=")]
    return [[_unescape(field) for field in line] for line in lines]


async def _names_settle(service_type: str, absent: str) -> set[str]:
    """Return the names announced once *absent* is gone (its goodbye takes a moment)."""
    for _ in range(50):
        names = {b[3] for b in _browse(service_type)}
        if absent not in names:
            break
        await asyncio.sleep(0.1)
    return names


def _service(name: str, port: int, **txt: str) -> Service:
    return Service(name, "_ipp._tcp", port, tuple(txt.items()), ("_print", "_universal"), ("lo",))


def test_publish_update_collide_and_withdraw() -> None:
    async def scenario() -> None:
        publisher = AvahiPublisher()
        await publisher.start()
        try:
            assert (
                await publisher.publish("a", _service("Office", 18700, kind="document")) == "Office"
            )
            [line] = [b for b in _browse("_ipp._tcp") if b[3] == "Office"]
            assert (line[1], line[7], line[8]) == ("lo", "127.0.0.1", "18700")
            assert '"kind=document"' in line[9]
            assert [b[3] for b in _browse("_universal._sub._ipp._tcp")] == ["Office"]
            assert [b[3] for b in _browse("_print._sub._ipp._tcp")] == ["Office"]

            await publisher.update_txt("a", [("kind", "document,envelope"), ("air", "none")])
            for _ in range(50):  # the new record is announced, then resolved from the cache
                [line] = [b for b in _browse("_ipp._tcp") if b[3] == "Office"]
                if '"air=none"' in line[9]:
                    break
                await asyncio.sleep(0.1)
            assert '"kind=document,envelope"' in line[9]
            assert '"air=none"' in line[9]

            # another service wants the name: it gets avahi's alternative
            assert await publisher.publish("b", _service("Office", 18701)) == "Office #2"

            await publisher.withdraw("a")
            await publisher.withdraw("nothing")
            names = await _names_settle("_ipp._tcp", "Office")
            assert "Office" not in names
            assert "Office #2" in names
        finally:
            await publisher.close()
        assert "Office #2" not in await _names_settle("_ipp._tcp", "Office #2")

    asyncio.run(scenario())


def _start_queue(ppd: Path, port: int, spool: Path, name: str) -> subprocess.Popen[bytes]:
    """Start ippeveprinter and wait until it answers."""
    argv = [IPPEVEPRINTER, "-p", str(port), "-n", "localhost", "-P", str(ppd)]
    argv += ["-c", "/bin/true", "-d", str(spool), name]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    test = "/usr/share/cups/ipptool/get-printer-attributes.test"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        attrs = subprocess.run(
            ["ipptool", "-t", f"ipp://localhost:{port}/ipp/print", test],
            capture_output=True,
            text=True,
            timeout=20,
        )
        if "[PASS]" in attrs.stdout:
            break
        time.sleep(0.1)
    return proc


def test_ippeveprinter_keeps_serving_under_our_announcement(tmp_path: Path) -> None:
    ppd = extract_ppd("lj2100-pxlmono", tmp_path)
    port = 18702

    async def scenario() -> None:
        publisher = AvahiPublisher()
        await publisher.start()
        try:
            await publisher.publish("q", _service("Desk", port, kind="document", air="none"))
            proc = await asyncio.to_thread(_start_queue, ppd, port, tmp_path, "Desk")
            try:
                assert proc.poll() is None, "ippeveprinter gave up on the name collision"
                lines = [b for b in _browse("_ipp._tcp") if b[8] == str(port)]
                # one announcement on the queue's port, and it is ours (with air=none)
                assert len(lines) == 1, lines
                assert lines[0][3] == "Desk"
                assert '"air=none"' in lines[0][9]
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        finally:
            await publisher.close()

    asyncio.run(scenario())


def test_two_hundred_services_published_at_once_all_register() -> None:
    # the system bus allows a connection 128 pending replies; a hundred queues announced
    # at once used to send about 400 calls together and lose some to LimitsExceeded
    async def scenario() -> None:
        publisher = AvahiPublisher()
        await publisher.start()
        try:
            names = await asyncio.gather(
                *(publisher.publish(f"k{i}", _service(f"Bulk {i}", 19000 + i)) for i in range(200))
            )
            assert names == [f"Bulk {i}" for i in range(200)]
            await asyncio.gather(
                *(publisher.update_txt(f"k{i}", [("note", f"n{i}")]) for i in range(200))
            )
            await asyncio.gather(*(publisher.withdraw(f"k{i}") for i in range(200)))
        finally:
            await publisher.close()

    asyncio.run(asyncio.wait_for(scenario(), 120))
