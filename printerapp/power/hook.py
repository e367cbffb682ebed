"""Switch a printer's plug on just before its backend starts, and wait until it is ready.

Which plug: ``$PRINTERAPP_PLUG`` names a ``[power.plugs.NAME]`` table of the
configuration file (``$PRINTERAPP_CONFIG`` or the default one).  The server
(:mod:`printerapp.server.power`) has the manager set it in the environment of
the ippeveprinter of every printer that has a plug, and ippeveprinter passes
it on to ``printerapp ippprint``; a job without it pays nothing here but one
environment lookup.  Timings come from
``[power]`` and ``[power.printers.<printer>]`` (see
:mod:`printerapp.power.settings`); job reports go to ``$PRINTERAPP_POWER_SOCKET``
or ``[power] events_socket``.  A broken power setting or plug is a warning on
the job, never its failure.

The sequence, for each job:

1. report ``job-start`` to the daemon (:mod:`printerapp.power.events`);
2. probe the printer: when it already answers, the plug is left alone;
3. switch the plug on (retried with backoff); an unreachable plug is only a
   warning, since the printer may be on anyway;
4. wait for the readiness probe (:mod:`printerapp.power.readiness`), showing
   ``printer powering on`` meanwhile;
5. not ready in time: raise :class:`BackendError` with ``RETRY``, so the job
   is kept and retried, not lost;
6. after the backend, report ``job-end`` with the exit status.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from printerapp.config import Config
    from printerapp.power.plugs.base import Plug
    from printerapp.power.readiness import Probe

__all__ = ["PLUG_ENV", "SOCKET_ENV", "PowerOn", "make_power_on", "power_on", "powered"]

PLUG_ENV = "PRINTERAPP_PLUG"
#: overrides ``[power] events_socket``: where job start/end reports go
SOCKET_ENV = "PRINTERAPP_POWER_SOCKET"

Say = Callable[[str], None]


class PowerOn:
    """The power-on step of one job: plug, probe and timings."""

    def __init__(self, plug: Plug | None, probe: Probe | None, timeout: float, say: Say) -> None:
        self.plug = plug
        self.probe = probe
        self.timeout = timeout
        self.say = say

    async def _switch_on(self) -> None:
        from printerapp.errors import PowerError
        from printerapp.power.plugs.retry import with_retry

        plug = self.plug
        if plug is None:
            return
        try:
            if not await with_retry(plug.state, what=f"{plug.spec.name} state"):
                self.say(f"INFO: switching on plug {plug.spec.name}")
                await with_retry(lambda: plug.switch(True), what=f"{plug.spec.name} on")
        except PowerError as exc:
            # The printer may be on anyway (someone pressed its button): try it.
            self.say(f"WARNING: plug {plug.spec.name} unreachable ({exc}); trying the printer")

    async def _plug_off(self) -> bool:
        """Return True only when the plug answers, at the first try, that it is off."""
        from printerapp.errors import PowerError

        if self.plug is None:
            return False
        try:
            return not await self.plug.state()
        except PowerError:
            return False

    async def run(self) -> bool:
        """Switch on and wait; return False when the printer did not become ready."""
        from printerapp.power.readiness import wait_ready

        # A printer that answers is left alone, unless one quick look finds its plug
        # off: then it is going down (an idle switch-off raced this job).
        if self.probe is not None and await self.probe.ready() and not await self._plug_off():
            return True
        if self.plug is not None:
            await self._switch_on()
        if self.probe is None:
            return True
        return await wait_ready(self.probe, self.timeout, self.say)


def power_on(power: PowerOn) -> None:
    """Run *power* to completion; raise BackendError(RETRY) when the printer stays off."""
    import asyncio

    from printerapp.cups import BackendStatus
    from printerapp.errors import BackendError

    async def go() -> bool:
        try:
            return await power.run()
        finally:
            if power.plug is not None:
                await power.plug.close()

    if not asyncio.run(go()):
        raise BackendError(
            f"printer not ready {power.timeout:g} s after power-on; the job will be retried",
            BackendStatus.RETRY,
        )


def _load(env: Mapping[str, str]) -> Config:
    from printerapp.config import load_config

    explicit = env.get("PRINTERAPP_CONFIG")
    return load_config(Path(explicit) if explicit else None)


def make_power_on(
    config: Config,
    plug_name: str,
    printer: str,
    device_uri: str | None,
    say: Say,
    env: Mapping[str, str],
) -> tuple[PowerOn, Callable[[str, str, int | None], None]]:
    """Build the power-on step and a reporter of job events for one job."""
    import time

    from printerapp.cups import CupsDirs
    from printerapp.errors import ConfigError
    from printerapp.power.events import JobEvent, send_event
    from printerapp.power.readiness import probe_for
    from printerapp.power.settings import PrinterPower, load_plug, power_settings

    settings = power_settings(config)
    mine = settings.printer(printer, plug_name) or PrinterPower(printer, plug_name)
    plug: Plug | None = None
    try:
        plug = load_plug(config, plug_name)
    except ConfigError as exc:
        say(f"WARNING: plug {plug_name}: {exc}; printing without power control")
    probe = None
    if device_uri:
        probe = probe_for(
            device_uri, CupsDirs.from_env(env), device_id=mine.device_id, env=dict(env)
        )
    socket_path = Path(env[SOCKET_ENV]) if env.get(SOCKET_ENV) else settings.events_socket

    def report(event: str, job_id: str, status: int | None) -> None:
        send_event(socket_path, JobEvent(event, printer, plug_name, job_id, time.time(), status))

    return PowerOn(plug, probe, mine.ready_timeout, say), report


@contextlib.contextmanager
def powered(
    env: Mapping[str, str], printer: str, device_uri: str | None, job_id: str, say: Say
) -> Iterator[None]:
    """Power the printer for the body (the backend); report the job's start and end."""
    plug_name = env.get(PLUG_ENV, "").strip()
    if not plug_name:
        yield
        return
    from printerapp.errors import ConfigError

    try:
        power, report = make_power_on(_load(env), plug_name, printer, device_uri, say, env)
    except ConfigError as exc:
        # A broken power setting must not cost the job: print without power control.
        say(f"WARNING: power control off for this job: {exc}")
        yield
        return
    report("job-start", job_id, None)
    status: int | None = 1
    try:
        power_on(power)
        yield
        status = 0
    except BaseException as exc:
        status = getattr(exc, "exit_code", 1)
        raise
    finally:
        report("job-end", job_id, status)
