"""After each job the job runner reports its network printer's supplies to ippeveprinter."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from printerapp.supplies import poller, snmp
from printerapp.supplies.job import job_status_lines, job_target
from tests.support.ippevequeue import Queue, attributes, listed
from tests.support.sink import TcpSink
from tests.support.snmpsim import SnmpSim

IPPPRINT = Path(sys.executable).parent / "printerapp-ippprint"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEVICE_URI": "socket://10.0.0.9:9100"}, ("10.0.0.9", 161, "public", "2c")),
        (
            {
                "DEVICE_URI": "lpd://laser/q",
                "PRINTERAPP_SNMP_COMMUNITY": "office",
                "PRINTERAPP_SNMP_PORT": "1161",
                "PRINTERAPP_SNMP_VERSION": "1",
            },
            ("laser", 1161, "office", "1"),
        ),
        ({"DEVICE_URI": "socket://10.0.0.9", "PRINTERAPP_SNMP": "off"}, None),
        ({"DEVICE_URI": "usb://HP/LaserJet"}, None),
        ({}, None),
        ({"DEVICE_URI": "socket://h", "PRINTERAPP_SNMP_PORT": "x"}, None),
        ({"DEVICE_URI": "socket://h", "PRINTERAPP_SNMP_PORT": "70000"}, None),
        ({"DEVICE_URI": "socket://h", "PRINTERAPP_SNMP_VERSION": "3"}, None),
    ],
)
def test_job_target(env: dict[str, str], expected: tuple[str, int, str, str] | None) -> None:
    target = job_target(env)
    got = (target.host, target.port, target.community, target.version) if target else None
    assert got == expected


@pytest.fixture
def silent_agent() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


def test_silent_printer_gives_no_lines(monkeypatch: pytest.MonkeyPatch, silent_agent: int) -> None:
    monkeypatch.setattr(snmp, "REQUEST_TIMEOUT_S", 0.2)
    monkeypatch.setattr(poller, "POLL_TIMEOUT_S", 0.5)
    env = {"DEVICE_URI": "socket://127.0.0.1:9100", "PRINTERAPP_SNMP_PORT": str(silent_agent)}
    assert job_status_lines(env) == []


def test_job_lines_from_snmpsim(snmpsim: SnmpSim) -> None:
    env = {
        "DEVICE_URI": "socket://127.0.0.1:9100",
        "PRINTERAPP_SNMP_PORT": str(snmpsim.port),
        "PRINTERAPP_SNMP_COMMUNITY": "brother-mfc-l2710dw",
    }
    lines = job_status_lines(env)
    assert "ATTR: marker-levels=-1,96" in lines
    assert "ATTR: marker-types=toner,opc" in lines
    assert lines[-1].startswith("STATE: -cover-open,")  # nothing wrong: every reason cleared


@pytest.mark.e2e
@pytest.mark.needs_root
def test_printed_job_updates_the_queues_supplies(
    queue: Callable[..., Queue], snmpsim: SnmpSim
) -> None:
    with TcpSink() as sink:
        env = {
            "PRINTERAPP_SNMP": "on",  # tests/conftest.py turns it off for every other test
            "DEVICE_URI": sink.uri,
            "PRINTERAPP_SNMP_PORT": str(snmpsim.port),
            "PRINTERAPP_SNMP_COMMUNITY": "sharp-mx-3570n",
        }
        q = queue(IPPPRINT, env)
        assert q.print_and_wait() == "completed"
        assert sink.wait_for_jobs(1)[0].startswith(b"%PDF")  # the job itself went through
    attrs = attributes(q)
    assert len(listed(attrs["printer-supply"])) == 14
    assert listed(attrs["marker-names"])[:2] == ["Cyan Toner", "Magenta Toner"]
    assert listed(attrs["marker-levels"])[:4] == [55, 19, 40, 34]
    # the Sharp's lowToner bit; ippeveprinter adds the severity suffix itself
    assert listed(attrs["printer-state-reasons"]) == ["toner-low-report"]
