"""Two identical network printers without serial numbers, announced over mDNS, end to end.

The same TXT record (make, model, no serial) from two addresses under two
instance names, as two printers of one model on a LAN announce themselves:
the real daemon gives each its own queue, name and port, keeps them across
its restart, and removes only the queue of the one that goes.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from zeroconf import IPVersion, ServiceInfo, Zeroconf

from tests.support.server import Daemon, kill_queues

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

SERVICE = "_pdl-datastream._tcp.local."
TXT = {
    "txtvers": "1",
    "ty": "HP LaserJet 2100",
    "product": "(HP LaserJet 2100)",
    "usb_MFG": "Hewlett-Packard",
    "usb_MDL": "HP LaserJet 2100",
    "usb_CMD": "PJL,PCLXL,PCL",
}
# as avahi renames the second printer of one name on a LAN
TWINS = {"HP LaserJet 2100": "127.0.0.2", "HP LaserJet 2100 #2": "127.0.0.3"}


def _info(instance: str, address: str) -> ServiceInfo:
    return ServiceInfo(
        SERVICE,
        f"{instance}.{SERVICE}",
        addresses=[socket.inet_aton(address)],
        port=9100,
        properties=TXT,
        server=f"twin-{address.rsplit('.', 1)[1]}.local.",
    )


@pytest.fixture
def zeroconf() -> Iterator[Zeroconf]:
    zc = Zeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    try:
        yield zc
    finally:
        zc.close()


def _queues(daemon: Daemon) -> dict[str, tuple[str, int]]:
    """Return the running queues by device URI: (name, port)."""
    return {p["device_uri"]: (p["name"], p["port"]) for p in daemon.running()}


@pytest.mark.timeout(120)
def test_two_identical_announcements_get_a_queue_each(tmp_path: Path, zeroconf: Zeroconf) -> None:
    daemon = Daemon(tmp_path)
    infos = {name: _info(name, address) for name, address in TWINS.items()}
    try:
        daemon.start()
        for info in infos.values():
            zeroconf.register_service(info, cooperating_responders=True)
        daemon.wait(lambda: len(_queues(daemon)) == 2, 30, "two running queues")
        first = _queues(daemon)
        assert len({name for name, _ in first.values()}) == 2
        assert len({port for _, port in first.values()}) == 2
        # a restart finds both again under the same names and ports (state.json)
        daemon.stop()
        daemon.start()
        daemon.wait(lambda: len(_queues(daemon)) == 2, 30, "two queues after the restart")
        assert _queues(daemon) == first
        # the second printer goes: only its queue goes
        zeroconf.unregister_service(infos["HP LaserJet 2100 #2"])
        daemon.wait(lambda: len(daemon.printers()) == 1, 30, "one queue left")
        [(uri, kept)] = _queues(daemon).items()
        assert "HP%20LaserJet%202100._pdl" in uri
        assert kept == first[uri]
    finally:
        zeroconf.unregister_all_services()
        daemon.stop()
        kill_queues(daemon.state)
