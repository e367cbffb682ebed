"""Pre-warm end to end: ipptool through the queue's front, a real queue, Kasa and Shelly plugs.

A print dialog's Get-Printer-Attributes switches the plug on within 1 s; a
job that follows finds the printer ready; a dialog without a job switches
it off again after the (shrunk) pre-warm delay; a status poll does nothing.
An idle private cupsd's ``-m everywhere`` queue is in
``test_prewarm_cupsd_idle.py`` (ten minutes of the cupsd's time, sped up).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from printerapp.power.prewarm import Asked
from tests.support.plugsim.kasa_sim import KasaSim, simulator_available
from tests.support.plugsim.shelly_sim import ShellySim
from tests.support.powered import PoweredPrinter
from tests.support.prewarmrig import Rig, ipptool, lan_address, print_testpage, running_rig

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.timeout(240)]

GetPpd = Callable[[str], Path]
GPA = "/usr/share/cups/ipptool/get-printer-attributes.test"
STATUS_POLL = """{
  OPERATION Get-Printer-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR keyword requested-attributes printer-state,printer-state-reasons
  STATUS successful-ok
}
"""
PREWARM_DELAY_S = 3.0
BOOT_S = 1.5


class _Sim:
    """A plug simulator, its TOML table and its relay as (monotonic time, on) changes."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.sim: Any = KasaSim() if kind == "kasa" else ShellySim(gen=2, power_w=30.0)

    def __enter__(self) -> _Sim:
        if self.kind == "kasa" and not simulator_available():
            pytest.fail("node or tplink-smarthome-simulator is missing: run scripts/setup.sh")
        self.sim.__enter__()
        self.sim.is_on = False
        self.ons: list[float] = []
        return self

    def __exit__(self, *exc: object) -> None:
        self.sim.__exit__(None, None, None)

    @property
    def table(self) -> str:
        where = f'host = "127.0.0.1"\nport = {self.sim.port}\n'
        return f'[power.plugs.desk]\ntype = "{self.kind}"\n{where}'

    def is_on(self) -> bool:
        return bool(self.sim.is_on)


@pytest.fixture
def lan_ip() -> Iterator[str]:
    with lan_address() as address:
        yield address


async def _until(what: Callable[[], bool], within: float, message: str) -> float:
    deadline = time.monotonic() + within
    while not what():
        assert time.monotonic() < deadline, message
        await asyncio.sleep(0.01)
    return time.monotonic()


async def _print(rig: Rig) -> int:
    out = await print_testpage(rig)
    found = re.search(r"job-id \(integer\) = (\d+)", out)
    assert found, out
    return int(found.group(1))


def _plugs() -> list[str]:
    return ["shelly", "kasa"]


@pytest.mark.parametrize("kind", _plugs())
def test_a_dialog_switches_the_plug_on_and_a_job_then_finds_the_printer_ready(
    kind: str, tmp_path: Path, get_ppd: GetPpd, avahi: None, lan_ip: str
) -> None:
    async def go(plug: _Sim, device: PoweredPrinter) -> None:
        async with running_rig(
            tmp_path, get_ppd("lj2100-pxlmono"), device, plug.table, prewarm_delay=PREWARM_DELAY_S
        ) as rig:
            assert not plug.is_on()
            asked = time.monotonic()
            dialog = asyncio.create_task(ipptool(rig.uri, GPA))
            on_at = await _until(plug.is_on, 5, "the plug did not go on")
            assert "[PASS]" in await dialog
            print(f"\n[{kind}] plug on {on_at - asked:.3f} s after the dialog asked")
            assert on_at - asked <= 1.0, f"on {on_at - asked:.2f} s after the dialog asked"
            assert rig.asked()[0] is Asked.DIALOG
            await _until(lambda: device.ready_at is not None, 10, "the printer did not boot")
            submitted = time.monotonic()
            assert device.ready_at is not None
            assert device.ready_at < submitted
            await _print(rig)
            await asyncio.to_thread(device.wait_for_jobs, 1, 90)
            assert device.jobs, "the job did not reach the printer"
            # ready before the job came, and on all along: the job never waited for a boot
            assert device.job_connected_at[0] >= device.ready_at
            assert plug.is_on()
            assert rig.power.controllers["desk"].switches[0][1] is True
            assert [on for _t, on in rig.power.controllers["desk"].switches] == [True]
            await _until(lambda: bool(rig.energy.prewarms("desk", 0)), 10, "no pre-warm logged")
            [(_start, _end, _wh, followed)] = rig.energy.prewarms("desk", 0)
            assert followed

    with _Sim(kind) as plug, PoweredPrinter(plug.is_on, boot_delay=BOOT_S) as device:
        asyncio.run(go(plug, device))


@pytest.mark.parametrize("kind", _plugs())
def test_a_dialog_without_a_job_switches_the_plug_off_after_the_prewarm_delay(
    kind: str, tmp_path: Path, get_ppd: GetPpd, avahi: None, lan_ip: str
) -> None:
    async def go(plug: _Sim, device: PoweredPrinter) -> None:
        async with running_rig(
            tmp_path, get_ppd("lj2100-pxlmono"), device, plug.table, prewarm_delay=PREWARM_DELAY_S
        ) as rig:
            poll = tmp_path / "poll.test"
            poll.write_text(STATUS_POLL)
            assert "[PASS]" in await ipptool(rig.uri, str(poll))
            await asyncio.sleep(1.5)
            assert not plug.is_on(), "a status poll switched the plug on"
            assert rig.asked() == [Asked.STATUS_POLL]
            asked = time.monotonic()
            assert "[PASS]" in await ipptool(rig.uri, GPA)
            on_at = await _until(plug.is_on, 5, "the plug did not go on")
            off_at = await _until(lambda: not plug.is_on(), 30, "the plug stayed on")
            print(f"\n[{kind}] on after {on_at - asked:.3f} s, off after {off_at - asked:.2f} s")
            assert on_at - asked <= 1.0
            assert off_at - asked >= PREWARM_DELAY_S
            assert off_at - asked <= PREWARM_DELAY_S + 2.0
            await _until(lambda: bool(rig.energy.prewarms("desk", 0)), 5, "no pre-warm logged")
            [(start, end, _wh, followed)] = rig.energy.prewarms("desk", 0)
            assert not followed
            assert end - start >= PREWARM_DELAY_S - 0.5

    with _Sim(kind) as plug, PoweredPrinter(plug.is_on, boot_delay=BOOT_S) as device:
        asyncio.run(go(plug, device))


def test_prewarm_off_in_the_config_leaves_the_plug_alone(
    tmp_path: Path, get_ppd: GetPpd, avahi: None, lan_ip: str
) -> None:
    async def go(plug: _Sim, device: PoweredPrinter) -> None:
        async with running_rig(
            tmp_path, get_ppd("lj2100-pxlmono"), device, plug.table, prewarm=False
        ) as rig:
            assert "[PASS]" in await ipptool(rig.uri, GPA)
            await asyncio.sleep(1.5)
            assert rig.asked() == [Asked.DIALOG]
            assert not plug.is_on()

    with _Sim("shelly") as plug, PoweredPrinter(plug.is_on, boot_delay=BOOT_S) as device:
        asyncio.run(go(plug, device))


@pytest.mark.parametrize("where", ["lan", "host"])
def test_the_daemon_pre_warms_for_a_dialog_on_the_lan_and_on_the_host(
    tmp_path: Path, avahi: None, lan_ip: str, where: str
) -> None:
    """The whole server: a detected printer, a Shelly plug, a dialog on the LAN or the host.

    On the LAN with [server] hostname = "*"; on the host itself with the default
    "localhost", through the same front.  The daemon's own requests (the
    announcer's, at the start) must not count.
    """
    from tests.support.server import Daemon, Printer, kill_queues

    with ShellySim(gen=2, power_w=30.0) as plug:
        plug.is_on = False
        daemon = Daemon(
            tmp_path,
            "[power]\nidle_delay = 600\nfailsafe = 0\n"
            f"prewarm_delay = {PREWARM_DELAY_S}\n"
            f'[power.plugs.desk]\ntype = "shelly"\nhost = "127.0.0.1"\nport = {plug.port}\n'
            '[power.printers.HP_LaserJet_2100_Series]\nplug = "desk"\n',
            server_config='hostname = "*"\n' if where == "lan" else "",
        )
        try:
            daemon.start()
            with Printer(tmp_path / "jobs"):
                daemon.wait(daemon.running, 30, "a running queue")
                [queue] = daemon.running()
                host = lan_ip if where == "lan" else "127.0.0.1"
                uri = f"ipp://{host}:{queue['port']}/ipp/print"
                time.sleep(1.5)  # the LAN addresses are read when the daemon starts serving
                assert not plug.is_on
                asked = time.monotonic()
                assert "[PASS]" in asyncio.run(ipptool(uri, GPA))
                daemon.wait(lambda: plug.is_on, 5, "the plug on for the dialog")
                on_at = next(t for t, on in plug.switch_log if on)
                assert on_at - asked <= 1.0
                daemon.wait(lambda: not plug.is_on, PREWARM_DELAY_S + 10, "the pre-warm's end")
                off_at = plug.switch_log[-1][0]
                assert off_at - on_at >= PREWARM_DELAY_S - 0.5
                assert "print dialog at" in daemon.log.read_text()
                ended = "pre-warm ended without a job"  # logged just after the switch-off
                daemon.wait(lambda: ended in daemon.log.read_text(), 5, "the pre-warm logged")
        finally:
            daemon.stop()
            kill_queues(daemon.state)
