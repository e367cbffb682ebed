"""Respell a device's ID the way the PPDs spell its model, for CUPS's ranking.

cups-driverd compares device IDs literally: ``MFG:HP`` never meets a PPD
saying ``MFG:Hewlett-Packard``, ``MODEL:`` never meets ``MDL:``, and
``MDL:LaserJet 2100`` never meets ``MDL:HP LaserJet 2100 Series``.  Real
printers spell themselves all these ways.  When CUPS's score finds nothing,
the device's model is looked up by :func:`~printerapp.deviceid.model_key`
among the PPDs' own device IDs, and the device's ID is rewritten with the
PPDs' ``MFG`` and ``MDL`` (short keys, no padding, the device's other fields
and order kept).  That ID is then ranked by CUPS's rules unchanged, so a
printer gets the driver CUPS would give it had it spelled its ID as the PPD
does, however it really spells it.

This module is pure: it reads the index, it does no I/O.
"""

from __future__ import annotations

from collections import Counter

from printerapp.deviceid import DeviceId, model_key, parse_device_id
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.ppdscan import normalize_make_and_model

__all__ = ["backend_make_model", "respell", "respellings"]

#: manufacturers CUPS's backends shorten before joining make and model
_BACKEND_MAKES = {"hewlett-packard": "HP", "lexmark international": "Lexmark"}


def backend_make_model(dev: DeviceId) -> str:
    """Return the make-and-model a CUPS backend reports for *dev* (``backendGetMakeModel``)."""
    make, model = dev.manufacturer, dev.model
    if model:
        if not make:
            return normalize_make_and_model(model)
        make = _BACKEND_MAKES.get(make.lower(), make)
        if model.lower().startswith(make.lower()):
            return normalize_make_and_model(model)
        return normalize_make_and_model(f"{make} {model}")
    if len(dev.description) >= 8:
        return normalize_make_and_model(dev.description)
    return "Unknown"


def respell(dev: DeviceId, make: str, model: str) -> str:
    """Return *dev* as an ID string with *make* as its ``MFG`` and *model* as its ``MDL``."""
    fields = []
    for key, value in dev.fields:
        if key == "MFG":
            value = make or value
        elif key == "MDL":
            value = model
        fields.append(f"{key}:{value};")
    if make and not dev.manufacturer:
        fields.insert(0, f"MFG:{make};")
    return "".join(fields)


def respellings(index: DriverIndex, dev: DeviceId) -> list[str]:
    """Return *dev* respelled as each PPD spelling of its model, the nearest first.

    Nearest means: the same ``MFG`` (ignoring case), then the same ``MDL``, then
    the spelling most PPDs use.  An ID already spelled as a PPD is left out,
    as CUPS has ranked it already.
    """
    if not dev.model:
        return []
    found = Counter[tuple[str, str]]()
    for rec in index.by_model(model_key, model_key(dev.manufacturer, dev.model)):
        ppd = parse_device_id(rec.device_id)
        found[(ppd.manufacturer, ppd.model)] += 1
    mfg, mdl = dev.manufacturer.lower(), dev.model.lower()

    def nearness(item: tuple[tuple[str, str], int]) -> tuple[bool, bool, int]:
        (make, model), count = item
        return make.lower() != mfg, model.lower() != mdl, -count

    out = []
    for (make, model), _count in sorted(found.items(), key=nearness):
        text = respell(dev, make, model)
        if text != dev.raw:
            out.append(text)
    return out
