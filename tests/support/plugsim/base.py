"""The part every HTTP plug simulator shares: a relay, a meter, a timer, a flaky link.

The server runs an aiohttp application on its own event loop in a thread, so
one simulator serves sync tests, async tests and child processes alike.  All
state sits behind one lock; the failsafe timer and the energy counter are
evaluated lazily from ``time.monotonic()``, so no timer thread exists.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: how long a start/stop/reachability change may take
CONTROL_TIMEOUT_S = 10.0


def load_ws(
    power_w: float, steps: Sequence[tuple[float, float]], t0: float | None, a: float, b: float
) -> float:
    """Return a scripted load's energy in watt-seconds from *a* to *b* (piecewise constant).

    The load draws *power_w* until the first of *steps* (seconds after *t0*, W),
    then each step's power; with *t0* None it draws *power_w* throughout.
    """
    cuts_at = set() if t0 is None else {t0 + offset for offset, _ in steps}
    cuts = sorted({a, b} | {c for c in cuts_at if a < c < b})

    def at(t: float) -> float:
        watts = power_w
        if t0 is not None:
            for offset, step_w in sorted(steps):
                if t0 + offset <= t:
                    watts = step_w
        return watts

    return sum(at(lo) * (hi - lo) for lo, hi in itertools.pairwise(cuts))


class PlugSim:
    """One simulated plug on 127.0.0.1; subclasses add the protocol's routes."""

    def __init__(
        self,
        *,
        is_on: bool = False,
        power_w: float = 25.0,
        energy_wh: float = 0.0,
        drop_percent: float = 0.0,
        seed: int = 0,
    ) -> None:
        #: the power drawn while the relay is on
        self.power_w = power_w
        #: share of requests (0..100) dropped without an answer, as a flaky Wi-Fi does
        self.drop_percent = drop_percent
        #: every request's path and query, in order
        self.requests: list[str] = []
        #: (monotonic time, on) for every relay change, switch-offs by the timer included
        self.switch_log: list[tuple[float, bool]] = []
        self.port = 0
        self._lock = threading.Lock()
        self._on = is_on
        self._counter_wh = energy_wh
        self._since = time.monotonic()
        self._deadline: float | None = None
        #: a scripted load: (seconds after _profile_t0, W) steps
        self._profile: tuple[tuple[float, float], ...] = ()
        self._profile_t0: float | None = None
        self._random = random.Random(seed)  # noqa: S311 - reproducible drops, not secrets
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=type(self).__name__)
        self._runner: web.AppRunner | None = None

    # -- protocol side (subclasses) -------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Add the protocol's routes."""
        raise NotImplementedError

    # -- state, used by handlers and tests -----------------------------------------

    def _settle(self, now: float) -> None:
        """Fire an expired failsafe and bring the energy counter up to *now* (lock held)."""
        if self._on and self._deadline is not None and now >= self._deadline:
            self._accrue(self._deadline)
            self._on, self._deadline = False, None
            self.switch_log.append((now, False))
        self._accrue(now)

    def _accrue(self, now: float) -> None:
        if self._on and now > self._since:
            self._counter_wh += self._integral_ws(self._since, now) / 3600.0
        self._since = max(self._since, now)

    def _power_at(self, t: float) -> float:
        """The load's power at monotonic time *t* (the relay aside)."""
        watts = self.power_w
        if self._profile_t0 is not None:
            for offset, step_w in self._profile:
                if self._profile_t0 + offset <= t:
                    watts = step_w
        return watts

    def _integral_ws(self, a: float, b: float) -> float:
        """The load's energy in watt-seconds from *a* to *b* (piecewise constant)."""
        return load_ws(self.power_w, self._profile, self._profile_t0, a, b)

    def play_profile(self, steps: Sequence[tuple[float, float]]) -> float:
        """Make the load follow *steps* (seconds from now, W) from now on; return now.

        Before the first step the load keeps ``power_w``; after the last one it
        stays at the last step's power.  The counter integrates it exactly.
        """
        with self._lock:
            now = time.monotonic()
            self._settle(now)
            self._profile = tuple(sorted(steps))
            self._profile_t0 = now
            return now

    def profile_wh(self, a: float, b: float) -> float:
        """The load's energy in Wh between monotonic times *a* and *b*, as scripted."""
        with self._lock:
            return self._integral_ws(a, b) / 3600.0

    def set_relay(self, on: bool, *, failsafe_s: float | None = None) -> None:
        """Switch the relay; *failsafe_s* arms the auto-off timer, a switch-off clears it."""
        with self._lock:
            now = time.monotonic()
            self._settle(now)
            if on != self._on:
                self.switch_log.append((now, on))
            self._on = on
            if not on:
                self._deadline = None
            elif failsafe_s is not None:
                self._deadline = now + failsafe_s if failsafe_s > 0 else None

    @property
    def is_on(self) -> bool:
        """The relay's state now (an expired failsafe has switched it off)."""
        with self._lock:
            self._settle(time.monotonic())
            return self._on

    @is_on.setter
    def is_on(self, on: bool) -> None:
        """Press the plug's button."""
        self.set_relay(on)

    @property
    def energy_wh(self) -> float:
        """The cumulative energy counter in Wh."""
        with self._lock:
            self._settle(time.monotonic())
            return self._counter_wh

    @energy_wh.setter
    def energy_wh(self, value: float) -> None:
        """Set the counter (a reset, or a jump to simulate hours of use)."""
        with self._lock:
            self._settle(time.monotonic())
            self._counter_wh = value

    @property
    def power_now_w(self) -> float:
        """The power drawn now: the load's (``power_w`` or the profile's) while on, 0 while off."""
        with self._lock:
            now = time.monotonic()
            self._settle(now)
            return self._power_at(now) if self._on else 0.0

    def failsafe_remaining(self) -> float | None:
        """Seconds until the failsafe switches the relay off, None when not armed."""
        with self._lock:
            now = time.monotonic()
            self._settle(now)
            return None if self._deadline is None else self._deadline - now

    def switch_offs(self) -> int:
        """How many times the relay went off."""
        return sum(1 for _, on in self.switch_log if not on)

    # -- server -------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append(request.path_qs)
        if self._random.random() * 100 < self.drop_percent:
            # A lost answer: the client sees the connection drop.
            if request.transport is not None:
                request.transport.abort()
            return web.Response()  # never sent: the connection is gone
        return await handler(request)

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        self.add_routes(app)
        return app

    async def _serve(self) -> None:
        self._runner = web.AppRunner(self._make_app(), handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]

    async def _shut(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(CONTROL_TIMEOUT_S)

    def start(self) -> Self:
        """Start serving on a free port of 127.0.0.1 (see ``.port``)."""
        self._thread.start()
        self._call(self._serve())
        return self

    def stop(self) -> None:
        """Stop serving and end the thread."""
        if self._thread.is_alive():
            self._call(self._shut())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(CONTROL_TIMEOUT_S)
        self._loop.close()

    def set_reachable(self, reachable: bool) -> None:
        """Unplug the simulated plug from the network (connections refused), or back."""
        if reachable and self._runner is None:
            self._call(self._serve())
        elif not reachable:
            self._call(self._shut())

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
