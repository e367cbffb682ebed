"""Held documents end to end: a printer that keeps failing, then one that works.

The daemon is the real program with CUPS's retry interval and limit shrunk in
its configuration; the printer is a raw-socket sink that closes after 1 KB on
its first connections (:mod:`tests.support.faultsink`), behind the real
ippeveprinter and the CUPS socket backend.  Each job fails twice (one retry),
is aborted and held; then the sink works, and a held document resubmitted
through the CLI prints exactly once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.manager.conftest import PXLMONO
from tests.support.faultsink import Fault, FaultSink
from tests.support.server import Daemon, kill_queues

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

TESTPAGE = "/usr/share/cups/data/default-testpage.pdf"
#: each job's attempts: the first and one retry
ATTEMPTS = 2


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    d = Daemon(tmp_path, server_config="job_retry_interval = 0.5\njob_retry_limit = 1\n")
    try:
        yield d
    finally:
        d.stop()
        kill_queues(d.state)


def _call(d: Daemon, method: str, path: str, body: object = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{d.control}{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - our http:// URL
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def _cli(d: Daemon, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "printerapp", "held", *args, "--config", str(d.config)],
        capture_output=True,
        text=True,
        timeout=90,
        env={**os.environ},
    )


def _print(port: int, name: str) -> None:
    """Submit the test page as *name*, waiting while the queue ends its last job."""
    deadline = time.monotonic() + 30
    while True:
        done = _print_once(port, name)
        if "another job" not in done.stderr or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert done.returncode == 0, done.stdout + done.stderr


def _print_once(port: int, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "ipptool",
            "-T",
            "60",
            "-d",
            f"filename={name}",
            "-f",
            TESTPAGE,
            f"ipp://localhost:{port}/ipp/print",
            "/usr/share/cups/ipptool/print-job.test",
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )


def _held(d: Daemon) -> list[dict[str, Any]]:
    status, answer = _call(d, "GET", "/api/printers/Flaky/held")
    assert status == 200, answer
    return list(answer["held"])


@pytest.mark.timeout(300)
def test_held_documents_are_listed_resubmitted_once_and_deleted(daemon: Daemon) -> None:
    with FaultSink(Fault.CLOSE_1K, faulty=2 * ATTEMPTS) as sink:
        daemon.start()
        body = {"device_uri": sink.uri, "ppd": PXLMONO, "name": "Flaky"}
        status, answer = _call(daemon, "POST", "/api/printers", body)
        assert status == 201, answer
        port = answer["printer"]["port"]
        daemon.wait(daemon.running, 30, "the queue running")
        for n in (1, 2):
            _print(port, f"report-{n}")
            daemon.wait(lambda n=n: len(_held(daemon)) == n, 90, f"{n} held documents")
        assert len(sink.connections) == 2 * ATTEMPTS
        assert sink.complete_count() == 0
        held = _held(daemon)
        for doc in held:
            assert doc["size"] > 1024
            assert doc["user"]
            assert f"aborted after {ATTEMPTS} attempts" in doc["reason"], doc
            assert time.time() - 120 < doc["held_at"] <= time.time()
        # the printer's own detail lists them too, and nothing resubmits them by itself
        status, detail = _call(daemon, "GET", "/api/printers/Flaky")
        assert status == 200
        assert [d["id"] for d in detail["held"]] == [d["id"] for d in held]

        listed = _cli(daemon, "list", "Flaky")
        assert listed.returncode == 0, listed.stderr
        assert {line.split("\t")[0] for line in listed.stdout.splitlines()} == {
            d["id"] for d in held
        }
        first, second = held[1], held[0]  # newest first
        sent = _cli(daemon, "resubmit", "Flaky", first["id"])
        assert sent.returncode == 0, sent.stderr
        assert "sent to the queue again" in sent.stdout
        daemon.wait(lambda: sink.complete_count() == 1, 90, "the resubmitted document printed")
        assert [d["id"] for d in _held(daemon)] == [second["id"]]
        printed = [c for c in sink.connections if c.complete]
        assert printed[0].received > 1024
        again = _cli(daemon, "resubmit", "Flaky", first["id"])
        assert again.returncode == 1
        assert "no held document" in again.stderr

        status, answer = _call(daemon, "DELETE", f"/api/printers/Flaky/held/{second['id']}")
        assert status == 200, answer
        assert _held(daemon) == []
        held_dir = daemon.state / "spool" / answer_key(daemon) / "retry" / "held"
        assert list(held_dir.iterdir()) == []
        # untrusted ids: one clear message each, nothing touched
        for bad, code in (("..%2F..%2Fstate.json", 400), (".hidden", 400), ("9-x.pdf", 404)):
            status, answer = _call(daemon, "POST", f"/api/printers/Flaky/held/{bad}/resubmit", {})
            assert status == code, (bad, answer)
            assert "held document" in answer["error"]
        time.sleep(2)  # nothing else reaches the printer: printed once
        assert sink.complete_count() == 1


def answer_key(d: Daemon) -> str:
    [printer] = d.printers()
    return str(printer["key"])
