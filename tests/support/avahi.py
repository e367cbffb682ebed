"""Start the system D-Bus and an avahi-daemon confined to loopback.

ippeveprinter refuses to start without DNS-SD, and avahi-daemon needs the
system bus.  We start only what is not already running and stop only what we
started.  avahi's config allows ``lo`` alone, so no test multicasts anywhere
else; the test command additionally runs inside a private network namespace.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

DBUS_SOCKET = Path("/run/dbus/system_bus_socket")
DBUS_PIDFILE = Path("/run/dbus/pid")
AVAHI_RUNDIR = Path("/run/avahi-daemon")

AVAHI_CONF = """\
[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000

[wide-area]
enable-wide-area=no

[publish]
publish-hinfo=no
publish-workstation=no

[reflector]
enable-reflector=no

[rlimits]
"""


def _bus_alive() -> bool:
    if not DBUS_SOCKET.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(str(DBUS_SOCKET))
        except OSError:
            return False
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def _avahi_running() -> bool:
    return subprocess.run(["avahi-daemon", "--check"], check=False).returncode == 0


def _start_dbus() -> int | None:
    """Start the system bus if needed; return the pid we started, if any."""
    if _bus_alive():
        return None
    DBUS_SOCKET.parent.mkdir(parents=True, exist_ok=True)
    # A pid file left by a dead bus makes dbus-daemon refuse to start.
    with contextlib.suppress(FileNotFoundError, ValueError):
        if not _pid_alive(int(DBUS_PIDFILE.read_text().strip())):
            DBUS_PIDFILE.unlink()
    out = subprocess.run(
        ["dbus-daemon", "--system", "--fork", "--print-pid"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    _wait_for(_bus_alive, 10, "the system D-Bus")
    return int(out.split()[0])


def _stop(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _pid_alive(pid):
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def loopback_avahi(workdir: Path) -> Iterator[None]:
    """Run D-Bus and a loopback-only avahi-daemon for the duration of the block."""
    if shutil.which("avahi-daemon") is None or shutil.which("dbus-daemon") is None:
        raise RuntimeError("avahi-daemon and dbus-daemon are required (run scripts/setup.sh)")
    dbus_pid = _start_dbus()
    avahi_pid: int | None = None
    try:
        if not _avahi_running():
            conf = workdir / "avahi-daemon.conf"
            conf.write_text(AVAHI_CONF)
            AVAHI_RUNDIR.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["avahi-daemon", "--daemonize", "--no-chroot", "--no-drop-root", "-f", str(conf)],
                check=True,
                timeout=30,
            )
            _wait_for(_avahi_running, 10, "avahi-daemon")
            avahi_pid = int((AVAHI_RUNDIR / "pid").read_text().strip())
        yield
    finally:
        if avahi_pid is not None:
            _stop(avahi_pid)
        if dbus_pid is not None:
            _stop(dbus_pid)
