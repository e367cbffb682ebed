"""The SNMP edge: walk subtrees of one agent with pysnmp; the only module importing it.

SNMPv1 walks with GETNEXT (what CUPS's backends use, and what every printer
answers); SNMPv2c with GETBULK, which needs far fewer round trips.  The walk
loop is ours, not pysnmp's walk generators: those resolve the start OID
through pysnmp's MIB machinery (building a MIB compiler, about a second per
poll, writing under ``~/.pysnmp``) and repeat a request forever while the
agent stays silent.  Here a walk stops at its first error, at the end of its
subtree, at an OID that does not increase, and after :data:`MAX_CALLS`.
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
#: requests one subtree walk may send (a v1 walk of 32 supplies takes 257);
#: an agent that never ends its table is cut off there
MAX_CALLS = 512

log = logging.getLogger(__name__)

_INTEGER = (0, 0, 2)  # INTEGER / Integer32
_UNSIGNED = (64, 0, 2)  # Gauge32 / Unsigned32
_OCTETS = (0, 0, 4)
_CONTEXT_CLASS = 128  # the tag class of SNMPv2's exception values (endOfMibView...)


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


def _ended(root: Oid, last: Oid, oid: Oid, raw: Any) -> bool:
    """Return whether the walk of *root* is over at *oid*; raise on an agent going backwards."""
    tags = getattr(raw, "tagSet", None)
    if oid[: len(root)] != root or (tags and tags[0][0] == _CONTEXT_CLASS):
        return True  # left the subtree, or endOfMibView / noSuchObject
    if oid <= last:
        raise SuppliesError(f"SNMP agent answered {oid} after {last}: not increasing")
    return False


async def _request(dispatcher: Any, target: SnmpTarget, transport: Any, last: Oid) -> list[Any]:
    """Send one GETNEXT (v1) or GETBULK (v2c) after *last*; return its varbinds."""
    from pyasn1.type.univ import Null
    from pysnmp.hlapi.v1arch import asyncio as hl
    from pysnmp.proto.rfc1902 import ObjectName

    # a plain (name, value) pair, not an ObjectType: pysnmp then loads no MIB (and no MIB compiler)
    start = (ObjectName(last), Null(""))
    # Printers' agents offer v1/v2c with a read-only community; the Printer MIB is not secret
    if target.version == "1":
        auth = hl.CommunityData(target.community, mpModel=0)  # noqa: S508
        answer = await hl.next_cmd(dispatcher, auth, transport, start, lookupMib=False)
    else:
        auth = hl.CommunityData(target.community, mpModel=1)  # noqa: S508
        answer = await hl.bulk_cmd(
            dispatcher, auth, transport, 0, BULK_REPETITIONS, start, lookupMib=False
        )
    indication, status, _index, varbinds = answer
    if indication:
        raise SuppliesError(f"SNMP {target.host}:{target.port}: {indication}")
    return [] if status else list(varbinds)  # noSuchName past the end (v1), or a refusal


async def _walk_one(
    dispatcher: Any, target: SnmpTarget, transport: Any, root: Oid
) -> list[Varbind]:
    found: list[Varbind] = []
    last = root
    for _ in range(MAX_CALLS):
        varbinds = await _request(dispatcher, target, transport, last)
        if not varbinds:
            return found
        for name, raw in varbinds:
            oid = _oid(name)
            if _ended(root, last, oid, raw):
                return found
            found.append((oid, _value(raw)))
            last = oid
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
