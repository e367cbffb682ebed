"""``[power.plugs.NAME]`` tables and ``--host`` strings into PlugSpec records."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.config import load_config
from printerapp.errors import ConfigError
from printerapp.power.plugs.base import Credentials, PlugSpec
from printerapp.power.plugs.specs import parse_host_port, plug_credentials, plug_spec, plug_specs


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "printerapp.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_tables_become_specs(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        """
[power.plugs.desk]
type = "tapo"
host = "192.0.2.14"
credentials_file = "tapo.cred"
timeout = 3

[power.plugs.lab]
type = "shelly"
host = "shelly-lab.local"
port = 8080
gen = 1

[power.plugs.relay]
type = "command"
on = ["/bin/relay", "on"]
off = ["/bin/relay", "off"]
state = ["/bin/relay", "state"]
""",
    )
    specs = plug_specs(load_config(path))
    assert specs["desk"] == PlugSpec(
        "desk",
        "tapo",
        "192.0.2.14",
        None,
        (("timeout", "3"), ("credentials_file", str(tmp_path / "tapo.cred"))),
    )
    assert specs["lab"] == PlugSpec("lab", "shelly", "shelly-lab.local", 8080, (("gen", "1"),))
    assert specs["relay"].commands == (
        ("/bin/relay", "on"),
        ("/bin/relay", "off"),
        ("/bin/relay", "state"),
    )
    assert plug_spec(load_config(path), "lab").port == 8080


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('host = "h"', r"power\.plugs\.p\.type: '' is not a plug type"),
        ('type = "zigbee"\nhost = "h"', r"power\.plugs\.p\.type: 'zigbee' is not a plug type"),
        ('type = "kasa"', r"power\.plugs\.p\.host: missing"),
        ('type = "kasa"\nhost = "h"\nport = 70000', r"power\.plugs\.p\.port: port 70000"),
        ('type = "kasa"\nhost = "h"\nport = "80"', r"power\.plugs\.p\.port: expected a number"),
        ('type = "kasa"\nhost = "h"\nprot = 80', r"power\.plugs\.p\.prot: unknown key"),
        ('type = "kasa"\nhost = "h; rm -rf /"', r"power\.plugs\.p\.host: .* not a host"),
        ('type = "tapo"\nhost = "h"\npassword = "x"', r"power\.plugs\.p\.password: passwords"),
        ('type = "shelly"\nhost = "h"\ngen = [1]', r"power\.plugs\.p\.gen: expected a string"),
        ('type = "command"\non = ["a"]', r"power\.plugs\.p: needs all of on, off and state"),
        ('type = "command"\non = []\noff = ["b"]\nstate = ["c"]', r"power\.plugs\.p\.on: empty"),
        ('type = "kasa"\nhost = "h:1"\nport = 2', r"power\.plugs\.p: host 'h:1' and port 2 name"),
        ('type = "kasa"\nhost = "h:x"', r"power\.plugs\.p\.host: 'h:x': the port is not a number"),
    ],
)
def test_errors_name_the_file_and_key(tmp_path: Path, table: str, message: str) -> None:
    path = _config(tmp_path, f"[power.plugs.p]\n{table}\n")
    with pytest.raises(ConfigError, match=message) as caught:
        plug_specs(load_config(path))
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    "table", ['host = "127.0.0.1:9999"', 'host = "127.0.0.1:9999"\nport = 9999']
)
def test_host_takes_a_port_as_the_command_line_does(tmp_path: Path, table: str) -> None:
    path = _config(tmp_path, f'[power.plugs.p]\ntype = "shelly"\n{table}\n')
    spec = plug_spec(load_config(path), "p")
    assert (spec.host, spec.port) == ("127.0.0.1", 9999)  # not an IPv6 literal


def test_bad_plug_names_and_unknown_plugs(tmp_path: Path) -> None:
    path = _config(tmp_path, '[power.plugs."../etc"]\ntype = "kasa"\nhost = "h"\n')
    with pytest.raises(ConfigError, match="plug name"):
        plug_specs(load_config(path))
    with pytest.raises(ConfigError, match=r"no plug named 'x' in \[power.plugs\] \(none"):
        plug_spec(load_config(tmp_path / "absent.toml"), "x")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.1", ("192.0.2.1", None)),
        ("127.0.0.1:9999", ("127.0.0.1", 9999)),
        ("plug.local:80", ("plug.local", 80)),
        ("[::1]:8080", ("::1", 8080)),
        ("::1", ("::1", None)),
    ],
)
def test_parse_host_port(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_host_port(text) == expected


@pytest.mark.parametrize("text", ["", "h:", "h:x", "h:0", "h:65536", "[::1", "a b", "h/x:1"])
def test_parse_host_port_rejects(text: str) -> None:
    with pytest.raises(ConfigError, match="--host"):
        parse_host_port(text)


@given(st.text(max_size=40))
def test_parse_host_port_raises_only_config_errors(text: str) -> None:
    try:
        host, port = parse_host_port(text)
    except ConfigError:
        return
    assert host
    assert not any(c.isspace() or c in "/;'\"$`" for c in host)
    assert port is None or 0 < port < 65536


def test_credentials_come_from_the_plugs_file_else_the_environment(tmp_path: Path) -> None:
    cred = tmp_path / "tapo.cred"
    cred.write_text('username = "file@example.com"\npassword = "p1"\n')
    cred.chmod(0o600)
    with_file = PlugSpec("desk", "tapo", "h", options=(("credentials_file", str(cred)),))
    env = {"TAPO_EMAIL": "env@example.com", "TAPO_PASSWORD": "p2"}
    assert plug_credentials(with_file, env) == Credentials("file@example.com", "p1")
    assert plug_credentials(PlugSpec("x", "tapo", "h"), env) == Credentials("env@example.com", "p2")
    assert plug_credentials(PlugSpec("x", "kasa", "h"), {}) is None
    assert os.environ.get("TAPO_PASSWORD") != "p2"
