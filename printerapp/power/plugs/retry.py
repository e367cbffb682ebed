"""The one retry policy for smart plugs: exponential backoff around unreachable plugs.

Drivers never retry; they raise :class:`~printerapp.errors.PlugUnreachableError`
when a plug did not answer.  This module retries exactly that error, with a
delay doubling from :data:`RETRY_BASE_S` up to :data:`RETRY_MAX_S`, at most
:data:`RETRY_ATTEMPTS` times in all.  Any other :class:`PowerError` (bad
credentials, a plug without an energy meter) is final and is raised at once.

:class:`RetryingPlug` wraps any driver in that policy.  :func:`attempt` runs one
operation and turns a plug that stays unreachable into a default value plus a
warning, so an unreachable plug never crashes its caller: the job goes on, the
printer may already be on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from printerapp.errors import PlugUnreachableError
from printerapp.power.plugs.base import Plug

__all__ = [
    "RETRY_ATTEMPTS",
    "RETRY_BASE_S",
    "RETRY_MAX_S",
    "RetryingPlug",
    "attempt",
    "backoff_delays",
    "with_retry",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: tries in all, the first included
RETRY_ATTEMPTS = 4
#: the delay before the second try; it doubles before each further one
RETRY_BASE_S = 0.5
#: the longest delay between two tries
RETRY_MAX_S = 8.0


def backoff_delays(attempts: int | None = None) -> list[float]:
    """Return the sleeps between tries: base, 2*base, 4*base... capped at the maximum."""
    attempts = RETRY_ATTEMPTS if attempts is None else attempts
    return [min(RETRY_BASE_S * 2**i, RETRY_MAX_S) for i in range(max(attempts - 1, 0))]


async def with_retry(
    operation: Callable[[], Awaitable[T]], what: str, *, attempts: int | None = None
) -> T:
    """Run *operation*, retrying PlugUnreachableError with backoff; raise the last one."""
    delays = backoff_delays(attempts)
    for delay in delays:
        try:
            return await operation()
        except PlugUnreachableError as exc:
            logger.info("%s: %s; retrying in %.2f s", what, exc, delay)
        await asyncio.sleep(delay)
    return await operation()


async def attempt(
    operation: Callable[[], Awaitable[T]], what: str, default: T, *, attempts: int | None = None
) -> T:
    """Run *operation* with retries; return *default* if the plug stays unreachable."""
    try:
        return await with_retry(operation, what, attempts=attempts)
    except PlugUnreachableError as exc:
        logger.warning("%s: giving up, plug unreachable: %s", what, exc)
        return default


class RetryingPlug(Plug):
    """A plug whose every call goes through :func:`with_retry`."""

    def __init__(self, inner: Plug, *, attempts: int | None = None) -> None:
        super().__init__(inner.spec, inner.credentials)
        self.inner = inner
        # A wrapper has its plug's features, not the base class's NONE.
        self.features = inner.features  # type: ignore[misc]
        self._attempts = attempts

    def _retry(self, operation: Callable[[], Awaitable[T]], what: str) -> Awaitable[T]:
        return with_retry(operation, f"plug {self.spec.name} {what}", attempts=self._attempts)

    async def state(self) -> bool:
        """Return True when the relay is on."""
        return await self._retry(self.inner.state, "state")

    async def switch(self, on: bool) -> None:
        """Switch the relay on or off."""
        await self._retry(lambda: self.inner.switch(on), "on" if on else "off")

    async def power_w(self) -> float:
        """Return the instantaneous power in W."""
        return await self._retry(self.inner.power_w, "power")

    async def energy_wh(self) -> float:
        """Return the cumulative energy counter in Wh."""
        return await self._retry(self.inner.energy_wh, "energy")

    async def arm_failsafe(self, seconds: float) -> None:
        """Arm the plug-side auto-off timer."""
        await self._retry(lambda: self.inner.arm_failsafe(seconds), "failsafe")

    async def close(self) -> None:
        """Close the wrapped driver."""
        await self.inner.close()
