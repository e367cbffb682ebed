"""``printerapp plugs``: switch and read configured or ad-hoc plugs, discover them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from printerapp.cli.main import main
from printerapp.cli.plugs import EXIT_UNREACHABLE
from printerapp.power.plugs import retry
from tests.support.plugsim.kasa_sim import KasaSim, simulator_available
from tests.support.plugsim.klap_sim import KlapSim
from tests.support.plugsim.shelly_sim import ShellySim
from tests.support.plugsim.tasmota_sim import TasmotaSim


@pytest.fixture(autouse=True)
def _fast_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "RETRY_BASE_S", 0.01)
    monkeypatch.setattr(retry, "RETRY_MAX_S", 0.02)


@pytest.fixture
def shelly() -> Iterator[ShellySim]:
    with ShellySim(gen=2, power_w=18.0, energy_wh=42.0) as sim:
        yield sim


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "printerapp.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_on_state_off_of_a_configured_plug(
    tmp_path: Path, shelly: ShellySim, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(
        tmp_path, f'[power.plugs.desk]\ntype = "shelly"\nhost = "127.0.0.1"\nport = {shelly.port}\n'
    )
    assert main(["plugs", "on", "desk", "--config", str(config)]) == 0
    assert shelly.is_on
    assert main(["plugs", "state", "desk", "--config", str(config)]) == 0
    assert main(["plugs", "off", "desk", "--config", str(config)]) == 0
    assert not shelly.is_on
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "desk: on"
    assert out[1].startswith("desk: on  18.0 W  42.0 Wh")
    assert out[2] == "desk: off"


def test_a_plug_given_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TasmotaSim(power_w=7.0) as sim:
        where = f"127.0.0.1:{sim.port}"
        assert main(["plugs", "on", "--host", where, "--type", "tasmota"]) == 0
        assert sim.is_on
    with ShellySim(gen=1) as gen1:
        args = ["plugs", "state", "--host", f"127.0.0.1:{gen1.port}", "--type", "shelly"]
        assert main([*args, "-o", "gen=1"]) == 0
        assert "/shelly" not in gen1.requests
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{where}: on"
    assert out[1].startswith(f"127.0.0.1:{gen1.port}: off  0.0 W")


def test_tapo_login_from_a_credentials_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cred = tmp_path / "tapo.cred"
    cred.write_text('username = "me@example.com"\npassword = "pw"\n')
    cred.chmod(0o600)
    with KlapSim(username="me@example.com", password="pw") as sim:  # noqa: S106
        config = _config(
            tmp_path,
            f'[power.plugs.p110]\ntype = "tapo"\nhost = "127.0.0.1"\nport = {sim.port}\n'
            f'credentials_file = "{cred.name}"\n',
        )
        assert main(["plugs", "on", "p110", "--config", str(config)]) == 0
        assert sim.is_on
    cred.chmod(0o644)
    assert main(["plugs", "on", "p110", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "it must be 0600" in err
    assert "pw" not in err.replace(str(tmp_path), "")


def test_errors_and_unreachable(
    tmp_path: Path, shelly: ShellySim, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, "")
    assert main(["plugs", "on", "nope", "--config", str(config)]) == 1
    assert "no plug named 'nope'" in capsys.readouterr().err
    assert main(["plugs", "on", "--host", "127.0.0.1"]) == 1
    assert "--host needs --type" in capsys.readouterr().err
    shelly.set_reachable(False)
    args = ["plugs", "state", "--host", f"127.0.0.1:{shelly.port}", "--type", "shelly"]
    assert main(args) == EXIT_UNREACHABLE
    assert "unreachable" in capsys.readouterr().err


def test_discover_on_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    if not simulator_available():
        pytest.fail("node or tplink-smarthome-simulator is missing: run scripts/setup.sh")
    with KasaSim() as sim:
        args = ["plugs", "discover", "--target", "127.0.0.1", "--port", str(sim.port)]
        assert main([*args, "--timeout", "2"]) == 0
    assert capsys.readouterr().out == f"127.0.0.1:{sim.port}\tkasa\tHS110\toff\tprinter plug\n"
