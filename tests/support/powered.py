"""A printer behind a plug, for power tests: a state-file plug and a late TCP sink.

:func:`file_plug_spec` is a ``command`` plug whose relay is a file holding
``on`` or ``off``.  :class:`PoweredPrinter` watches that file (or asks a plug
simulator): once the plug is on, the printer "boots" for *boot_delay*
seconds and only then listens on its port, like a real printer whose socket
port opens late; when the plug goes off the port closes again.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from printerapp.power.plugs.base import PlugSpec
from tests.support.cupsd import free_port

_WRITE = "import sys; open(sys.argv[1], 'w').write(sys.argv[2])"
_READ = (
    "import sys, pathlib; p = pathlib.Path(sys.argv[1]); "
    "print(p.read_text() if p.exists() else 'off')"
)


def file_plug_argv(state_file: Path) -> dict[str, list[str]]:
    """Return the on/off/state argv lists of a plug whose relay is *state_file*."""
    py = sys.executable
    return {
        "on": [py, "-c", _WRITE, str(state_file), "on"],
        "off": [py, "-c", _WRITE, str(state_file), "off"],
        "state": [py, "-c", _READ, str(state_file)],
    }


def file_plug_spec(state_file: Path, name: str = "desk") -> PlugSpec:
    """Return a command-driver PlugSpec switching *state_file*."""
    argv = file_plug_argv(state_file)
    return PlugSpec(
        name=name,
        type="command",
        commands=(tuple(argv["on"]), tuple(argv["off"]), tuple(argv["state"])),
    )


def _toml_list(items: list[str]) -> str:
    return (
        "["
        + ", ".join('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items)
        + "]"
    )


def plug_table(state_file: Path, name: str = "desk") -> str:
    """Return the ``[power.plugs.NAME]`` TOML table of :func:`file_plug_spec`."""
    argv = file_plug_argv(state_file)
    body = "".join(f"{key} = {_toml_list(value)}\n" for key, value in argv.items())
    return f'[power.plugs.{name}]\ntype = "command"\n{body}'


class PoweredPrinter:
    """A TCP printer that listens only while its plug's state file says ``on``."""

    def __init__(self, power: Path | Callable[[], bool], boot_delay: float = 0.5) -> None:
        #: the plug's state file, or a function saying whether the plug is on (a simulator)
        self.power = power
        self.boot_delay = boot_delay
        self.port = free_port()
        self.jobs: list[bytes] = []
        #: monotonic times: plug seen on, port open, each job's connection accepted
        self.powered_at: float | None = None
        self.ready_at: float | None = None
        self.job_connected_at: list[float] = []
        #: True while the port is open
        self.listening = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="powered-printer")

    @property
    def uri(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def is_on(self) -> bool:
        if callable(self.power):
            return self.power()
        with contextlib.suppress(OSError):
            return self.power.read_text().strip() == "on"
        return False

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.is_on():
                time.sleep(0.01)
                continue
            self.powered_at = time.monotonic()
            if self._stop.wait(self.boot_delay):
                return
            self._serve()

    def _serve(self) -> None:
        with socket.create_server(("127.0.0.1", self.port)) as server:
            server.settimeout(0.05)
            self.ready_at = time.monotonic()
            self.listening = True
            while not self._stop.is_set() and self.is_on():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                accepted = time.monotonic()
                with conn:
                    conn.settimeout(30)
                    chunks = []
                    while chunk := conn.recv(65536):
                        chunks.append(chunk)
                    if chunks:  # a readiness probe connects and sends nothing
                        self.job_connected_at.append(accepted)
                        self.jobs.append(b"".join(chunks))
        self.listening = False  # only once the port is closed

    def wait_for_jobs(self, count: int, timeout: float = 30) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while len(self.jobs) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.jobs

    def __enter__(self) -> PoweredPrinter:
        self._thread.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=40)
