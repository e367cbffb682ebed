"""What a poll of a printer's Printer MIB yields: frozen records, safe to share and to JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "LEVEL_OTHER",
    "LEVEL_SOME_REMAINING",
    "LEVEL_UNKNOWN",
    "Alert",
    "PrinterStatus",
    "Supply",
    "SupplyReport",
]

#: the MIB's special values of prtMarkerSuppliesLevel (and of MaxCapacity, the first two)
LEVEL_OTHER = -1  # "no restriction": the printer does not measure it
LEVEL_UNKNOWN = -2
LEVEL_SOME_REMAINING = -3


@dataclass(frozen=True, slots=True)
class Supply:
    """One row of prtMarkerSuppliesTable: a cartridge, drum, fuser or waste box."""

    #: prtMarkerSuppliesIndex
    index: int
    description: str
    #: the MIB's supply type name (``toner``, ``opc``, ``wasteToner``), ``unknown`` if not sent
    kind: str = "unknown"
    #: ``supplyThatIsConsumed``, ``receptacleThatIsFilled``, ``other`` or ``unknown``
    supply_class: str = "unknown"
    #: the unit of ``max_capacity`` and ``raw_level`` (``percent``, ``impressions``...)
    unit: str = "unknown"
    #: as reported when it makes sense: > 0, or -1 (no limit) or -2 (unknown)
    max_capacity: int = LEVEL_UNKNOWN
    #: as reported when it makes sense: 0..max, or -1, -2, -3 (some remaining)
    raw_level: int = LEVEL_UNKNOWN
    #: how full, in percent (0-100); None when the printer does not say
    level: int | None = None
    #: the colorant's name (``cyan``), from prtMarkerColorantValue or the description
    colour: str | None = None

    @property
    def some_remaining(self) -> bool:
        """Return whether the printer only says "some remains" (level -3)."""
        return self.raw_level == LEVEL_SOME_REMAINING

    @property
    def is_receptacle(self) -> bool:
        """Return whether it fills up (a waste box) rather than runs out."""
        return self.supply_class == "receptacleThatIsFilled" or self.kind.startswith("waste")

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form the HTTP API serves."""
        return {
            "index": self.index,
            "description": self.description,
            "kind": self.kind,
            "class": self.supply_class,
            "unit": self.unit,
            "max_capacity": self.max_capacity,
            "raw_level": self.raw_level,
            "level": self.level,
            "some_remaining": self.some_remaining,
            "colour": self.colour,
        }


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """hrPrinterStatus and the bits of hrPrinterDetectedErrorState, by their MIB names."""

    #: ``idle``, ``printing``, ``warmup``, ``other`` or ``unknown``
    state: str = "unknown"
    #: e.g. ``("lowToner", "doorOpen")``, in bit order
    errors: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"state": self.state, "errors": list(self.errors)}


@dataclass(frozen=True, slots=True)
class Alert:
    """One row of prtAlertTable."""

    index: int
    #: ``critical``, ``warning``, ``warningBinaryChangeEvent`` or ``other``
    severity: str
    #: the alert code's name (``markerTonerAlmostEmpty``), or its number when not named
    code: str
    description: str = ""
    #: the sub-unit it concerns (``markerSupplies``) and which one of them (1-based)
    group: str = "other"
    group_index: int = -1
    training: str = "unknown"
    location: int = -1

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "index": self.index,
            "severity": self.severity,
            "code": self.code,
            "description": self.description,
            "group": self.group,
            "group_index": self.group_index,
            "training": self.training,
            "location": self.location,
        }


@dataclass(frozen=True, slots=True)
class SupplyReport:
    """All a poll learned; the empty report means "unknown"."""

    supplies: tuple[Supply, ...] = ()
    status: PrinterStatus = field(default_factory=PrinterStatus)
    alerts: tuple[Alert, ...] = ()

    @property
    def known(self) -> bool:
        """Return whether the printer told us anything at all."""
        return bool(self.supplies or self.alerts) or self.status != PrinterStatus()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (``supplies`` is an empty list when unknown)."""
        return {
            "supplies": [s.to_dict() for s in self.supplies],
            "status": self.status.to_dict(),
            "alerts": [a.to_dict() for a in self.alerts],
        }
