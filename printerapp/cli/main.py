"""The ``printerapp`` command: one binary with subcommands, as in PAPPL.

Subcommands are looked up in a table and imported lazily, so that a job's
``printerapp ippprint`` does not pay for the imports of the others.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import Protocol, cast

__all__ = ["main"]

#: subcommand -> (module, one-line help).  The module provides
#: ``add_arguments(parser)`` and ``run(args) -> int``.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "cups-power": ("printerapp.cli.cups_power", "switch plugs for the queues of a CUPS server"),
    "devices": ("printerapp.cli.devices", "list detected printers (--watch to stream)"),
    "drivers": ("printerapp.cli.drivers", "rank, list and print PPDs (driver database)"),
    "add": ("printerapp.cli.printers", "add a printer by hand (running server)"),
    "delete": ("printerapp.cli.printers", "delete a printer (running server)"),
    "filters": ("printerapp.cli.filters", "show the filter chain CUPS would run"),
    "held": ("printerapp.cli.held", "list, resubmit or delete held documents (running server)"),
    "ippprint": ("printerapp.ippprint.main", "run one job: filters, then the backend"),
    "log-level": ("printerapp.cli.loglevel", "show or set the log level (running server)"),
    "printers": ("printerapp.cli.printers", "list the queues (running server)"),
    "restart": ("printerapp.cli.printers", "restart a queue now (running server)"),
    "server": ("printerapp.cli.server", "run the daemon in the foreground"),
    "plugs": ("printerapp.cli.plugs", "discover, switch and read smart plugs"),
}


class _Subcommand(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _load(name: str) -> _Subcommand:
    return cast(_Subcommand, importlib.import_module(SUBCOMMANDS[name][0]))


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one subcommand."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="printerapp", description=__doc__.splitlines()[0])
    parser.add_argument("--log-level", default=None, help="logging level (default WARNING)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Only the chosen subcommand's module is imported: peek at the name first.
    chosen = next((a for a in args_list if a in SUBCOMMANDS), None)
    for name, (_module, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text)
        if name == chosen:
            _load(name).add_arguments(sp)
    args = parser.parse_args(args_list)
    logging.basicConfig(
        level=(args.log_level or "WARNING").upper(), format="%(levelname)s: %(name)s: %(message)s"
    )
    return _load(args.command).run(args)
