"""Plug power for the server's own queues (``printerapp server``): the wiring of power into queues.

The same controllers as plain-CUPS mode (:class:`CupsPower`), fed from the
manager's queues (read through :meth:`Manager.printers`) instead of a CUPS
server's: a printer gets a plug with a
``[power.printers.NAME]`` table, NAME being its queue key or its service
name.  Its ippeveprinter then carries ``PRINTERAPP_PLUG`` in its
environment, so the job runner switches the plug on before printing (see
hook.py) and reports each job's start and end on the events socket (by
default ``<state>/power.sock``).  Between reports, every poll interval,
each running queue is listed with IPP Get-Jobs, so a missed report can leave
a printer neither on nor off wrongly.

Pre-warm: the LAN forwarder (:mod:`printerapp.server.lan`) hands every IPP
request it sees to :meth:`ServerPower.observe`; a print dialog's
Get-Printer-Attributes (:func:`printerapp.power.prewarm.classify`) to a
queue whose printer has ``prewarm`` on switches its plug on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from printerapp.config import Config
from printerapp.errors import PowerError
from printerapp.ipp.peek import IppRequestHead
from printerapp.manager.state import QueueRecord
from printerapp.manager.system import PrinterInfo
from printerapp.power.controller import PlugController
from printerapp.power.cupspower import CupsPower, PlugLoader
from printerapp.power.energy import EnergyLog
from printerapp.power.hook import PLUG_ENV, SOCKET_ENV
from printerapp.power.idle import JobPhase
from printerapp.power.jobs import active_jobs_at
from printerapp.power.prewarm import Asked, classify
from printerapp.power.settings import PrinterPower

__all__ = ["LiveControllers", "ServerPower"]

logger = logging.getLogger(__name__)

#: the manager's queues as they are now (``Manager.printers``)
PrinterSource = Callable[[], Sequence[PrinterInfo]]


class ServerPower(CupsPower):
    """One controller per configured plug, watching the manager's queues."""

    def __init__(
        self,
        config: Config,
        energy: EnergyLog | None,
        printers: PrinterSource,
        state_dir: Path,
        load_plug: PlugLoader | None = None,
    ) -> None:
        super().__init__(config, energy, load_plug)
        self.printers = printers
        if self.power.events_socket is None:
            self.power = replace(self.power, events_socket=state_dir / "power.sock")
        #: every plug a printer names, whether or not its printer is connected now
        self.queues = {p.plug: [] for p in self.power.printers.values()}
        #: queue key -> port, for the queues running at the last refresh
        self._ports: dict[str, int] = {}
        self.check_plugs()

    def printer_power(self, queue: QueueRecord | PrinterInfo) -> PrinterPower | None:
        """Return the power settings of a queue, by its key or its service name."""
        printers = self.power.printers
        return printers.get(queue.key) or printers.get(queue.name)

    def queue_env(self, record: QueueRecord) -> dict[str, str]:
        """Return what the queue's ippeveprinter needs to switch its plug per job."""
        mine = self.printer_power(record)
        if mine is None:
            return {}
        env = {PLUG_ENV: mine.plug, SOCKET_ENV: str(self.power.events_socket)}
        if self.config.path is not None:
            env["PRINTERAPP_CONFIG"] = str(self.config.path)
        return env

    def _refresh_queues(self) -> None:
        mapped: dict[str, list[str]] = {plug: [] for plug in self.queues}
        self._ports = {}
        for info in self.printers():
            mine = self.printer_power(info)
            if mine is not None and mine.plug in mapped:
                mapped[mine.plug].append(info.key)
                if info.pid is not None:
                    self._ports[info.key] = info.port
        self.queues = mapped

    def _delay(self, plug: str) -> float:
        delays = [p.idle_delay for p in self.power.printers.values() if p.plug == plug]
        return max(delays, default=self.power.idle_delay)

    async def poll_once(self) -> None:
        """List every running queue with a plug and feed the listings to its controller."""
        self._refresh_queues()
        for name, controller in self.controllers.items():
            seen: dict[str, JobPhase] = {}
            try:
                for key in self.queues.get(name, []):
                    if (port := self._ports.get(key)) is None:
                        continue  # not running now
                    uri = f"ipp://127.0.0.1:{port}/ipp/print"
                    seen.update(await active_jobs_at(uri, prefix=f"{key}/"))
            except PowerError as exc:
                logger.warning("plug %s: queue listing failed, keeping the last one: %s", name, exc)
                continue
            controller.jobs_seen(seen)

    def _by_port(self, port: int) -> PrinterPower | None:
        for info in self.printers():
            if info.port == port and info.pid is not None:
                return self.printer_power(info)
        return None

    def observe(self, port: int, head: IppRequestHead, peer: str) -> Asked:
        """Take one IPP request a LAN client sent to the queue on *port*; pre-warm on a dialog."""
        asked = classify(head)
        mine = self._by_port(port)
        if asked is not Asked.DIALOG or mine is None or not mine.prewarm:
            logger.debug("port %d: %s from %s, no pre-warm", port, asked.value, peer)
            return asked
        controller = self.controllers.get(mine.plug)
        if controller is not None:
            logger.info("printer %s: print dialog at %s; pre-warm on", mine.printer, peer)
            controller.prewarm(mine.prewarm_delay)
        return asked

    def by_printer(self) -> dict[str, PlugController]:
        """Return the controller of each connected printer, by service name (for the web)."""
        out = {}
        for info in self.printers():
            mine = self.printer_power(info)
            if mine is not None and mine.plug in self.controllers:
                out[info.name] = self.controllers[mine.plug]
        return out


class LiveControllers(Mapping[str, PlugController]):
    """The controllers by printer name, as the printers are connected right now."""

    def __init__(self, power: ServerPower) -> None:
        self.power = power

    def __getitem__(self, printer: str) -> PlugController:
        return self.power.by_printer()[printer]

    def __iter__(self) -> Iterator[str]:
        return iter(self.power.by_printer())

    def __len__(self) -> int:
        return len(self.power.by_printer())
