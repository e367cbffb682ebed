"""Run CUPS driver programs: ``PROGRAM list`` and ``PROGRAM cat URI``.

A driver program is run directly from an argv list (never a shell), in its
own process group, with stdin from /dev/null and a timeout: when it hangs,
the whole group is killed, so a helper it started cannot linger either.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from printerapp.errors import DriverListError, DriverProgramError
from printerapp.ppd.listline import ListEntry, parse_list_line

__all__ = [
    "CAT_TIMEOUT",
    "LIST_TIMEOUT",
    "ListResult",
    "cat_argv",
    "list_argv",
    "list_program",
    "parse_list_output",
    "run_program",
]

log = logging.getLogger(__name__)

#: seconds a ``list`` may take (foomatic needs ~0.2 s here)
LIST_TIMEOUT = 20.0
#: seconds a ``cat`` may take (~0.2 s here)
CAT_TIMEOUT = 30.0
#: a driver's output larger than this is refused (the largest PPDs are a few MB)
MAX_OUTPUT = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ListResult:
    """What one program listed: the good entries and a summary of the bad lines."""

    entries: tuple[ListEntry, ...]
    bad_lines: int = 0
    first_bad: str = ""


def list_argv(program: Path) -> list[str]:
    """Return the argv that lists a driver program's PPDs."""
    return [str(program), "list"]


def cat_argv(program: Path, uri: str) -> list[str]:
    """Return the argv that prints one PPD of a driver program."""
    return [str(program), "cat", uri]


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def run_program(argv: list[str], timeout: float, *, check: bool = True) -> bytes:
    """Run *argv*, return its stdout; raise DriverProgramError on failure or timeout."""
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own group: a timeout kills its children too
        )
    except OSError as exc:
        raise DriverProgramError(f"{argv[0]}: cannot run: {exc.strerror or exc}") from exc
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise DriverProgramError(f"{argv[0]}: killed after {timeout:g} s (hung)") from None
    except BaseException:
        _kill_group(proc)
        raise
    if check and proc.returncode != 0:
        why = _reason(argv[0], err) or _reason(argv[0], out)  # some print usage on stdout
        raise DriverProgramError(
            f"{argv[0]}: exited with status {proc.returncode}" + (f": {why}" if why else "")
        )
    if len(out) > MAX_OUTPUT:
        raise DriverProgramError(f"{argv[0]}: output too large")
    return out


def _reason(program: str, output: bytes) -> str:
    """Return why a program failed, from its output: its first "PROG:" line, else the last.

    ppdc, for one, prints ``ppdc: Unterminated string ... on line 3 of x.drv``,
    or only its usage when a file defines no driver.
    """
    lines = [ln.strip() for ln in output.decode("utf-8", "replace").splitlines() if ln.strip()]
    own = [ln for ln in lines if ln.startswith(f"{Path(program).name}:")]
    if own:
        why = own[0]
    elif lines and lines[0].lower().startswith("usage:"):
        why = "it printed its usage (nothing to do, or bad arguments)"
    else:
        why = lines[-1] if lines else ""
    return "".join(c if c.isprintable() else "?" for c in why)[:200]


def parse_list_output(data: bytes) -> ListResult:
    """Parse a ``list`` output; bad lines are counted, not fatal."""
    entries: list[ListEntry] = []
    bad = 0
    first_bad = ""
    for raw in data.splitlines():
        if not raw.strip():
            continue
        try:
            entries.append(parse_list_line(raw.decode("utf-8")))
        except (UnicodeDecodeError, DriverListError) as exc:
            bad += 1
            first_bad = first_bad or str(exc)
    return ListResult(tuple(entries), bad, first_bad)


def list_program(program: Path, timeout: float = LIST_TIMEOUT) -> ListResult:
    """Run ``PROGRAM list`` and parse its lines (as CUPS, whatever its exit status)."""
    result = parse_list_output(run_program(list_argv(program), timeout, check=False))
    if not result.entries and result.bad_lines == 0:
        log.debug("%s: listed no PPDs", program)
    return result
