"""A legacy Kasa plug: the npm ``tplink-smarthome-simulator`` run by node on 127.0.0.1.

``scripts/setup.sh`` installs the package into ``.venv/node`` (gitignored);
``$PRINTERAPP_NODE_MODULES`` points elsewhere.  The device (default ``hs110``,
with an energy meter) serves TCP and UDP on one port, so python-kasa can both
talk to it and discover it with ``Discover(target="127.0.0.1", port=sim.port)``.
The simulator garbles a share of its answers with ``unreliable`` (0..1), as
the package's ``unreliablePercent`` does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from types import TracebackType
from typing import Any, Self

__all__ = ["KasaSim", "node_modules", "simulator_available"]

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("kasa_sim.js")
#: how long node may take to start or to answer one command
CONTROL_TIMEOUT_S = 15.0


def node_modules() -> Path:
    """Return the folder holding the simulator's node_modules."""
    explicit = os.environ.get("PRINTERAPP_NODE_MODULES")
    return Path(explicit) if explicit else ROOT / ".venv" / "node" / "node_modules"


def simulator_available() -> bool:
    """Tell whether node and the npm simulator are installed."""
    return (
        shutil.which("node") is not None
        and (node_modules() / "tplink-smarthome-simulator").is_dir()
    )


class KasaSim:
    """An HS110 (or another model of the package) in a node child process."""

    def __init__(self, *, model: str = "hs110", unreliable: float = 0.0) -> None:
        self.model = model
        self.unreliable = unreliable
        self.port = 0
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> Self:
        """Start node and wait for the port it listens on."""
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not installed: run scripts/setup.sh")
        env = dict(os.environ, NODE_PATH=str(node_modules()))
        options = json.dumps({"model": self.model, "unreliable": self.unreliable})
        self._proc = subprocess.Popen(
            [node, str(SCRIPT), options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.port = int(self._read()["port"])
        return self

    def _read(self) -> dict[str, Any]:
        assert self._proc is not None
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"kasa simulator exited ({self._proc.poll()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _command(self, **message: Any) -> dict[str, Any]:
        assert self._proc is not None
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(message) + "\n")
        self._proc.stdin.flush()
        return self._read()

    @property
    def is_on(self) -> bool:
        """The relay's state."""
        return bool(self._command(cmd="state")["on"])

    @is_on.setter
    def is_on(self, on: bool) -> None:
        """Press the plug's button."""
        self._command(cmd="set_on", on=on)

    def set_unreliable(self, share: float) -> None:
        """Garble *share* (0..1) of the answers from now on."""
        self._command(cmd="unreliable", value=share)

    def set_drop_percent(self, percent: float) -> None:
        """Garble *percent* (0..100) of the answers, like the HTTP simulators' drops."""
        self.set_unreliable(percent / 100)

    def set_reachable(self, reachable: bool) -> None:
        """Close the plug's port (connections refused), or open it again."""
        self._command(cmd="reachable", value=reachable)

    def set_emeter(self, *, power_w: float | None = None, total_kwh: float | None = None) -> None:
        """Set the meter's power (W) and lifetime counter (kWh)."""
        self._command(cmd="emeter", power=power_w, total=total_kwh)

    def stop(self) -> None:
        """Stop node."""
        if self._proc is None:
            return
        proc, self._proc = self._proc, None
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.close()
        try:
            proc.wait(CONTROL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
