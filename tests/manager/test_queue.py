"""One supervised ippeveprinter: readiness, port conflicts, crashes, slow retries, adoption."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from printerapp.cups import CupsDirs
from printerapp.errors import PrinterProcessError
from printerapp.manager import queue as queue_mod
from printerapp.manager.ippeve import QueueLaunch, find_ippprint, ippeve_argv, ippeve_env
from printerapp.manager.procfs import pid_listens_on
from printerapp.manager.queue import PortInUseError, QueueProcess, QueueStatus
from tests.manager.conftest import failing_ippeveprinter

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

GetPpd = Callable[[str], Path]


async def _until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{what}: not within {seconds} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _queue(tmp_path: Path, ppd: Path, port: int) -> QueueProcess:
    launch = QueueLaunch(
        name="HP LaserJet 2100 (test)",
        port=port,
        ppd=ppd,
        spool=tmp_path / "spool",
        device_uri="socket://127.0.0.1:9",
        command=find_ippprint(),
    )
    env = ippeve_env(launch, CupsDirs(), os.environ, {})
    return QueueProcess(launch, env, tmp_path / "queue.log")


def test_argv_and_env_are_plain(tmp_path: Path) -> None:
    launch = QueueLaunch("Q (usb)", 8001, Path("/s/q.ppd"), Path("/s/spool"), "usb://HP/X?a=b c")
    argv = ippeve_argv(replace(launch, location="Office 2"))
    assert argv[argv.index("-p") + 1] == "8001"
    assert argv[argv.index("-l") + 1] == "Office 2"
    assert argv[-1] == "Q (usb)"
    env = ippeve_env(launch, CupsDirs(), {"PATH": "/bin", "SECRET": "x"}, {})
    assert env["DEVICE_URI"] == "usb://HP/X?a=b c"  # no quotes: no shell in between
    assert env["PPD"] == "/s/q.ppd"
    assert "SECRET" not in env


def test_env_carries_a_snaps_driver_paths() -> None:
    launch = QueueLaunch("Q", 8001, Path("/s/q.ppd"), Path("/s/spool"), "socket://h")
    base = {
        "SNAP": "/snap/p/1",
        "SNAP_COMMON": "/var/snap/p/common",
        "STP_DATA_PATH": "/snap/p/1/usr/share/gutenprint/5.3/xml",
        "LD_LIBRARY_PATH": "/snap/p/1/usr/lib/x86_64-linux-gnu",
        "GS_LIB": "/snap/p/1/usr/share/ghostscript/Resource/Init",
        "TAPO_PASSWORD": "x",
    }
    env = ippeve_env(launch, CupsDirs(), base, {})
    assert {k: env[k] for k in base if k != "TAPO_PASSWORD"} == {
        k: v for k, v in base.items() if k != "TAPO_PASSWORD"
    }
    assert "TAPO_PASSWORD" not in env  # secrets stay with the daemon


def test_start_ready_crash_restart_stop(tmp_path: Path, get_ppd: GetPpd) -> None:
    async def scenario() -> None:
        q = _queue(tmp_path, get_ppd("lj2100-pxlmono"), _free_port())
        await q.start()
        assert q.status is QueueStatus.RUNNING
        assert q.pid is not None
        assert pid_listens_on(q.pid, q.launch.port)
        supervisor = asyncio.create_task(q.supervise())
        first = q.pid
        os.kill(first, signal.SIGKILL)
        await _until(
            lambda: q.pid not in (first, None) and q.status is QueueStatus.RUNNING,
            2.0,
            "restarted after a crash",
        )
        assert pid_listens_on(q.pid, q.launch.port)
        assert q.restarts == 1
        await q.stop()
        await asyncio.wait_for(supervisor, 5)
        assert q.status is QueueStatus.STOPPED

    asyncio.run(scenario())


def test_taken_port_is_reported(tmp_path: Path, get_ppd: GetPpd) -> None:
    async def scenario() -> None:
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", 0))
            squatter.listen()
            q = _queue(tmp_path, get_ppd("lj2100-pxlmono"), squatter.getsockname()[1])
            with pytest.raises(PortInUseError, match="Address already in use"):
                await q.start()
            assert q.status is QueueStatus.STOPPED

    asyncio.run(scenario())


def test_crash_loop_is_given_up(
    tmp_path: Path, get_ppd: GetPpd, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_mod, "MAX_CRASHES", 2)
    monkeypatch.setattr(queue_mod, "RESTART_DELAYS", (0.0,))
    monkeypatch.setattr(queue_mod, "SLOW_RESTART_INTERVAL", 0.0)  # no slow retries

    async def scenario() -> None:
        q = _queue(tmp_path, get_ppd("lj2100-pxlmono"), _free_port())
        await q.start()
        supervisor = asyncio.create_task(q.supervise())
        for _ in range(2):
            await _until(lambda: q.status is QueueStatus.RUNNING, 5, "running")
            pid = q.pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            await _until(
                lambda pid=pid: q.pid not in (pid, None) or q.status is QueueStatus.STOPPED,  # type: ignore[misc]
                5,
                "restart",
            )
        await asyncio.wait_for(supervisor, 5)
        assert q.status is QueueStatus.STOPPED
        assert "crashed 2 times" in q.reason
        assert q.retry_at is None

    asyncio.run(scenario())


@pytest.fixture
def crash_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two fast restarts, then slow ones every 0.7 s."""
    monkeypatch.setattr(queue_mod, "MAX_CRASHES", 2)
    monkeypatch.setattr(queue_mod, "RESTART_DELAYS", (0.0,))
    monkeypatch.setattr(queue_mod, "SLOW_RESTART_INTERVAL", 0.7)


@pytest.mark.usefixtures("crash_loop")
def test_crash_loop_waits_then_recovers(tmp_path: Path, get_ppd: GetPpd) -> None:
    program, cause = failing_ippeveprinter(tmp_path)

    async def scenario() -> None:
        q = _queue(tmp_path, get_ppd("lj2100-pxlmono"), _free_port())
        q.launch = replace(q.launch, program=str(program))
        await q.start()
        supervisor = asyncio.create_task(q.supervise())
        cause.touch()
        assert q.pid is not None
        os.kill(q.pid, signal.SIGKILL)
        await _until(lambda: q.status is QueueStatus.WAITING, 5, "waiting after fast restarts")
        assert q.pid is None
        assert q.reason.startswith("crashed 2 times in 60 s (last: ippeveprinter exited with 3")
        # the failed start, with what it logged (only this run: the earlier ones said the same)
        assert q.last_crash.startswith("ippeveprinter exited with 3: ")
        assert q.last_crash.count("device firmware missing") == 1
        assert q.last_crash in q.reason
        assert q.retry_at is not None
        assert 0 < q.retry_at - time.time() <= 0.7
        tried = q.restarts
        # the slow retry comes, fails again and waits again
        await _until(lambda: q.restarts > tried, 3, "a slow retry")
        await _until(lambda: q.status is QueueStatus.WAITING, 3, "waiting again")
        assert q.reason.startswith("still failing (last: ")
        # the cause is gone: the next slow retry brings the queue back
        cause.unlink()
        await _until(lambda: q.status is QueueStatus.RUNNING, 5, "running again")
        assert q.pid is not None
        assert pid_listens_on(q.pid, q.launch.port)
        assert q.retry_at is None
        assert "device firmware missing" in q.last_crash  # kept after the recovery
        # back from the loop, a single crash gets a fast restart again
        first = q.pid
        os.kill(first, signal.SIGKILL)
        await _until(
            lambda: q.pid not in (first, None) and q.status is QueueStatus.RUNNING,
            3,
            "fast restart after recovery",
        )
        assert q.last_crash == "ended by SIGKILL"
        await q.stop()
        await asyncio.wait_for(supervisor, 5)

    asyncio.run(scenario())


def test_stop_ends_a_long_wait_at_once(
    tmp_path: Path, get_ppd: GetPpd, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_mod, "MAX_CRASHES", 1)
    program, cause = failing_ippeveprinter(tmp_path)
    cause.touch()

    async def scenario() -> None:
        q = _queue(tmp_path, get_ppd("lj2100-pxlmono"), _free_port())
        q.restart_interval = 3600.0
        q.launch = replace(q.launch, program=str(program))
        with pytest.raises(PrinterProcessError, match="exited with 3"):
            await q.start()
        supervisor = asyncio.create_task(q.supervise())  # the failed start is the first crash
        await _until(lambda: q.status is QueueStatus.WAITING, 5, "waiting")
        assert q.retry_at is not None
        assert q.retry_at - time.time() > 3500
        started = time.monotonic()
        await q.stop()
        await asyncio.wait_for(supervisor, 2)
        assert time.monotonic() - started < 2
        assert q.status is QueueStatus.STOPPED

    asyncio.run(scenario())


def test_adopt_a_queue_left_behind(tmp_path: Path, get_ppd: GetPpd) -> None:
    async def scenario() -> None:
        first = _queue(tmp_path, get_ppd("lj2100-pxlmono"), _free_port())
        await first.start()
        pid, ticks = first.pid, first.start_ticks
        assert pid is not None
        assert ticks is not None
        heir = _queue(tmp_path, get_ppd("lj2100-pxlmono"), first.launch.port)
        assert not heir.adopt(pid, ticks + 1)  # a recycled pid is not ours
        assert heir.adopt(pid, ticks)
        await heir.stop()
        assert await first._proc.wait() is not None  # type: ignore[union-attr]

    asyncio.run(scenario())


def test_missing_program_is_a_clear_error(tmp_path: Path, get_ppd: GetPpd) -> None:
    async def scenario() -> None:
        q = _queue(tmp_path, get_ppd("lj2100-pxlmono"), _free_port())
        q.launch = replace(q.launch, program=str(tmp_path / "no-such-ippeveprinter"))
        with pytest.raises(PrinterProcessError, match="cannot run"):
            await q.start()

    asyncio.run(scenario())
