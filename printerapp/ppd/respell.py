"""Respell a device's ID the way the PPDs spell its model, for CUPS's ranking.

cups-driverd compares device IDs literally: ``MFG:HP`` never meets a PPD
saying ``MFG:Hewlett-Packard``, ``MODEL:`` never meets ``MDL:``, and
``MDL:LaserJet 2100`` never meets ``MDL:HP LaserJet 2100 Series``.  Real
printers spell themselves all these ways.  When CUPS's score finds nothing,
the device's model is looked up by :func:`~printerapp.deviceid.model_key`
among the PPDs' own device IDs (``DriverIndex.same_model``), and the
device's ID is rewritten with the PPDs' ``MFG`` and ``MDL`` and their key
names (``Model:`` where a PPD says so), without padding, the device's other
fields and their order kept.  That ID is then ranked by CUPS's rules
unchanged, so a printer gets the driver CUPS would give it had it spelled
its ID as the PPD does, however it really spells it.

This module is pure: it reads records, it does no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from printerapp.deviceid import DeviceId, parse_device_id, short_key
from printerapp.ppd.ppdscan import normalize_make_and_model
from printerapp.ppd.records import DriverRecord

__all__ = ["Spelling", "backend_make_model", "respell", "respellings"]

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


@dataclass(frozen=True, slots=True)
class Spelling:
    """How the PPDs of one model write its ID: the key names and the make and model."""

    make: str
    model: str
    #: short key -> the key as the PPD writes it (``MDL`` -> ``Model``)
    keys: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, device_id: str) -> Spelling:
        """Return the spelling of a device ID (a PPD's ``*1284DeviceID``)."""
        raw = _raw_fields(parse_device_id(device_id))
        make, model = raw.get("MFG", ("", ""))[1], raw.get("MDL", ("", ""))[1]
        return cls(make, model, tuple(sorted((k, v[0]) for k, v in raw.items())))

    def __str__(self) -> str:
        keys = dict(self.keys)
        return f"{keys.get('MFG', 'MFG')}:{self.make};{keys.get('MDL', 'MDL')}:{self.model}"


def _raw_fields(dev: DeviceId) -> dict[str, tuple[str, str]]:
    """Return short key -> (key, value) as *dev* writes them, the first of each key.

    The values keep their inner spaces: CUPS matches ``PagePro   6e`` literally.
    """
    fields: dict[str, tuple[str, str]] = {}
    for part in dev.raw.split(";"):
        key, colon, value = part.partition(":")
        if colon and key.strip():
            fields.setdefault(short_key(key), (key.strip(), value.strip()))
    return fields


def respell(dev: DeviceId, spelling: Spelling) -> str:
    """Return *dev* as an ID string written the way *spelling* writes its model."""
    keys = dict(spelling.keys)
    fields = []
    for key, value in dev.fields:
        if key == "MFG":
            value = spelling.make or value
        elif key == "MDL":
            value = spelling.model
        fields.append(f"{keys.get(key, key)}:{value};")
    if spelling.make and not dev.manufacturer:
        fields.insert(0, f"{keys.get('MFG', 'MFG')}:{spelling.make};")
    return "".join(fields)


def respellings(same_model: Iterable[DriverRecord], dev: DeviceId) -> list[tuple[Spelling, str]]:
    """Return (spelling, *dev* respelled) for each spelling of *same_model*, nearest first.

    *same_model* are the PPDs of the device's model (``DriverIndex.same_model``).

    Nearest means: the same ``MFG`` (ignoring case), then the same ``MDL``, then
    the most key names written as the device writes them, then the spelling
    most PPDs use.  An ID already spelled as a PPD is left out, as CUPS has
    ranked it already.
    """
    found = Counter(Spelling.of(rec.device_id) for rec in same_model)
    mfg, mdl = dev.manufacturer.lower(), dev.model.lower()
    own_keys = {(k, v[0].lower()) for k, v in _raw_fields(dev).items()}

    def nearness(item: tuple[Spelling, int]) -> tuple[bool, bool, int, int]:
        spelling, count = item
        same_keys = sum(1 for k, v in spelling.keys if (k, v.lower()) in own_keys)
        return spelling.make.lower() != mfg, spelling.model.lower() != mdl, -same_keys, -count

    out: list[tuple[Spelling, str]] = []
    for spelling, _count in sorted(found.items(), key=nearness):
        text = respell(dev, spelling)
        if text != dev.raw and all(text != seen for _s, seen in out):
            out.append((spelling, text))
    return out
