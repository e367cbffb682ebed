"""The kernel's socket tables tell which process listens on a port."""

from __future__ import annotations

import os
import socket

from printerapp.manager.procnet import listening_inodes, parse_proc_net_tcp, pid_listens_on

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
