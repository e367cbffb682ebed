"""One supervised ippeveprinter: start, readiness, crash restarts, adoption, stop.

A queue is ready when *its own* process listens on its port (checked in
``/proc``, see procfs), so a port taken by someone else in the meantime is
noticed at once: ippeveprinter then exits with "Address already in use" and
:class:`PortInUseError` tells the manager to move the queue to another port.

A crash is repaired at once, then with growing delays; a queue that keeps
crashing is ``waiting``: it is tried again every SLOW_RESTART_INTERVAL
seconds until it runs (with an interval of 0 it is given up as ``stopped``).
The reason of the last crash is kept.  ippeveprinter writes
its log to a file, not to a pipe: a queue must outlive a daemon that was
killed, so that the restarted daemon can adopt it instead of replacing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import signal
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from printerapp.errors import PrinterProcessError
from printerapp.manager.ippeve import QueueLaunch, ippeve_argv
from printerapp.manager.procfs import pid_listens_on, start_ticks

__all__ = ["PortInUseError", "QueueProcess", "QueueStatus", "exit_text"]

log = logging.getLogger(__name__)

#: how long a fresh ippeveprinter may take to listen (it answers in ~20 ms here)
READY_TIMEOUT = 10.0
READY_POLL = 0.01
#: SIGINT first, SIGKILL after this many seconds
STOP_TIMEOUT = 5.0
#: delay before the n-th consecutive restart; the first is immediate
RESTART_DELAYS = (0.0, 0.5, 1.0, 2.0, 5.0)
#: a queue that crashes this often within CRASH_WINDOW seconds stops the fast restarts
MAX_CRASHES = 5
CRASH_WINDOW = 60.0
#: after the fast restarts, a crash-looping queue is tried again this often (0: never)
SLOW_RESTART_INTERVAL = 300.0
#: a queue log is cut when it grows beyond this at a (re)start
MAX_LOG_BYTES = 1 << 20


class PortInUseError(PrinterProcessError):
    """The queue's port is taken by another program."""


class QueueStatus(enum.Enum):
    """The life of a queue process."""

    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    #: crashed too often: tried again at ``retry_at``
    WAITING = "waiting"
    STOPPED = "stopped"


def exit_text(code: int | None) -> str:
    """Describe how a queue process ended, from its exit code (negative: a signal)."""
    if code is None:
        return "ended with unknown status"  # an adopted queue: its status went to init
    if code < 0:
        try:
            return f"ended by {signal.Signals(-code).name}"
        except ValueError:
            return f"ended by signal {-code}"
    return f"ended with status {code}"


class QueueProcess:
    """The ippeveprinter of one printer, and its supervision."""

    def __init__(
        self,
        launch: QueueLaunch,
        env: Mapping[str, str],
        log_file: Path,
        on_change: Callable[[QueueProcess], None] | None = None,
        *,
        restart_interval: float | None = None,
    ) -> None:
        self.launch = launch
        self.env = dict(env)
        self.log_file = log_file
        #: None: SLOW_RESTART_INTERVAL when it is needed (tests shrink it)
        self.restart_interval = restart_interval
        self.status = QueueStatus.STARTING
        self.reason = ""
        #: how the last crash or failed start ended; kept when the queue runs again
        self.last_crash = ""
        #: when a waiting queue is tried again (time.time()); None unless waiting
        self.retry_at: float | None = None
        self.pid: int | None = None
        self.start_ticks: int | None = None
        self.restarts = 0
        self._on_change = on_change
        self._proc: asyncio.subprocess.Process | None = None
        self._adopted_exit: asyncio.Future[None] | None = None
        self._stopping = False
        self._crashes: list[float] = []
        #: set by stop(): ends a pause between restarts at once
        self._wake = asyncio.Event()
        self._waiting = False
        #: where this run's output starts in the log file
        self._log_from = 0

    def __repr__(self) -> str:
        return f"<QueueProcess {self.launch.name!r} port={self.launch.port} {self.status.value}>"

    def _set(self, status: QueueStatus, reason: str = "", retry_at: float | None = None) -> None:
        self.status, self.reason, self.retry_at = status, reason, retry_at
        if self._on_change is not None:
            self._on_change(self)

    async def start(self) -> None:
        """Start ippeveprinter and wait until it listens; raise PortInUseError if taken."""
        self._stopping = False
        self._wake.clear()
        self._set(QueueStatus.STARTING)
        try:
            self._proc = await self._spawn()
            self.pid, self._adopted_exit = self._proc.pid, None
            self.start_ticks = start_ticks(self._proc.pid)
            await self._wait_ready()
        except PrinterProcessError as exc:
            await self._kill()
            # a failed start counts as a crash: supervise() retries it like one
            self._note_crash(str(exc).removeprefix(f"queue {self.launch.name!r}: "))
            self._set(QueueStatus.STOPPED, str(exc))
            raise
        self._set(QueueStatus.RUNNING)

    async def _spawn(self) -> asyncio.subprocess.Process:
        # ippeveprinter does not create its spool directory; without it every job fails
        self.launch.spool.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            if self.log_file.stat().st_size > MAX_LOG_BYTES:
                self.log_file.unlink()
        fd = os.open(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o640)
        try:
            # a failed start is explained by what this run wrote, not by an earlier one
            self._log_from = os.lseek(fd, 0, os.SEEK_END)
            return await asyncio.create_subprocess_exec(
                *ippeve_argv(self.launch),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=fd,
                stderr=fd,
                env=self.env,
                # its own session: a Ctrl-C at the daemon's terminal is ours to relay
                start_new_session=True,
            )
        except OSError as exc:
            raise PrinterProcessError(f"cannot run {self.launch.program}: {exc}") from exc
        finally:
            os.close(fd)

    async def _wait_ready(self) -> None:
        if self._proc is None:
            raise PrinterProcessError(f"queue {self.launch.name!r}: not started")
        deadline = time.monotonic() + READY_TIMEOUT
        while not pid_listens_on(self._proc.pid, self.launch.port):
            if self._proc.returncode is not None:
                raise self._startup_error(self._proc.returncode)
            if time.monotonic() > deadline:
                raise PrinterProcessError(
                    f"queue {self.launch.name!r}: not listening on port {self.launch.port} "
                    f"after {READY_TIMEOUT:g} s"
                )
            await asyncio.sleep(READY_POLL)

    def _startup_error(self, code: int) -> PrinterProcessError:
        tail = self._log_tail()
        message = f"queue {self.launch.name!r}: ippeveprinter exited with {code}: {tail}"
        if "Address already in use" in tail:
            return PortInUseError(message)
        return PrinterProcessError(message)

    def _log_tail(self) -> str:
        try:
            with self.log_file.open("rb") as fh:
                fh.seek(max(self._log_from, fh.seek(0, os.SEEK_END) - 400))
                lines = fh.read().decode("utf-8", "replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " / ".join(lines[-3:]) or "(empty log)"

    def adopt(self, pid: int, ticks: int) -> bool:
        """Take over a queue left by a previous daemon; False when *pid* is not it."""
        if start_ticks(pid) != ticks or not pid_listens_on(pid, self.launch.port):
            return False
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            return False
        loop = asyncio.get_running_loop()
        exited: asyncio.Future[None] = loop.create_future()

        def on_exit() -> None:
            loop.remove_reader(pidfd)
            os.close(pidfd)
            if not exited.done():
                exited.set_result(None)

        loop.add_reader(pidfd, on_exit)
        self.pid, self.start_ticks, self._proc, self._adopted_exit = pid, ticks, None, exited
        self._stopping = False
        self._set(QueueStatus.RUNNING)
        return True

    async def _wait_exit(self) -> int | None:
        if self._proc is not None:
            return await self._proc.wait()
        if self._adopted_exit is not None:
            await self._adopted_exit
        return None  # not our child: its status went to init

    async def supervise(self) -> None:
        """Keep the queue running until stop(): restart crashes, keep trying a crash loop.

        Also call it after a failed start(): that failure is the first crash.
        """
        while not self._stopping:
            if self.pid is not None:
                code = await self._wait_exit()
                if self._stopping:
                    return
                self.pid = None
                self._note_crash(exit_text(code))
            delay = self._next_delay()
            if delay is None or not await self._pause(delay):
                return
            try:
                await self.start()
            except PrinterProcessError as exc:
                if not self._stopping:
                    log.error("%s", exc)
                continue
            if self._stopping:
                # stop() came while the process started: it found no pid to end
                await self._kill()
                self._set(QueueStatus.STOPPED, "stopped")
                return
            if self._waiting:
                # back from a crash loop: the next crash gets the fast restarts again
                self._waiting = False
                self._crashes.clear()

    def _note_crash(self, how: str) -> None:
        self._crashes.append(time.monotonic())
        self.last_crash = how
        self.restarts += 1

    def _next_delay(self) -> float | None:
        """Return the pause before the next start, or None when the queue is given up."""
        now = time.monotonic()
        self._crashes = [t for t in self._crashes if now - t < CRASH_WINDOW]
        count = len(self._crashes)
        if count < MAX_CRASHES and not self._waiting:
            log.warning("queue %r: %s; restarting", self.launch.name, self.last_crash)
            self._set(QueueStatus.RESTARTING, self.last_crash)
            return RESTART_DELAYS[min(max(count - 1, 0), len(RESTART_DELAYS) - 1)]
        head = "still failing" if self._waiting else f"crashed {count} times in {CRASH_WINDOW:g} s"
        reason = f"{head} (last: {self.last_crash})"
        interval = SLOW_RESTART_INTERVAL if self.restart_interval is None else self.restart_interval
        if interval <= 0:
            log.error("queue %r: %s; given up", self.launch.name, reason)
            self._set(QueueStatus.STOPPED, reason)
            return None
        self._waiting = True
        log.error("queue %r: %s; next try in %g s", self.launch.name, reason, interval)
        self._set(QueueStatus.WAITING, reason, time.time() + interval)
        return interval

    async def _pause(self, seconds: float) -> bool:
        """Sleep *seconds*, less when stop() is called; return False when stopping."""
        if seconds > 0 and not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), seconds)
        return not self._stopping

    async def stop(self) -> None:
        """Stop the queue: SIGINT, then SIGKILL after STOP_TIMEOUT."""
        self._stopping = True
        self._wake.set()
        await self._kill()
        self._set(QueueStatus.STOPPED, "stopped")

    async def _kill(self) -> None:
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        if self._proc is None and start_ticks(pid) != self.start_ticks:
            return  # an adopted queue already gone: the pid may belong to someone else now
        for sig in (signal.SIGINT, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            try:
                await asyncio.wait_for(asyncio.shield(self._exited(pid)), STOP_TIMEOUT)
            except TimeoutError:
                log.warning("queue %r: no exit after SIGINT; killing", self.launch.name)
            else:
                return

    async def _exited(self, pid: int) -> None:
        if self._proc is not None and self._proc.pid == pid:
            await self._proc.wait()
        elif self._adopted_exit is not None:
            await self._adopted_exit
