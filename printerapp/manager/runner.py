"""The queues of the records: start, supervise, stop, restart, and ``state.json`` kept in step.

:class:`QueueRunner` owns the tables (records, unsupported devices, queue
processes) and everything that runs a queue: its launch and environment,
a free port (moving on while a port is taken), the announcement, the
supervision task and the save after every change.  :class:`~.system.Manager`
builds on it with what decides *which* queues exist: detection changes,
the clients' add, delete and restart, and the adoption at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from printerapp.cups import CupsDirs
from printerapp.errors import DriverError, PrinterAppError, PrinterProcessError, UnknownPrinterError
from printerapp.ippprint.cancel import QUEUE_URI_ENV
from printerapp.ippprint.policy import POLICY_ENV
from printerapp.ippprint.procs import CPU_LIMIT_ENV, MEMORY_LIMIT_ENV, TIME_LIMIT_ENV
from printerapp.manager.announce import Announcer
from printerapp.manager.drivers import Drivers
from printerapp.manager.front import QueueFront
from printerapp.manager.frontproxy import Rewrite
from printerapp.manager.ippeve import QueueLaunch, find_ippprint, ippeve_env
from printerapp.manager.overlay import defaults_extra, make_rewrite
from printerapp.manager.ports import choose_port
from printerapp.manager.queue import PortInUseError, QueueProcess, QueueStatus
from printerapp.manager.resubmit import kept_jobs, resubmit
from printerapp.manager.settings import ManagerSettings
from printerapp.manager.state import QueueRecord, RunningRecord, State, UnsupportedRecord
from printerapp.ppd.queueppd import prepare_queue_ppd

__all__ = [
    "MAX_PORT_ATTEMPTS",
    "SAVE_DELAY_S",
    "START_CONCURRENCY",
    "PrinterInfo",
    "QueueEnv",
    "QueueRunner",
    "elapsed_ms",
]

log = logging.getLogger(__name__)

#: how many taken ports a queue tries before it gives up
MAX_PORT_ATTEMPTS = 20
#: how many queues start (or pick drivers, or install PPDs) at once
START_CONCURRENCY = 8
#: a queue's state changes are saved together this long after the first
SAVE_DELAY_S = 0.05

_T = TypeVar("_T")


def elapsed_ms(start: float) -> float:
    """Return the milliseconds since *start* (a time.monotonic())."""
    return (time.monotonic() - start) * 1000


#: extra environment variables of a queue's ippeveprinter, from its record
QueueEnv = Callable[[QueueRecord], Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class PrinterInfo:
    """A queue as clients see it."""

    name: str
    key: str
    uri: str
    port: int
    state: str
    reason: str
    device_uri: str
    ppd_name: str
    make_and_model: str
    origin: str
    pid: int | None
    #: how the last crash or failed start ended ("" when none since the daemon started)
    last_crash: str = ""
    #: when a waiting queue is tried again (seconds since the epoch)
    retry_at: float | None = None
    #: the port its ippeveprinter listens on, on loopback (behind the front on *port*)
    ippeve_port: int = 0


class QueueRunner:
    """The queue tables, and the running of each queue."""

    def __init__(
        self,
        settings: ManagerSettings,
        drivers: Drivers,
        dirs: CupsDirs | None = None,
        env: Mapping[str, str] | None = None,
        queue_env: QueueEnv | None = None,
        announcer: Announcer | None = None,
        front: QueueFront | None = None,
    ) -> None:
        self.settings = settings
        self.drivers = drivers
        self.dirs = CupsDirs.from_env() if dirs is None else dirs
        self.env = dict(os.environ if env is None else env)
        self._records: dict[str, QueueRecord] = {}
        self._unsupported: dict[str, UnsupportedRecord] = {}
        self._queues: dict[str, QueueProcess] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._foreign_ports: set[int] = set()
        self._bg: set[asyncio.Task[object]] = set()
        #: extra environment per queue (e.g. its plug, from the server's power wiring)
        self._queue_env = queue_env
        #: DNS-SD announcements of the queues (None: ippeveprinter announces them itself)
        self._announcer = announcer
        #: the listeners of the queues' ports (None: each ippeveprinter listens on its own)
        self.front = front
        #: the internal port of each queue's ippeveprinter, behind the front
        self._internal: dict[str, int] = {}
        self._foreign_internal: set[int] = set()
        self._lock = asyncio.Lock()
        #: how many ippeveprinters start at once (their announcements are not held back by it)
        self._start_slots = asyncio.Semaphore(START_CONCURRENCY)
        self._save_handle: asyncio.TimerHandle | None = None
        #: the pid of each queue as state.json has it
        self._saved_pids: dict[str, int] = {}
        root = settings.state_dir
        self.state_file = root / "state.json"
        self.ppd_dir, self.spool_dir, self.log_dir = root / "ppd", root / "spool", root / "log"

    def _save_soon(self) -> None:
        """Save within SAVE_DELAY_S: the changes of a batch of starts go in one write."""
        if self._save_handle is None:
            self._save_handle = asyncio.get_running_loop().call_later(SAVE_DELAY_S, self._save)

    def _save(self) -> None:
        if self._save_handle is not None:
            self._save_handle.cancel()
            self._save_handle = None
        running = tuple(
            RunningRecord(key, q.pid, q.start_ticks)
            for key, q in sorted(self._queues.items())
            if q.pid is not None and q.start_ticks is not None
        )
        self._saved_pids = {r.key: r.pid for r in running}
        state = State(
            tuple(self._records[k] for k in sorted(self._records)),
            tuple(self._unsupported[u] for u in sorted(self._unsupported)),
            running,
        )
        try:
            state.save(self.state_file)
        except OSError as exc:
            log.error("%s: cannot save the state: %s", self.state_file, exc)

    def _ippeve_port(self, record: QueueRecord) -> int:
        """Return the port the queue's ippeveprinter listens on (behind the front, if any)."""
        if self.front is None:
            return record.port
        return self._internal.get(record.key, record.port)

    def _launch(self, record: QueueRecord) -> QueueLaunch:
        return QueueLaunch(
            name=record.name,
            port=self._ippeve_port(record),
            ppd=self.ppd_dir / f"{record.key}.ppd",
            spool=self.spool_dir / record.key,
            device_uri=record.device_uri,
            # always loopback: ippeveprinter cannot bind a LAN name on a stock host
            # (see printerapp.server.lan), the server forwards the LAN to it instead
            hostname="localhost",
            location=record.location,
            command=self.settings.ippprint or find_ippprint(),
            program=self.settings.program,
        )

    def _queue(self, record: QueueRecord) -> QueueProcess:
        launch = self._launch(record)
        cpu, wall, memory = self.settings.job_limits_for(record.device_uri)
        extra = {
            "PRINTER": record.key,
            "PRINTERAPP_STATE_DIR": str(self.settings.state_dir),
            CPU_LIMIT_ENV: f"{cpu:g}",
            TIME_LIMIT_ENV: f"{wall:g}",
            MEMORY_LIMIT_ENV: f"{memory:g}",
            POLICY_ENV: self.settings.error_policy_for(record.device_uri),
            # the job runner watches its job there: ippeveprinter's Cancel-Job sends no signal
            QUEUE_URI_ENV: f"ipp://127.0.0.1:{self._ippeve_port(record)}/ipp/print",
        }
        if self._queue_env is not None:
            extra.update(self._queue_env(record))
        if self.settings.formats:
            # ippeveprinter refuses -f next to -P, so the job runner enforces the list
            extra["PRINTERAPP_FORMATS"] = ",".join(self.settings.formats)
        env = ippeve_env(launch, self.dirs, self.env, extra)
        queue = QueueProcess(
            launch,
            env,
            self.log_dir / f"{record.key}.log",
            self._changed,
            restart_interval=self.settings.restart_interval,
        )
        self._queues[record.key] = queue
        return queue

    def _changed(self, queue: QueueProcess) -> None:
        # failures are logged where they are handled: the queue's supervision, _try_run
        # a glob, not kept_jobs(): that reads every sidecar and reports bad ones, and
        # resubmit_kept() is about to do both
        if queue.status is QueueStatus.RUNNING and any(
            (queue.launch.spool / "retry").glob("*.json")
        ):
            self._background(self.resubmit_kept())
        key = next((k for k, q in self._queues.items() if q is queue), "")
        saved = self._saved_pids.get(key)
        if saved is not None and queue.pid is not None and queue.pid != saved:
            # a restarted queue: on disk now, or a daemon killed within the delay would
            # take the new process for a stray and kill it, and its job with it
            self._save()
        else:
            self._save_soon()

    async def _bounded(self, coros: Sequence[Coroutine[Any, Any, _T]]) -> list[_T]:
        """Run *coros* with at most START_CONCURRENCY at once; return their results in order."""
        limit = asyncio.Semaphore(START_CONCURRENCY)

        async def one(coro: Coroutine[Any, Any, _T]) -> _T:
            async with limit:
                return await coro

        return list(await asyncio.gather(*(one(c) for c in coros)))

    def _reserve_ports(self, keys: Sequence[str]) -> None:
        """Give each record of *keys* a free port, in order (before any of them starts)."""
        for key in keys:
            record = self._records[key]
            reserved = {r.port for k, r in self._records.items() if k != key}
            port = choose_port(
                self.settings.ports, reserved | self._foreign_ports, record.port or None
            )
            if port != record.port:
                self._records[key] = replace(record, port=port)

    def _background(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._bg.add(task)  # a reference, or the loop may drop the task half-way
        task.add_done_callback(self._bg.discard)

    async def resubmit_kept(self) -> int:
        """Submit the documents kept for a retry to their running queues; return how many."""
        sent = 0
        for key, queue in list(self._queues.items()):
            if queue.status is not QueueStatus.RUNNING:
                continue
            for job in kept_jobs(self.spool_dir / key / "retry"):
                sent += await resubmit(job, queue.launch.port)
        return sent

    def _supervise(self, key: str, queue: QueueProcess) -> None:
        self._tasks[key] = asyncio.create_task(queue.supervise(), name=f"queue {key}")

    async def _prepare_ppd(self, key: str) -> None:
        """Make the queue's PPD one whose sizes clients can ask for (idempotent)."""
        try:
            await asyncio.to_thread(prepare_queue_ppd, self.ppd_dir / f"{key}.ppd")
        except DriverError as exc:
            log.warning("queue %r: %s; serving the PPD as it is", self._records[key].name, exc)

    async def _run_queue(self, key: str) -> None:
        """Start the queue of record *key*, moving it to another port while its port is taken."""
        start = time.monotonic()
        await self._prepare_ppd(key)
        prepared = time.monotonic()
        for _attempt in range(MAX_PORT_ATTEMPTS):
            record = self._records[key]
            reserved = {r.port for k, r in self._records.items() if k != key} | self._foreign_ports
            port = choose_port(self.settings.ports, reserved, record.port or None)
            if port != record.port:
                self._records[key] = record = replace(record, port=port)
                self._save()  # the reservation is on disk before the queue starts
            try:
                await self._open_front(key, record)
            except PortInUseError as exc:
                log.warning("queue %r: %s; moving", record.name, exc)
                self._foreign_ports.add(port)
                continue
            # our announcement takes the name first, so ippeveprinter's poorer one is refused
            await self._announce(record)
            announced = time.monotonic()
            queue = self._queue(record)
            try:
                async with self._start_slots:
                    await queue.start()
            except PortInUseError:
                inner = queue.launch.port
                log.warning("queue %r: port %d is taken; moving", record.name, inner)
                (self._foreign_internal if self.front else self._foreign_ports).add(inner)
                continue
            except PrinterProcessError:
                self._supervise(key, queue)  # a failed start is a crash: retried as one
                raise
            # start() reported RUNNING, which saved the state with the new pid
            self._supervise(key, queue)
            log.debug(
                "queue %r: ready in %.0f ms (PPD prepared %.0f, announced %.0f, started %.0f)",
                record.name,
                elapsed_ms(start),
                (prepared - start) * 1000,
                (announced - prepared) * 1000,
                elapsed_ms(announced),
            )
            return
        raise PrinterProcessError(f"queue {self._records[key].name!r}: no usable port")

    def _rewrite(self, key: str) -> Rewrite:
        extra = defaults_extra(self.settings.state_dir, key, self.ppd_dir / f"{key}.ppd")
        return make_rewrite(self.spool_dir / key, extra)

    async def _open_front(self, key: str, record: QueueRecord) -> None:
        """Give the queue an internal port and listen on its public one (with a front)."""
        if self.front is None:
            return
        taken = set(self._internal[k] for k in self._internal if k != key)
        inner = choose_port(
            self.settings.internal_ports,
            taken | self._foreign_internal,
            self._internal.get(key),
        )
        self._internal[key] = inner
        await self.front.open(record.port, inner, self._rewrite(key))

    async def _announce(self, record: QueueRecord) -> None:
        if self._announcer is not None:
            await self._announcer.announce(record, self._ippeve_port(record))

    async def _stop_queue(self, key: str) -> None:
        if self._announcer is not None:
            await self._announcer.withdraw(key)
        queue = self._queues.pop(key, None)
        task = self._tasks.pop(key, None)
        record = self._records.get(key)
        if self.front is not None and record is not None:
            self.front.close(record.port)
        if queue is not None:
            await queue.stop()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _rerun(self, key: str) -> None:
        """Stop the queue of *key* if it has one and start it afresh, keeping its last crash."""
        old = self._queues.get(key)
        last_crash = old.last_crash if old is not None else ""
        await self._stop_queue(key)
        try:
            await self._run_queue(key)
        finally:
            new = self._queues.get(key)
            if new is not None and not new.last_crash:
                new.last_crash = last_crash

    async def _try_run(self, key: str) -> None:
        try:
            await self._run_queue(key)
        except PrinterAppError as exc:
            log.error("%s", exc)

    def _key_of(self, name: str) -> str:
        key = next((k for k, r in self._records.items() if name in (k, r.name)), None)
        if key is None:
            raise UnknownPrinterError(f"no printer called {name!r}")
        return key

    def _info(self, key: str) -> PrinterInfo:
        record = self._records[key]
        queue = self._queues.get(key)
        return PrinterInfo(
            name=record.name,
            key=key,
            uri=f"ipp://{self.settings.public_host}:{record.port}/ipp/print",
            port=record.port,
            state=queue.status.value if queue else "waiting for device",
            reason=queue.reason if queue else "",
            device_uri=record.device_uri,
            ppd_name=record.ppd_name,
            make_and_model=record.make_and_model,
            origin=record.origin,
            pid=queue.pid if queue else None,
            last_crash=queue.last_crash if queue else "",
            retry_at=queue.retry_at if queue else None,
            ippeve_port=queue.launch.port if queue else 0,
        )

    def ports(self) -> dict[str, int]:
        """Return each queue's key and public port (cheaper than :meth:`printers`)."""
        return {key: record.port for key, record in self._records.items()}

    def printers(self) -> list[PrinterInfo]:
        """Return every queue, sorted by name."""
        return sorted((self._info(k) for k in self._records), key=lambda p: p.name)
