"""One device list: scans merged per source, duplicates collapsed, changes diffed.

**Removal is scoped.**  Each source (a backend name, ``mdns``) owns its own
devices; a scan replaces only the entries of the backends it ran to completion,
and merges what a backend that timed out printed, so a device is never
reported gone because its backend was not asked or was cut short.

**Duplicates.**  One physical printer seen over several transports is kept
once.  Two devices are the same printer when they share a serial number, or
when they share manufacturer, model and network host (after normalising the
manufacturer, and dropping it from the front of the model).  The kept one has the
best transport: USB, then parallel, serial, network (mDNS, socket, IPP, LPD)
and SNMP last, because a USB cable beats the network and a printer's own
announcement beats an SNMP probe.  Ties go to the smallest URI, so the choice
is stable.  ``dedupe = false`` in ``[detection]`` turns this off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from printerapp.deviceid import model_key

from .records import Change, Device, DeviceChange

__all__ = ["DeviceList", "collapse_duplicates", "diff", "identity_keys"]


def identity_keys(device: Device) -> list[tuple[str, ...]]:
    """Return the keys under which two records are the same physical printer."""
    keys: list[tuple[str, ...]] = []
    if device.serial:
        keys.append(("serial", device.serial.lower()))
    # "HP LaserJet 4 Series" on SNMP and "LaserJet 4" over mDNS at one host are one printer
    make, model = model_key(device.device_id.manufacturer, device.device_id.model)
    if device.host and make and model:
        keys.append(("host", make, model, device.host.lower()))
    return keys


def _rank(device: Device) -> tuple[int, str, str]:
    return device.transport.value, device.uri, device.port_path


def collapse_duplicates(devices: Iterable[Device]) -> frozenset[Device]:
    """Keep one record per physical printer, preferring the best transport."""
    claimed: set[tuple[str, ...]] = set()
    kept: set[Device] = set()
    for device in sorted(set(devices), key=_rank):  # best first: the first to claim wins
        keys = identity_keys(device)
        if not claimed.intersection(keys):
            kept.add(device)
        # A dropped record's keys are claimed too, so SNMP's host key follows a serial match.
        claimed.update(keys)
    return frozenset(kept)


def diff(before: frozenset[Device], after: frozenset[Device]) -> list[DeviceChange]:
    """Return the removals then the additions that turn *before* into *after*."""
    gone = [DeviceChange(Change.REMOVED, d) for d in sorted(before - after, key=_rank)]
    new = [DeviceChange(Change.ADDED, d) for d in sorted(after - before, key=_rank)]
    return gone + new


class DeviceList:
    """The current devices, by source, and the collapsed view shown to users."""

    def __init__(self, *, dedupe: bool = True) -> None:
        self._dedupe = dedupe
        self._by_source: dict[str, frozenset[Device]] = {}
        self._view: frozenset[Device] = frozenset()

    @property
    def devices(self) -> frozenset[Device]:
        """The current (collapsed) devices."""
        return self._view

    def apply_scan(
        self, devices: Iterable[Device], complete: Iterable[str], partial: Iterable[str] = ()
    ) -> list[DeviceChange]:
        """Replace the sources in *complete*, merge those in *partial*, return changes."""
        found: dict[str, set[Device]] = {}
        for device in devices:
            found.setdefault(device.source, set()).add(device)
        updated = dict(self._by_source)
        for source in complete:
            updated[source] = frozenset(found.get(source, ()))
        for source in partial:
            updated[source] = updated.get(source, frozenset()) | found.get(source, set())
        return self._replace(updated)

    def set_source(self, source: str, devices: Iterable[Device]) -> list[DeviceChange]:
        """Replace every device of one source (e.g. the live mDNS set)."""
        return self._replace({**self._by_source, source: frozenset(devices)})

    def _replace(self, by_source: Mapping[str, frozenset[Device]]) -> list[DeviceChange]:
        self._by_source = {k: v for k, v in by_source.items() if v}
        every = [d for group in self._by_source.values() for d in group]
        view = collapse_duplicates(every) if self._dedupe else frozenset(every)
        changes = diff(self._view, view)
        self._view = view
        return changes
