"""How long a supplies poll takes: each recorded printer over SNMPv1 and v2c, and a silent one.

Runs snmpsim on loopback with tests/supplies/data; run it inside
``scripts/in-private-net.sh`` like the other benchmarks::

    scripts/in-private-net.sh .venv/bin/python bench/supplies.py --rounds 20
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from printerapp.supplies import SnmpTarget, async_poll  # noqa: E402
from tests.support.snmpsim import DATA_DIR, SnmpSim  # noqa: E402


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:7.1f} ms  max {max(samples) * 1000:7.1f} ms"


def _time_polls(target: SnmpTarget, rounds: int) -> tuple[list[float], int]:
    samples, count = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        report = asyncio.run(async_poll(target))
        samples.append(time.perf_counter() - started)
        count = len(report.supplies)
    return samples, count


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    names = sorted(p.stem for p in DATA_DIR.glob("*.snmprec"))
    with tempfile.TemporaryDirectory() as tmp, SnmpSim(Path(tmp)) as sim:
        for version in ("1", "2c"):
            for name in names:
                target = SnmpTarget("127.0.0.1", sim.port, community=name, version=version)
                samples, count = _time_polls(target, args.rounds)
                print(f"v{version:2} {name:28} {count:2} supplies  {_ms(samples)}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        target = SnmpTarget("127.0.0.1", silent.getsockname()[1])
        samples, _ = _time_polls(target, 2)
        print(f"silent agent (answers nothing)         {_ms(samples)}")


if __name__ == "__main__":
    main()
