"""The sockets listening on one TCP port, asked of the kernel over netlink (sock_diag).

``/proc/net/tcp`` lists every socket of the namespace, the TIME_WAIT ones
of every finished connection included: with a hundred queues and their
clients a read takes ~5 ms, and the manager reads it for every port it
chooses and every readiness poll.  A ``SOCK_DIAG_BY_FAMILY`` dump asking
for listening sockets only walks the kernel's listening table, filtered by
the port there, and costs tens of microseconds.  :func:`listening_inodes`
returns None when netlink cannot answer; the caller then reads ``/proc``.
"""

from __future__ import annotations

import itertools
import socket
import struct

__all__ = ["dump_request", "listening_inodes", "parse_dump"]

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
TCP_LISTEN = 10
#: nlmsghdr: length, type, flags, sequence, port id
_NLMSG = struct.Struct("=IHHII")
#: inet_diag_req_v2: family, protocol, ext, pad, states; inet_diag_sockid: sport, dport
#: (network order), src[4], dst[4], interface, cookie[2]
_REQUEST = struct.Struct("=BBBBI")
_SOCKID = struct.Struct("!HH16s16s")
#: inet_diag_msg: family, state, timer, retrans; then the sockid (48 bytes); then
#: expires, rqueue, wqueue, uid, inode
_MSG_HEAD = struct.Struct("=BBBB")
_SPORT_AT, _STATE_AT, _INODE_AT = 4, 1, 68
_SEQ = itertools.count(1)
#: an answer larger than this is read in several chunks
_BUFFER = 65536


def dump_request(family: int, port: int, seq: int) -> bytes:
    """Return the netlink message asking for the TCP sockets of *family* listening on *port*."""
    body = (
        _REQUEST.pack(family, socket.IPPROTO_TCP, 0, 0, 1 << TCP_LISTEN)
        + _SOCKID.pack(port, 0, bytes(16), bytes(16))
        + struct.pack("=III", 0, 0xFFFFFFFF, 0xFFFFFFFF)  # any interface, no cookie
    )
    return (
        _NLMSG.pack(
            _NLMSG.size + len(body), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, 0
        )
        + body
    )


def parse_dump(data: bytes, port: int) -> tuple[set[int], bool]:
    """Return the inodes of the listening sockets on *port* in *data*, and whether it ended.

    Raise OSError on a netlink error message.
    """
    inodes: set[int] = set()
    offset = 0
    while offset + _NLMSG.size <= len(data):
        length, kind, _flags, _seq, _pid = _NLMSG.unpack_from(data, offset)
        if length < _NLMSG.size:
            break
        body = offset + _NLMSG.size
        if kind == NLMSG_DONE:
            return inodes, True
        if kind == NLMSG_ERROR:
            (errno,) = struct.unpack_from("=i", data, body)
            raise OSError(-errno, "sock_diag dump refused")
        if kind == SOCK_DIAG_BY_FAMILY and length >= _NLMSG.size + _INODE_AT + 4:
            (sport,) = struct.unpack_from("!H", data, body + _SPORT_AT)
            state = data[body + _STATE_AT]
            (inode,) = struct.unpack_from("=I", data, body + _INODE_AT)
            if sport == port and state == TCP_LISTEN and inode:
                inodes.add(inode)
        offset += (length + 3) & ~3
    return inodes, False


def _ask(family: int, port: int) -> set[int]:
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG) as sock:
        sock.settimeout(1.0)
        sock.sendto(dump_request(family, port, next(_SEQ)), (0, 0))
        found: set[int] = set()
        while True:
            inodes, done = parse_dump(sock.recv(_BUFFER), port)
            found |= inodes
            if done:
                return found


def listening_inodes(port: int) -> set[int] | None:
    """Return the inodes of the TCP sockets (IPv4 and IPv6) listening on *port*.

    None: netlink's sock_diag is not available here.
    """
    try:
        return _ask(socket.AF_INET, port) | _ask(socket.AF_INET6, port)
    except (OSError, AttributeError, struct.error):
        return None
