"""Fixtures of the driver-database tests: the real index, built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.cups import CupsDirs
from printerapp.ppd.cache import load_index
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.settings import DriversConfig


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> DriverIndex:
    """The index of this machine's real PPDs and driver programs."""
    index, _stats = load_index(CupsDirs(), DriversConfig(), tmp_path_factory.mktemp("state"))
    if len(index) < 1000:
        pytest.fail("foomatic/gutenprint PPDs are not installed: run scripts/setup.sh")
    return index


@pytest.fixture
def fake_cups(tmp_path: Path) -> CupsDirs:
    """Empty CUPS directories to fill with test PPDs and driver programs."""
    dirs = CupsDirs(serverbin=tmp_path / "bin", datadir=tmp_path / "data")
    (dirs.serverbin / "driver").mkdir(parents=True)
    (dirs.datadir / "model").mkdir(parents=True)
    return dirs
