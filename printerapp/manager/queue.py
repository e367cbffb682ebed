"""One supervised ippeveprinter: start, readiness, crash restarts, adoption, stop.

A queue is ready when *its own* process listens on its port (checked in
``/proc``, see procfs), so a port taken by someone else in the meantime is
noticed at once: ippeveprinter then exits with "Address already in use" and
:class:`PortInUseError` tells the manager to move the queue to another port.

A crash is repaired at once, then with growing delays; a queue that keeps
crashing is given up as ``stopped`` with the reason.  ippeveprinter writes
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

__all__ = ["PortInUseError", "QueueProcess", "QueueStatus"]

log = logging.getLogger(__name__)

#: how long a fresh ippeveprinter may take to listen (it answers in ~20 ms here)
READY_TIMEOUT = 10.0
READY_POLL = 0.01
#: SIGINT first, SIGKILL after this many seconds
STOP_TIMEOUT = 5.0
#: delay before the n-th consecutive restart; the first is immediate
RESTART_DELAYS = (0.0, 0.5, 1.0, 2.0, 5.0)
#: a queue that crashes this often within CRASH_WINDOW seconds is given up
MAX_CRASHES = 5
CRASH_WINDOW = 60.0
#: a queue log is cut when it grows beyond this at a (re)start
MAX_LOG_BYTES = 1 << 20


class PortInUseError(PrinterProcessError):
    """The queue's port is taken by another program."""


class QueueStatus(enum.Enum):
    """The life of a queue process."""

    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    STOPPED = "stopped"


class QueueProcess:
    """The ippeveprinter of one printer, and its supervision."""

    def __init__(
        self,
        launch: QueueLaunch,
        env: Mapping[str, str],
        log_file: Path,
        on_change: Callable[[QueueProcess], None] | None = None,
    ) -> None:
        self.launch = launch
        self.env = dict(env)
        self.log_file = log_file
        self.status = QueueStatus.STARTING
        self.reason = ""
        self.pid: int | None = None
        self.start_ticks: int | None = None
        self.restarts = 0
        self._on_change = on_change
        self._proc: asyncio.subprocess.Process | None = None
        self._adopted_exit: asyncio.Future[None] | None = None
        self._stopping = False
        self._crashes: list[float] = []

    def __repr__(self) -> str:
        return f"<QueueProcess {self.launch.name!r} port={self.launch.port} {self.status.value}>"

    def _set(self, status: QueueStatus, reason: str = "") -> None:
        self.status, self.reason = status, reason
        if self._on_change is not None:
            self._on_change(self)

    async def start(self) -> None:
        """Start ippeveprinter and wait until it listens; raise PortInUseError if taken."""
        self._stopping = False
        self._set(QueueStatus.STARTING)
        self._proc = await self._spawn()
        self.pid, self._adopted_exit = self._proc.pid, None
        self.start_ticks = start_ticks(self._proc.pid)
        try:
            await self._wait_ready()
        except PrinterProcessError as exc:
            await self._kill()
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
                fh.seek(max(0, fh.seek(0, os.SEEK_END) - 400))
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
        """Keep the queue running until stop() or until it crashes too often."""
        while not self._stopping and self.status is not QueueStatus.STOPPED:
            code = await self._wait_exit()
            if self._stopping:
                return
            self.pid = None
            delay = self._crashed(code)
            if delay is None:
                return
            await asyncio.sleep(delay)
            if self._stopping:
                return
            try:
                await self.start()
            except PrinterProcessError as exc:
                # a failed restart is one more crash: the backoff and the limit still apply
                log.error("%s", exc)
                self._set(QueueStatus.RESTARTING, str(exc))

    def _crashed(self, code: int | None) -> float | None:
        now = time.monotonic()
        self._crashes = [t for t in self._crashes if now - t < CRASH_WINDOW] + [now]
        self.restarts += 1
        status = "unknown status" if code is None else f"status {code}"
        if len(self._crashes) >= MAX_CRASHES:
            reason = f"crashed {len(self._crashes)} times in {CRASH_WINDOW:g} s (last: {status})"
            log.error("queue %r: %s; given up", self.launch.name, reason)
            self._set(QueueStatus.STOPPED, reason)
            return None
        delay = RESTART_DELAYS[min(len(self._crashes) - 1, len(RESTART_DELAYS) - 1)]
        log.warning("queue %r: ippeveprinter ended (%s); restarting", self.launch.name, status)
        self._set(QueueStatus.RESTARTING, f"ended with {status}")
        return delay

    async def stop(self) -> None:
        """Stop the queue: SIGINT, then SIGKILL after STOP_TIMEOUT."""
        self._stopping = True
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
