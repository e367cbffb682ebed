"""An LPD printer (RFC 1179) that misbehaves on purpose while it receives the data file.

It speaks the receive-job command (``\\x02queue``) with its two subcommands,
the control file (``\\x02count cfA...``) and the data file (``\\x03count dfA...``),
in either order, acknowledging each with a 0 byte.  The fault of
:class:`~tests.support.faultsink.FaultSink` hits the data file's transfer;
a connection counts as a whole document once both files arrived in full.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time

from tests.support.faultsink import SLOW_BPS, Connection, Fault, FaultSink

__all__ = ["LpdSink"]

#: the longest command line a client may send
MAX_LINE = 1024


class _Closed(Exception):
    """The client went away, or the sink is stopping."""


class LpdSink(FaultSink):
    """An LPD server on 127.0.0.1 with *fault* on the first *faulty* connections."""

    @property
    def uri(self) -> str:
        """The ``lpd://`` device URI of this printer."""
        return f"lpd://127.0.0.1:{self.port}/faulty?reserve=none"

    def _recv(self, conn: socket.socket, want: int) -> bytes:
        while True:
            try:
                chunk = conn.recv(want)
            except TimeoutError:
                if self._stop.is_set():
                    raise _Closed from None
                continue
            if not chunk:
                raise _Closed
            return chunk

    def _line(self, conn: socket.socket) -> bytes:
        line = b""
        while not line.endswith(b"\n"):
            line += self._recv(conn, 1)
            if len(line) > MAX_LINE:
                raise _Closed
        return line

    def _exact(self, conn: socket.socket, count: int, record: Connection | None = None) -> None:
        left = count
        while left:
            chunk = self._recv(conn, min(65536, left))
            left -= len(chunk)
            if record is not None:
                record.received += len(chunk)
                if record.fault is Fault.SLOW:
                    time.sleep(len(chunk) / SLOW_BPS)

    def _data(self, conn: socket.socket, record: Connection, count: int) -> bool:
        """Receive the data file (and its 0 byte); False when the fault cut it short."""
        fault = record.fault
        if fault is Fault.NEVER_READ:
            self._hold()
            return False
        cut = {Fault.CLOSE_1K: 1024, Fault.STALL: self.stall_at // 2, Fault.RESET: 4096}
        if fault in cut:
            self._exact(conn, min(cut[fault], count // 2), record)
            if fault is Fault.STALL:
                self._hold()
            elif fault is Fault.RESET:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        self._exact(conn, count, record)
        self._exact(conn, 1)
        return True

    def _serve(self, conn: socket.socket, record: Connection) -> None:
        conn.settimeout(0.2)
        if record.fault is Fault.SLOW:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        files = set()
        try:
            if not self._line(conn).startswith(b"\x02"):
                return
            conn.sendall(b"\0")
            while True:
                try:
                    line = self._line(conn)
                except _Closed:
                    break  # the client is done
                count = int(line[1:].split()[0])
                conn.sendall(b"\0")
                if line[:1] == b"\x03":
                    if not self._data(conn, record, count):
                        return
                    files.add("data")
                else:
                    self._exact(conn, count + 1)
                    files.add("control")
                conn.sendall(b"\0")
            record.complete = files == {"control", "data"}
        except (_Closed, OSError, ValueError, IndexError):
            pass
        finally:
            record.ended = True
            with contextlib.suppress(OSError):
                conn.close()
