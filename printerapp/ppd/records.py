"""The frozen records of the driver database: one PPD, one ranked candidate."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from printerapp.deviceid import normalize_manufacturer, parse_device_id
from printerapp.ppd.listline import ListEntry
from printerapp.ppd.needtable import record_needs

__all__ = [
    "DriverRecord",
    "ascii_fold",
    "record_from_list_entry",
]

_RECOMMENDED = " (recommended)"
#: foomatic's DRV field: ``DRV:Dpxlmono,R1,M0,C1,...`` (R = recommended, C = colour)
_DRV_FLAG = re.compile(r"(?:^|,)([RC])([01])(?=,|$)")
#: PPDs that drive a whole class of printers, offered when no model matches
_GENERIC = re.compile(r"\bgeneric\b", re.IGNORECASE)
# cups-driverd's record buffers (size - 1): what it compares is cut to these lengths
MAKE_MAX = 127
MAKE_AND_MODEL_MAX = 127
DEVICE_ID_MAX = 255


@dataclass(frozen=True, slots=True)
class DriverRecord:
    """One PPD the database knows, from a PPD file or a driver program."""

    #: the ``ppd-name`` CUPS gives it (``lsb/usr/...``, ``gutenprint.5.3://...``)
    name: str
    #: ``file`` for a PPD file, ``driver`` for a driver program's PPD
    kind: str
    #: the file, or the driver program that generates it
    path: str
    #: the scheme cups-driverd filters on: ``file`` or the program's name
    scheme: str
    #: ``ppd-make`` as cups-driverd records it
    make: str
    #: ``ppd-make-and-model`` as cups-driverd records it (NickName, make prefixed)
    make_and_model: str
    #: the NickName as written, ``(recommended)`` included
    nickname: str
    #: the PPD's 1284 device ID string (cups-driverd matches against it verbatim)
    device_id: str = ""
    languages: tuple[str, ...] = ("en",)
    #: normalised manufacturer (``HP`` for ``Hewlett-Packard``)
    manufacturer: str = ""
    #: ``MDL`` of the device ID, else the make-and-model without the make
    model: str = ""
    #: the page description languages of ``CMD``, upper-case
    command_set: tuple[str, ...] = ()
    #: True/False when the PPD says so, None when unknown
    color: bool | None = None
    recommended: bool = False
    generic: bool = False
    product: str = ""
    psversion: str = ""
    ppd_type: str = "postscript"
    #: what the driver needs besides free software ("" when nothing)
    needs: str = ""
    #: lower-case forms used by the matcher, computed once
    key_make_model: str = field(default="", repr=False, compare=False)
    key_device_id: str = field(default="", repr=False, compare=False)

    @classmethod
    def create(cls, **kwargs: object) -> DriverRecord:
        """Build a record, filling in the derived fields."""
        rec = cls(**kwargs)  # type: ignore[arg-type]
        dev = parse_device_id(rec.device_id)
        make = normalize_manufacturer(dev.manufacturer or rec.make)
        model = dev.model or _strip_make(rec.make_and_model, rec.make)
        drv = dict(_DRV_FLAG.findall(dev.get("DRV")))
        color = rec.color if rec.color is not None else _flag(drv.get("C"))
        return _replace(
            rec,
            manufacturer=make,
            model=model,
            command_set=tuple(c.upper() for c in dev.command_set),
            color=color,
            recommended=_RECOMMENDED in rec.nickname or drv.get("R") == "1",
            generic=make.lower() == "generic" or bool(_GENERIC.search(rec.nickname)),
            needs=rec.needs or record_needs(rec.nickname, rec.make_and_model),
            key_make_model=ascii_fold(rec.make_and_model),
            key_device_id=ascii_fold(rec.device_id),
        )


def _replace(rec: DriverRecord, **changes: object) -> DriverRecord:
    values = {name: getattr(rec, name) for name in DriverRecord.__slots__}
    values.update(changes)
    return DriverRecord(**values)


def _flag(value: str | None) -> bool | None:
    return None if value is None else value == "1"


def _strip_make(make_and_model: str, make: str) -> str:
    if make and make_and_model.lower().startswith(make.lower() + " "):
        return make_and_model[len(make) + 1 :]
    return make_and_model


_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters only, as CUPS's case-insensitive compares do in the C locale."""
    return text.translate(_FOLD)


def record_from_list_entry(entry: ListEntry, program: str, scheme: str) -> DriverRecord:
    """Turn one driver-program ``list`` line into a record, as cups-driverd stores it."""
    return DriverRecord.create(
        name=entry.name,
        kind="driver",
        path=program,
        scheme=scheme,
        make=entry.make[:MAKE_MAX],
        make_and_model=entry.make_and_model[:MAKE_AND_MODEL_MAX],
        nickname=entry.make_and_model,
        device_id=entry.device_id[:DEVICE_ID_MAX],
        languages=entry.languages,
        product=entry.product,
        psversion=entry.psversion,
        ppd_type=entry.ppd_type,
    )
