"""``printerapp server``: run the daemon in the foreground (logs fit for journald)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from printerapp.errors import PrinterAppError

__all__ = ["add_arguments", "run"]

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the server's options."""
    parser.add_argument("--config", type=Path, default=None, help="configuration file")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="also run a simulated network printer (loopback only) to print to",
    )


def run(args: argparse.Namespace) -> int:
    """Run the daemon until SIGTERM or SIGINT."""
    from printerapp.server.daemon import serve

    try:
        asyncio.run(serve(args.config, demo=args.demo, log_level_given=args.log_level is not None))
    except PrinterAppError as exc:
        print(f"printerapp server: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # an unwritable state directory, a control port in use: one line, no traceback
        print(f"printerapp server: {exc}", file=sys.stderr)
        return 1
    return 0
