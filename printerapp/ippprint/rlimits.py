"""Put a job's CPU and memory limits on every process of its process groups.

A limit set on a filter right after it started reaches the processes it
starts later, but not those it started in the meantime: a shell-script
filter (gstopdf) may already have forked its Ghostscript.  So the job runner
sweeps: at the start, and then every :data:`SWEEP_S`, every process whose
process group is one of the job's gets the limits.  CPU time counts from a
process's start, so a late limit still ends a loop on time.

The CPU limit is the job's: the sweep adds up the CPU time of the groups'
processes (with what they reaped), and the job runner stops the job when the
sum passes the limit.  Each process's own ``RLIMIT_CPU`` is only a backstop a
little above it, because a filter whose Ghostscript was killed by SIGXCPU may
carry on and exit 0 as if it had printed.
"""

from __future__ import annotations

import contextlib
import os
import resource
from collections.abc import Collection
from pathlib import Path

__all__ = ["SWEEP_S", "group_usage", "set_limits"]

#: seconds between two sweeps
SWEEP_S = 1.0
#: seconds of CPU past the soft limit (SIGXCPU) before the kernel sends SIGKILL
CPU_HARD_GRACE_S = 5
#: seconds the per-process backstop lies above the job's CPU limit
CPU_BACKSTOP_S = 3
_TICKS = os.sysconf("SC_CLK_TCK")


def parse_stat(stat: str) -> tuple[int, int, float] | None:
    """Return the parent, the process group and the CPU seconds (with reaped children's)."""
    # the command name may hold spaces and parentheses: fields start after the last ")"
    fields = stat.rsplit(")", 1)[-1].split()
    if len(fields) < 15 or not all(f.lstrip("-").isdigit() for f in fields[1:15]):
        return None
    ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return int(fields[1]), int(fields[2]), ticks / _TICKS


def _all_stats(proc: str) -> dict[int, tuple[int, int, float]]:
    stats = {}
    for entry in os.scandir(proc):
        if entry.name.isdigit():
            try:
                parsed = parse_stat(Path(entry.path, "stat").read_text("utf-8", "replace"))
            except OSError:
                continue  # ended meanwhile
            if parsed is not None:
                stats[int(entry.name)] = parsed
    return stats


def group_usage(pgids: Collection[int], proc: str = "/proc") -> dict[int, float]:
    """Return pid -> CPU seconds of the processes in the groups *pgids* and their descendants.

    Descendants count even when they moved to a group of their own (foomatic-rip's gs).
    """
    stats = _all_stats(proc)
    found = {pid for pid, (_, pgrp, _) in stats.items() if pgrp in pgids}
    grown = True
    while grown:
        more = {pid for pid, (ppid, _, _) in stats.items() if ppid in found} - found
        found |= more
        grown = bool(more)
    return {pid: stats[pid][2] for pid in found}


def set_limits(pid: int, cpu_s: float, memory_mib: float) -> bool:
    """Limit *pid* to *cpu_s* seconds of CPU and *memory_mib* MiB of address space (0: none).

    Return False when the process has gone.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if cpu_s > 0:
            soft = max(1, int(cpu_s)) + CPU_BACKSTOP_S
            _lower(pid, resource.RLIMIT_CPU, soft, soft + CPU_HARD_GRACE_S)
        if memory_mib > 0:
            size = int(memory_mib * 1024 * 1024)
            _lower(pid, resource.RLIMIT_AS, size, size)
        return True
    return False


def _lower(pid: int, which: int, soft: int, hard: int) -> None:
    """Set the limit unless it is already as low (a sweep never raises one)."""
    old_soft, old_hard = resource.prlimit(pid, which)
    if old_soft == resource.RLIM_INFINITY or old_soft > soft:
        hard = hard if old_hard == resource.RLIM_INFINITY else min(hard, old_hard)
        resource.prlimit(pid, which, (soft, max(soft, hard)))
