"""The real driver database, built once per session into a private state dir; a failing queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.config import Config, Section
from printerapp.manager.drivers import DatabaseDrivers

PXLMONO = "foomatic-db-compressed-ppds:0/ppd/foomatic-ppd/HP-LaserJet_2100-pxlmono.ppd"


@pytest.fixture(scope="session")
def drivers(tmp_path_factory: pytest.TempPathFactory) -> DatabaseDrivers:
    """The driver database over the installed PPDs and driver programs."""
    state = tmp_path_factory.mktemp("drivers-state")
    return DatabaseDrivers.from_config(Config(Section("", "<defaults>", {})), state)


def failing_ippeveprinter(tmp_path: Path) -> tuple[Path, Path]:
    """Return a stand-in for ippeveprinter that fails while a cause file exists, and that file.

    Without the cause it execs the real ippeveprinter with the same argv.
    """
    cause = tmp_path / "cause"
    program = tmp_path / "ippeveprinter-or-fail"
    program.write_text(
        "#!/bin/sh\n"
        f'if [ -e "{cause}" ]; then echo "ippeveprinter: device firmware missing" >&2; exit 3; fi\n'
        'exec ippeveprinter "$@"\n'
    )
    program.chmod(0o755)
    return program, cause
