"""The TXT record of an IPP queue, as AirPrint, Mopria and IPP Everywhere clients read it (pure).

Keys follow the Bonjour Printing Specification and PWG 5100.14: what a
queue can do comes from its own Get-Printer-Attributes answer, so the
record never promises more than the queue accepts.  ``mopria-certified``
is left out: we do not run Mopria's checks.  ``TLS`` is left out: queues
are announced as plain ``_ipp._tcp``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["TXT_ATTRIBUTES", "base_txt", "paper_max", "queue_txt"]

#: the printer attributes queue_txt() reads: a Get-Printer-Attributes asking for these
#: only is a tenth of the whole answer (a hundred queues announced at once parse them all)
TXT_ATTRIBUTES = (
    "printer-make-and-model",
    "document-format-supported",
    "urf-supported",
    "printer-uuid",
    "color-supported",
    "sides-supported",
    "media-supported",
    "media-size-supported",
)

#: every value of a TXT string must fit, with its key, in 255 bytes
_MAX_VALUE = 200
_ENVELOPE = ("env", "_dl_", "_c5_", "_c6_", "number-10", "monarch", "personal", "na_a2_")
_PHOTO = ("photo", "index-4x6", "na_5x7", "index-3x5", "_l_", "_2l_")


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _clip(text: str) -> str:
    raw = text.encode()[:_MAX_VALUE]
    return raw.decode("utf-8", "ignore")


def base_txt(
    make_and_model: str, location: str, adminurl: str, pdl: str = ""
) -> list[tuple[str, str]]:
    """Return the keys known before the queue runs."""
    return [
        ("pdl", _clip(pdl)),
        ("txtvers", "1"),
        ("qtotal", "1"),
        ("rp", "ipp/print"),
        ("ty", _clip(make_and_model or "Printer")),
        ("product", _clip(f"({make_and_model or 'Printer'})")),
        ("note", _clip(location)),
        ("adminurl", _clip(adminurl)),
        ("priority", "50"),
        ("air", "none"),
        ("kind", "document"),
    ]


def paper_max(sizes: Iterable[tuple[int, int]]) -> str:
    """Return PWG 5100.14's PaperMax for the largest of *sizes* (hundredths of a mm)."""
    short, long = 0, 0
    for width, length in sizes:
        a, b = sorted((width, length))
        short, long = max(short, a), max(long, b)
    if short <= 21590 and long <= 35560:  # Legal or A4
        return "legal-A4" if short >= 21000 and long >= 29700 else "<legal-A4"
    if short <= 29700 and long <= 43180:  # Tabloid or A3
        return "tabloid-A3"
    if short <= 45800 and long <= 64800:  # ISO C2 or A2
        return "isoC-A2"
    return ">isoC-A2"


def _kind(media: list[str]) -> str:
    kinds = ["document"]
    if any(part in m for m in media for part in _ENVELOPE):
        kinds.append("envelope")
    if any(part in m for m in media for part in _PHOTO):
        kinds.append("photo")
    return ",".join(kinds)


def _sizes(attrs: Mapping[str, Any]) -> list[tuple[int, int]]:
    out = []
    for size in _values(attrs.get("media-size-supported")):
        if isinstance(size, Mapping):
            x, y = size.get("x-dimension"), size.get("y-dimension")
            if isinstance(x, int) and isinstance(y, int):
                out.append((x, y))
    return out


def queue_txt(attrs: Mapping[str, Any], location: str, adminurl: str) -> list[tuple[str, str]]:
    """Return the whole record from the queue's printer attributes (decoded answer)."""
    make_and_model = str(attrs.get("printer-make-and-model") or "Printer")
    txt = dict(base_txt(make_and_model, location, adminurl))
    formats = [str(f) for f in _values(attrs.get("document-format-supported"))]
    txt["pdl"] = _clip(",".join(f for f in formats if f != "application/octet-stream"))
    urf = [str(u) for u in _values(attrs.get("urf-supported"))]
    txt["URF"] = _clip(",".join(urf) or "none")
    uuid = str(attrs.get("printer-uuid") or "")
    if uuid:
        txt["UUID"] = uuid.removeprefix("urn:uuid:")
    txt["Color"] = "T" if attrs.get("color-supported") is True else "F"
    sides = [str(s) for s in _values(attrs.get("sides-supported"))]
    txt["Duplex"] = "T" if any(s.startswith("two-sided") for s in sides) else "F"
    media = [str(m) for m in _values(attrs.get("media-supported"))]
    txt["kind"] = _kind(media)
    sizes = _sizes(attrs)
    if sizes:
        txt["PaperMax"] = paper_max(sizes)
    return list(txt.items())
