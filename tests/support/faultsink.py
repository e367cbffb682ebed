"""A raw-socket (port 9100 style) printer that misbehaves on purpose, for the fault matrix.

The first :attr:`FaultSink.faulty` connections get the fault; later ones are
served well, as a printer that recovers.  Every connection is recorded: how
many bytes it took and whether the sender finished (EOF) while it was read,
so a test can count documents printed once, twice or not at all.
"""

from __future__ import annotations

import contextlib
import enum
import socket
import struct
import threading
import time
from dataclasses import dataclass
from types import TracebackType

__all__ = ["Connection", "Fault", "FaultSink"]

#: how long a connection that never reads (or stalls) is held open before the sink lets go
HOLD_S = 600.0
#: the printer's receive buffer
RCVBUF = 16 * 1024
#: the slow printer's speed, bytes per second
SLOW_BPS = 10 * 1024


class Fault(enum.Enum):
    """What the printer does wrong."""

    NONE = "none"
    #: connections are refused for :attr:`FaultSink.down_s`, then accepted
    REFUSE = "refuse"
    #: accept, read 1 KB, close
    CLOSE_1K = "close-after-1k"
    #: accept, never read
    NEVER_READ = "never-read"
    #: accept, read half of :attr:`FaultSink.stall_at` bytes, then stop reading
    STALL = "stall-halfway"
    #: accept, read some, then reset the connection (RST)
    RESET = "reset"
    #: read at SLOW_BPS
    SLOW = "slow"


@dataclass(slots=True)
class Connection:
    """One connection as the printer saw it."""

    fault: Fault
    received: int = 0
    #: the sender closed its side after sending everything, while we were reading
    complete: bool = False
    ended: bool = False


class FaultSink:
    """Listen on 127.0.0.1 and misbehave with *fault* on the first *faulty* connections."""

    def __init__(
        self,
        fault: Fault,
        *,
        faulty: int = 1,
        down_s: float = 20.0,
        stall_at: int = 64 * 1024,
        hold_s: float = HOLD_S,
    ) -> None:
        self.fault, self.faulty, self.down_s = fault, faulty, down_s
        self.stall_at, self.hold_s = stall_at, hold_s
        self.connections: list[Connection] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # a printer's small window: what it has not read stays in the sender's queue
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        self._server.bind(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._started = 0.0
        self._acceptor = threading.Thread(target=self._accept_loop, name="fault-sink")

    @property
    def uri(self) -> str:
        """The ``socket://`` device URI of this printer."""
        return f"socket://127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        if self.fault is Fault.REFUSE:
            # bound but not listening: connect() gets ECONNREFUSED, as from a printer that is off
            self._stop.wait(self.down_s)
        self._server.listen(8)
        self._server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                faulty = len(self.connections) < self.faulty
                record = Connection(self.fault if faulty else Fault.NONE)
                self.connections.append(record)
            thread = threading.Thread(target=self._serve, args=(conn, record), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _read(self, conn: socket.socket, record: Connection, limit: int | None) -> bool:
        """Read until EOF (True) or *limit* bytes (False)."""
        while limit is None or record.received < limit:
            want = 65536 if limit is None else min(65536, limit - record.received)
            try:
                chunk = conn.recv(want)
            except TimeoutError:
                if self._stop.is_set():
                    return False
                continue
            if not chunk:
                return True
            record.received += len(chunk)
            if record.fault is Fault.SLOW:
                time.sleep(len(chunk) / SLOW_BPS)
        return False

    def _hold(self) -> None:
        self._stop.wait(self.hold_s)

    def _serve(self, conn: socket.socket, record: Connection) -> None:
        conn.settimeout(0.2)
        if record.fault is Fault.SLOW:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            if record.fault is Fault.CLOSE_1K:
                self._read(conn, record, 1024)
            elif record.fault is Fault.NEVER_READ:
                self._hold()
            elif record.fault is Fault.STALL:
                if not self._read(conn, record, self.stall_at // 2):
                    self._hold()
            elif record.fault is Fault.RESET:
                if not self._read(conn, record, 4096):
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                record.complete = self._read(conn, record, None)
        except OSError:
            pass
        finally:
            record.ended = True
            with contextlib.suppress(OSError):
                conn.close()

    def complete_count(self) -> int:
        """How many connections delivered a whole document."""
        return sum(1 for c in self.connections if c.complete)

    def __enter__(self) -> FaultSink:
        self._started = time.monotonic()
        self._acceptor.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._acceptor.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        self._server.close()
