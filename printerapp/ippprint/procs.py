"""Spawn the job's processes and watch them: status lines out, first failure in.

One thread, one selector: every process's stderr pipe and its pidfd.  Lines are
forwarded as soon as they are complete, so a chatty filter can never block on a
full pipe, and an exit is seen the moment it happens.

Every process is the leader of its own process group, so stopping it also
stops what it started (foomatic-rip's Ghostscript).  A job is bounded (see
:mod:`.rlimits`): its processes together may use :attr:`Limits.cpu_s` seconds
of CPU, each :attr:`Limits.memory_mib` of address space (allocations beyond
it fail, and Ghostscript ends with a ``VMerror``), the chain
:attr:`Limits.wall_s` seconds in all; and SIGTERM,
or a cancelled job (see :mod:`.cancel`) stops the whole chain at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import selectors
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from printerapp.errors import FilterFailedError, JobCancelledError, JobLimitError
from printerapp.ippprint.rlimits import SWEEP_S, group_usage, set_limits

__all__ = ["CPU_LIMIT_ENV", "MEMORY_LIMIT_ENV", "TIME_LIMIT_ENV", "Limits", "Proc", "supervise"]

#: CPU seconds a job may use, its processes together (0: no limit); set per queue by the server
CPU_LIMIT_ENV = "PRINTERAPP_JOB_CPU_LIMIT"
#: wall-clock seconds a whole job may take (0: no limit)
TIME_LIMIT_ENV = "PRINTERAPP_JOB_TIME_LIMIT"
#: MiB of address space each process of a job may map (0: no limit)
MEMORY_LIMIT_ENV = "PRINTERAPP_JOB_MEMORY_LIMIT"
DEFAULT_CPU_LIMIT_S = 600.0
DEFAULT_TIME_LIMIT_S = 7200.0
#: generous: the per-process address space, not the job's; gs renders page by page
DEFAULT_MEMORY_LIMIT_MIB = 2048.0
#: what a program says on stderr when an allocation failed (gs, C, C++, Python)
_OUT_OF_MEMORY = (
    b"VMerror",
    b"Cannot allocate memory",
    b"out of memory",
    b"Out of memory",
    b"bad_alloc",
    b"MemoryError",
)
#: how often a running job asks its queue whether it is being cancelled
CANCEL_CHECK_S = 1.0
#: signals that stop the job (a stopping daemon, a user at a terminal)
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one job may take; 0 means no limit."""

    cpu_s: float = 0.0
    wall_s: float = 0.0
    memory_mib: float = 0.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Limits:
        """Read the limits from the job's environment (a bad value keeps the default)."""
        return cls(
            _seconds(env.get(CPU_LIMIT_ENV), DEFAULT_CPU_LIMIT_S),
            _seconds(env.get(TIME_LIMIT_ENV), DEFAULT_TIME_LIMIT_S),
            _seconds(env.get(MEMORY_LIMIT_ENV), DEFAULT_MEMORY_LIMIT_MIB),
        )


def _seconds(text: str | None, default: float) -> float:
    try:
        value = float(text) if text is not None else default
    except ValueError:
        return default
    return value if 0 <= value < 1e9 else default


#: seconds between SIGTERM and SIGKILL when the chain is stopped
KILL_GRACE_S = 2.0
#: seconds to keep reading stderr after every process has ended (grandchildren)
DRAIN_S = 1.0
#: a status "line" longer than this is forwarded in pieces
MAX_LINE = 64 * 1024
_HIGH_FD = 10


def _high(fd: int) -> int:
    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, _HIGH_FD)


@dataclass(slots=True)
class Proc:
    """One running filter or backend, as the supervisor tracks it."""

    name: str
    kind: str
    pid: int
    pidfd: int
    err_fd: int
    wait_status: int | None = None
    killed: bool = False
    buffer: bytes = b""
    #: the address-space limit set on it, MiB (0: none)
    memory_mib: float = 0.0
    #: it said an allocation failed
    out_of_memory: bool = False
    #: CPU seconds it and the children it reaped used, once it has ended
    cpu_used: float = 0.0

    @classmethod
    def spawn(
        cls,
        path: Path,
        argv: Sequence[str],
        env: dict[str, str],
        fds: tuple[int, int, int, int],
        kind: str,
    ) -> Proc:
        """Start *path* with fds 0, 1, 3, 4 from *fds* and a fresh stderr pipe."""
        err_r, err_w = os.pipe()
        # Copy every source above fd 4 first, so no dup2 clobbers a later source.
        sources = [_high(fd) for fd in (fds[0], fds[1], err_w, fds[2], fds[3])]
        actions = [(os.POSIX_SPAWN_DUP2, src, dst) for dst, src in enumerate(sources)]
        try:
            pid = os.posix_spawn(
                str(path),
                list(argv),
                env,
                file_actions=actions,
                setsigdef=(signal.SIGPIPE, signal.SIGXFSZ, *_STOP_SIGNALS),
                setpgroup=0,  # its own group: stopping it stops its children too
            )
        except OSError as exc:
            os.close(err_r)
            raise FilterFailedError(f"{kind} {path.name} could not be started: {exc}") from exc
        finally:
            for src in sources:
                os.close(src)
            os.close(err_w)  # only the child writes its stderr
        os.set_blocking(err_r, False)
        return cls(path.name, kind, pid, os.pidfd_open(pid), err_r)

    @property
    def exit_code(self) -> int | None:
        """Return the exit status, or None if it died by a signal or still runs."""
        if self.wait_status is None or not os.WIFEXITED(self.wait_status):
            return None
        return os.WEXITSTATUS(self.wait_status)

    @property
    def failed(self) -> bool:
        """True when it ended badly on its own (not stopped by us)."""
        return self.wait_status not in (None, 0) and not self.killed

    def describe(self) -> str:
        """Say how it ended, e.g. ``exited with status 2`` or ``was killed by SIGSEGV``."""
        if self.wait_status is None:
            return "is still running"
        if os.WIFSIGNALED(self.wait_status):
            if os.WTERMSIG(self.wait_status) == signal.SIGXCPU:
                return "used up its CPU time limit and was stopped"
            how = f"was killed by {signal.Signals(os.WTERMSIG(self.wait_status)).name}"
        else:
            how = f"exited with status {os.WEXITSTATUS(self.wait_status)}"
        if self.out_of_memory and self.memory_mib > 0:
            limit = f"ran out of memory (its limit is {self.memory_mib:g} MiB)"
            return limit if self.wait_status == 0 else f"{limit} and {how}"
        return how

    def kill(self, sig: int) -> None:
        """Send *sig* to its process group (it and its children), unless it has ended."""
        if self.wait_status is None:
            self.killed = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)


def _rank(proc: Proc, order: Sequence[Proc]) -> tuple[bool, bool, int]:
    # A backend's own verdict beats a filter that merely lost its reader (SIGPIPE/EPIPE).
    sigpipe = (
        proc.wait_status is not None
        and os.WIFSIGNALED(proc.wait_status)
        and (os.WTERMSIG(proc.wait_status) == signal.SIGPIPE)
    )
    return sigpipe, proc.kind != "backend", order.index(proc)


class _Watch:
    def __init__(self, procs: Sequence[Proc], status: BinaryIO) -> None:
        self.procs, self.status = procs, status
        self.sel = selectors.DefaultSelector()
        for p in procs:
            self.sel.register(p.err_fd, selectors.EVENT_READ, (p, "err"))
            self.sel.register(p.pidfd, selectors.EVENT_READ, (p, "exit"))
        self.failed: Proc | None = None
        self.kill_deadline: float | None = None
        #: why the chain is being stopped when no process failed: cancelled, or too long
        self.stopped: JobCancelledError | JobLimitError | None = None
        self.deadline: float | None = None
        self.wake_fd: int | None = None
        #: asks the queue whether the job is being cancelled (ippeveprinter sends no signal)
        self.cancelled: Callable[[], bool] | None = None
        self.next_check = time.monotonic() + CANCEL_CHECK_S
        self.limits = Limits()
        self.next_sweep = 0.0

    def watch_signals(self, wake_fd: int) -> None:
        """Wake the selector when a stop signal arrives (see :func:`_stop_signals`)."""
        self.wake_fd = wake_fd
        self.sel.register(wake_fd, selectors.EVENT_READ, (None, "signal"))

    def stop_all(self) -> None:
        for p in self.procs:
            p.kill(signal.SIGTERM)
        self.kill_deadline = time.monotonic() + KILL_GRACE_S

    def emit(self, line: bytes) -> None:
        self.status.write(line if line.endswith(b"\n") else line + b"\n")
        self.status.flush()

    def read_err(self, p: Proc) -> None:
        try:
            chunk = os.read(p.err_fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            if p.buffer:
                self.emit(p.buffer)
            p.buffer = b""
            self.sel.unregister(p.err_fd)
            os.close(p.err_fd)
            return
        p.buffer += chunk
        *lines, p.buffer = p.buffer.split(b"\n")
        for line in lines:
            if any(word in line for word in _OUT_OF_MEMORY):
                p.out_of_memory = True
            self.emit(line + b"\n")
        while len(p.buffer) > MAX_LINE:
            self.emit(p.buffer[:MAX_LINE])
            p.buffer = p.buffer[MAX_LINE:]

    def reap(self, p: Proc) -> None:
        _, p.wait_status, usage = os.wait4(p.pid, 0)
        p.cpu_used = usage.ru_utime + usage.ru_stime
        self.sel.unregister(p.pidfd)
        os.close(p.pidfd)

    def sweep(self) -> None:
        """Put the CPU and memory limits on every process of the job's groups."""
        self.next_sweep = time.monotonic() + SWEEP_S
        if self.limits.cpu_s <= 0 and self.limits.memory_mib <= 0:
            return
        usage = group_usage([p.pid for p in self.procs if p.wait_status is None])
        for pid in usage:
            set_limits(pid, self.limits.cpu_s, self.limits.memory_mib)
        used = sum(usage.values()) + sum(p.cpu_used for p in self.procs)
        if 0 < self.limits.cpu_s <= used:
            why = f"the job used up its CPU time limit ({self.limits.cpu_s:g} s) and was stopped"
            self.stop(JobLimitError(why))

    def step(self) -> None:
        timeout = None
        if self.kill_deadline is not None:
            timeout = max(0.0, self.kill_deadline - time.monotonic())
        exited: list[Proc] = []
        for due in (self.deadline, self.next_check if self.cancelled else None, self.next_sweep):
            if due is not None:
                left = max(0.0, due - time.monotonic())
                timeout = left if timeout is None else min(timeout, left)
        for key, _ in self.sel.select(timeout):
            proc, what = key.data
            if what == "signal":
                self.on_signal()
            elif what == "err":
                self.read_err(proc)
            else:
                self.reap(proc)
                exited.append(proc)
        if time.monotonic() >= self.next_sweep:
            self.sweep()
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.deadline = None
            self.stop(JobLimitError("the job ran past its time limit and was stopped"))
        if self.cancelled is not None and time.monotonic() >= self.next_check:
            self.next_check = time.monotonic() + CANCEL_CHECK_S
            if self.cancelled():
                self.cancelled = None
                self.stop(JobCancelledError("the job was cancelled; its processes were stopped"))
        bad = sorted((p for p in exited if p.failed), key=lambda p: _rank(p, self.procs))
        if bad and self.failed is None:
            self.failed = bad[0]
            self.stop_all()
        if self.kill_deadline is not None and time.monotonic() >= self.kill_deadline:
            for p in self.procs:
                p.kill(signal.SIGKILL)
            self.kill_deadline = None

    def stop(self, why: JobCancelledError | JobLimitError) -> None:
        if self.stopped is None and self.failed is None:
            self.stopped = why
            self.emit(f"INFO: {why}".encode())
            self.stop_all()

    def on_signal(self) -> None:
        if self.wake_fd is not None:
            with contextlib.suppress(BlockingIOError):
                os.read(self.wake_fd, 64)
        self.stop(JobCancelledError("the job was cancelled; its processes were stopped"))


@contextlib.contextmanager
def _stop_signals(watch: _Watch) -> Iterator[None]:
    """Turn SIGTERM/SIGINT/SIGHUP into a wake-up of the selector, for the block."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only: nothing to catch here
        return
    wake_r, wake_w = os.pipe()
    for fd in (wake_r, wake_w):
        os.set_blocking(fd, False)
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in _STOP_SIGNALS}
    old_wakeup = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    watch.watch_signals(wake_r)
    try:
        yield
    finally:
        signal.set_wakeup_fd(old_wakeup)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        watch.sel.unregister(wake_r)
        watch.wake_fd = None
        os.close(wake_r)
        os.close(wake_w)


def supervise(
    procs: Sequence[Proc],
    status: BinaryIO | None = None,
    *,
    abort: bool = False,
    limits: Limits | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Proc | None:
    """Forward status lines until every process has ended; return the first failure.

    Raise JobCancelledError when a stop signal ended the job, JobLimitError when
    its time ran out, each after every process has been stopped.
    """
    watch = _Watch(procs, sys.stderr.buffer if status is None else status)
    watch.cancelled = cancelled
    limits = limits or Limits()
    watch.limits = limits
    for proc in procs:
        proc.memory_mib = limits.memory_mib
    watch.sweep()
    if limits.wall_s > 0:
        watch.deadline = time.monotonic() + limits.wall_s
    if abort:
        watch.stop_all()
    with _stop_signals(watch):
        while any(p.wait_status is None for p in procs):
            watch.step()
    drain_until = time.monotonic() + DRAIN_S
    while watch.sel.get_map() and time.monotonic() < drain_until:
        for key, _ in watch.sel.select(max(0.0, drain_until - time.monotonic())):
            watch.read_err(key.data[0])
    for key in list(watch.sel.get_map().values()):
        os.close(key.fd)
    watch.sel.close()
    if watch.stopped is not None and watch.failed is None:
        raise watch.stopped
    if watch.failed is None:
        # a filter whose Ghostscript hit the memory limit may exit 0 having printed nothing
        return next((p for p in procs if p.out_of_memory and p.memory_mib > 0), None)
    return watch.failed
