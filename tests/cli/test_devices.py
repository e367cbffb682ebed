"""``printerapp devices``: the one-shot scan through the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.backends import REALISTIC, backend_dir
from tests.support.server import free_port


@pytest.mark.e2e
@pytest.mark.timeout(60)
def test_without_a_server_one_shot_lists_devices_one_per_line(tmp_path: Path) -> None:
    with backend_dir({"fake": (REALISTIC, 0o700)}) as root:
        config = tmp_path / "printerapp.toml"
        config.write_text(
            f'[server]\ncontrol = "127.0.0.1:{free_port()}"\n'  # nothing listens there
            f'[detection]\nbackend_dir = "{root}"\nbrowse_time = 0.5\n'
        )
        env = {**os.environ, "PRINTERAPP_CONFIG": str(config)}
        out = subprocess.run(
            [sys.executable, "-m", "printerapp", "devices"],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=True,
        ).stdout
    lines = out.splitlines()
    assert lines == [
        "usb      usb://HP/LaserJet%202100?serial=00XY123  'HP LaserJet 2100'"
        "  MFG:Hewlett-Packard;MDL:HP LaserJet 2100;CMD:PJL,PCL;SN:00XY123;",
        "network  socket://192.168.7.20  'Brother HL-2270DW'"
        "  MFG:Brother;MDL:HL-2270DW series;CMD:PJL,PCL;",
    ]


@pytest.mark.e2e
@pytest.mark.timeout(60)
def test_watch_streams_the_start_up_scan(tmp_path: Path) -> None:
    with backend_dir({"fake": (REALISTIC, 0o700)}) as root:
        config = tmp_path / "printerapp.toml"
        config.write_text(f'[detection]\nbackend_dir = "{root}"\nudev = false\n')
        env = {**os.environ, "PRINTERAPP_CONFIG": str(config)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "printerapp", "devices", "--watch"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert proc.stdout is not None
            first = [proc.stdout.readline(), proc.stdout.readline()]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert sorted(line.split()[2] for line in first) == [
        "socket://192.168.7.20",
        "usb://HP/LaserJet%202100?serial=00XY123",
    ]
    assert all(line.startswith("+ ") for line in first)
