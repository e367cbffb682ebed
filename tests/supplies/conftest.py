"""Fixtures: one snmpsim agent per session, and the recorded walks read as varbinds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from printerapp.supplies.parse import Value, Varbind
from tests.support.ippevequeue import Queue
from tests.support.snmpsim import DATA_DIR, SnmpSim


def read_snmprec(name: str) -> list[Varbind]:
    """Return the varbinds of ``data/NAME.snmprec`` as the SNMP edge hands them over."""
    found: list[Varbind] = []
    for line in (DATA_DIR / f"{name}.snmprec").read_text().splitlines():
        oid, tag, text = line.split("|", 2)
        value: Value
        if tag in ("2", "66"):
            value = int(text)
        elif tag == "4":
            value = text.encode()
        elif tag == "4x":
            value = bytes.fromhex(text)
        else:
            value = None
        found.append((tuple(int(p) for p in oid.split(".")), value))
    return found


@pytest.fixture(scope="session")
def snmpsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpSim]:
    """A real SNMP agent on 127.0.0.1 serving tests/supplies/data (community = file name)."""
    with SnmpSim(tmp_path_factory.mktemp("snmpsim")) as agent:
        yield agent


@pytest.fixture
def queue(avahi: None, tmp_path: Path) -> Iterator[Callable[..., Queue]]:
    """Start ippeveprinter queues with a given job command; stop them after the test."""
    started: list[Queue] = []

    def start(command: Path, env: dict[str, str] | None = None) -> Queue:
        started.append(Queue(tmp_path / f"q{len(started)}", command, env))
        return started[-1]

    yield start
    for q in started:
        q.stop()


__all__ = ["read_snmprec"]
