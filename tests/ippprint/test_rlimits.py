"""The job's limits reach every process of its groups and their descendants."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from pathlib import Path

from printerapp.ippprint.rlimits import CPU_BACKSTOP_S, group_usage, parse_stat, set_limits


def test_parse_stat_reads_parent_group_and_cpu_through_odd_names() -> None:
    ticks = os.sysconf("SC_CLK_TCK")
    fields = ["S", "10", "20", *["0"] * 8, str(ticks), str(ticks), str(2 * ticks), "0"]
    line = f"42 (a (b) c) {' '.join(fields)} 0 0 0"
    assert parse_stat(line) == (10, 20, 4.0)
    assert parse_stat("42 (x) S 1") is None


def test_a_child_that_left_the_group_is_still_counted_and_limited(tmp_path: Path) -> None:
    # the leader starts a child in a session (and group) of its own, as foomatic-rip's gs may
    leader = subprocess.Popen(
        ["sh", "-c", "setsid sleep 30 & echo $!; wait"],
        stdout=subprocess.PIPE,
        text=True,
        process_group=0,
    )
    assert leader.stdout is not None
    child = int(leader.stdout.readline())
    try:
        deadline = time.monotonic() + 5
        while child not in group_usage([leader.pid]) and time.monotonic() < deadline:
            time.sleep(0.05)
        found = group_usage([leader.pid])
        assert {leader.pid, child} <= set(found)
        assert os.getpgid(child) != leader.pid
        assert set_limits(child, 7, 256)
        assert resource.prlimit(child, resource.RLIMIT_CPU)[0] == 7 + CPU_BACKSTOP_S
        assert resource.prlimit(child, resource.RLIMIT_AS)[0] == 256 * 1024 * 1024
        assert set_limits(child, 60, 4096)  # a sweep never raises a limit
        assert resource.prlimit(child, resource.RLIMIT_CPU)[0] == 7 + CPU_BACKSTOP_S
    finally:
        os.kill(child, signal.SIGKILL)
        os.killpg(leader.pid, signal.SIGKILL)
        leader.wait()
