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
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own group: a timeout kills its children too
        )
    except OSError as exc:
        raise DriverProgramError(f"{argv[0]}: cannot run: {exc.strerror or exc}") from exc
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise DriverProgramError(f"{argv[0]}: killed after {timeout:g} s (hung)") from None
    except BaseException:
        _kill_group(proc)
        raise
    if check and proc.returncode != 0:
        raise DriverProgramError(f"{argv[0]}: exited with status {proc.returncode}")
    if len(out) > MAX_OUTPUT:
        raise DriverProgramError(f"{argv[0]}: output too large")
    return out


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
