"""The device-ID set the driver ranking is measured on, and the cups-driverd oracle.

The set holds every distinct ``*1284DeviceID`` of the installed PPDs plus
realistic variants of each (as printers really report them): ``MFG:HP``
versus ``MFG:Hewlett-Packard``, MDL with and without "Series", the make
repeated in MDL, long ``MANUFACTURER:``/``MODEL:``/``COMMAND SET:`` keys,
CMD missing, and extra spaces.  The make-and-model passed with each ID is
what CUPS's backends derive from it (``backendGetMakeModel()``).
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterable
from pathlib import Path

from printerapp.ppd.index import DriverIndex
from printerapp.ppd.ppdscan import normalize_make_and_model
from printerapp.ppd.programs import list_argv

CUPS_DRIVERD = "/usr/lib/cups/daemon/cups-driverd"
ORACLE_OPTIONS = "exclude-schemes=driverless,driverless-fax"
_LONG = {"MFG": "MANUFACTURER", "MDL": "MODEL", "CMD": "COMMAND SET"}


def _fields(device_id: str) -> list[tuple[str, str]]:
    out = []
    for part in device_id.split(";"):
        key, colon, value = part.partition(":")
        if colon:
            out.append((key.strip(), value.strip()))
    return out


def _join(fields: Iterable[tuple[str, str]], sep: str = ";") -> str:
    return "".join(f"{k}:{v}{sep}" for k, v in fields)


def _map(fields: list[tuple[str, str]], key: str, fn: object) -> list[tuple[str, str]]:
    return [(k, fn(v) if k.upper() == key else v) for k, v in fields]  # type: ignore[operator]


def variants(device_id: str) -> list[tuple[str, str]]:
    """Return (label, device ID) for the ID itself and each realistic variant of it."""
    fields = _fields(device_id)
    get = dict((k.upper(), v) for k, v in fields)
    mfg, mdl = get.get("MFG", ""), get.get("MDL", "")
    out = [("as-is", device_id)]
    if mfg.lower() in {"hp", "hewlett-packard"}:
        swap = "HP" if mfg.lower() != "hp" else "Hewlett-Packard"
        out.append(("hp-spelling", _join(_map(fields, "MFG", lambda v: swap))))
    if mdl:
        if mdl.lower().endswith(" series"):
            out.append(("no-series", _join(_map(fields, "MDL", lambda v: v[:-7]))))
        else:
            out.append(("series", _join(_map(fields, "MDL", lambda v: v + " Series"))))
        if mfg and mdl.lower().startswith(mfg.lower() + " "):
            out.append(("make-once", _join(_map(fields, "MDL", lambda v: v[len(mfg) + 1 :]))))
        elif mfg:
            out.append(("make-twice", _join(_map(fields, "MDL", lambda v: f"{mfg} {v}"))))
    out.append(("long-keys", _join((_LONG.get(k.upper(), k), v) for k, v in fields)))
    if "CMD" in get:
        out.append(("no-cmd", _join((k, v) for k, v in fields if k.upper() != "CMD")))
    out.append(("spaces", _join(((k, f" {v} ") for k, v in fields), sep="; ")))
    return out


def backend_make_model(device_id: str) -> str:
    """Return the make-and-model a CUPS backend reports for *device_id*."""
    get = {k.upper(): v for k, v in _fields(device_id)}
    mdl = get.get("MODEL") or get.get("MDL")
    mfg = get.get("MANUFACTURER") or get.get("MFG")
    if mdl:
        text = mdl if not mfg or mdl.lower().startswith(mfg.lower()) else f"{mfg} {mdl}"
        return normalize_make_and_model(text)
    des = get.get("DESCRIPTION") or get.get("DES") or ""
    return normalize_make_and_model(des) if len(des) >= 8 else "Unknown"


def device_id_set(index: DriverIndex) -> list[tuple[str, str, str]]:
    """Return (label, device ID, make-and-model) for the whole set, without duplicates."""
    seen: set[str] = set()
    out: list[tuple[str, str, str]] = []
    for base in sorted({r.device_id for r in index.records if r.device_id}):
        for label, dev in variants(base):
            if dev not in seen:
                seen.add(dev)
                out.append((label, dev, backend_make_model(dev)))
    return out


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def oracle_argv(device_id: str, make_model: str, limit: int = 1) -> list[str]:
    """Return the cups-driverd argv for one query."""
    opts = f"ppd-device-id={_quote(device_id)} ppd-make-and-model={_quote(make_model)}"
    return [CUPS_DRIVERD, "list", "0", str(limit), f"{opts} {ORACLE_OPTIONS}"]


def oracle(device_id: str, make_model: str, env: dict[str, str] | None = None) -> str | None:
    """Return the ppd-name cups-driverd ranks first, or None."""
    out = subprocess.run(
        oracle_argv(device_id, make_model),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    ).stdout
    first = out.splitlines()[0] if out.strip() else ""
    return first.split(" (", 1)[0] if first else None


def replay_serverbin(dest: Path, driver_dir: Path, exclude: tuple[str, ...]) -> Path:
    """Make a CUPS_SERVERBIN whose driver programs replay the real ones' ``list`` output.

    cups-driverd runs every driver program on every query (0.2 s for
    foomatic); replaying the same output keeps its answers and makes the
    whole-set comparison affordable.
    """
    (dest / "driver").mkdir(parents=True, exist_ok=True)
    dest.chmod(0o755)
    (dest / "driver").chmod(0o755)
    for prog in sorted(driver_dir.iterdir()):
        if prog.name in exclude or not os.access(prog, os.X_OK):
            continue
        listing = dest / f"{prog.name}.list"
        listing.write_bytes(
            subprocess.run(list_argv(prog), capture_output=True, check=False, timeout=60).stdout
        )
        listing.chmod(0o644)
        wrapper = dest / "driver" / prog.name
        wrapper.write_text(f"#!/bin/sh\nexec /bin/cat {listing}\n")
        wrapper.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    return dest
