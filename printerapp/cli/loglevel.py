"""``printerapp log-level [LEVEL]``: show or set the running server's log level, at once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from printerapp.errors import PrinterAppError
from printerapp.web.logring import LOG_LEVELS

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the level and the options every client shares."""
    parser.add_argument("--server", help="HOST:PORT of the control API (default: from config)")
    parser.add_argument("--config", type=Path, default=None, help="configuration file")
    parser.add_argument(
        "level",
        nargs="?",
        type=str.upper,
        choices=LOG_LEVELS,
        help="the new level (without it: show the current one)",
    )


def run(args: argparse.Namespace) -> int:
    """Set (or show) the server's log level."""
    from printerapp.cli.printers import client_for

    try:
        client = client_for(args.server, args.config)
        if args.level is None:
            answer = client.request("GET", "/api/log-level")
        else:
            answer = client.request("POST", "/api/log-level", {"level": args.level})
    except PrinterAppError as exc:
        print(f"printerapp log-level: {exc}", file=sys.stderr)
        return 1
    print(answer["level"])
    return 0
