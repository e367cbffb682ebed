"""The power-on hook inside ``printerapp ippprint``: scenarios 1 and 4, and the retry exit."""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from printerapp.cups import BackendStatus
from printerapp.ippprint.main import run_document
from printerapp.power.events import JobEvent, open_listener
from tests.support.plugsim.shelly_sim import ShellySim
from tests.support.powered import PoweredPrinter, plug_table

DOC = b"\x1b%-12345X@PJL JOB\r\nhello printer\r\n"


@pytest.fixture
def document(tmp_path: Path) -> Path:
    doc = tmp_path / "spool" / "7-report.prn"
    doc.parent.mkdir()
    doc.write_bytes(DOC)
    return doc


def _config(tmp_path: Path, plug: str, extra: str = "") -> Path:
    path = tmp_path / "printerapp.toml"
    path.write_text(f"[power]\nready_timeout = 10\n{extra}\n{plug}")
    return path


def _env(config: Path, uri: str, plug: str = "desk") -> dict[str, str]:
    return {
        "DEVICE_URI": uri,
        "CONTENT_TYPE": "application/vnd.cups-raw",
        "IPP_JOB_ID": "7",
        "PRINTER": "office",
        "PRINTERAPP_PLUG": plug,
        "PRINTERAPP_CONFIG": str(config),
    }


@pytest.fixture
def events(tmp_path: Path) -> Iterator[socket.socket]:
    sock = open_listener(tmp_path / "power.sock")
    yield sock
    sock.close()


def _received(sock: socket.socket) -> list[JobEvent]:
    found = []
    while True:
        try:
            found.append(JobEvent.decode(sock.recv(4096)))
        except BlockingIOError:
            return found


def test_job_while_off_powers_on_waits_and_prints(
    tmp_path: Path, document: Path, events: socket.socket
) -> None:
    relay = tmp_path / "relay"
    config = _config(tmp_path, plug_table(relay), f'events_socket = "{tmp_path / "power.sock"}"')
    status = io.BytesIO()
    with PoweredPrinter(relay, boot_delay=0.8) as printer:
        rc = run_document(document, _env(config, printer.uri), status=status)
        jobs = printer.wait_for_jobs(1, 10)
    lines = status.getvalue().decode().splitlines()
    assert rc == 0, lines
    assert jobs == [DOC]
    assert relay.read_text() == "on"
    assert "INFO: switching on plug desk" in lines
    assert any(line.startswith("INFO: printer powering on") for line in lines)
    assert printer.ready_at is not None
    assert printer.job_connected_at[0] >= printer.ready_at  # the sink opened after power-on
    got = _received(events)
    assert [(e.event, e.printer, e.plug, e.job_id, e.status) for e in got] == [
        ("job-start", "office", "desk", "7", None),
        ("job-end", "office", "desk", "7", 0),
    ]


def test_printer_already_on_leaves_the_plug_alone(tmp_path: Path, document: Path) -> None:
    relay = tmp_path / "relay"
    relay.write_text("on")
    status = io.BytesIO()
    with PoweredPrinter(relay, boot_delay=0) as printer:
        while not printer.listening:
            time.sleep(0.01)
        rc = run_document(
            document, _env(_config(tmp_path, plug_table(relay)), printer.uri), status=status
        )
        assert printer.wait_for_jobs(1, 10) == [DOC]
    assert rc == 0
    assert "switching on" not in status.getvalue().decode()


def test_unreachable_plug_still_prints_when_the_printer_is_up(
    tmp_path: Path, document: Path
) -> None:
    """Scenario 4: the plug never answers, the printer is on anyway: the job prints."""
    dead = (
        '[power.plugs.desk]\ntype = "command"\ntimeout = 1\n'
        'on = ["/bin/false"]\noff = ["/bin/false"]\nstate = ["/bin/false"]\n'
    )
    relay = tmp_path / "relay"
    relay.write_text("on")  # someone switched the printer on by hand
    status = io.BytesIO()
    with PoweredPrinter(relay, boot_delay=0.3) as printer:
        rc = run_document(document, _env(_config(tmp_path, dead), printer.uri), status=status)
        assert printer.wait_for_jobs(1, 10) == [DOC]
    assert rc == 0


def test_not_ready_in_time_keeps_the_job_for_a_retry(tmp_path: Path, document: Path) -> None:
    relay = tmp_path / "relay"
    config = _config(
        tmp_path,
        plug_table(relay) + '\n[power.printers.office]\nplug = "desk"\nready_timeout = 0.5\n',
    )
    status = io.BytesIO()
    with PoweredPrinter(relay, boot_delay=30) as printer:
        rc = run_document(document, _env(config, printer.uri), status=status)
    lines = status.getvalue().decode().splitlines()
    assert rc == BackendStatus.RETRY
    assert any("not ready 0.5 s after power-on" in line for line in lines)
    assert (document.parent / "retry" / document.name).read_bytes() == DOC


def test_no_plug_variable_means_no_power_control(tmp_path: Path, document: Path) -> None:
    relay = tmp_path / "relay"
    env = _env(_config(tmp_path, plug_table(relay)), "socket://127.0.0.1:9")
    del env["PRINTERAPP_PLUG"]
    env["DEVICE_URI"] = f"file://{tmp_path / 'out.prn'}"
    assert run_document(document, env, status=io.BytesIO()) == 0
    assert not relay.exists()
    assert (tmp_path / "out.prn").read_bytes() == DOC


@pytest.mark.usefixtures("quick_timing")
def test_flaky_plug_loses_no_job(tmp_path: Path, document: Path) -> None:
    """Scenario 5 on the job side: a Shelly dropping 30 % of requests, every job printed."""
    with ShellySim(gen=2, drop_percent=30, seed=5) as sim:
        plug = (
            '[power.plugs.desk]\ntype = "shelly"\nhost = "127.0.0.1"\n'
            f"port = {sim.port}\ngen = 2\ntimeout = 0.3\n"
        )
        config = _config(tmp_path, plug)
        with PoweredPrinter(lambda: sim.is_on, boot_delay=0.2) as printer:
            codes = []
            for n in range(5):
                if n == 3:  # switched off between jobs: the next one powers it again
                    sim.is_on = False
                    while printer.listening:
                        time.sleep(0.01)
                env = {**_env(config, printer.uri), "IPP_JOB_ID": str(n)}
                codes.append(run_document(document, env, status=io.BytesIO()))
            jobs = printer.wait_for_jobs(5, 20)
        dropped = len(sim.requests)
    assert codes == [0] * 5
    assert jobs == [DOC] * 5
    assert dropped > 0


def test_broken_power_settings_cost_no_job(tmp_path: Path, document: Path) -> None:
    relay = tmp_path / "relay"
    relay.write_text("on")
    config = _config(tmp_path, plug_table(relay), "idle_delay = 'soon'")
    status = io.BytesIO()
    with PoweredPrinter(relay, boot_delay=0) as printer:
        while not printer.listening:
            time.sleep(0.01)
        rc = run_document(document, _env(config, printer.uri), status=status)
        assert printer.wait_for_jobs(1, 10) == [DOC]
    assert rc == 0
    assert "WARNING: power control off for this job" in status.getvalue().decode()
