"""``[power.plugs.NAME]`` tables and ``--host HOST[:PORT]`` into PlugSpec records.

::

    [power.plugs.desk]
    type = "tapo"                 # a key of PLUG_DRIVERS
    host = "192.168.0.114"
    port = 80                     # optional: the protocol's default otherwise
    credentials_file = "/etc/printerapp/tapo.credentials"   # optional, mode 0600
    timeout = 5                   # driver options (see DRIVER_OPTIONS)

    [power.plugs.relay]
    type = "command"
    on = ["/usr/local/bin/relay", "1", "on"]
    off = ["/usr/local/bin/relay", "1", "off"]
    state = ["/usr/local/bin/relay", "1", "status"]

Every error names the file and the dotted key.  A ``password`` key is refused:
logins come from the environment or a private credentials file only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from printerapp.config import Config, Section
from printerapp.errors import ConfigError
from printerapp.power.plugs.base import PLUG_DRIVERS, Credentials, PlugSpec
from printerapp.power.plugs.credentials import credentials_from_env, read_credentials_file

__all__ = [
    "DRIVER_OPTIONS",
    "parse_host_port",
    "plug_credentials",
    "plug_spec",
    "plug_specs",
    "spec_from_table",
]

#: options each driver reads; a type missing here accepts none
DRIVER_OPTIONS: dict[str, frozenset[str]] = {
    "kasa": frozenset({"timeout"}),
    "tapo": frozenset({"timeout", "encryption", "login_version", "https"}),
    "shelly": frozenset({"timeout", "gen", "channel"}),
    "tasmota": frozenset({"timeout", "relay"}),
    "command": frozenset({"timeout"}),
}
#: keys of a plug table that are not driver options
_COMMON = frozenset({"type", "host", "port", "credentials_file"})
_COMMANDS = ("on", "off", "state")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}|[0-9A-Fa-f:.]+")


def _check_host(host: str, where: str) -> str:
    if not _HOST.fullmatch(host):
        raise ConfigError(f"{where}: {host!r} is not a host name or address")
    return host


def _check_port(port: int, where: str) -> int:
    if not 0 < port < 65536:
        raise ConfigError(f"{where}: port {port} is not in 1..65535")
    return port


def parse_host_port(text: str, where: str = "--host") -> tuple[str, int | None]:
    """Split ``HOST``, ``HOST:PORT`` or ``[V6]:PORT`` into host and optional port."""
    host, colon, port = text, "", ""
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ConfigError(f"{where}: {text!r}: expected [ADDRESS]:PORT")
        colon, port = rest[:1], rest[1:]
    elif text.count(":") == 1:
        host, colon, port = text.partition(":")
    if colon and not port.isdecimal():
        raise ConfigError(f"{where}: {text!r}: the port is not a number")
    return _check_host(host, where), _check_port(int(port), where) if colon else None


def _option(table: Section, key: str) -> str:
    value = table.values[key]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise ConfigError(f"{table.source}: {table.name}.{key}: expected a string or a number")


def _commands(table: Section) -> tuple[tuple[str, ...], ...]:
    present = [key for key in _COMMANDS if key in table.values]
    if not present:
        return ()
    if len(present) != len(_COMMANDS):
        raise ConfigError(f"{table.source}: {table.name}: needs all of on, off and state")
    argvs = tuple(table.strings(key) for key in _COMMANDS)
    for key, argv in zip(_COMMANDS, argvs, strict=True):
        if not argv or not argv[0]:
            raise ConfigError(f"{table.source}: {table.name}.{key}: empty command")
    return argvs


def spec_from_table(name: str, table: Section) -> PlugSpec:
    """Return the PlugSpec of one ``[power.plugs.NAME]`` table."""
    where = f"{table.source}: {table.name}"
    if not _NAME.fullmatch(name):
        raise ConfigError(f"{where}: plug name {name!r}: use letters, digits, '_', '.', '-'")
    if "password" in table.values:
        raise ConfigError(
            f"{where}.password: passwords do not belong in the configuration file; "
            "use TAPO_EMAIL/TAPO_PASSWORD or a mode-0600 credentials_file"
        )
    kind = table.string("type")
    if kind not in PLUG_DRIVERS:
        known = ", ".join(sorted(PLUG_DRIVERS))
        raise ConfigError(f"{where}.type: {kind!r} is not a plug type ({known})")
    options = DRIVER_OPTIONS.get(kind, frozenset())
    table.reject_unknown(set(_COMMON | options) | (set(_COMMANDS) if kind == "command" else set()))
    host, port = _host_port(table, kind, where)
    found = tuple((k, _option(table, k)) for k in sorted(options) if k in table.values)
    if (path := table.path("credentials_file")) is not None:
        found += (("credentials_file", str(path)),)
    return PlugSpec(
        name=name,
        type=kind,
        host=host,
        port=port,
        options=found,
        commands=_commands(table) if kind == "command" else (),
    )


def _host_port(table: Section, kind: str, where: str) -> tuple[str, int | None]:
    """Read ``host`` (``HOST``, ``HOST:PORT`` or ``[V6]:PORT``, as ``--host``) and ``port``."""
    text = table.string("host")
    if not text:
        if kind != "command":
            raise ConfigError(f"{where}.host: missing (a {kind} plug needs its address)")
        return "", None
    host, in_host = parse_host_port(text, f"{where}.host")
    port = None
    if "port" in table.values:
        port = _check_port(int(table.number("port", 0)), f"{where}.port")
    if in_host is not None and port is not None and in_host != port:
        raise ConfigError(f"{where}: host {text!r} and port {port} name two different ports")
    return host, in_host if port is None else port


def plug_specs(config: Config) -> dict[str, PlugSpec]:
    """Return every ``[power.plugs.NAME]`` by name."""
    plugs = config.section("power").table("plugs")
    for key in plugs.values:
        if not isinstance(plugs.values[key], dict):
            raise ConfigError(f"{plugs.source}: power.plugs.{key}: expected a table")
    return {name: spec_from_table(name, table) for name, table in plugs.tables().items()}


def plug_spec(config: Config, name: str) -> PlugSpec:
    """Return plug *name*, or a ConfigError listing the configured ones."""
    specs = plug_specs(config)
    if name not in specs:
        known = ", ".join(sorted(specs)) or "none configured"
        raise ConfigError(f"no plug named {name!r} in [power.plugs] ({known})")
    return specs[name]


def plug_credentials(spec: PlugSpec, env: Mapping[str, str] | None = None) -> Credentials | None:
    """Return the plug's login: its credentials_file, else TAPO_EMAIL/TAPO_PASSWORD."""
    if path := spec.option("credentials_file"):
        return read_credentials_file(Path(path), spec.name)
    return credentials_from_env(os.environ if env is None else env)
