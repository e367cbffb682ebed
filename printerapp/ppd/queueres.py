"""The resolution a queue advertises: a real one, named as clients expect.

ippeveprinter advertises one resolution, read from the PPD's
``*DefaultResolution``.  Gutenprint names its default choice "Automatic" and
gives it a made-up unique name such as ``301x300dpi`` (it selects 300 dpi,
``<</HWResolution[300 300]>>``).  Clients then see ``301x300dpi`` in
``printer-resolution-supported`` and ``pwg-raster-document-resolution-supported``:
the PWG suites skip every raster print test and Mopria clients refuse it.

A choice is *honest* when its name is a resolution (``300dpi``,
``720x360dpi``) and its code, if it sets ``HWResolution``, sets that same
resolution.  When the default is not honest, the queue's PPD defaults to the
honest choice nearest to what the default really prints at.  The choices
themselves are kept, so a job that asks for any of them still gets it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ResolutionChange", "normalize_resolution"]

_NAME = re.compile(r"^(\d+)(?:x(\d+))?dpi$")
_DEFAULT = re.compile(r"^(\*DefaultResolution:[ \t]*)(\S+)", re.MULTILINE)
#: ``*Resolution NAME[/text]: "code"`` (the code may span lines)
_CHOICE = re.compile(r'^\*Resolution[ \t]+([^/:\s]+)[^:\n]*:[ \t]*"([^"]*)"', re.MULTILINE)
_HW = re.compile(r"/HWResolution\s*\[\s*(\d+)\s+(\d+)\s*\]")
#: what CUPS assumes when a PPD says nothing (ippeveprinter, gstoraster)
_FALLBACK = (300, 300)

Dpi = tuple[int, int]


@dataclass(frozen=True, slots=True)
class ResolutionChange:
    """The queue PPD's default resolution, before and after."""

    old: str
    new: str


def _named(name: str) -> Dpi | None:
    m = _NAME.match(name)
    return (int(m.group(1)), int(m.group(2) or m.group(1))) if m else None


def _hardware(code: str) -> Dpi | None:
    m = _HW.search(code)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _honest(name: str, code: str) -> Dpi | None:
    named, hardware = _named(name), _hardware(code)
    if named is None or (hardware is not None and hardware != named):
        return None
    return named


def normalize_resolution(text: str) -> tuple[str, ResolutionChange | None]:
    """Return *text* defaulting to an honest resolution choice, and the change made, if any."""
    default = _DEFAULT.search(text)
    if default is None:
        return text, None
    choices = {m.group(1): m.group(2) for m in _CHOICE.finditer(text)}
    current = default.group(2)
    if current not in choices or _honest(current, choices[current]) is not None:
        return text, None
    honest = {name: dpi for name, code in choices.items() if (dpi := _honest(name, code))}
    if not honest:
        return text, None
    real = _hardware(choices[current]) or _named(current) or _FALLBACK
    # nearest in both axes; on a tie, the PPD's own order (dicts keep it) decides
    target = min(honest, key=lambda n: abs(honest[n][0] - real[0]) + abs(honest[n][1] - real[1]))
    start, end = default.span(2)
    return text[:start] + target + text[end:], ResolutionChange(current, target)
