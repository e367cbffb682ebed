"""``printerapp printers``, ``add``, ``delete`` and ``restart``: clients of the running server."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import quote

from printerapp.cli.client import ControlClient
from printerapp.config import load_config
from printerapp.errors import PrinterAppError
from printerapp.server.settings import parse_address, server_settings
from printerapp.web.security import TOKEN_FILE

__all__ = ["add_arguments", "client_for", "run"]


def client_for(server: str | None, config: Path | None) -> ControlClient:
    """Return a client of the server at *server* (HOST:PORT) or of the configured one."""
    settings = server_settings(load_config(config))
    host, port = settings.control_host, settings.control_port
    if server:
        host, port = parse_address(server, "--server")
    # the server creates this 0600 file when it listens beyond loopback
    token_file = settings.manager.state_dir / TOKEN_FILE
    try:
        token = token_file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        token = ""
    return ControlClient(host, port, token)


def _client(args: argparse.Namespace) -> ControlClient:
    return client_for(args.server, args.config)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options every client shares, plus its own."""
    parser.add_argument("--server", help="HOST:PORT of the control API (default: from config)")
    parser.add_argument("--config", type=Path, default=None, help="configuration file")
    command = parser.prog.rsplit(" ", 1)[-1]
    if command == "add":
        parser.add_argument("--device-uri", required=True, help="e.g. socket://10.0.0.5:9100")
        parser.add_argument("--ppd", default="", help="driver name (default: best match)")
        parser.add_argument("--name", default="", help="queue name (default: from the model)")
        parser.add_argument("--make-model", default="", help="make and model, to match a driver")
        parser.add_argument("--device-id", default="", help="IEEE-1284 device ID")
    elif command in ("delete", "restart"):
        parser.add_argument("name", help="the printer's name (see 'printerapp printers')")


def _printers(client: ControlClient) -> int:
    printers = client.request("GET", "/api/printers")["printers"]
    for p in printers:
        print(f"{p['name']}\t{p['uri']}\t{p['state']}\t{p['device_uri']}\t{p['ppd_name']}")
    if not printers:
        print("no printers", file=sys.stderr)
    return 0


def _add(client: ControlClient, args: argparse.Namespace) -> int:
    body = {
        "device_uri": args.device_uri,
        "ppd": args.ppd,
        "name": args.name,
        "make_and_model": args.make_model,
        "device_id": args.device_id,
    }
    printer = client.request("POST", "/api/printers", body)["printer"]
    print(f"added {printer['name']}: {printer['uri']}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the client command named by ``args.command``."""
    try:
        client = _client(args)
        if args.command == "add":
            return _add(client, args)
        if args.command == "restart":
            path = f"/api/printers/{quote(args.name, safe='')}/restart"
            printer = client.request("POST", path, {})["printer"]
            print(f"restarted {printer['name']}: {printer['state']}")
            return 0
        if args.command == "delete":
            client.request("DELETE", f"/api/printers/{quote(args.name, safe='')}")
            print(f"deleted {args.name}")
            return 0
        return _printers(client)
    except PrinterAppError as exc:
        print(f"printerapp {args.command}: {exc}", file=sys.stderr)
        return 1
