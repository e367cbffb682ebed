"""The one retry policy: backoff around unreachable plugs, never a crash."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from printerapp.errors import PlugUnreachableError, PowerError
from printerapp.power.plugs import retry
from printerapp.power.plugs.base import PlugFeature, PlugSpec, create_plug
from printerapp.power.plugs.retry import RetryingPlug, attempt, backoff_delays, with_retry
from tests.support.plugsim.shelly_sim import ShellySim


@pytest.fixture
def fast_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the backoff so that a test's retries take milliseconds."""
    monkeypatch.setattr(retry, "RETRY_BASE_S", 0.01)
    monkeypatch.setattr(retry, "RETRY_MAX_S", 0.04)


def _spec(sim: ShellySim) -> PlugSpec:
    return PlugSpec("desk", "shelly", "127.0.0.1", sim.port, (("gen", "2"), ("timeout", "1")))


def test_backoff_doubles_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "RETRY_BASE_S", 0.5)
    monkeypatch.setattr(retry, "RETRY_MAX_S", 3.0)
    assert backoff_delays(6) == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff_delays(1) == []
    assert len(backoff_delays()) == retry.RETRY_ATTEMPTS - 1


@pytest.mark.usefixtures("fast_retry")
def test_a_plug_dropping_30_percent_of_requests_loses_no_switch() -> None:
    with ShellySim(gen=2, drop_percent=30, seed=7) as sim:

        async def work() -> None:
            plug = RetryingPlug(create_plug(_spec(sim)), attempts=8)
            try:
                for i in range(20):
                    await plug.switch(i % 2 == 0)
                    assert await plug.state() == (i % 2 == 0)
            finally:
                await plug.close()

        asyncio.run(work())
        assert not sim.is_on
        assert len(sim.switch_log) == 20
        assert len(sim.requests) > 41, "the simulator dropped nothing: the test proves nothing"


@pytest.mark.usefixtures("fast_retry")
def test_unreachable_gives_up_after_the_attempts(caplog: pytest.LogCaptureFixture) -> None:
    with ShellySim(gen=2) as sim:
        sim.set_reachable(False)

        async def work() -> tuple[bool | None, float]:
            plug = create_plug(_spec(sim))
            started = time.monotonic()
            try:
                with pytest.raises(PlugUnreachableError):
                    await with_retry(plug.state, "desk state", attempts=3)
                state = await attempt(plug.state, "desk state", None)
            finally:
                await plug.close()
            return state, time.monotonic() - started

        state, elapsed = asyncio.run(work())
        assert state is None
        assert elapsed < 2.0
        assert "giving up, plug unreachable" in caplog.text
        sim.set_reachable(True)
        assert not sim.is_on


@pytest.mark.usefixtures("fast_retry")
def test_other_power_errors_are_not_retried() -> None:
    with ShellySim(gen=2) as sim:
        spec = PlugSpec("desk", "shelly", "127.0.0.1", sim.port, (("gen", "2"), ("channel", "3")))

        async def work() -> None:
            plug = RetryingPlug(create_plug(spec))
            try:
                with pytest.raises(PowerError, match="HTTP status 500"):
                    await plug.state()
            finally:
                await plug.close()

        asyncio.run(work())
        assert len(sim.requests) == 1


@pytest.mark.usefixtures("fast_retry")
def test_retrying_plug_keeps_the_features_and_recovers(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="printerapp.power.plugs.retry")
    with ShellySim(gen=2) as sim:

        async def work() -> bool:
            plug = RetryingPlug(create_plug(_spec(sim)), attempts=20)
            assert PlugFeature.FAILSAFE in plug.features
            sim.set_reachable(False)
            loop = asyncio.get_running_loop()
            loop.call_later(0.15, sim.set_reachable, True)
            try:
                await plug.switch(True)
                return await plug.state()
            finally:
                await plug.close()

        assert asyncio.run(work())
        assert "retrying in" in caplog.text
