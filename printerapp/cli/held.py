"""``printerapp held list|resubmit|delete PRINTER [ID]``: jobs that used up their retries.

A client of the running server's ``/api/printers/{name}/held`` routes; see
:mod:`printerapp.manager.held`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import quote

from printerapp.cli.client import ControlClient
from printerapp.cli.printers import client_for
from printerapp.errors import PrinterAppError

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the action, the printer and the document id."""
    parser.add_argument("--server", help="HOST:PORT of the control API (default: from config)")
    parser.add_argument("--config", type=Path, default=None, help="configuration file")
    parser.add_argument("action", choices=("list", "resubmit", "delete"))
    parser.add_argument("printer", help="the printer's name (see 'printerapp printers')")
    parser.add_argument("id", nargs="?", default="", help="the held document (see 'held list')")


def _list(client: ControlClient, base: str) -> int:
    docs = client.request("GET", base)["held"]
    for d in docs:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(d["held_at"]))
        print(f"{d['id']}\t{d['name']}\t{d['user']}\t{d['size']}\t{when}\t{d['reason']}")
    if not docs:
        print("no held documents", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    """List, resubmit or delete held documents of one printer."""
    try:
        client = client_for(args.server, args.config)
        base = f"/api/printers/{quote(args.printer, safe='')}/held"
        if args.action == "list":
            return _list(client, base)
        if not args.id:
            print(
                f"printerapp held {args.action}: which document? (see 'held list')", file=sys.stderr
            )
            return 2
        path = f"{base}/{quote(args.id, safe='')}"
        if args.action == "resubmit":
            answer = client.request("POST", path + "/resubmit", {})
        else:
            answer = client.request("DELETE", path)
    except PrinterAppError as exc:
        print(f"printerapp held: {exc}", file=sys.stderr)
        return 1
    print(answer["message"])
    return 0
