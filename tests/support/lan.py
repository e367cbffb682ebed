"""A two-host LAN on one machine: two network namespaces joined by a veth pair.

Each host runs in its own network, mount and UTS namespace, with its own
host name, system D-Bus and avahi-daemon limited to its end of the veth and
its own loopback (the demo printer announces itself on lo), so
mDNS, IPP and CUPS cross between them and no packet leaves the machine
(see ENVIRONMENT.md, "A two-host LAN on one machine").  Commands run on a
host with :meth:`Host.run` (and wait) or :meth:`Host.spawn` (and go on).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

AVAHI_CONF = """[server]
host-name={host}
use-ipv4=yes
use-ipv6=no
allow-interfaces={interface},lo
ratelimit-interval-usec=0
[publish]
publish-workstation=no
[reflector]
[rlimits]
"""

#: run inside the host's namespaces: its own /run for D-Bus and avahi, then the command
_BOOT = """set -e
hostname "$LAN_HOST"
mount -t tmpfs tmpfs /run/dbus
mount -t tmpfs tmpfs /run/avahi-daemon
dbus-daemon --system --fork
avahi-daemon --daemonize --no-chroot --no-drop-root -f "$LAN_AVAHI_CONF"
for _ in $(seq 100); do [ -e /run/avahi-daemon/pid ] && break; sleep 0.05; done
touch "$LAN_READY"
exec sleep infinity
"""


@dataclass
class Host:
    """One host of the LAN: a namespace with its D-Bus and avahi, and a keeper process."""

    name: str
    netns: str
    address: str
    interface: str
    workdir: Path
    keeper: subprocess.Popen[bytes] | None = None

    @property
    def prefix(self) -> list[str]:
        """The argv prefix that runs a command on this host (its namespaces)."""
        assert self.keeper is not None
        return ["nsenter", "-t", str(self.keeper.pid), "-m", "-u", "-n", "--"]

    def boot(self) -> None:
        """Start the host's D-Bus and avahi-daemon; return once avahi runs."""
        conf = self.workdir / "avahi-daemon.conf"
        conf.write_text(AVAHI_CONF.format(host=self.name, interface=self.interface))
        ready = self.workdir / "ready"
        env = {
            **os.environ,
            "LAN_HOST": self.name,
            "LAN_AVAHI_CONF": str(conf),
            "LAN_READY": str(ready),
        }
        self.keeper = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, "unshare", "-m", "-u", "bash", "-c", _BOOT],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(self.workdir / "boot.log").open("ab"),
        )
        deadline = time.monotonic() + 20
        while not ready.exists():
            if time.monotonic() > deadline or self.keeper.poll() is not None:
                raise RuntimeError(
                    f"{self.name} did not boot: {(self.workdir / 'boot.log').read_text()}"
                )
            time.sleep(0.05)

    def run(
        self, argv: Sequence[str], timeout: float = 60, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run *argv* on this host and wait for it."""
        return subprocess.run(
            [*self.prefix, *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, **(env or {})},
        )

    def spawn(
        self, argv: Sequence[str], log: Path, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start *argv* on this host in the background, its output in *log*."""
        with log.open("ab") as out:
            return subprocess.Popen(
                [*self.prefix, *argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
            )


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


def _kill_netns(netns: str) -> None:
    done = subprocess.run(
        ["ip", "netns", "pids", netns], capture_output=True, text=True, check=False
    )
    for pid in done.stdout.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)
    subprocess.run(["ip", "netns", "del", netns], capture_output=True, check=False)


@contextlib.contextmanager
def two_hosts(workdir: Path, tag: str) -> Iterator[tuple[Host, Host]]:
    """Yield "printhost" and "laptop", joined by a veth pair with link-local addresses."""
    a_ns, b_ns = f"pa-{tag}-a", f"pa-{tag}-b"
    hosts = []
    try:
        for ns in (a_ns, b_ns):
            _ip("netns", "add", ns)
        _ip("link", "add", f"va{tag}", "type", "veth", "peer", "name", f"vb{tag}")
        for ns, dev, addr in (
            (a_ns, f"va{tag}", "169.254.77.1"),
            (b_ns, f"vb{tag}", "169.254.77.2"),
        ):
            _ip("link", "set", dev, "netns", ns)
            for args in (
                ("addr", "add", f"{addr}/16", "dev", dev),
                ("link", "set", dev, "multicast", "on"),
                ("link", "set", dev, "up"),
                ("link", "set", "lo", "up"),
                ("route", "add", "224.0.0.0/4", "dev", dev),
            ):
                _ip("-n", ns, *args)
        for name, ns, dev, addr in (
            ("printhost", a_ns, f"va{tag}", "169.254.77.1"),
            ("laptop", b_ns, f"vb{tag}", "169.254.77.2"),
        ):
            hostdir = workdir / name
            hostdir.mkdir(parents=True)
            host = Host(name, ns, addr, dev, hostdir)
            hosts.append(host)
            host.boot()
        yield hosts[0], hosts[1]
    finally:
        for ns in (a_ns, b_ns):
            _kill_netns(ns)
