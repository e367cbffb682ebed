"""The device-ID set the driver ranking is measured on, and the cups-driverd oracle.

The set holds every distinct ``*1284DeviceID`` of the installed PPDs plus
realistic variants of each (as printers really report them): ``MFG:HP``
versus ``MFG:Hewlett-Packard``, MDL with and without "Series", the make
repeated in MDL, long ``MANUFACTURER:``/``MODEL:``/``COMMAND SET:`` keys,
CMD missing or listing the languages in another order, and extra spaces.
The make-and-model passed with each ID is what CUPS's backends derive from
it (``backendGetMakeModel()``).

cups-driverd offers nothing for many variants (it matches IDs literally),
so each case keeps the ID it varies: the agreement measure falls back to
cups-driverd's choice for that ID, the printer spelled as its PPD spells it.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from printerapp.deviceid import parse_device_id
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.programs import list_argv
from printerapp.ppd.respell import backend_make_model

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
        if "," in get["CMD"]:  # a printer seldom lists its languages as its PPD does
            other = ",".join(reversed(get["CMD"].split(",")))
            out.append(("other-cmd", _join(_map(fields, "CMD", lambda v: other))))
    out.append(("spaces", _join(((k, f" {v} ") for k, v in fields), sep="; ")))
    return out


@dataclass(frozen=True, slots=True)
class IdCase:
    """One device ID of the set: its variant label, make-and-model, and the ID it varies."""

    label: str
    device_id: str
    make_model: str
    #: the PPD's own ID this one is a variant of (itself for "as-is")
    base: str


def device_id_set(index: DriverIndex) -> list[IdCase]:
    """Return the whole set, without duplicates: a PPD's own ID is never a variant."""
    bases = sorted({r.device_id for r in index.records if r.device_id})
    seen: set[str] = set()
    out: list[IdCase] = []
    for base in bases:
        seen.add(base)
        out.append(IdCase("as-is", base, backend_make_model(parse_device_id(base)), base))
    for base in bases:
        for label, dev in variants(base)[1:]:
            if dev not in seen:
                seen.add(dev)
                out.append(IdCase(label, dev, backend_make_model(parse_device_id(dev)), base))
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
