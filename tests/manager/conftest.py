"""The real driver database, built once per session into a private state dir."""

from __future__ import annotations

import pytest

from printerapp.config import Config, Section
from printerapp.manager.drivers import DatabaseDrivers

PXLMONO = "foomatic-db-compressed-ppds:0/ppd/foomatic-ppd/HP-LaserJet_2100-pxlmono.ppd"


@pytest.fixture(scope="session")
def drivers(tmp_path_factory: pytest.TempPathFactory) -> DatabaseDrivers:
    """The driver database over the installed PPDs and driver programs."""
    state = tmp_path_factory.mktemp("drivers-state")
    return DatabaseDrivers.from_config(Config(Section("", "<defaults>", {})), state)
