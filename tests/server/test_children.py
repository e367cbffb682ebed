"""The daemon waits for its queues' processes by pidfd, not with a thread per child."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator

import pytest

from printerapp.server.daemon import watch_children_by_pidfd

COUNT = 20


@pytest.fixture
def restored_watcher() -> Iterator[None]:
    """Put the process's child watcher back: the one set here is bound to the test's loop."""
    if sys.version_info >= (3, 12):
        pytest.skip("Python 3.12 waits by pidfd itself")
    old = asyncio.get_child_watcher()
    yield
    asyncio.set_child_watcher(old)


@pytest.mark.timeout(60)
@pytest.mark.usefixtures("restored_watcher")
def test_twenty_children_are_waited_for_without_a_thread_each() -> None:
    async def scenario() -> tuple[bool, int, list[int | None]]:
        used = watch_children_by_pidfd()
        before = threading.active_count()
        procs = [
            await asyncio.create_subprocess_exec(sys.executable, "-c", f"raise SystemExit({n})")
            for n in range(COUNT)
        ]
        most = threading.active_count()
        codes = [await asyncio.wait_for(p.wait(), 30) for p in procs]
        return used, most - before, codes

    used, extra_threads, codes = asyncio.run(scenario())
    assert used, "pidfd_open is refused here"
    assert extra_threads == 0
    assert codes == list(range(COUNT))
