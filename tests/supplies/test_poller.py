"""The poller against a real SNMP agent (snmpsim on loopback), a silent one and a broken one."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest

from printerapp.supplies import poller, snmp
from printerapp.supplies.parse import parse_report
from printerapp.supplies.poller import async_poll, poll, target_for_uri
from printerapp.supplies.records import SupplyReport
from printerapp.supplies.snmp import SnmpTarget
from tests.supplies.conftest import read_snmprec
from tests.support.snmpsim import SnmpSim, free_udp_port

RECORDED = [
    "hp-color-laserjet-m452nw",
    "brother-mfc-l2710dw",
    "sharp-mx-3570n",
    "xerox-altalink-c8045",
    "colour-laser-complete",
]


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the timing constants: a silent agent costs a fraction of a second."""
    monkeypatch.setattr(snmp, "REQUEST_TIMEOUT_S", 0.2)
    monkeypatch.setattr(snmp, "REQUEST_RETRIES", 0)
    monkeypatch.setattr(poller, "POLL_TIMEOUT_S", 1.0)


@pytest.fixture
def silent_agent() -> Iterator[int]:
    """A UDP port that takes requests and never answers (a firewall that drops)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


@pytest.mark.parametrize("version", ["1", "2c"])
@pytest.mark.parametrize("name", RECORDED)
def test_poll_over_snmp_matches_the_recording(snmpsim: SnmpSim, name: str, version: str) -> None:
    target = SnmpTarget("127.0.0.1", snmpsim.port, community=name, version=version)
    report = poll(target)
    assert report == parse_report(read_snmprec(name))
    assert report.supplies


def test_sharp_over_snmp(snmpsim: SnmpSim) -> None:
    report = poll(SnmpTarget("127.0.0.1", snmpsim.port, community="sharp-mx-3570n"))
    magenta = next(s for s in report.supplies if s.description == "Magenta Toner")
    assert (magenta.kind, magenta.level) == ("toner", 19)
    assert report.status.errors == ("lowToner",)


def test_garbage_agent_is_unknown(snmpsim: SnmpSim) -> None:
    report = poll(SnmpTarget("127.0.0.1", snmpsim.port, community="garbage"))
    assert [s.level for s in report.supplies] == [None, None, None]
    assert report.status.state == "unknown"
    assert report.alerts == ()


def test_wrong_community_is_unknown(snmpsim: SnmpSim, quick: None) -> None:
    # snmpsim, like a real agent, does not answer a community it does not know
    assert poll(SnmpTarget("127.0.0.1", snmpsim.port, community="nobody")) == SupplyReport()


@pytest.mark.usefixtures("quick")
def test_silent_agent_is_unknown_within_the_limit(silent_agent: int) -> None:
    started = time.monotonic()
    report = poll(SnmpTarget("127.0.0.1", silent_agent))
    assert report == SupplyReport()
    assert not report.known
    assert time.monotonic() - started < 2.0


@pytest.mark.usefixtures("quick")
def test_nothing_listening_is_unknown() -> None:
    started = time.monotonic()
    assert poll(SnmpTarget("127.0.0.1", free_udp_port(), version="1")) == SupplyReport()
    assert time.monotonic() - started < 2.0


def test_overall_limit_bounds_a_slow_poll(silent_agent: int) -> None:
    # per-request timeouts left long: the poll's own limit ends it
    started = time.monotonic()
    report = poll(SnmpTarget("127.0.0.1", silent_agent), limit_s=0.3)
    assert report == SupplyReport()
    assert time.monotonic() - started < 1.5


def test_unresolvable_host_is_unknown(quick: None) -> None:
    assert poll(SnmpTarget("no-such-printer.invalid")) == SupplyReport()


def test_cancellation_passes_through(silent_agent: int) -> None:
    async def main() -> None:
        task = asyncio.create_task(async_poll(SnmpTarget("127.0.0.1", silent_agent)))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_polls_run_side_by_side(snmpsim: SnmpSim) -> None:
    async def main() -> list[SupplyReport]:
        targets = [SnmpTarget("127.0.0.1", snmpsim.port, community=n) for n in RECORDED]
        return await asyncio.gather(*(async_poll(t) for t in targets))

    reports = asyncio.run(main())
    assert [len(r.supplies) for r in reports] == [4, 2, 14, 12, 14]


@pytest.mark.parametrize(
    ("uri", "host"),
    [
        ("socket://192.0.2.7:9100", "192.0.2.7"),
        ("lpd://printer.example/queue", "printer.example"),
        ("ipp://[2001:db8::1]:631/ipp/print", "2001:db8::1"),
        ("ipps://user:secret@laser.lan/ipp/print", "laser.lan"),
        ("usb://HP/LaserJet?serial=1", None),
        ("file:///dev/null", None),
        ("dnssd://Laser._ipp._tcp.local./?uuid=1", None),
        ("socket://", None),
        ("", None),
        (None, None),
    ],
)
def test_target_for_uri(uri: str | None, host: str | None) -> None:
    target = target_for_uri(uri)
    assert (target.host if target else None) == host


def test_bad_target_is_refused() -> None:
    from printerapp.errors import SuppliesError

    with pytest.raises(SuppliesError, match="version"):
        SnmpTarget("127.0.0.1", version="3")
    with pytest.raises(SuppliesError, match="port"):
        SnmpTarget("127.0.0.1", port=0)


def test_walk_is_bounded_in_requests(snmpsim: SnmpSim, monkeypatch: pytest.MonkeyPatch) -> None:
    # an agent whose table never ends is cut off after MAX_CALLS requests per table
    monkeypatch.setattr(snmp, "MAX_CALLS", 3)
    target = SnmpTarget("127.0.0.1", snmpsim.port, community="sharp-mx-3570n", version="1")
    report = poll(target)
    assert report.supplies == ()  # 3 GETNEXTs reach only the type column: no descriptions
    assert report.status.errors == ("lowToner",)
