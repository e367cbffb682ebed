"""What the kernel knows about our queue processes, read from ``/proc``.

After starting a queue the manager must know that *its* child owns the
port, not some other program that bound it in between (the seed's race):
``/proc/net/tcp*`` and ``/proc/<pid>/fd`` answer that exactly, without
connecting to anything (the listening sockets are asked of the kernel's
sock_diag first, see sockdiag).  After a crash of the daemon, ``/proc/<pid>/stat``
and ``cmdline`` tell a queue it left behind from a recycled pid.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from printerapp.manager import sockdiag

__all__ = [
    "cmdline",
    "listening_inodes",
    "parse_proc_net_tcp",
    "pid_listens_on",
    "start_ticks",
]

_LISTEN = "0A"
PROC = Path("/proc")


def parse_proc_net_tcp(text: str) -> list[tuple[int, str, int]]:
    """Return (port, state, inode) for every socket line of a ``/proc/net/tcp*`` table."""
    rows: list[tuple[int, str, int]] = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or ":" not in fields[1]:
            continue
        try:
            port = int(fields[1].rsplit(":", 1)[1], 16)
            inode = int(fields[9])
        except ValueError:
            continue
        rows.append((port, fields[3], inode))
    return rows


def listening_inodes(port: int, proc: Path = PROC) -> set[int]:
    """Return the inodes of the sockets listening on TCP *port* (IPv4 and IPv6)."""
    if proc == PROC:
        # the kernel's listening table alone: /proc/net/tcp lists every connection too
        asked = sockdiag.listening_inodes(port)
        if asked is not None:
            return asked
    inodes: set[int] = set()
    for table in ("tcp", "tcp6"):
        try:
            text = (proc / "net" / table).read_text()
        except OSError:
            continue
        inodes.update(i for p, st, i in parse_proc_net_tcp(text) if p == port and st == _LISTEN)
    inodes.discard(0)
    return inodes


def _socket_inodes(pid: int, proc: Path) -> Iterable[int]:
    fd_dir = proc / str(pid) / "fd"
    try:
        entries = list(fd_dir.iterdir())
    except OSError:
        return
    for entry in entries:
        try:
            target = str(entry.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            yield int(target[8:-1])


def pid_listens_on(pid: int, port: int, proc: Path = PROC) -> bool:
    """Return True when process *pid* holds a socket listening on TCP *port*."""
    wanted = listening_inodes(port, proc)
    return bool(wanted) and any(i in wanted for i in _socket_inodes(pid, proc))


def start_ticks(pid: int, proc: Path = PROC) -> int | None:
    """Return the start time of *pid* in clock ticks since boot (None: no such process)."""
    try:
        text = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ")"
    after = text.rsplit(")", 1)[-1].split()
    try:
        return int(after[19])
    except (IndexError, ValueError):
        return None


def cmdline(pid: int, proc: Path = PROC) -> list[str]:
    """Return the argv of *pid* (empty when it is gone or a kernel thread)."""
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode("utf-8", "surrogateescape") for a in raw.split(b"\0")[:-1]]
