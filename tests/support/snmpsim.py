"""A real SNMP agent on loopback: snmpsim replaying our ``.snmprec`` files.

snmpsim serves every file of its data directory at once, each under the
community named after the file (``sharp-mx-3570n.snmprec`` answers to
community ``sharp-mx-3570n``).  As root it insists on dropping privileges,
and the user it drops to cannot import the parts of Python under /root it
loads late; ``SNMPSIM_ALLOW_ROOT`` (snmpsim's own switch) keeps it as it is,
inside the test's private network namespace.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

__all__ = ["DATA_DIR", "SnmpSim", "free_udp_port"]

DATA_DIR = Path(__file__).resolve().parents[1] / "supplies" / "data"
RESPONDER = Path(sys.executable).parent / "snmpsim-command-responder"
START_TIMEOUT_S = 30.0
READY_LINE = "Listening at UDP/IPv4 endpoint"


async def _get_sys_descr(port: int, community: str) -> bytes | None:
    from pyasn1.type.univ import Null
    from pysnmp.hlapi.v1arch import asyncio as hl
    from pysnmp.proto.rfc1902 import ObjectName

    dispatcher = hl.SnmpDispatcher()
    try:
        target = await hl.UdpTransportTarget.create(("127.0.0.1", port), timeout=0.5, retries=0)
        name = (ObjectName("1.3.6.1.2.1.1.1.0"), Null(""))
        answer = await hl.get_cmd(
            dispatcher, hl.CommunityData(community), target, name, lookupMib=False
        )
    finally:
        dispatcher.transport_dispatcher.close_dispatcher()
    indication, status, _index, varbinds = answer
    return None if indication or status else bytes(varbinds[0][1])


def free_udp_port() -> int:
    """Return a UDP port on 127.0.0.1 that nothing is bound to (now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SnmpSim:
    """One snmpsim-command-responder on 127.0.0.1, serving a copy of *data*."""

    def __init__(self, workdir: Path, data: Path = DATA_DIR) -> None:
        self.workdir = workdir
        self.data = workdir / "data"
        shutil.copytree(data, self.data)
        (workdir / "cache").mkdir()
        self.log = workdir / "snmpsim.log"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def _argv(self) -> list[str]:
        return [
            str(RESPONDER),
            f"--data-dir={self.data}",
            f"--cache-dir={self.workdir / 'cache'}",
            f"--agent-udpv4-endpoint=127.0.0.1:{self.port}",
            f"--logging-method=file:{self.log}",
        ]

    def _started(self) -> bool:
        env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
        self.proc = subprocess.Popen(
            self._argv(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, env=env
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self.log.exists() and READY_LINE in self.log.read_text(errors="replace"):
                break
            time.sleep(0.05)
        # snmpsim logs that line before it answers: ask until it does
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self.answers():
                return True
        self.stop()
        return False

    def answers(self) -> bool:
        """Return whether the agent answers a request for sysDescr (within 0.5 s)."""
        community = next(self.data.glob("*.snmprec")).stem
        return asyncio.run(_get_sys_descr(self.port, community)) is not None

    def start(self) -> None:
        """Start the agent on a free port; raise when it does not come up."""
        for _ in range(3):  # a port taken between the probe and snmpsim's bind: another
            self.port = free_udp_port()
            if self._started():
                return
        tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        raise RuntimeError(f"snmpsim did not start:\n{tail}")

    def stop(self) -> None:
        """Stop the agent: terminate, wait, kill."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> SnmpSim:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
