"""A legacy Kasa plug: the npm ``tplink-smarthome-simulator`` run by node on 127.0.0.1.

``scripts/setup.sh`` installs the package into ``.venv/node`` (gitignored);
``$PRINTERAPP_NODE_MODULES`` points elsewhere.  The device (default ``hs110``,
with an energy meter) serves TCP and UDP on one port, so python-kasa can both
talk to it and discover it with ``Discover(target="127.0.0.1", port=sim.port)``.
The simulator garbles a share of its answers with ``unreliable`` (0..1), as
the package's ``unreliablePercent`` does.

The meter is live (``kasa_sim.js``): while the relay is on the load draws
``power_w`` or a profile scripted with :meth:`KasaSim.play_profile`, and the
lifetime counter integrates it, answered in the units of the model's
firmware: ``hs110`` (hardware 1) ``power`` W and ``total`` kWh, ``hs110v2``
``power_mw`` and ``total_wh`` (whole Wh).  ``meter=False`` drops the counter
from the answer, leaving power only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from tests.support.plugsim.base import load_ws

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

    def __init__(
        self, *, model: str = "hs110", unreliable: float = 0.0, meter: bool = True
    ) -> None:
        self.model = model
        self.unreliable = unreliable
        #: False: get_realtime answers power but no lifetime counter
        self.meter = meter
        self.port = 0
        #: the load's power while on, before and without a profile (the package's default)
        self.power_w = 0.0
        self._profile: tuple[tuple[float, float], ...] = ()
        self._profile_t0: float | None = None
        self._proc: subprocess.Popen[str] | None = None
        #: node's stderr, shown when it dies (a file: a pipe nobody reads could fill)
        self._stderr: IO[bytes] | None = None

    def start(self) -> Self:
        """Start node and wait for the port it listens on."""
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not installed: run scripts/setup.sh")
        env = dict(os.environ, NODE_PATH=str(node_modules()))
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        options = json.dumps({"model": self.model, "unreliable": self.unreliable})
        self._proc = subprocess.Popen(
            [node, str(SCRIPT), options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=env,
        )
        try:
            self.port = int(self._read()["port"])
        except RuntimeError:
            self.stop()
            raise
        if not self.meter:
            self._command(cmd="meter", value=False)
        if self.model.startswith("hs110"):
            self.power_w = float(self._command(cmd="emeter")["power"])
        return self

    def _read(self) -> dict[str, Any]:
        assert self._proc is not None
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            err = ""
            if self._stderr is not None:
                self._stderr.seek(0)
                err = self._stderr.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"kasa simulator exited ({self._proc.poll()}): {err}")
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

    @property
    def switch_log(self) -> list[tuple[float, bool]]:
        """(monotonic time, on) for every relay change, as the other simulators keep it."""
        return [(float(t), bool(on)) for t, on in self._command(cmd="switch_log")["log"]]

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
        """Set the load's power (W) and the lifetime counter (kWh)."""
        answer = self._command(cmd="emeter", power=power_w, total=total_kwh)
        self.power_w = float(answer["power"])

    def play_profile(self, steps: Sequence[tuple[float, float]]) -> float:
        """Make the load follow *steps* (seconds from now, W); return now (monotonic)."""
        self._profile = tuple(sorted(steps))
        self._profile_t0 = float(self._command(cmd="profile", steps=self._profile)["t0"])
        return self._profile_t0

    def profile_wh(self, a: float, b: float) -> float:
        """Return the load's energy in Wh between monotonic times *a* and *b*, as scripted."""
        return load_ws(self.power_w, self._profile, self._profile_t0, a, b) / 3600.0

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
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
