"""Supplies and printer status from the Printer MIB over SNMP.

* :mod:`.mib` -- the OIDs and enumerations of RFC 3805 / RFC 2790 we read;
* :mod:`.records` -- ``Supply``, ``PrinterStatus``, ``Alert``, ``SupplyReport`` (frozen);
* :mod:`.parse` -- walked varbinds to a report, pure and forgiving;
* :mod:`.snmp` -- the pysnmp edge (the only module importing pysnmp);
* :mod:`.poller` -- one bounded poll that answers "unknown" instead of failing;
* :mod:`.ippattrs` -- a report as the ``ATTR:`` lines ippeveprinter takes from a job;
* :mod:`.levels` -- a queue's ``marker-*`` / ``printer-supply`` attributes back as bars.
"""

from __future__ import annotations

from printerapp.supplies.ippattrs import attr_lines
from printerapp.supplies.parse import parse_report
from printerapp.supplies.poller import async_poll, poll, target_for_uri
from printerapp.supplies.records import Alert, PrinterStatus, Supply, SupplyReport
from printerapp.supplies.snmp import SnmpTarget

__all__ = [
    "Alert",
    "PrinterStatus",
    "SnmpTarget",
    "Supply",
    "SupplyReport",
    "async_poll",
    "attr_lines",
    "parse_report",
    "poll",
    "target_for_uri",
]
