"""The ``power:`` backend wrapper as CUPS runs it: URIs, discovery, power-on, exec, exit codes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.config import load_config
from printerapp.cups import BackendStatus
from printerapp.errors import ConfigError
from printerapp.power.backend_wrapper import (
    discovery_lines,
    find_plug,
    runs_as_root,
    unwrap_uri,
    wrap_uri,
)
from tests.support.powered import PoweredPrinter, plug_table

WRAPPER = Path(sys.executable).parent / "printerapp-backend"
DOC = b"%!PS\n(hello) show showpage\n"


def test_wrap_example() -> None:
    assert wrap_uri("socket://192.168.0.20:9100") == "power:/socket%3A%2F%2F192.168.0.20%3A9100"
    assert unwrap_uri("power:/usb%3A%2F%2FHP%2FLaserJet%25202100%3Fserial%3DCN1") == (
        "usb://HP/LaserJet%202100?serial=CN1"
    )


@given(st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=60))
def test_wrap_round_trip(rest: str) -> None:
    real = f"socket://{rest}"
    assert unwrap_uri(wrap_uri(real)) == real


@pytest.mark.parametrize("uri", ["socket://x", "power:/power%3A%2Fx", "power:/%20nothing"])
def test_bad_power_uris(uri: str) -> None:
    with pytest.raises(ConfigError):
        unwrap_uri(uri)


def test_cupsd_root_rule() -> None:
    assert runs_as_root(0o100700)
    assert runs_as_root(0o100740)
    assert not runs_as_root(0o100744)
    assert not runs_as_root(0o100755)
    assert not runs_as_root(0o100770)


def _config(tmp_path: Path, relay: Path, real_uri: str, timeout: float = 10) -> Path:
    path = tmp_path / "printerapp.toml"
    path.write_text(
        f"[power]\nready_timeout = {timeout}\n"
        f'[power.printers.office]\nplug = "desk"\ndevice_uri = "{real_uri}"\n'
        f'[cups_power.queues]\nbackroom = "desk"\n' + plug_table(relay)
    )
    return path


def test_discovery_lists_the_wrapped_devices(tmp_path: Path) -> None:
    config = _config(tmp_path, tmp_path / "relay", "socket://10.0.0.5:9100")
    lines = discovery_lines(load_config(config))
    assert lines == [
        'network power:/socket%3A%2F%2F10.0.0.5%3A9100 "Unknown" "office (power: plug desk)" "" ""'
    ]
    out = subprocess.run(
        [WRAPPER],
        env={**os.environ, "PRINTERAPP_CONFIG": str(config)},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert out.splitlines() == lines


def test_plug_lookup_order(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, tmp_path / "relay", "socket://10.0.0.5:9100"))
    assert find_plug(config, "backroom", "socket://elsewhere") == "desk"  # [cups_power.queues]
    assert find_plug(config, "office", "socket://elsewhere") == "desk"  # [power.printers]
    assert find_plug(config, "renamed", "socket://10.0.0.5:9100") == "desk"  # by device URI
    assert find_plug(config, "renamed", "socket://other") == ""


def _run_wrapper(
    uri: str, config: Path, doc: Path, **env: str
) -> subprocess.CompletedProcess[bytes]:
    """Run the wrapper as cupsd does when filters feed it: document on stdin, fds 3 and 4."""
    full_env = {
        "PATH": os.environ["PATH"],
        "DEVICE_URI": uri,
        "PRINTER": "office",
        "PRINTERAPP_CONFIG": str(config),
        "CUPS_SERVERBIN": "/usr/lib/cups",
        **env,
    }
    back_r, back_w = os.pipe()
    side_a, side_b = socket.socketpair()

    def channels() -> None:  # cupsd's back channel (3) and side channel (4)
        os.dup2(back_w, 3)
        os.dup2(side_b.fileno(), 4)

    try:
        with doc.open("rb") as stdin:
            return subprocess.run(
                [uri, "9", "alice", "report", "1", ""],
                executable=WRAPPER,
                env=full_env,
                stdin=stdin,
                capture_output=True,
                timeout=60,
                check=False,
                close_fds=False,
                preexec_fn=channels,  # the child only dup2s before exec
            )
    finally:
        for fd in (back_r, back_w):
            os.close(fd)
        side_a.close()
        side_b.close()


@pytest.fixture
def lp_dir() -> Iterator[Path]:
    """A folder the ``lp`` user can enter: the wrapper, as root, runs real backends as lp."""
    path = Path(tempfile.mkdtemp(prefix="printerapp-power-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def test_job_powers_on_waits_and_execs_the_real_backend(tmp_path: Path) -> None:
    relay = tmp_path / "relay"
    doc = tmp_path / "doc.ps"
    doc.write_bytes(DOC)
    with PoweredPrinter(relay, boot_delay=0.8) as printer:
        config = _config(tmp_path, relay, printer.uri)
        done = _run_wrapper(wrap_uri(printer.uri), config, doc)
        assert printer.wait_for_jobs(1, 10) == [DOC], done.stderr
    assert done.returncode == 0, done.stderr
    assert relay.read_text() == "on"
    assert b"INFO: printer powering on" in done.stderr
    assert b"INFO: Connected to printer." in done.stderr  # the real socket backend's words


def test_real_backend_exit_code_is_kept(tmp_path: Path, lp_dir: Path) -> None:
    serverbin = lp_dir / "sb"
    (serverbin / "backend").mkdir(parents=True)
    fake = serverbin / "backend" / "fake"
    fake.write_text('#!/bin/sh\necho "uri=$DEVICE_URI args=$* input=$(cat)" >&2\nexit 4\n')
    fake.chmod(0o755)
    doc = tmp_path / "doc.ps"
    doc.write_bytes(DOC)
    config = _config(tmp_path, tmp_path / "relay", "socket://unused")
    done = _run_wrapper(
        wrap_uri("fake://x/y"), config, doc, PRINTER="unmapped", CUPS_SERVERBIN=str(serverbin)
    )
    assert done.returncode == BackendStatus.STOP
    assert b"uri=fake://x/y args=9 alice report 1  input=%!PS" in done.stderr


def test_printer_not_ready_exits_for_a_retry(tmp_path: Path) -> None:
    relay = tmp_path / "relay"
    doc = tmp_path / "doc.ps"
    doc.write_bytes(DOC)
    with PoweredPrinter(relay, boot_delay=30) as printer:
        config = _config(tmp_path, relay, printer.uri, timeout=0.5)
        done = _run_wrapper(wrap_uri(printer.uri), config, doc)
    assert done.returncode == BackendStatus.RETRY, done.stderr
    assert b"the job will be retried" in done.stderr
