"""A pre-warm rig: a real queue behind a plug simulator, reached through its front on the LAN.

The queue is a real ippeveprinter running ``printerapp-ippprint`` with the
plug in its environment (as the manager starts it), printing to a
:class:`~tests.support.powered.PoweredPrinter` that boots *boot* seconds
after its plug goes on.  The daemon's side is the real
:class:`~printerapp.server.power.ServerPower` and
:class:`~printerapp.manager.front.QueueFront`, the front listening on a
veth's address (:func:`lan_address`) inside the test's private
network namespace, so clients reach the queue the way LAN clients do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from printerapp.config import load_config
from printerapp.ipp.peek import IppRequestHead
from printerapp.manager.front import QueueFront
from printerapp.manager.runner import PrinterInfo
from printerapp.power.energy import EnergyLog
from printerapp.power.hook import PLUG_ENV, SOCKET_ENV
from printerapp.power.prewarm import Asked
from printerapp.server.power import ServerPower
from tests.ippprint.test_e2e_ippeveprinter import TESTPAGE, Printer
from tests.support.cupsd import free_port
from tests.support.powered import PoweredPrinter

#: the veth's address: local to the namespace, never on a wire
LAN_ADDRESS = "10.211.0.1"
_LINK, _PEER = "pwtest0", "pwtest1"
PRINTER = "Prewarm"


def _links() -> list[str]:
    out = subprocess.run(["ip", "-j", "link"], capture_output=True, text=True, check=True).stdout
    return [link["ifname"] for link in json.loads(out)]


@contextlib.contextmanager
def lan_address() -> Iterator[str]:
    """Give the private network namespace a non-loopback address (on a veth pair in it)."""
    others = [name for name in _links() if name not in ("lo", _LINK, _PEER)]
    if others:
        raise RuntimeError(
            f"not in a private network namespace (links {others}): use in-private-net"
        )
    # no dummy driver here; a veth pair with both ends in the namespace does the same
    subprocess.run(
        ["ip", "link", "add", _LINK, "type", "veth", "peer", "name", _PEER],
        check=False,
        capture_output=True,
    )
    subprocess.run(["ip", "addr", "add", f"{LAN_ADDRESS}/24", "dev", _LINK], check=False)
    for link in (_LINK, _PEER):
        # no IPv6 link-local address: it would be tentative for a while, and unused
        subprocess.run(["ip", "link", "set", link, "addrgenmode", "none"], check=False)
        subprocess.run(["ip", "link", "set", link, "up"], check=True)
    try:
        yield LAN_ADDRESS
    finally:
        subprocess.run(["ip", "link", "del", _LINK], check=False)


def rig_config(plug_toml: str, *, prewarm: bool, prewarm_delay: float) -> str:
    """Return the configuration of the rig's printer and plug."""
    return (
        f"[power]\nidle_delay = 600\nfailsafe = 0\nready_timeout = 60\nenergy_sample = 1\n"
        f"prewarm = {str(prewarm).lower()}\nprewarm_delay = {prewarm_delay}\n"
        f'[power.printers.{PRINTER}]\nplug = "desk"\n'
        f"[cups_power]\npoll_interval = 1\n{plug_toml}"
    )


@dataclass
class Rig:
    """The running rig; :attr:`seen` lists every request the front saw, classified."""

    printer: Printer
    power: ServerPower
    front: QueueFront
    address: str
    energy: EnergyLog
    #: the front's port, the queue's public one (ippeveprinter listens on printer.port)
    port: int = 0
    seen: list[tuple[float, Asked, IppRequestHead]] = field(default_factory=list)

    @property
    def uri(self) -> str:
        return f"ipp://{self.address}:{self.port}/ipp/print"

    def asked(self, since: float = 0.0) -> list[Asked]:
        """Return what the Get-Printer-Attributes seen since *since* meant for pre-warm.

        Other operations (the power watch's own Get-Jobs, jobs) are left out.
        """
        return [a for t, a, _head in self.seen if t >= since and a is not Asked.OTHER]

    def observe(self, port: int, head: IppRequestHead, peer: str) -> None:
        self.seen.append((time.monotonic(), self.power.observe(port, head, peer), head))


@contextlib.asynccontextmanager
async def running_rig(
    workdir: Path,
    ppd: Path,
    device: PoweredPrinter,
    plug_toml: str,
    *,
    prewarm: bool = True,
    prewarm_delay: float = 120.0,
) -> AsyncIterator[Rig]:
    """Start the queue, the power watch and the front; stop them at the end."""
    config_path = workdir / "printerapp.toml"
    config_path.write_text(rig_config(plug_toml, prewarm=prewarm, prewarm_delay=prewarm_delay))
    state = workdir / "state"
    state.mkdir()
    env = {
        "DEVICE_URI": device.uri,
        PLUG_ENV: "desk",
        SOCKET_ENV: str(state / "power.sock"),
        "PRINTERAPP_CONFIG": str(config_path),
    }
    printer = await asyncio.to_thread(Printer, workdir / "queue", ppd, env)
    public = free_port()
    info = PrinterInfo(
        PRINTER,
        PRINTER,
        printer.uri,
        public,
        "running",
        "",
        device.uri,
        "",
        "",
        "manual",
        printer.proc.pid if printer.proc else None,
    )
    energy = EnergyLog(state / "energy.sqlite3")
    power = ServerPower(load_config(config_path), energy, lambda: [info], state)
    rig = Rig(printer, power, QueueFront(), LAN_ADDRESS, energy, port=public)
    rig.front.observer = rig.observe
    stop = asyncio.Event()
    await rig.front.open(rig.port, printer.port)
    await rig.front.set_lan([(LAN_ADDRESS, socket.AF_INET)])
    tasks = [asyncio.create_task(power.run(stop))]
    try:
        deadline = time.monotonic() + 10
        while not power.controllers:
            assert time.monotonic() < deadline, "the plug was not set up"
            await asyncio.sleep(0.05)
        yield rig
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await rig.front.close_all()
        await asyncio.to_thread(printer.stop)
        energy.close()


async def ipptool(uri: str, *args: str) -> str:
    """Run ipptool against *uri* (in a thread: it blocks); return its output."""
    done = await asyncio.to_thread(
        subprocess.run,
        ["ipptool", "-T", "10", "-tv", uri, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout + done.stderr


async def print_testpage(rig: Rig) -> str:
    """Print CUPS's test page through the rig's front with ipptool; return ipptool's output."""
    return await ipptool(
        rig.uri,
        "-f",
        str(TESTPAGE),
        "-d",
        "filetype=application/pdf",
        str(rig.printer.workdir / "print.test"),
    )
