"""Session fixtures: real CUPS directories, real PPDs, loopback avahi, hygiene."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from printerapp.cups import CupsDirs
from tests.support.avahi import loopback_avahi
from tests.support.ppds import extract_ppd

# Every job to a network printer polls its SNMP agent afterwards (printerapp.supplies.job);
# the sinks tests print to on 127.0.0.1 have none, and each job would wait 2 s for nothing.
# Tests of that poll switch it back on in the queue's environment.
os.environ.setdefault("PRINTERAPP_SNMP", "off")


@pytest.fixture(scope="session")
def cups_dirs() -> CupsDirs:
    """The system's real CUPS directories."""
    dirs = CupsDirs()
    if not (dirs.filter_dir / "pdftopdf").exists():
        pytest.fail("cups-filters is not installed: run scripts/setup.sh")
    return dirs


@pytest.fixture(scope="session")
def ppd_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the matrix PPDs, extracted once per session."""
    return tmp_path_factory.mktemp("ppds")


@pytest.fixture(scope="session")
def get_ppd(ppd_dir: Path) -> object:
    """Return a function mapping a matrix PPD name to its extracted path."""

    def get(name: str) -> Path:
        return extract_ppd(name, ppd_dir)

    return get


@pytest.fixture(scope="session")
def avahi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """D-Bus plus a loopback-only avahi-daemon, for tests that need DNS-SD."""
    if os.geteuid() != 0:
        pytest.skip("avahi-daemon needs root (the test command runs as root in a netns)")
    with loopback_avahi(tmp_path_factory.mktemp("avahi")):
        yield


def _children() -> set[int]:
    me = str(os.getpid())
    kids: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            kids.add(int(stat.parent.name))
    return kids


@pytest.fixture(autouse=True)
def _no_leaks() -> Iterator[None]:
    """Fail a test that leaves a child process or a thread behind."""
    kids_before = _children()
    threads_before = set(threading.enumerate())
    yield
    leaked_kids = _children() - kids_before
    leaked_threads = [
        t for t in set(threading.enumerate()) - threads_before if t.is_alive() and not t.daemon
    ]
    assert not leaked_kids, f"test left child processes behind: {sorted(leaked_kids)}"
    assert not leaked_threads, f"test left threads behind: {leaked_threads}"


def _hypothesis_profile() -> None:
    from hypothesis import HealthCheck, settings

    # Malformed-input properties run at least 1,000 examples everywhere, CI included.
    settings.register_profile(
        "printerapp",
        max_examples=1000,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("printerapp")


_hypothesis_profile()
