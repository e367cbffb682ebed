"""``printerapp ippprint FILE``: the program ippeveprinter runs (``-c``) for each job.

Inputs, as ippeveprinter gives them: argv[1] is the spooled document; the
environment holds ``CONTENT_TYPE``, ``PPD`` (unset for a raw queue), the job's
``IPP_*`` attributes and, inherited from ippeveprinter, ``DEVICE_URI`` (unset:
the output goes to stdout, which ippeveprinter saves as ``.prn``).

The printer name (argv[0] of the filters, ``printer/<name>``) is ``$PRINTER``
when set, else the PPD's NickName made into a CUPS queue name, else
``printerapp``.

A failed backend is handled by the queue's error policy (:mod:`.policy`,
:mod:`.retrying`): the job is tried again within itself.  When the job ends
unprinted with its document to be kept (the retry limit reached, a hold, the
time limit while waiting), ippeveprinter would delete its spool file when it
forgets the job, so the document and the job's variables are hard-linked (or
copied) into ``$PRINTERAPP_RETRY_DIR`` (default: ``retry/`` beside the spool
file), from where the server submits it again.  A job that used up its
retries is the exception: as CUPS aborts it after ``JobRetryLimit``, its
document goes to ``retry/held/``, kept but never sent again by itself.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from printerapp.cups import KEEP_DOCUMENT, CupsDirs, sanitize_uri
from printerapp.errors import BackendError, PrinterAppError, UnknownTypeError
from printerapp.ippprint.cancel import cancel_check
from printerapp.ippprint.options import job_options
from printerapp.ippprint.pipeline import JobRun
from printerapp.ippprint.retrying import GaveUpError, print_with_policy
from printerapp.ippprint.saved import apply_saved, job_defaults, with_saved
from printerapp.ippprint.security import insecure_allowed
from printerapp.ippprint.status import StatusForwarder
from printerapp.ippprint.statusfile import STATUS_FILE
from printerapp.ppd.options import PpdChoices, read_ppd_choices

if TYPE_CHECKING:
    import argparse

__all__ = ["add_arguments", "keep_for_retry", "main", "printer_name", "run", "run_document"]

RETRY_DIR_ENV = "PRINTERAPP_RETRY_DIR"
CACHE_DIR_ENV = "PRINTERAPP_CACHE_DIR"
#: comma-separated document formats this installation prints (snap: ./configure --formats)
FORMATS_ENV = "PRINTERAPP_FORMATS"
DEFAULT_PRINTER = "printerapp"
_QUEUE_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def printer_name(env: Mapping[str, str], ppd: PpdChoices | None) -> str:
    """Choose the printer name: ``$PRINTER``, else the PPD's NickName, else a fixed one."""
    name = env.get("PRINTER", "").strip()
    if not name and ppd is not None:
        name = _QUEUE_UNSAFE.sub("_", ppd.nickname).strip("_")
    return _QUEUE_UNSAFE.sub("_", name)[:127] or DEFAULT_PRINTER


def _lang(env: Mapping[str, str]) -> str:
    """Derive LANG from attributes-natural-language as cupsd does (``en-us`` -> ``en_US``)."""
    tag = env.get("IPP_ATTRIBUTES_NATURAL_LANGUAGE", "")
    if re.fullmatch(r"[a-z]{2}", tag):
        return f"{tag}.UTF-8"
    if re.fullmatch(r"[a-z]{2}-[a-zA-Z]{2}", tag):
        return f"{tag[:2]}_{tag[3:].upper()}.UTF-8"
    return "C"


#: where a job that used up its retries leaves its document (not resubmitted)
HELD_DIR = "held"
#: the sidecar's entry saying why the job ended unprinted
REASON_VAR = "PRINTERAPP_REASON"


def keep_for_retry(
    document: Path, env: Mapping[str, str], *, held: bool = False, reason: str = ""
) -> Path:
    """Keep *document* and the job's variables for a later attempt; return the kept copy.

    With *held*, the copy is kept apart, where the server does not resubmit it.
    """
    import json  # this path is rare, and every job pays for module imports
    import shutil
    import time

    base = env.get(RETRY_DIR_ENV) or str(document.parent / "retry")
    retry_dir = Path(base) / HELD_DIR if held else Path(base)
    retry_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    kept = retry_dir / document.name
    if held and kept.exists():
        # job ids restart with the queue: an earlier held job's document stays
        kept = retry_dir / f"{time.time_ns()}-{document.name}"
    kept.unlink(missing_ok=True)
    try:
        os.link(document, kept)
    except OSError:
        shutil.copy2(document, kept)
    job_vars = {
        k: v for k, v in env.items() if k.startswith("IPP_") or k in ("CONTENT_TYPE", "PPD")
    }
    if "DEVICE_URI" in env:
        job_vars["DEVICE_URI"] = sanitize_uri(env["DEVICE_URI"])
    if reason:
        job_vars[REASON_VAR] = reason[:500]
    kept.with_name(kept.name + ".json").write_text(json.dumps(job_vars, indent=1, sort_keys=True))
    return kept


def _say(status: BinaryIO, line: str) -> None:
    status.write(line.replace("\n", " ").encode("utf-8", "replace") + b"\n")
    status.flush()


def _print(document: Path, env: Mapping[str, str], status: StatusForwarder, stdout_fd: int) -> int:
    ppd_env = env.get("PPD") or None
    ppd = Path(ppd_env) if ppd_env else None
    choices = read_ppd_choices(ppd) if ppd is not None else None
    printer = printer_name(env, choices)
    saved = job_defaults(env, ppd)
    if saved is not None:
        env = with_saved(env, saved.saved)
        for dropped in saved.dropped:
            status.say(f"WARNING: saved default ignored: {dropped}")
    opts = job_options(env, choices, printer=printer)
    if saved is not None:
        opts = apply_saved(env, opts, saved)
    for warning in opts.warnings:
        status.say(f"WARNING: ignoring {warning}")
    dirs = CupsDirs.from_env(env)
    from printerapp.ippprint.plan import plan_job  # the planner's import cost is paid here only

    cache = env.get(CACHE_DIR_ENV)
    plan = plan_job(
        dirs,
        ppd,
        document,
        env.get("CONTENT_TYPE"),
        printer=printer,
        cache_dir=Path(cache) if cache else None,
    )
    allowed = [f.strip() for f in env.get(FORMATS_ENV, "").split(",") if f.strip()]
    if allowed and plan.source_type not in allowed:
        raise UnknownTypeError(
            f"{plan.source_type} is not printed here (only {', '.join(allowed)})"
        )
    chain = " | ".join(plan.programs) or "no filter"
    status.say(f"INFO: Printing {plan.source_type} with {chain}")
    job = JobRun(
        printer=printer,
        options=opts,
        document=document,
        content_type=plan.source_type,
        ppd=ppd,
        device_uri=env.get("DEVICE_URI") or None,
        dirs=dirs,
        lang=_lang(env),
    )
    from printerapp.power.hook import powered  # switches a plug on; free without $PRINTERAPP_PLUG

    with powered(env, printer, job.device_uri, opts.job_id, status.say):
        attempts = print_with_policy(
            job,
            plan,
            status,
            env=env,
            allow_insecure=insecure_allowed(env),
            stdout_fd=stdout_fd,
            cancelled=cancel_check(env),
        )
        # printed (a failure raised): a network printer's supplies, read while it is on
        if job.device_uri:
            from printerapp.supplies.job import job_status_lines

            for line in job_status_lines(env):
                status.say(line)
        return attempts


def run_document(
    document: Path,
    env: Mapping[str, str] | None = None,
    *,
    status: BinaryIO | None = None,
    stdout_fd: int = 1,
) -> int:
    """Print *document* for ippeveprinter; return the exit status (0 on success)."""
    env = os.environ if env is None else env
    # under the daemon, the spool directory is the queue's own: its front reads the status there
    status_file = document.parent / STATUS_FILE if env.get("PRINTERAPP_STATE_DIR") else None
    out = StatusForwarder(sys.stderr.buffer if status is None else status, status_file)
    if not document.is_file():
        _say(out.out, f"ERROR: document {document} does not exist")
        return 1
    try:
        attempts = _print(document, env, out, stdout_fd)
    except BackendError as exc:
        out.end()
        _say(out.out, f"ERROR: {exc}")
        keep = exc.keep if isinstance(exc, GaveUpError) else exc.exit_code in KEEP_DOCUMENT
        if keep:
            held = isinstance(exc, GaveUpError) and exc.held
            kept = keep_for_retry(document, env, held=held, reason=str(exc))
            why = "not sent again by itself" if held else "for a retry"
            _say(out.out, f"INFO: Document kept {why} as {kept}")
        return exc.exit_code or 1
    except PrinterAppError as exc:
        out.end()
        _say(out.out, f"ERROR: {exc}")
        return 1
    except OSError as exc:
        out.end()
        _say(out.out, f"ERROR: job failed: {exc}")
        return 1
    except Exception as exc:
        # ippeveprinter shows only status lines: a traceback would leave the job unexplained
        _say(out.out, f"ERROR: internal error: {type(exc).__name__}: {exc}")
        return 1
    out.end()
    if out.messaged:
        # the last message shown stays on the completed job: make it the true one
        out.message(f"Printed{f' after {attempts} attempts' if attempts > 1 else ''}")
    _say(out.out, "INFO: Job sent")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments: the spooled document."""
    parser.add_argument(
        "document", type=Path, help="the spooled document (argv[1] from ippeveprinter)"
    )


def run(args: argparse.Namespace) -> int:
    """Run one job for the ``printerapp ippprint`` subcommand."""
    return run_document(args.document)


USAGE = "usage: printerapp-ippprint DOCUMENT  (the spooled file ippeveprinter passes)"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``printerapp-ippprint``."""
    # No argparse: ippeveprinter passes exactly one path, and every job pays the import.
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if len(args) != 1 or args[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return 2
    return run_document(Path(args[0]))
