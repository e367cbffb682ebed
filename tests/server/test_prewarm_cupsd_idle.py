"""CUPS's own polls of a queue do not pre-warm: a private cupsd idle for 10 minutes of its time.

A private cupsd 2.4 gets an ``lpadmin -m everywhere`` queue pointing at our
queue through its front on the LAN.  Creating it asks for everything, as a
dialog does (one pre-warm, which then ends).  Then the cupsd idles for
:data:`IDLE_CUPSD_S` of *its own* time: it runs under libfaketime (Debian's
``faketime``) :data:`SPEED` times faster than the wall clock, so its timers,
its ``time()`` and its ``epoll_wait`` timeouts all run fast and ten minutes
pass in one real minute.  The queue's ``printer-current-time``, read from
that cupsd before and after, shows that the ten minutes passed for it.  The
plug must stay off, and nothing the cupsd sent may count as a dialog.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from printerapp.power.prewarm import Asked
from tests.support.cupsd import PrivateCupsd
from tests.support.plugsim.shelly_sim import ShellySim
from tests.support.powered import PoweredPrinter
from tests.support.prewarmrig import ipptool, lan_address, running_rig

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.timeout(240)]

GetPpd = Callable[[str], Path]
#: how much faster the cupsd's clock runs than the wall clock
SPEED = 10
#: the cupsd's idle time, in its own (fast) seconds: ten minutes
IDLE_CUPSD_S = 600.0
PREWARM_DELAY_S = 3.0
BOOT_S = 1.5
CLOCK = """{
  OPERATION Get-Printer-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR keyword requested-attributes printer-current-time
  STATUS successful-ok
}
"""


@pytest.fixture
def lan_ip() -> Iterator[str]:
    with lan_address() as address:
        yield address


def _faketime() -> list[str]:
    found = shutil.which("faketime")
    if found is None:
        pytest.fail("faketime is missing: apt-get install faketime (scripts/setup.sh)")
    return [found, "-f", f"+0 x{SPEED}"]


async def _cupsd_clock(cups: PrivateCupsd, queue: str, test: Path) -> float:
    """Return the cupsd's own time, from its queue's printer-current-time."""
    out = await ipptool(f"{cups.server_uri}/printers/{queue}", str(test))
    found = re.search(r"printer-current-time \(dateTime\) = (\S+)", out)
    assert found, out
    return dt.datetime.fromisoformat(found.group(1)).timestamp()


async def _until(what: Callable[[], bool], within: float, message: str) -> None:
    deadline = time.monotonic() + within
    while not what():
        assert time.monotonic() < deadline, message
        await asyncio.sleep(0.05)


def test_an_idle_cupsd_everywhere_queue_does_not_switch_the_plug_on(
    tmp_path: Path, get_ppd: GetPpd, avahi: None, lan_ip: str
) -> None:
    clock_test = tmp_path / "clock.test"
    clock_test.write_text(CLOCK)

    async def go(plug: ShellySim, device: PoweredPrinter, cups: PrivateCupsd) -> None:
        async with running_rig(
            tmp_path, get_ppd("lj2100-pxlmono"), device, _table(plug), prewarm_delay=PREWARM_DELAY_S
        ) as rig:
            await asyncio.to_thread(
                cups.lpadmin, "-p", "office", "-E", "-v", rig.uri, "-m", "everywhere"
            )
            # creating the queue asks for everything, as a dialog does: one pre-warm
            assert Asked.DIALOG in [a for _t, a, _h in rig.seen]
            await _until(lambda: plug.is_on, 5, "no pre-warm for the queue's creation")
            controller = rig.power.controllers["desk"]
            await _until(
                lambda: not plug.is_on and controller.switches[-1][1] is False,
                PREWARM_DELAY_S + 10,
                "on after the creation",
            )
            switches = len(controller.switches)
            idle_from = time.monotonic()
            cupsd_from = await _cupsd_clock(cups, "office", clock_test)
            while time.monotonic() - idle_from < IDLE_CUPSD_S / SPEED:
                assert not plug.is_on, "an idle cupsd queue switched the plug on"
                await asyncio.sleep(0.2)
            cupsd_idle = await _cupsd_clock(cups, "office", clock_test) - cupsd_from
            idle = [a for t, a, _h in rig.seen if t >= idle_from]
            print(
                f"\ncupsd idle {cupsd_idle:.0f} s of its time in "
                f"{time.monotonic() - idle_from:.1f} s; requests it sent: {idle}"
            )
            assert cupsd_idle >= IDLE_CUPSD_S
            assert Asked.DIALOG not in idle
            assert len(controller.switches) == switches
            assert not plug.is_on

    with (
        ShellySim(gen=2, power_w=30.0) as plug,
        PoweredPrinter(lambda: plug.is_on, boot_delay=BOOT_S) as device,
        PrivateCupsd(tmp_path / "cups", prefix=_faketime()) as cups,
    ):
        plug.is_on = False
        asyncio.run(go(plug, device, cups))


def _table(plug: ShellySim) -> str:
    return f'[power.plugs.desk]\ntype = "shelly"\nhost = "127.0.0.1"\nport = {plug.port}\n'
