"""Readiness probes: a TCP port that opens late, USB rediscovery by serial or 1284 ID."""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from printerapp.cups import CupsDirs
from printerapp.power.readiness import (
    TcpProbe,
    UsbProbe,
    probe_for,
    usb_matches,
    wait_ready,
)
from tests.support.cupsd import free_port

HP_ID = "MFG:HP;MDL:LaserJet 2100;CMD:PJL,PCLXL;SN:CN123;"


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("socket://10.0.0.5", TcpProbe("10.0.0.5", 9100)),
        ("socket://10.0.0.5:9101", TcpProbe("10.0.0.5", 9101)),
        ("lpd://printer.lan/queue", TcpProbe("printer.lan", 515)),
        ("ipp://printer.lan/ipp/print", TcpProbe("printer.lan", 631)),
        ("ipps://printer.lan:8443/ipp/print", TcpProbe("printer.lan", 8443)),
        ("dnssd://HP._ipp._tcp.local/", None),
        ("file:///dev/null", None),
    ],
)
def test_probe_by_transport(uri: str, expected: TcpProbe | None) -> None:
    assert probe_for(uri) == expected


def test_usb_probe_uses_the_usb_backend() -> None:
    probe = probe_for("usb://HP/LaserJet%202100?serial=CN123", CupsDirs(Path("/x")))
    assert isinstance(probe, UsbProbe)
    assert probe.backend == Path("/x/backend/usb")


def test_usb_match_by_serial_in_uri_or_device_id() -> None:
    want = "usb://HP/LaserJet%202100?serial=CN123"
    assert usb_matches(want, "", "usb://HP/LaserJet%202100?serial=CN123", HP_ID)
    assert usb_matches(want, "", "usb://Hewlett-Packard/LJ2100", HP_ID)  # SN in the 1284 ID
    assert not usb_matches(want, "", "usb://HP/LaserJet%202100?serial=CN999", "")


def test_usb_match_never_by_model_substring() -> None:
    twin = "MFG:HP;MDL:LaserJet 2100;SN:OTHER;"
    assert not usb_matches("usb://HP/LaserJet%202100?serial=CN123", "", "usb://HP/x", twin)
    # by 1284 ID: manufacturer, model and serial must all be equal
    assert usb_matches(
        "usb://HP/LaserJet%202100", "MFG:HP;MDL:LaserJet 2100;", "u", "MFG:HP;MDL:LaserJet 2100;"
    )
    assert not usb_matches("usb://x", "MFG:HP;MDL:LaserJet;", "u", "MFG:HP;MDL:LaserJet 2100;")
    # no serial and no ID: only the exact URI
    assert usb_matches("usb://HP/LaserJet%202100", "", "usb://HP/LaserJet%202100", "")
    assert not usb_matches("usb://HP/LaserJet", "", "usb://HP/LaserJet%202100", "")


def _listen_later(port: int, after: float, stop: threading.Event) -> threading.Thread:
    def serve() -> None:
        if stop.wait(after):
            return
        with socket.create_server(("127.0.0.1", port)) as server:
            server.settimeout(0.05)
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    return thread


def test_tcp_port_that_opens_late() -> None:
    port = free_port()
    stop = threading.Event()
    thread = _listen_later(port, 0.5, stop)
    said: list[str] = []
    try:
        start = time.monotonic()
        ready = asyncio.run(wait_ready(TcpProbe("127.0.0.1", port), 10, said.append))
        took = time.monotonic() - start
    finally:
        stop.set()
        thread.join()
    assert ready
    assert 0.45 < took < 1.5  # no fixed sleep: ready within one probe interval
    assert said[:2] == [
        "STATE: +connecting-to-device",
        f"INFO: printer powering on (waiting for TCP 127.0.0.1:{port})",
    ]
    assert said[-1] == "STATE: -connecting-to-device"


def test_tcp_never_ready_gives_up_at_the_timeout() -> None:
    start = time.monotonic()
    assert not asyncio.run(wait_ready(TcpProbe("127.0.0.1", free_port()), 0.4))
    assert time.monotonic() - start < 2


def _fake_usb_backend(serverbin: Path, flag: Path) -> None:
    """A usb backend that lists the printer only once *flag* exists (it has booted)."""
    backend = serverbin / "backend" / "usb"
    backend.parent.mkdir(parents=True)
    line = f'direct usb://HP/LaserJet%202100?serial=CN123 "HP LaserJet 2100" "USB" "{HP_ID}" ""'
    twin_id = "MFG:HP;MDL:LaserJet 2100;SN:ZZ9;"
    twin = f'direct usb://HP/LaserJet%202100?serial=ZZ9 "HP LaserJet 2100" "twin" "{twin_id}" ""'
    backend.write_text(
        f"#!{sys.executable}\nimport pathlib\n"
        f"print({twin!r})\n"
        f"if pathlib.Path({str(flag)!r}).exists():\n    print({line!r})\n"
    )
    backend.chmod(0o755)


@pytest.mark.usefixtures("quick_timing")
def test_usb_printer_reappears_in_discovery(tmp_path: Path) -> None:
    flag = tmp_path / "booted"
    _fake_usb_backend(tmp_path / "sb", flag)
    probe = probe_for("usb://HP/LaserJet%202100?serial=CN123", CupsDirs(tmp_path / "sb"))
    assert isinstance(probe, UsbProbe)
    assert not asyncio.run(probe.ready())  # only its twin of the same model is there
    timer = threading.Timer(0.6, flag.touch)
    timer.start()
    try:
        assert asyncio.run(wait_ready(probe, 10))
    finally:
        timer.cancel()
        timer.join()
