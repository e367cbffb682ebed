"""The kernel's socket tables tell which process listens on a port."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import time

import pytest

from printerapp.manager import sockdiag
from printerapp.manager.procfs import (
    PROC,
    cmdline,
    listening_inodes,
    parse_proc_net_tcp,
    pid_listens_on,
    start_ticks,
)

SAMPLE = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1FBC 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 48741 1
   1: 0100007F:1FBD 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 48800 1
   2: garbage
"""


def test_parse_table() -> None:
    assert parse_proc_net_tcp(SAMPLE) == [(8124, "0A", 48741), (8125, "01", 48800)]


def test_our_listening_socket_is_found_and_attributed() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        assert not pid_listens_on(os.getpid(), port)  # bound, not listening yet
        sock.listen()
        assert listening_inodes(port)
        assert pid_listens_on(os.getpid(), port)
        assert not pid_listens_on(os.getppid(), port)
    assert not listening_inodes(port)


def test_start_ticks_and_cmdline_of_a_child() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "x y"])
    try:
        ticks = start_ticks(child.pid)
        assert ticks is not None
        assert ticks >= (start_ticks(os.getpid()) or 0)
        # the kernel shows the new argv only once exec has finished in the child
        for _ in range(200):
            if cmdline(child.pid)[-1:] == ["x y"]:
                break
            time.sleep(0.01)
        assert cmdline(child.pid)[-1] == "x y"
    finally:
        child.kill()
        child.wait()
    assert start_ticks(child.pid) is None
    assert cmdline(child.pid) == []


def _proc_table_inodes(port: int) -> set[int]:
    found: set[int] = set()
    for table in ("tcp", "tcp6"):
        text = (PROC / "net" / table).read_text()
        found |= {i for p, st, i in parse_proc_net_tcp(text) if p == port and st == "0A"}
    return found


def test_sock_diag_agrees_with_the_proc_tables() -> None:
    with socket.socket() as v4, socket.socket(socket.AF_INET6) as v6:
        v4.bind(("127.0.0.1", 0))
        port = v4.getsockname()[1]
        v6.bind(("::1", port))
        assert sockdiag.listening_inodes(port) == set()  # bound, not listening
        v4.listen()
        v6.listen()
        with socket.create_connection(("127.0.0.1", port)):  # a connection is no listener
            asked = sockdiag.listening_inodes(port)
        assert asked is not None
        assert len(asked) == 2
        assert asked == _proc_table_inodes(port)


def test_sock_diag_dump_parsing() -> None:
    body = bytearray(72)
    body[1] = sockdiag.TCP_LISTEN
    struct.pack_into("!H", body, 4, 8124)
    struct.pack_into("=I", body, 68, 48741)
    header = struct.pack("=IHHII", 16 + len(body), sockdiag.SOCK_DIAG_BY_FAMILY, 2, 1, 0)
    done = struct.pack("=IHHII", 20, sockdiag.NLMSG_DONE, 2, 1, 0) + bytes(4)
    assert sockdiag.parse_dump(header + bytes(body), 8124) == ({48741}, False)
    assert sockdiag.parse_dump(header + bytes(body) + done, 8124) == ({48741}, True)
    assert sockdiag.parse_dump(header + bytes(body), 8125) == (set(), False)
    error = struct.pack("=IHHIIi", 20, sockdiag.NLMSG_ERROR, 0, 1, 0, -13)
    with pytest.raises(OSError, match="refused"):
        sockdiag.parse_dump(error, 8124)
