"""Scripted udev events: libudev-format messages sent to netlink group 2, as udevd sends them.

libudev's monitor (pyudev's ``source="udev"``) takes a multicast message on
the udev group from any root sender; it checks the ``libudev`` header, its
magic and the subsystem hash that the monitor's socket filter compares.  So
a test can play udevd: with a USB printer interface's recorded properties,
the detector sees exactly what it sees when a printer is plugged in.

libudev ignores the udev group while udevd does not run (no
``/run/udev/control``): :func:`fake_udevd_control` mounts a private tmpfs on
``/run/udev`` with that file, so use it only in a private mount namespace
(scripts/in-private-net.sh gives one).
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import struct
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["fake_udevd_control", "murmur2", "send_udev_event"]

_NETLINK_KOBJECT_UEVENT = 15
_UDEV_GROUP = 2
_MAGIC = 0xFEEDCAFE
_HEADER = struct.Struct("=8sIIIIIIII")
_SEQNUM = itertools.count(1)
RUN_UDEV = Path("/run/udev")


def murmur2(data: bytes, seed: int = 0) -> int:
    """Return MurmurHash2 of *data*, as libudev hashes subsystems and device types."""
    m, mask = 0x5BD1E995, 0xFFFFFFFF
    h = (seed ^ len(data)) & mask
    whole = len(data) // 4 * 4
    for (k,) in struct.iter_unpack("<I", data[:whole]):
        k = (k * m) & mask
        k ^= k >> 24
        k = (k * m) & mask
        h = ((h * m) & mask) ^ k
    tail = data[whole:]
    if tail:
        for i in reversed(range(len(tail))):
            h ^= tail[i] << (8 * i)
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    return h ^ (h >> 15)


def _message(action: str, props: Mapping[str, str]) -> bytes:
    fields = {**props, "ACTION": action, "SEQNUM": str(next(_SEQNUM))}
    body = b"".join(f"{k}={v}".encode() + b"\0" for k, v in fields.items())
    subsystem = props.get("SUBSYSTEM", "").encode()
    devtype = props.get("DEVTYPE", "").encode()
    header = _HEADER.pack(
        b"libudev\0",
        socket.htonl(_MAGIC),
        _HEADER.size,
        _HEADER.size,
        len(body),
        socket.htonl(murmur2(subsystem)),
        socket.htonl(murmur2(devtype)) if devtype else 0,
        0,
        0,
    )
    return header + body


def send_udev_event(action: str, props: Mapping[str, str]) -> None:
    """Send one udev event (``add``/``remove``) with *props* to the udev netlink group."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_KOBJECT_UEVENT) as sock:
        sock.bind((0, 0))
        sock.sendto(_message(action, props), (0, 1 << (_UDEV_GROUP - 1)))


@contextlib.contextmanager
def fake_udevd_control() -> Iterator[None]:
    """Make libudev believe udevd runs: a private tmpfs on /run/udev with its control file."""
    RUN_UDEV.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(RUN_UDEV)], check=True)
    try:
        (RUN_UDEV / "control").touch()
        yield
    finally:
        subprocess.run(["umount", str(RUN_UDEV)], check=False)
        with contextlib.suppress(OSError):
            RUN_UDEV.rmdir()
