"""A job is bounded: CPU per process, time in all, and Cancel-Job (SIGTERM) stops everything."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from printerapp.errors import FilterFailedError, JobLimitError
from printerapp.ippprint.pipeline import run_job
from printerapp.ippprint.procs import CPU_LIMIT_ENV, MEMORY_LIMIT_ENV, TIME_LIMIT_ENV, Limits
from tests.ippprint.test_pipeline import job, plan_of, script

GetPpd = Callable[[str], Path]


def _running(marker: str) -> list[int]:
    """Return the pids whose command line holds *marker*."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _gone(marker: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _running(marker)


def test_limits_come_from_the_environment() -> None:
    assert Limits.from_env(
        {CPU_LIMIT_ENV: "30", TIME_LIMIT_ENV: "0", MEMORY_LIMIT_ENV: "64"}
    ) == Limits(30, 0, 64)
    defaults = Limits.from_env({})
    assert defaults.cpu_s > 0
    assert defaults.wall_s > 0
    assert Limits.from_env({CPU_LIMIT_ENV: "nan", TIME_LIMIT_ENV: "-1"}) == defaults


def test_a_spinning_filter_and_its_children_stop_at_the_cpu_limit(
    tmp_path: Path, get_ppd: GetPpd
) -> None:
    marker = f"printerapp-spin-child-{os.getpid()}"
    # a child that would outlive its parent, then a busy loop (PostScript's "{ } loop")
    spin = script(tmp_path / "spin", f"sleep 1000 {marker} 2>/dev/null &\nwhile :; do :; done\n")
    env = {**os.environ, CPU_LIMIT_ENV: "1"}
    started = time.monotonic()
    with pytest.raises(JobLimitError, match=r"CPU time limit \(1 s\)"):
        run_job(
            job(get_ppd("lj2100-pxlmono"), f"file://{tmp_path / 'out.prn'}"),
            plan_of(str(spin)),
            status=io.BytesIO(),
            base_env=env,
        )
    assert time.monotonic() - started < 10
    assert _gone(marker, 5), "the filter's child was left running"


def test_a_job_past_its_time_limit_is_stopped(tmp_path: Path, get_ppd: GetPpd) -> None:
    stall = script(tmp_path / "stall", "sleep 1000\n")
    env = {**os.environ, TIME_LIMIT_ENV: "1"}
    status = io.BytesIO()
    started = time.monotonic()
    with pytest.raises(JobLimitError, match="time limit"):
        run_job(
            job(get_ppd("lj2100-pxlmono"), f"file://{tmp_path / 'out.prn'}"),
            plan_of(str(stall)),
            status=status,
            base_env=env,
        )
    assert time.monotonic() - started < 6
    assert b"INFO: the job ran past its time limit" in status.getvalue()


CANCELLED_JOB = """
import io, sys
from pathlib import Path
from printerapp.errors import JobCancelledError
from printerapp.ippprint.procs import Proc, supervise
r, w = __import__("os").pipe()
proc = Proc.spawn(Path("/bin/sh"), ["sh", "-c", sys.argv[1]], {"PATH": "/bin:/usr/bin"},
                  (r, w, r, w), "filter")
print("started", flush=True)
try:
    supervise([proc], io.BytesIO())
except JobCancelledError as exc:
    print("cancelled:", exc, flush=True)
    sys.exit(3)
sys.exit(0)
"""


def test_sigterm_stops_the_whole_chain_at_once() -> None:
    marker = f"printerapp-cancel-child-{os.getpid()}"
    body = f"sleep 1000 {marker} 2>/dev/null & while :; do :; done"
    runner = subprocess.Popen(
        [sys.executable, "-c", CANCELLED_JOB, body], stdout=subprocess.PIPE, text=True
    )
    assert runner.stdout is not None
    assert runner.stdout.readline().strip() == "started"
    time.sleep(0.3)
    cancelled = time.monotonic()
    runner.send_signal(signal.SIGTERM)  # what ippeveprinter does on Cancel-Job
    assert runner.wait(timeout=10) == 3
    assert "cancelled: the job was cancelled" in runner.stdout.read()
    assert time.monotonic() - cancelled < 5
    assert _gone(marker, 5), "a process of the cancelled job was left running"


def test_a_filter_past_its_memory_limit_fails_with_the_reason(
    tmp_path: Path, get_ppd: GetPpd
) -> None:
    # PostScript that keeps 10 MB strings on the stack until memory runs out
    hungry = tmp_path / "hungry.ps"
    hungry.write_text("%!PS\n1 1 100000 { pop 10000000 string } for\n")
    gs = script(
        tmp_path / "gsfilter",
        f"exec gs -q -dBATCH -dNOPAUSE -sstdout=%stderr -sDEVICE=pxlmono -sOutputFile=- {hungry}\n",
    )
    env = {**os.environ, MEMORY_LIMIT_ENV: "256", CPU_LIMIT_ENV: "60"}
    status = io.BytesIO()
    started = time.monotonic()
    with pytest.raises(FilterFailedError, match=r"ran out of memory \(its limit is 256 MiB\)"):
        run_job(
            job(get_ppd("lj2100-pxlmono"), f"file://{tmp_path / 'out.prn'}"),
            plan_of(str(gs)),
            status=status,
            base_env=env,
        )
    assert time.monotonic() - started < 20
    assert b"VMerror" in status.getvalue()
