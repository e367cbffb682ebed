"""A real ``printerapp server`` in a subprocess, and announced demo printers.

Shared by the end-to-end tests and the queue benchmark.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from printerapp.manager.procfs import cmdline
from printerapp.server.demo import DEMO_PPD, DemoPrinter, demo_uri
from tests.support.cupsd import free_port

__all__ = ["Daemon", "Printer", "free_port", "kill_queues", "queue_processes"]


#: one warm driver index per test run: each daemon would otherwise build its own
#: (6 s with the full driver set) before its control API answers
_WARM_INDEX = Path(tempfile.gettempdir()) / f"printerapp-test-index-{os.getpid()}.pickle"


def _seed_warm_index(state: Path) -> None:
    """Give a new state directory the run's warm index (still checked by stamps on load)."""
    target = state / "drivers" / "index.pickle"
    if _WARM_INDEX.is_file() and not target.exists():
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(_WARM_INDEX, target)
        target.chmod(0o600)


def _keep_warm_index(state: Path) -> None:
    source = state / "drivers" / "index.pickle"
    if not _WARM_INDEX.exists() and source.is_file():
        shutil.copyfile(source, _WARM_INDEX)
        _WARM_INDEX.chmod(0o600)
        atexit.register(_WARM_INDEX.unlink, missing_ok=True)


class Daemon:
    """A ``printerapp server`` subprocess and its control API."""

    def __init__(
        self,
        tmp: Path,
        extra_config: str = "",
        prefix: Sequence[str] = (),
        server_config: str = "",
    ) -> None:
        #: argv put before the server's, e.g. ``prlimit --nofile=1024:1024 --``
        self.prefix = tuple(prefix)
        self.state = tmp / "state"
        self.control = free_port()
        backends = tmp / "backends"
        backends.mkdir(parents=True, exist_ok=True)
        self.config = tmp / "printerapp.toml"
        self.config.write_text(
            f'[server]\nstate_dir = "{self.state}"\ncontrol = "127.0.0.1:{self.control}"\n'
            'log_level = "DEBUG"\n'
            + server_config
            + f'[detection]\nbackend_dir = "{backends}"\nudev = false\n'
            'mdns_interfaces = ["127.0.0.1"]\nscan_interval = 3600\n'
            # the demo printer's driver, as --demo pins it: the same whichever drivers are installed
            f'[printers."{demo_uri()}"]\nppd = "{DEMO_PPD}"\n' + extra_config
        )
        self.log = tmp / "daemon.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        _seed_warm_index(self.state)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    *self.prefix,
                    sys.executable,
                    "-m",
                    "printerapp",
                    "server",
                    "--config",
                    str(self.config),
                ],
                stdout=log,
                stderr=log,
            )
        # the first daemon of a run builds the driver index (printer-driver-all: ~20 s on
        # 2 cores under load); the later ones start from its warm copy
        self.wait(lambda: self.api("/api/health") is not None, 90, "control API")
        _keep_warm_index(self.state)

    def api(self, path: str) -> Any:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.control}{path}", timeout=5) as r:
                return json.load(r)
        except OSError:
            return None

    def printers(self) -> list[dict[str, Any]]:
        answer = self.api("/api/printers")
        return [] if answer is None else list(answer["printers"])

    def wait(self, condition: Callable[[], object], seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            assert self.proc is None or self.proc.poll() is None, self.log.read_text()[-3000:]
            time.sleep(0.02)
        raise AssertionError(f"{what}: not within {seconds} s\n{self.log.read_text()[-3000:]}")

    def running(self) -> list[dict[str, Any]]:
        return [p for p in self.printers() if p["state"] == "running"]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        self.proc = None


def queue_processes(state: Path) -> list[int]:
    spool = str(state / "spool")
    return [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and any(a.startswith(spool) for a in cmdline(int(p.name)))
    ]


def kill_queues(state: Path) -> None:
    """Kill every queue process serving *state* (cleanup after a failure)."""
    for pid in queue_processes(state):
        os.kill(pid, signal.SIGKILL)


class Printer:
    """The announced demo printer, run on its own event loop thread."""

    def __init__(
        self, out: Path, name: str = "HP LaserJet 2100 (demo)", probe: bool = True
    ) -> None:
        self.loop = asyncio.new_event_loop()
        self.demo = DemoPrinter(out, name, probe=probe)
        self._thread: Any = None

    def __enter__(self) -> Printer:
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.demo.start(), self.loop).result(10)
        return self

    def withdraw(self) -> None:
        asyncio.run_coroutine_threadsafe(self.demo.stop(), self.loop).result(10)

    def __exit__(self, *exc: object) -> None:
        self.withdraw()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
