"""``printerapp drivers``: rank PPDs for a device, list the database, print a PPD."""

from __future__ import annotations

import argparse
import sys

from printerapp.config import default_state_dir, load_config
from printerapp.cups import CupsDirs
from printerapp.errors import PrinterAppError
from printerapp.ppd.cache import load_index
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.install import ppd_bytes
from printerapp.ppd.needs import missing_needs
from printerapp.ppd.rank import DeviceQuery, choose, missing_need
from printerapp.ppd.settings import drivers_config

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``printerapp drivers``."""
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--device-id", metavar="ID", help="rank the PPDs for this 1284 device ID")
    what.add_argument("--list", action="store_true", help="list every known PPD")
    what.add_argument("--cat", metavar="NAME", help="print the PPD called NAME")
    parser.add_argument(
        "--make-model", default="", metavar="MM", help="the device's make-and-model"
    )
    parser.add_argument("--uri", default="", help="the device URI")
    parser.add_argument("--limit", type=int, default=10, help="candidates to print (0: all)")
    parser.add_argument("--make", default="", help="with --list: only this manufacturer")


def _print_ranked(index: DriverIndex, args: argparse.Namespace) -> int:
    missing = missing_needs()
    query = DeviceQuery(args.device_id, args.make_model, args.uri)
    choice = choose(index, query, missing=missing, limit=args.limit)
    if not choice.candidates:
        print(f"unsupported: {choice.reason}")
        return 1
    for cand in choice.candidates:
        flag = " generic" if cand.generic else ""
        rec = cand.record
        print(
            f"{cand.score:3d}{flag}  {rec.name}  ({rec.make_and_model})"
            f"  [{'; '.join(cand.reasons)}]"
        )
    if need := missing_need(choice, missing):
        print(f"unsupported until it is installed: {need}")
        return 1
    return 0


def _print_list(index: DriverIndex, make: str) -> int:
    wanted = make.lower()
    from printerapp.deviceid import normalize_manufacturer

    norm = normalize_manufacturer(make).lower()
    for rec in index.records:
        if wanted and rec.make.lower() != wanted and rec.manufacturer.lower() != norm:
            continue
        print(f"{rec.name}  ({rec.make_and_model})  {rec.device_id}")
    for problem in index.problems:
        print(f"skipped {problem.source}: {problem.message}", file=sys.stderr)
    return 0


def _cat(index: DriverIndex, name: str, timeout: float) -> int:
    rec = index.get(name)
    if rec is None:
        print(f"printerapp drivers: no PPD called {name!r}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(ppd_bytes(rec, timeout))
    sys.stdout.flush()
    return 0


def run(args: argparse.Namespace) -> int:
    """Run ``printerapp drivers``."""
    try:
        config = drivers_config(load_config())
        index, _stats = load_index(CupsDirs.from_env(), config, default_state_dir())
        if args.list:
            return _print_list(index, args.make)
        if args.cat:
            return _cat(index, args.cat, config.cat_timeout)
        return _print_ranked(index, args)
    except PrinterAppError as exc:
        print(f"printerapp drivers: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `printerapp drivers --list | head`
        return 0
