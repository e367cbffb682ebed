"""Poll one printer's supplies and status; whatever goes wrong, the answer is "unknown".

A printer whose agent is switched off, firewalled, slow or broken still
prints: :func:`async_poll` is bounded by :data:`POLL_TIMEOUT_S` and returns
the empty :class:`SupplyReport` instead of raising.  Only cancellation passes
through, as it must.
"""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import urlsplit

from printerapp.errors import SuppliesError
from printerapp.supplies import mib
from printerapp.supplies.parse import parse_report
from printerapp.supplies.records import SupplyReport
from printerapp.supplies.snmp import SnmpTarget, async_walk

__all__ = ["NETWORK_SCHEMES", "POLL_TIMEOUT_S", "async_poll", "poll", "target_for_uri"]

log = logging.getLogger(__name__)

#: the longest one poll may take, all tables together
POLL_TIMEOUT_S = 5.0
#: device URI schemes whose host is the printer itself, so its SNMP agent is there too
NETWORK_SCHEMES = frozenset({"socket", "lpd", "ipp", "ipps", "http", "https"})


def target_for_uri(
    device_uri: str | None, *, community: str = "public", port: int = 161, version: str = "2c"
) -> SnmpTarget | None:
    """Return the SNMP agent of the printer at *device_uri*, or None (USB, files, DNS-SD names)."""
    if not device_uri:
        return None
    try:
        parts = urlsplit(device_uri)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in NETWORK_SCHEMES or not host:
        return None
    if host.endswith((".local", ".local.")) and "._tcp" in host:  # a DNS-SD service name
        return None
    return SnmpTarget(host=host, port=port, community=community, version=version)


async def async_poll(target: SnmpTarget, *, limit_s: float | None = None) -> SupplyReport:
    """Read the Printer MIB of *target*; return the empty report when it cannot be read."""
    limit = POLL_TIMEOUT_S if limit_s is None else limit_s
    started = time.monotonic()
    try:
        async with asyncio.timeout(limit):
            tables = await async_walk(target, mib.WALKED)
    except TimeoutError:
        log.info("supplies of %s: no full answer within %.1f s", target.host, limit)
        return SupplyReport()
    except SuppliesError as exc:
        log.info("supplies of %s unknown: %s", target.host, exc)
        return SupplyReport()
    except Exception as exc:
        # pysnmp lets socket, resolver and decoder errors through; a poll never fails its caller
        # (a printer that answers nonsense still prints)
        log.warning("supplies of %s unknown: %s: %s", target.host, type(exc).__name__, exc)
        return SupplyReport()
    report = parse_report(vb for table in tables for vb in table)
    log.debug(
        "supplies of %s: %d supplies, %d alerts in %.3f s",
        target.host,
        len(report.supplies),
        len(report.alerts),
        time.monotonic() - started,
    )
    return report


def poll(target: SnmpTarget, *, limit_s: float | None = None) -> SupplyReport:
    """Run :func:`async_poll` to completion, for callers without an event loop (the job runner)."""
    return asyncio.run(async_poll(target, limit_s=limit_s))
