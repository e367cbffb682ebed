"""Queues left behind by a daemon that was killed: find them, adopt or kill.

A process is one of ours when it runs ippeveprinter with a spool directory
``-d <state>/spool/<key>``.  It is adopted when the state file recorded that
very process (pid and kernel start time) for a queue that still exists;
every other one is a stray and is killed, so no restart ever ends with two
queues for one printer.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from printerapp.manager.procfs import PROC, cmdline, start_ticks

__all__ = ["Leftover", "find_leftovers", "kill_stray"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Leftover:
    """A running ippeveprinter serving one of our spool directories."""

    key: str
    pid: int
    start_ticks: int
    #: the port it listens on (its ``-p``; 0 when not given)
    port: int = 0


def _spool_key(argv: list[str], spool_root: Path) -> str | None:
    if not argv or not Path(argv[0]).name.startswith("ippeveprinter"):
        return None
    for flag, value in itertools.pairwise(argv):
        if flag == "-d" and Path(value).parent == spool_root:
            return Path(value).name
    return None


def _port(argv: list[str]) -> int:
    for flag, value in itertools.pairwise(argv):
        if flag == "-p" and value.isdigit():
            return int(value)
    return 0


def find_leftovers(spool_root: Path, proc: Path = PROC) -> list[Leftover]:
    """Return every ippeveprinter whose spool directory is under *spool_root*."""
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        pid = int(entry.name)
        key = _spool_key(cmdline(pid, proc), spool_root)
        ticks = start_ticks(pid, proc) if key is not None else None
        if key is not None and ticks is not None:
            found.append(Leftover(key, pid, ticks, _port(cmdline(pid, proc))))
    return found


def kill_stray(leftover: Leftover) -> None:
    """Kill a leftover queue that is not adopted (SIGKILL: it serves nobody)."""
    if start_ticks(leftover.pid) != leftover.start_ticks:
        return  # gone already; the pid may be someone else's by now
    log.warning("killing stray queue %r (pid %d)", leftover.key, leftover.pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(leftover.pid, signal.SIGKILL)
