"""Plug power for the queues of an existing CUPS server (``printerapp cups-power``).

For people who keep their CUPS server.  ``[cups_power.queues]`` maps CUPS
queues to plugs (like the seed's ``PRINTERS``); several queues may share a
plug.  Every ``poll_interval`` seconds each queue's not-completed jobs are
listed with IPP Get-Jobs (printerapp.ipp, not lpstat) and handed to the plug's idle
machine: a pending job switches the plug on, the plug goes off ``idle_delay``
seconds after the last job, never under a job.  Job reports on
``[power] events_socket`` (from the ``power:`` backend wrapper) are taken at
once, between polls.  SIGHUP re-reads the idle delays; SIGTERM stops.

For the shortest power-on delay, give the queues the ``power:`` backend
(:mod:`printerapp.power.backend_wrapper`): it switches the plug on the moment
the job starts, and this watch then only decides when to switch off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable

from printerapp.config import Config, load_config
from printerapp.errors import PowerError, PrinterAppError
from printerapp.power.controller import PlugController
from printerapp.power.energy import EnergyLog
from printerapp.power.events import JobEvent, open_listener
from printerapp.power.idle import IdleMachine, JobPhase
from printerapp.power.jobs import active_jobs
from printerapp.power.plugs.base import Plug, PlugFeature
from printerapp.power.settings import (
    CupsPowerSettings,
    PowerSettings,
    cups_power_settings,
    power_settings,
)

__all__ = ["CupsPower", "PlugLoader"]

logger = logging.getLogger(__name__)

PlugLoader = Callable[[Config, str], Plug]


def _default_loader(config: Config, name: str) -> Plug:
    from printerapp.power.settings import load_plug

    return load_plug(config, name)


class CupsPower:
    """One controller per plug, fed by Get-Jobs polls of the mapped queues."""

    def __init__(
        self, config: Config, energy: EnergyLog | None, load_plug: PlugLoader | None = None
    ) -> None:
        self.config = config
        self.cups: CupsPowerSettings = cups_power_settings(config)
        self.power: PowerSettings = power_settings(config)
        self.energy = energy
        self._load_plug = load_plug or _default_loader
        #: plug name -> controller
        self.controllers: dict[str, PlugController] = {}
        #: plug name -> its queues
        self.queues: dict[str, list[str]] = {}
        for queue, plug in sorted(self.cups.queues.items()):
            self.queues.setdefault(plug, []).append(queue)
        self.check_plugs()

    def check_plugs(self) -> None:
        """Raise ConfigError unless every plug a queue names is configured, with its login.

        A plug that cannot be used is found here, before the watch starts,
        and stops it with one message: never a watch without power control.
        """
        if self._load_plug is not _default_loader:
            return  # a caller's own loader decides what a plug name means
        from printerapp.power.plugs.specs import plug_credentials, plug_spec

        for name in sorted(self.queues):
            plug_credentials(plug_spec(self.config, name))

    def _delay(self, plug: str) -> float:
        delays = [
            self.power.printers[q].idle_delay for q in self.queues[plug] if q in self.power.printers
        ]
        return max(delays, default=self.power.idle_delay)

    def _controller(self, name: str) -> PlugController:
        plug = self._load_plug(self.config, name)
        failsafe = self.power.failsafe if PlugFeature.FAILSAFE in plug.features else 0.0
        machine = IdleMachine(delay=self._delay(name), failsafe=failsafe)
        return PlugController(plug, machine, self.energy, energy_sample=self.power.energy_sample)

    def reload_delays(self) -> None:
        """Re-read the idle delays from the file and apply them live."""
        try:
            fresh = power_settings(
                load_config(self.config.path) if self.config.path else self.config
            )
        except PrinterAppError as exc:
            logger.error("not reloaded: %s", exc)
            return
        self.power = fresh
        for name, controller in self.controllers.items():
            controller.set_delay(self._delay(name))

    async def poll_once(self) -> None:
        """List every mapped queue once and feed the listings to the controllers."""
        for name, controller in self.controllers.items():
            seen: dict[str, JobPhase] = {}
            try:
                for queue in self.queues[name]:
                    seen.update(await active_jobs(self.cups.server, queue))
            except PowerError as exc:
                logger.warning("plug %s: queue listing failed, keeping the last one: %s", name, exc)
                continue
            controller.jobs_seen(seen)

    def _on_event(self, sock: socket.socket) -> None:
        with contextlib.suppress(BlockingIOError):
            while True:
                data = sock.recv(4096)
                try:
                    event = JobEvent.decode(data)
                except ValueError as exc:
                    logger.debug("ignored a malformed job report: %s", exc)
                    continue
                controller = self.controllers.get(event.plug)
                if controller is not None:
                    phase = JobPhase.PROCESSING if event.event == "job-start" else JobPhase.ENDED
                    controller.job(f"{event.printer}/{event.job_id}", phase)

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until *stop* is set; then close every plug."""
        for name in self.queues:
            try:
                self.controllers[name] = self._controller(name)
            except PrinterAppError as exc:
                logger.error("plug %s left out: %s", name, exc)
        tasks = [
            asyncio.create_task(c.run(), name=f"plug-{n}") for n, c in self.controllers.items()
        ]
        loop = asyncio.get_running_loop()
        listener = None
        if self.power.events_socket is not None:
            listener = open_listener(self.power.events_socket)
            loop.add_reader(listener.fileno(), self._on_event, listener)
        try:
            while not stop.is_set():
                await self.poll_once()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.cups.poll_interval)
        finally:
            if listener is not None and self.power.events_socket is not None:
                loop.remove_reader(listener.fileno())
                listener.close()
                self.power.events_socket.unlink(missing_ok=True)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for controller in self.controllers.values():
                await controller.plug.close()
