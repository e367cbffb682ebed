"""deviced: scripted backends (realistic, hostile, hanging, huge) and the real ones."""

from __future__ import annotations

import asyncio
import os
import pwd
import time
from pathlib import Path

import pytest

from printerapp.detection import deviced
from printerapp.detection.deviced import SchemeFilter, list_backends, scan
from printerapp.detection.records import Transport
from tests.support.backends import (
    HANG,
    HOSTILE,
    HUGE,
    REALISTIC,
    SIMPLE,
    WHOAMI,
    backend_dir,
    pid_alive,
)

ROOT_ONLY = 0o700


def test_scheme_filter_parses_include_and_exclude() -> None:
    assert SchemeFilter.parse("+usb,serial") == SchemeFilter(frozenset({"usb", "serial"}))
    assert SchemeFilter.parse("-dnssd,usb") == SchemeFilter(None, frozenset({"dnssd", "usb"}))
    assert SchemeFilter.parse("") == SchemeFilter()
    assert SchemeFilter.parse("+usb").plus(["hp"]).allows("hp")
    narrowed = SchemeFilter(exclude=frozenset({"snmp"})).narrow(SchemeFilter.parse("+snmp,usb"))
    assert (narrowed.allows("snmp"), narrowed.allows("usb"), narrowed.allows("lpd")) == (
        False,
        True,
        False,
    )


def test_names_are_matched_exactly_not_by_prefix() -> None:
    scripts = {n: (SIMPLE.format(name=n), ROOT_ONLY) for n in ("hp", "hpfax", "usb", "usbx")}
    with backend_dir(scripts) as root:
        assert [p.name for p in list_backends(root, SchemeFilter.parse("+hp,usb"))] == ["hp", "usb"]
        assert [p.name for p in list_backends(root, SchemeFilter.parse("-hp"))] == [
            "hpfax",
            "usb",
            "usbx",
        ]
        result = asyncio.run(scan(root, SchemeFilter.parse("+hp")))
    assert [d.uri for d in result.devices] == ["hp://host"]
    assert result.scanned == result.complete == {"hp"}


def test_skips_what_cups_deviced_skips() -> None:
    scripts = {
        "ok": (SIMPLE.format(name="ok"), ROOT_ONLY),
        ".hidden": (SIMPLE.format(name="hidden"), ROOT_ONLY),
        "noexec": (SIMPLE.format(name="noexec"), 0o600),
        "groupwritable": (SIMPLE.format(name="gw"), 0o775),
    }
    with backend_dir(scripts) as root:
        names = [p.name for p in list_backends(root, SchemeFilter())]
    # As root, a group-writable program is refused, as cupsd refuses it.
    assert names == (["ok"] if os.geteuid() == 0 else ["groupwritable", "ok"])


def test_realistic_lines_become_devices_and_unknown_is_dropped() -> None:
    with backend_dir({"fake": (REALISTIC, ROOT_ONLY)}) as root:
        result = asyncio.run(scan(root, SchemeFilter()))
    by_uri = {d.uri: d for d in result.devices}
    assert set(by_uri) == {"usb://HP/LaserJet%202100?serial=00XY123", "socket://192.168.7.20"}
    usb = by_uri["usb://HP/LaserJet%202100?serial=00XY123"]
    assert (usb.transport, usb.serial, usb.source) == (Transport.USB, "00XY123", "fake")
    assert usb.device_id.model == "HP LaserJet 2100"
    net = by_uri["socket://192.168.7.20"]
    assert (net.transport, net.host, net.location) == (
        Transport.NETWORK,
        "192.168.7.20",
        "2nd floor",
    )
    assert result.runs[0].errors == ()


def test_hostile_lines_are_cleaned_reported_and_never_run(caplog: pytest.LogCaptureFixture) -> None:
    canary = Path("/tmp/printerapp-pwned")
    canary.unlink(missing_ok=True)
    with backend_dir({"evil": (HOSTILE, ROOT_ONLY)}) as root:
        result = asyncio.run(scan(root, SchemeFilter()))
    assert not canary.exists()
    by_host = {d.uri.split("/")[2]: d for d in result.devices}
    assert set(by_host) == {"Evil", "Ctl", "Bad", "Long", "After"}
    assert by_host["Evil"].make_and_model == "$(touch /tmp/printerapp-pwned); `id` | rm -rf /"
    assert by_host["Ctl"].make_and_model == "Ctl [31mRed"
    assert by_host["Bad"].make_and_model == "Bad \ufffd\ufffd UTF-8 \ufffd\ufffd"
    assert len(by_host["Long"].make_and_model) == 1023
    assert len(str(by_host["Long"].device_id)) <= 4096
    errors = result.runs[0].errors
    assert len(errors) == 2  # the plain-text line and the unterminated one
    assert all(e.startswith("backend evil: ") for e in errors)
    assert "backend evil" in caplog.text


def test_hanging_backend_and_its_group_are_killed_at_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scripts = {"hang": (HANG, ROOT_ONLY), "fake": (REALISTIC, ROOT_ONLY)}
    with backend_dir(scripts) as root:
        start = time.monotonic()
        result = asyncio.run(scan(root, SchemeFilter(), limit_s=1.0))
        elapsed = time.monotonic() - start
        grandchild = int((root / "grandchild.pid").read_text())
    assert elapsed < 3.0
    assert result.scanned == {"hang", "fake"}
    assert result.complete == {"fake"}
    hang = next(r for r in result.runs if r.name == "hang")
    assert hang.timed_out
    assert [x.uri for x in hang.lines] == ["socket://10.9.9.9"]  # read while it ran
    deadline = time.monotonic() + 2
    while pid_alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not pid_alive(grandchild), "the backend's grandchild outlived the timeout"


def test_output_beyond_64k_never_blocks() -> None:
    with backend_dir({"huge": (HUGE, ROOT_ONLY)}) as root:
        start = time.monotonic()
        result = asyncio.run(scan(root, SchemeFilter(), limit_s=20))
    assert time.monotonic() - start < 10
    run = result.runs[0]
    assert not run.timed_out
    assert run.returncode == 0
    assert len(run.lines) == deviced.MAX_DEVICES
    assert any("line too long" in e for e in run.errors)


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping to lp needs root")
def test_backend_open_to_others_runs_as_lp_and_owner_only_as_root() -> None:
    scripts = {"whoami": (WHOAMI, 0o755), "rootonly": (WHOAMI, 0o744)}
    with backend_dir(scripts) as root:
        result = asyncio.run(scan(root, SchemeFilter()))
    uids = {d.source: d.info for d in result.devices}
    assert uids == {"whoami": f"uid {pwd.getpwnam('lp').pw_uid}", "rootonly": "uid 0"}


@pytest.mark.e2e
def test_real_installed_backends_scan_within_the_timeout(cups_dirs: object) -> None:
    selection = SchemeFilter.parse("-dnssd,mdns,driverless,driverless-fax")
    start = time.monotonic()
    result = asyncio.run(scan(Path("/usr/lib/cups/backend"), selection, limit_s=15))
    assert time.monotonic() - start < 16
    assert {"usb", "snmp", "socket", "lpd", "serial", "cups-brf"} <= result.scanned
    assert "cups-brf:/" in {d.uri for d in result.devices}
    # Bare-scheme lines ("network socket ...") parse and are dropped as Unknown.
    assert not any(r.errors for r in result.runs if r.name in ("socket", "ipp", "lpd"))
