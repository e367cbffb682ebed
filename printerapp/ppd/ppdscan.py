"""Turn one PPD file into a :class:`DriverRecord`, the way cups-driverd's ``load_ppd()`` does.

cups-driverd derives what it matches on from a few header keywords:

* make-and-model: the ``*NickName`` (else ``*ModelName``), prefixed with the
  ``*Manufacturer`` unless it already starts with it, then normalised
  (``Hewlett-Packard`` -> ``HP``, parentheses dropped, ...);
* make: ``*Manufacturer`` (``Hewlett...`` -> ``HP``, ``linotype`` -> ``LHAG``),
  or the first word of the make-and-model when it is missing or ``ESP``;
* the device ID: ``*1284DeviceID``, given a trailing ``;``.

A file without a NickName/ModelName, a ``*Product`` or a ``*PSVersion`` is
skipped by CUPS; here it raises :class:`PPDError` naming the missing keys.
Text is decoded as the ``*LanguageEncoding`` says (ISO Latin-1 by default);
a file that declares UTF-8 but is not is refused as broken encoding.
"""

from __future__ import annotations

import re
from pathlib import Path

from printerapp.errors import PPDError
from printerapp.ppd.ppdfile import parse_ppd, read_ppd_bytes
from printerapp.ppd.records import DEVICE_ID_MAX, MAKE_AND_MODEL_MAX, DriverRecord

__all__ = [
    "decode_ppd",
    "normalize_make_and_model",
    "record_from_ppd_text",
    "scan_ppd_file",
]

_ENCODINGS = {
    "isolatin1": "latin-1",
    "isolatin2": "iso8859-2",
    "isolatin5": "iso8859-9",
    "windowsansi": "cp1252",
    "jis83-rksj": "shift_jis",
    "utf-8": "utf-8",
    "utf8": "utf-8",
}
_LANG_ENCODING = re.compile(rb"^\*LanguageEncoding:\s*(\S+)", re.MULTILINE)
# (lower-case prefix, replacement of the whole string's head): _ppdNormalizeMakeAndModel()
_PREFIX_MAKES = (
    ("xprint", "Xerox "),
    ("colorpoint", "Seiko "),
    ("fiery", "EFI "),
    ("ps ", "Canon "),
    ("colorpass", "Canon "),
    ("primera", "Fargo "),
    ("designjet", "HP "),
    ("deskjet", "HP "),
)


def decode_ppd(data: bytes, path: str) -> str:
    """Decode PPD bytes with their declared encoding; raise PPDError on broken text."""
    if b"\x00" in data[:65536]:
        raise PPDError(f"{path}: not a PPD file (binary data)")
    declared = _LANG_ENCODING.search(data[:65536])
    name = declared[1].decode("ascii", "replace").lower() if declared else "isolatin1"
    encoding = _ENCODINGS.get(name, "latin-1")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise PPDError(f"{path}: broken {encoding} encoding at byte {exc.start}") from exc


def normalize_make_and_model(text: str) -> str:
    """Clean a make-and-model string as CUPS's ``_ppdNormalizeMakeAndModel()`` does."""
    text = text.lstrip()
    lower = text.lower()
    if text.startswith("("):
        text = text[1:]
        if (close := text.rfind(")")) >= 0:
            text = text[:close]
    elif lower.startswith("eastman"):
        text = "Kodak " + text[7:]
    elif lower.startswith("laserwriter"):
        text = "Apple LaserWriter" + text[11:]
    else:
        text = next((new + text for old, new in _PREFIX_MAKES if lower.startswith(old)), text)
    lower = text.lower()
    if lower.startswith("agfa"):
        text = "AGFA" + text[4:]
    elif lower.startswith("hewlett-packard hp "):
        text = "HP" + text[18:]
    elif lower.startswith("hewlett-packard "):
        text = "HP" + text[15:]
    elif lower.startswith("lexmark international"):
        text = "Lexmark" + text[21:]
    elif lower.startswith("herk"):
        text = "LHAG" + text[4:]
    elif lower.startswith("linotype"):
        text = "LHAG" + text[8:]
    return text.rstrip()


def _ppd_make(manufacturer: str, make_model: str) -> str:
    if not manufacturer or manufacturer == "ESP":
        head = re.split(r"[ /-]", make_model, maxsplit=1)[0]
        return head if head and head != make_model else "Other"
    lower = manufacturer.lower()
    if lower.startswith(("lhag", "linotype")):
        return "LHAG"
    return "HP" if lower.startswith("hewlett") else manufacturer


def record_from_ppd_text(text: str, path: str, name: str, kind: str = "file") -> DriverRecord:
    """Build the record of a PPD whose text is *text*; raise PPDError on missing keys.

    *kind* is ``file``, or ``drv`` for a PPD compiled from the ``.drv`` file *path*.
    """
    header = parse_ppd(text, path)
    products = [ln.value for ln in header.values("Product") if ln.value.startswith("(")]
    psversions = header.values("PSVersion")
    make_model = (header.nickname or header.model_name or "").lstrip()
    missing = [
        key
        for key, ok in (
            ("NickName/ModelName", make_model),
            ("Product", products),
            ("PSVersion", psversions),
        )
        if not ok
    ]
    if missing:
        raise PPDError(f"{path}: missing {', '.join(missing)}")
    manufacturer = (header.manufacturer or "").lstrip()
    if not make_model.lower().startswith(manufacturer.lower()):
        make_model = f"{manufacturer} {make_model}"
    make_model = normalize_make_and_model(make_model)
    device_id = (header.device_id or "")[:DEVICE_ID_MAX]
    if device_id and not device_id.endswith(";"):
        device_id += ";"
    return DriverRecord.create(
        name=name,
        kind=kind,
        path=path,
        scheme=kind,
        make=_ppd_make(manufacturer, make_model),
        make_and_model=make_model[:MAKE_AND_MODEL_MAX],
        nickname=header.nickname or make_model,
        device_id=device_id,
        color=header.color_device,
        product=products[0][1:].rstrip(")"),
        psversion=psversions[0].value,
    )


def scan_ppd_file(path: Path, name: str) -> DriverRecord:
    """Read the PPD file at *path* (plain or .gz) into a record; raise PPDError when bad."""
    return record_from_ppd_text(decode_ppd(read_ppd_bytes(path), str(path)), str(path), name)
