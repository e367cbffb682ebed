"""IEEE-1284 device IDs: a pure, total parser and manufacturer normalisation.

A device ID is ``KEY:value;KEY:value;...`` as a printer reports it over USB,
SNMP or in mDNS TXT records.  Every ID comes from a device or the network and
is untrusted, so :func:`parse_device_id` accepts any string and never raises:
control characters are dropped, keys and values are bounded in length and in
number, and fragments without a colon are ignored (as CUPS does).

Keys are case-insensitive and printers use both the short and the long
spelling; both are stored under the short one (``MANUFACTURER`` -> ``MFG``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "MAX_FIELDS",
    "MAX_ID_LENGTH",
    "MAX_VALUE_LENGTH",
    "DeviceId",
    "make_and_model",
    "model_key",
    "normalize_manufacturer",
    "parse_device_id",
    "short_key",
]

#: the longest device ID we look at; USB allows 65535 bytes, real ones are < 1 kB
MAX_ID_LENGTH = 4096
#: the longest key or value we keep (longer ones are truncated)
MAX_VALUE_LENGTH = 1024
#: the most fields we keep
MAX_FIELDS = 64

_LONG_KEYS = {
    "MANUFACTURER": "MFG",
    "MODEL": "MDL",
    "COMMAND SET": "CMD",
    "COMMANDSET": "CMD",
    "DESCRIPTION": "DES",
    "SERIALNUMBER": "SN",
    "SERIAL NUMBER": "SN",
    "SERN": "SN",
    "CLASS": "CLS",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_SERIES = re.compile(r"\s+series$", re.IGNORECASE)
# "+" is kept: Kyocera's FS-1550 and FS-1550+ are different printers with different PPDs.
_NOT_MODEL = re.compile(r"[^a-z0-9+]+")


def short_key(key: str) -> str:
    """Return the short upper-case spelling of a device-ID key (``Model`` -> ``MDL``)."""
    upper = _clean(key).upper()
    return _LONG_KEYS.get(upper, upper)


def _clean(text: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()[:MAX_VALUE_LENGTH]


@dataclass(frozen=True, slots=True)
class DeviceId:
    """A parsed device ID: its fields in order, under their short keys."""

    #: the string as received, truncated to MAX_ID_LENGTH and without control characters
    raw: str
    #: (KEY, value) pairs; KEY is upper-case and short (``MFG``, ``MDL``, ``CMD``...)
    fields: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str:
        """Return the value of *key* (short or long spelling), or ``""``."""
        wanted = _LONG_KEYS.get(key.upper(), key.upper())
        return next((v for k, v in self.fields if k == wanted), "")

    @property
    def manufacturer(self) -> str:
        """The ``MFG`` field."""
        return self.get("MFG")

    @property
    def model(self) -> str:
        """The ``MDL`` field."""
        return self.get("MDL")

    @property
    def command_set(self) -> tuple[str, ...]:
        """The page description languages of ``CMD``, in the device's order."""
        return tuple(c for c in (_clean(p) for p in self.get("CMD").split(",")) if c)

    @property
    def description(self) -> str:
        """The ``DES`` field."""
        return self.get("DES")

    @property
    def serial(self) -> str:
        """The serial number (``SN``, ``SERN`` or ``SERIALNUMBER``)."""
        return self.get("SN")

    @property
    def make_and_model(self) -> str:
        """Return "make model" as CUPS shows it, without the make twice."""
        return make_and_model(self.manufacturer, self.model) or self.description

    def __bool__(self) -> bool:
        return bool(self.fields)

    def __str__(self) -> str:
        return "".join(f"{k}:{v};" for k, v in self.fields)


def parse_device_id(text: str) -> DeviceId:
    """Parse a device ID; any input gives a result, never an exception."""
    raw = _CONTROL.sub("", text[:MAX_ID_LENGTH])
    fields: list[tuple[str, str]] = []
    seen: set[str] = set()
    for part in raw.split(";"):
        key, colon, value = part.partition(":")
        key = short_key(key)
        if not colon or not key:
            continue
        # The first spelling wins, as a printer's duplicate key is a firmware bug.
        if key in seen:
            continue
        seen.add(key)
        fields.append((key, _clean(value)))
        if len(fields) >= MAX_FIELDS:
            break
    return DeviceId(raw, tuple(fields))


# (lower-case prefix, canonical name); the first match wins, so longer names come first.
_MAKES: tuple[tuple[str, str], ...] = (
    ("hewlett-packard", "HP"),
    ("hewlett packard", "HP"),
    ("hp", "HP"),
    ("kyocera mita", "Kyocera"),
    ("kyocera", "Kyocera"),
    ("lexmark international", "Lexmark"),
    ("konica minolta", "Konica Minolta"),
    ("konica-minolta", "Konica Minolta"),
    ("minolta-qms", "Minolta"),
    ("seiko epson", "Epson"),
    ("epson", "Epson"),
    ("oki data corp", "Oki"),
    ("okidata", "Oki"),
    ("oki data", "Oki"),
    ("oki", "Oki"),
    ("fuji xerox", "Fuji Xerox"),
    ("fujifilm", "Fujifilm"),
    ("toshiba tec", "Toshiba"),
    ("zebra technologies", "Zebra"),
    ("eastman kodak", "Kodak"),
    ("samsung electronics", "Samsung"),
    ("brother industries", "Brother"),
    ("canon inc", "Canon"),
    ("ricoh company", "Ricoh"),
    ("sharp corporation", "Sharp"),
)


def _known_make(clean: str) -> str:
    """Return the canonical make that *clean* starts with, or "" when it names none."""
    lower = clean.lower()
    for prefix, canonical in _MAKES:
        # a whole word only: "HPC" is not HP, "Okidata" is matched by its own entry
        if lower == prefix or lower.startswith((prefix + " ", prefix + ",", prefix + ".")):
            return canonical
    return ""


def normalize_manufacturer(name: str) -> str:
    """Return the canonical manufacturer name: ``Hewlett-Packard`` -> ``HP``."""
    clean = _clean(name)
    return _known_make(clean) or clean


def make_and_model(make: str, model: str) -> str:
    """Join make and model as CUPS does, dropping a make the model already starts with."""
    make, model = _clean(make), _clean(model)
    if not model:
        return make
    if not make:
        return model
    canonical = normalize_manufacturer(make)
    model_make = normalize_manufacturer(model.split(" ", 1)[0])
    if model.lower().startswith(make.lower()) or model_make == canonical:
        return model
    return f"{make} {model}"


def model_key(manufacturer: str, model: str) -> tuple[str, str]:
    """Return (make, model) folded so that two spellings of one printer compare equal.

    ``Hewlett-Packard``/``HP LaserJet 2100 Series`` and ``HP``/``LaserJet 2100``
    give the same key: the make is normalised, any spelling of the make at the
    start of the model is dropped (twice at most: "Hewlett-Packard HP ..."),
    and a trailing "Series", case, spaces and punctuation other than ``+`` are
    ignored.  Without a manufacturer, a known make starting the model is used.
    """
    make = normalize_manufacturer(manufacturer)
    text = _SERIES.sub("", _clean(model))
    if not make:
        make = _known_make(text)  # no MFG, but the model starts with a known make
    spellings = {_clean(manufacturer).lower(), make.lower()}
    spellings.update(prefix for prefix, canonical in _MAKES if canonical == make)
    prefixes = sorted((p for p in spellings if p), key=len, reverse=True)
    for _ in range(2):
        lower = text.lower()
        prefix = next((p for p in prefixes if lower.startswith(p + " ")), "")
        if not prefix:
            break
        text = text[len(prefix) + 1 :]
    return make.lower(), _NOT_MODEL.sub("", text.lower())
