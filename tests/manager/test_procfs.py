"""The kernel's socket tables tell which process listens on a port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from printerapp.manager.procfs import (
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
