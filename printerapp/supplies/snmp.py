"""The SNMP edge: walk subtrees of one agent with pysnmp; the only module importing it.

SNMPv1 walks with GETNEXT (what CUPS's backends use, and what every printer
answers); SNMPv2c with GETBULK, which needs far fewer round trips.  pysnmp's
walk generators repeat a request forever while the agent stays silent, so
every walk here stops at its first error and is bounded in calls.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from printerapp.errors import SuppliesError
from printerapp.supplies.mib import Oid
from printerapp.supplies.parse import Value, Varbind

__all__ = [
    "BULK_REPETITIONS",
    "MAX_CALLS",
    "REQUEST_RETRIES",
    "REQUEST_TIMEOUT_S",
    "SnmpTarget",
    "async_walk",
]

#: seconds one request waits for its answer, and how often it is re-sent
REQUEST_TIMEOUT_S = 1.0
REQUEST_RETRIES = 1
#: rows one GETBULK asks for
BULK_REPETITIONS = 25
#: requests one subtree walk may send: an agent that never ends its table is cut off
MAX_CALLS = 200

log = logging.getLogger(__name__)

_INTEGER = (0, 0, 2)  # INTEGER / Integer32
_UNSIGNED = (64, 0, 2)  # Gauge32 / Unsigned32
_OCTETS = (0, 0, 4)


@dataclass(frozen=True, slots=True)
class SnmpTarget:
    """Where and how to ask: one printer's agent."""

    host: str
    port: int = 161
    community: str = "public"
    #: "1" (GETNEXT walks) or "2c" (GETBULK walks)
    version: str = "2c"

    def __post_init__(self) -> None:
        if self.version not in ("1", "2c"):
            raise SuppliesError(f"SNMP version {self.version!r} is not 1 or 2c")
        if not 0 < self.port < 65536:
            raise SuppliesError(f"SNMP port {self.port} is out of range")


def _value(raw: Any) -> Value:
    """Return an INTEGER as int and an OCTET STRING as bytes; any other type as None."""
    tags = getattr(raw, "tagSet", None)
    base = tuple(tags[0]) if tags else None
    if base in (_INTEGER, _UNSIGNED):
        return int(raw)
    if base == _OCTETS:
        return bytes(raw.asOctets())
    return None


def _oid(name: Any) -> Oid:
    return tuple(int(part) for part in name)


async def _walk_one(
    dispatcher: Any, target: SnmpTarget, transport: Any, root: Oid
) -> list[Varbind]:
    from pysnmp.hlapi.v1arch import asyncio as hl

    auth = hl.CommunityData(target.community, mpModel=0 if target.version == "1" else 1)
    start = hl.ObjectType(hl.ObjectIdentity(".".join(map(str, root))))
    options = {"lexicographicMode": False, "lookupMib": False, "maxCalls": MAX_CALLS}
    if target.version == "1":
        walk = hl.walk_cmd(dispatcher, auth, transport, start, **options)
    else:
        walk = hl.bulk_walk_cmd(dispatcher, auth, transport, 0, BULK_REPETITIONS, start, **options)
    found: list[Varbind] = []
    async for indication, status, _index, varbinds in walk:
        if indication:
            await walk.aclose()
            raise SuppliesError(f"SNMP {target.host}:{target.port}: {indication}")
        if status:  # noSuchName past the end (SNMPv1), or the agent refuses the table
            break
        found.extend((_oid(name), _value(value)) for name, value in varbinds)
    return found


async def _walk_all(
    dispatcher: Any, target: SnmpTarget, transport: Any, roots: Sequence[Oid]
) -> list[list[Varbind]]:
    walked: list[list[Varbind]] = []
    for root in roots:
        try:
            walked.append(await _walk_one(dispatcher, target, transport, root))
        except SuppliesError:
            if not any(walked):
                raise
            # the agent answered before: keep what it said, the rest is unknown
            log.info(
                "SNMP %s:%s stopped answering; keeping the tables read", target.host, target.port
            )
            walked.extend([] for _ in roots[len(walked) :])
            break
    return walked


async def async_walk(target: SnmpTarget, roots: Sequence[Oid]) -> list[list[Varbind]]:
    """Walk each subtree of *roots* in turn; return the varbinds per root.

    Raise SuppliesError when the agent cannot be reached or never answers.
    """
    from pysnmp.error import PySnmpError
    from pysnmp.hlapi.v1arch import asyncio as hl

    dispatcher = hl.SnmpDispatcher()
    try:
        transport = await hl.UdpTransportTarget.create(
            (target.host, target.port), timeout=REQUEST_TIMEOUT_S, retries=REQUEST_RETRIES
        )
        return await _walk_all(dispatcher, target, transport, roots)
    except PySnmpError as exc:
        raise SuppliesError(f"SNMP {target.host}:{target.port}: {exc}") from exc
    finally:
        dispatcher.transport_dispatcher.close_dispatcher()
