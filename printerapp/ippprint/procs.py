"""Spawn the job's processes and watch them: status lines out, first failure in.

One thread, one selector: every process's stderr pipe and its pidfd.  Lines are
forwarded as soon as they are complete, so a chatty filter can never block on a
full pipe, and an exit is seen the moment it happens.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import selectors
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from printerapp.errors import FilterFailedError

__all__ = ["Proc", "supervise"]

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
                setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),
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
            return f"was killed by {signal.Signals(os.WTERMSIG(self.wait_status)).name}"
        return f"exited with status {os.WEXITSTATUS(self.wait_status)}"

    def kill(self, sig: int) -> None:
        """Send *sig* unless it has already ended."""
        if self.wait_status is None:
            self.killed = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)


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
            self.emit(line + b"\n")
        while len(p.buffer) > MAX_LINE:
            self.emit(p.buffer[:MAX_LINE])
            p.buffer = p.buffer[MAX_LINE:]

    def reap(self, p: Proc) -> None:
        _, p.wait_status = os.waitpid(p.pid, 0)
        self.sel.unregister(p.pidfd)
        os.close(p.pidfd)

    def step(self) -> None:
        timeout = None
        if self.kill_deadline is not None:
            timeout = max(0.0, self.kill_deadline - time.monotonic())
        exited: list[Proc] = []
        for key, _ in self.sel.select(timeout):
            proc, what = key.data
            if what == "err":
                self.read_err(proc)
            else:
                self.reap(proc)
                exited.append(proc)
        bad = sorted((p for p in exited if p.failed), key=lambda p: _rank(p, self.procs))
        if bad and self.failed is None:
            self.failed = bad[0]
            self.stop_all()
        if self.kill_deadline is not None and time.monotonic() >= self.kill_deadline:
            for p in self.procs:
                p.kill(signal.SIGKILL)
            self.kill_deadline = None


def supervise(
    procs: Sequence[Proc], status: BinaryIO | None = None, *, abort: bool = False
) -> Proc | None:
    """Forward status lines until every process has ended; return the first failure."""
    watch = _Watch(procs, sys.stderr.buffer if status is None else status)
    if abort:
        watch.stop_all()
    while any(p.wait_status is None for p in procs):
        watch.step()
    drain_until = time.monotonic() + DRAIN_S
    while watch.sel.get_map() and time.monotonic() < drain_until:
        for key, _ in watch.sel.select(max(0.0, drain_until - time.monotonic())):
            watch.read_err(key.data[0])
    for key in list(watch.sel.get_map().values()):
        os.close(key.fd)
    watch.sel.close()
    return watch.failed
