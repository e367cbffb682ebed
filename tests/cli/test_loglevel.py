"""``printerapp log-level`` against the real daemon, and that daemon's per-printer log."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.server import Daemon, Printer, kill_queues

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

TESTPAGE = "/usr/share/cups/data/default-testpage.pdf"


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    d = Daemon(tmp_path)
    try:
        yield d
    finally:
        d.stop()
        kill_queues(d.state)


def _log_level(daemon: Daemon, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "printerapp", "log-level", "--config", str(daemon.config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )


def _messages(daemon: Daemon, name: str) -> list[dict[str, Any]]:
    answer = daemon.api(f"/api/printers/{quote(name, safe='')}/log")
    return [] if answer is None else list(answer["records"])


@pytest.mark.timeout(240)
def test_the_cli_switches_the_running_daemons_level(daemon: Daemon, tmp_path: Path) -> None:
    daemon.start()
    shown = _log_level(daemon)
    assert (shown.returncode, shown.stdout) == (0, "DEBUG\n"), shown.stderr  # from the config
    done = _log_level(daemon, "info")
    assert (done.returncode, done.stdout) == (0, "INFO\n"), done.stderr
    assert daemon.api("/api/log-level")["level"] == "INFO"
    bad = _log_level(daemon, "LOUD")
    assert bad.returncode == 2
    assert "invalid choice: 'LOUD'" in bad.stderr
    with Printer(tmp_path / "jobs") as printer:
        daemon.wait(daemon.running, 30, "a running queue for the demo printer")
        [queue] = daemon.running()
        job = subprocess.run(
            ["ipptool", "-T", "60", "-f", TESTPAGE, queue["uri"], "print-job.test"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert job.returncode == 0, job.stdout + job.stderr
        daemon.wait(lambda: printer.demo.jobs, 90, "the job at the printer")

        def finished() -> bool:
            return any(
                "completed successfully" in r["message"] for r in _messages(daemon, queue["name"])
            )

        daemon.wait(finished, 30, "the job's records in the printer's log")
        records = _messages(daemon, queue["name"])
        assert all(r["level"] != "DEBUG" for r in records)
        assert any(r["message"].startswith("[Job 1] Running command") for r in records)
        # DEBUG without a restart: the queue's request lines are kept from now on
        assert _log_level(daemon, "DEBUG").stdout == "DEBUG\n"
        page = f"/api/printers/{quote(queue['name'], safe='')}"

        def debug_seen() -> bool:
            daemon.api(page)  # asks the queue for its state and jobs: request lines in its log
            return any(r["level"] == "DEBUG" for r in _messages(daemon, queue["name"]))

        daemon.wait(debug_seen, 30, "DEBUG records of the queue's requests")
        assert "log level DEBUG (was INFO)" in daemon.log.read_text()


def test_no_server_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "printerapp.toml"
    config.write_text(f'[server]\nstate_dir = "{tmp_path}"\ncontrol = "127.0.0.1:9"\n')
    result = subprocess.run(
        [sys.executable, "-m", "printerapp", "log-level", "--config", str(config), "DEBUG"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("printerapp log-level: no printerapp server at ")
    assert len(result.stderr.splitlines()) == 1
