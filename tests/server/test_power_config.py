"""A plug the server cannot use stops it at start, with one line naming the file and key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from printerapp.config import load_config
from printerapp.errors import ConfigError
from printerapp.server.power import ServerPower

PRINTER = '[power.printers.Office]\nplug = "desk"\n'


@pytest.mark.parametrize(
    ("plugs", "message"),
    [
        ('[power.plugs.desk]\ntype = "shelly"\n', r"power\.plugs\.desk\.host: missing"),
        ('[power.plugs.desk]\ntype = "zigbee"\nhost = "h"\n', r"'zigbee' is not a plug type"),
        ('[power.plugs.lamp]\ntype = "shelly"\nhost = "h"\n', r"no plug named 'desk'.*\(lamp\)"),
        (
            '[power.plugs.desk]\ntype = "tapo"\nhost = "h"\ncredentials_file = "absent"\n',
            r"absent",
        ),
    ],
)
def test_a_plug_that_cannot_be_used_is_refused(tmp_path: Path, plugs: str, message: str) -> None:
    path = tmp_path / "printerapp.toml"
    path.write_text(PRINTER + plugs)
    with pytest.raises(ConfigError, match=message):
        ServerPower(load_config(path), None, list, tmp_path)


def test_the_server_stops_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "printerapp.toml"
    path.write_text(
        f'[server]\nstate_dir = "{tmp_path / "state"}"\ncontrol = "127.0.0.1:1"\n'
        + PRINTER
        + '[power.plugs.desk]\ntype = "shelly"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "printerapp", "server", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    reason = "power.plugs.desk.host: missing (a shelly plug needs its address)"
    assert done.stderr.strip().splitlines() == [f"printerapp server: {path}: {reason}"]


def test_an_unusable_state_dir_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    path = tmp_path / "printerapp.toml"
    path.write_text(f'[server]\nstate_dir = "{blocker / "state"}"\ncontrol = "127.0.0.1:1"\n')
    done = subprocess.run(
        [sys.executable, "-m", "printerapp", "server", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("printerapp server: ")
    assert str(blocker) in line
