"""``printerapp filters --ppd PPD [--type TYPE] FILE``: show the chain CUPS would run.

With ``--list-filters`` only the programs are printed, one per line, exactly
as ``cupsfilter --list-filters -e -p PPD -m printer/NAME FILE`` prints them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from printerapp.cups import CupsDirs
from printerapp.errors import PrinterAppError

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``printerapp filters``."""
    parser.add_argument("file", type=Path, metavar="FILE", help="the document to print")
    parser.add_argument("--ppd", type=Path, help="the printer's PPD (default: a raw queue)")
    parser.add_argument(
        "--type", dest="content_type", help="the document's MIME type (default: detect)"
    )
    parser.add_argument(
        "--printer", default="foo", help="printer name, as in printer/NAME (default foo)"
    )
    parser.add_argument("--cache-dir", type=Path, help="cache directory for the MIME database")
    parser.add_argument(
        "--list-filters", action="store_true", help="print only the programs, as cupsfilter does"
    )


def run(args: argparse.Namespace) -> int:
    """Plan the document and print the chain; return 1 with one message on failure."""
    from printerapp.ippprint.plan import describe_plan, plan_job

    if not args.file.is_file():
        print(f"printerapp filters: {args.file}: no such file", file=sys.stderr)
        return 1
    try:
        plan = plan_job(
            CupsDirs.from_env(),
            args.ppd,
            args.file,
            args.content_type,
            printer=args.printer,
            cache_dir=args.cache_dir,
        )
    except PrinterAppError as exc:
        print(f"printerapp filters: {exc}", file=sys.stderr)
        return 1
    lines = list(plan.programs) if args.list_filters else describe_plan(plan)
    for line in lines:
        print(line)
    return 0
