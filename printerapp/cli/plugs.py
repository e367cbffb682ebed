"""``printerapp plugs ACTION``: discover plugs, switch one, read its state.

A plug is named from the configuration (``printerapp plugs on desk``) or given
on the command line (``--host 127.0.0.1:9999 --type kasa``, the form the
simulators need).  Actions live in :data:`ACTIONS`; adding one (``energy``,
``hold``) is adding a line there.

Exit status: 0 done, 1 error (configuration, login, plug), 3 plug unreachable
after the retries.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from printerapp.cli.plugs_server import (
    energy_arguments,
    hold_arguments,
    run_energy,
    run_hold,
)
from printerapp.config import load_config
from printerapp.errors import ConfigError, PlugUnreachableError, PowerError, PrinterAppError
from printerapp.power.plugs import specs
from printerapp.power.plugs.base import (
    PLUG_DRIVERS,
    Credentials,
    Plug,
    PlugFeature,
    PlugSpec,
    create_plug,
)
from printerapp.power.plugs.credentials import read_credentials_file
from printerapp.power.plugs.retry import RetryingPlug

__all__ = ["ACTIONS", "EXIT_UNREACHABLE", "Action", "add_arguments", "open_plug", "run"]

EXIT_UNREACHABLE = 3


@dataclass(frozen=True, slots=True)
class Action:
    """One ``plugs`` subcommand."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


def add_plug_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ways to name a plug: NAME, or --host/--type."""
    parser.add_argument("name", nargs="?", help="a [power.plugs.NAME] of the configuration")
    parser.add_argument("--host", help="HOST[:PORT] of a plug not in the configuration")
    parser.add_argument("--type", choices=sorted(PLUG_DRIVERS), help="the plug's driver")
    parser.add_argument(
        "-o",
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a driver option for --host (e.g. gen=1 for a Shelly Gen1)",
    )
    parser.add_argument("--config", type=Path, help="configuration file (default: the usual)")
    parser.add_argument("--credentials-file", type=Path, help="login file for --host (mode 0600)")


def _cli_spec(args: argparse.Namespace) -> PlugSpec:
    if not args.type:
        raise ConfigError("--host needs --type")
    host, port = specs.parse_host_port(args.host)
    options = []
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or key not in specs.DRIVER_OPTIONS.get(args.type, frozenset()):
            raise ConfigError(f"--option {item!r}: not a KEY=VALUE option of {args.type}")
        options.append((key, value))
    return PlugSpec(name=args.host, type=args.type, host=host, port=port, options=tuple(options))


def open_plug(args: argparse.Namespace) -> Plug:
    """Return the plug the arguments name, wrapped in the retry policy."""
    if args.host and args.name:
        raise ConfigError("give a plug NAME or --host, not both")
    credentials: Credentials | None
    if args.host:
        spec = _cli_spec(args)
        if args.credentials_file:
            credentials = read_credentials_file(args.credentials_file, spec.name)
        else:
            credentials = specs.plug_credentials(spec)
    elif args.name:
        spec = specs.plug_spec(load_config(args.config), args.name)
        credentials = specs.plug_credentials(spec)
    else:
        raise ConfigError("name a plug: NAME from the configuration, or --host and --type")
    return RetryingPlug(create_plug(spec, credentials))


async def _switch(args: argparse.Namespace, on: bool) -> int:
    plug = open_plug(args)
    try:
        await plug.switch(on)
        print(f"{plug.spec.name}: {'on' if on else 'off'}")
    finally:
        await plug.close()
    return 0


async def _on(args: argparse.Namespace) -> int:
    return await _switch(args, True)


async def _off(args: argparse.Namespace) -> int:
    return await _switch(args, False)


async def _state(args: argparse.Namespace) -> int:
    plug = open_plug(args)
    try:
        words = ["on" if await plug.state() else "off"]
        if PlugFeature.POWER in plug.features:
            words.append(f"{await plug.power_w():.1f} W")
        if PlugFeature.ENERGY in plug.features:
            words.append(f"{await plug.energy_wh():.1f} Wh")
    finally:
        await plug.close()
    print(f"{plug.spec.name}: {'  '.join(words)}")
    return 0


def _discover_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default="255.255.255.255", help="where to send the query")
    parser.add_argument("--port", type=int, help="legacy Kasa discovery port (default 9999)")
    parser.add_argument("--timeout", type=int, default=5, help="seconds to wait (default 5)")


async def _discover(args: argparse.Namespace) -> int:
    from printerapp.power.plugs.credentials import credentials_from_env
    from printerapp.power.plugs.discover import discover_plugs, format_found

    found = await discover_plugs(
        target=args.target,
        port=args.port,
        wait_s=args.timeout,
        credentials=credentials_from_env(),
    )
    for plug in found:
        print(format_found(plug))
    if not found:
        print("no plug answered", file=sys.stderr)
    return 0


#: action -> what it does
ACTIONS: dict[str, Action] = {
    "energy": Action(
        "show a plug's daily and monthly energy and cost", energy_arguments, run_energy
    ),
    "hold": Action("keep a plug on for a while (running server)", hold_arguments, run_hold),
    "discover": Action("find Kasa and Tapo plugs on the LAN", _discover_arguments, _discover),
    "on": Action("switch a plug on", add_plug_arguments, _on),
    "off": Action("switch a plug off", add_plug_arguments, _off),
    "state": Action("show a plug's state, power and energy counter", add_plug_arguments, _state),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the plug actions as sub-subcommands."""
    sub = parser.add_subparsers(dest="plugs_action", required=True, metavar="ACTION")
    for name, action in ACTIONS.items():
        action.add_arguments(sub.add_parser(name, help=action.help))


def run(args: argparse.Namespace) -> int:
    """Run one plug action; report errors as a message and an exit status."""
    try:
        return asyncio.run(ACTIONS[args.plugs_action].run(args))
    except PlugUnreachableError as exc:
        print(f"printerapp plugs: unreachable: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except (PowerError, ConfigError) as exc:
        print(f"printerapp plugs: {exc}", file=sys.stderr)
        return 1
    except PrinterAppError as exc:  # e.g. the server did not answer a hold
        print(f"printerapp plugs {args.plugs_action}: {exc}", file=sys.stderr)
        return 1
