"""After a job: poll the printer it went to and tell ippeveprinter (``ATTR:``, ``STATE:``).

The job runner calls :func:`job_status_lines` while the printer is still
powered (the job just printed on it), so the poll never wakes a printer.
Only network printers are polled (their device URI names the host); a USB
printer's backend reports its own ``ATTR:`` lines during the job.  The poll
is short and never fails: a printer without SNMP costs the job at most
:data:`JOB_POLL_LIMIT_S` and changes nothing.

Environment (as the queue's ippeveprinter passes it on):

* ``DEVICE_URI`` -- where the job went;
* ``PRINTERAPP_SNMP`` -- ``off`` to never poll;
* ``PRINTERAPP_SNMP_COMMUNITY`` (default ``public``), ``PRINTERAPP_SNMP_PORT``
  (161), ``PRINTERAPP_SNMP_VERSION`` (``2c``; ``1`` for old agents).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from printerapp.errors import SuppliesError
from printerapp.supplies.ippattrs import attr_lines, state_lines
from printerapp.supplies.poller import poll, target_for_uri
from printerapp.supplies.snmp import SnmpTarget

__all__ = ["JOB_POLL_LIMIT_S", "job_status_lines", "job_target"]

log = logging.getLogger(__name__)

#: the longest a job waits for its printer's supplies after printing
JOB_POLL_LIMIT_S = 3.0


def job_target(env: Mapping[str, str]) -> SnmpTarget | None:
    """Return the SNMP target of the job's printer, or None when it is not to be polled."""
    if env.get("PRINTERAPP_SNMP", "").strip().lower() in ("off", "no", "false", "0"):
        return None
    try:
        port = int(env.get("PRINTERAPP_SNMP_PORT") or 161)
        return target_for_uri(
            env.get("DEVICE_URI"),
            community=env.get("PRINTERAPP_SNMP_COMMUNITY") or "public",
            port=port,
            version=env.get("PRINTERAPP_SNMP_VERSION") or "2c",
        )
    except (ValueError, SuppliesError) as exc:
        log.warning("not polling supplies: %s", exc)
        return None


def job_status_lines(env: Mapping[str, str]) -> list[str]:
    """Return the ATTR: and STATE: lines for the job's printer (none when unknown or not polled)."""
    target = job_target(env)
    if target is None:
        return []
    report = poll(target, limit_s=JOB_POLL_LIMIT_S)
    return attr_lines(report) + state_lines(report)
