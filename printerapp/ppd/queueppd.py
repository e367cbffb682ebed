"""The PPD a queue serves: the driver's PPD, with paper sizes that clients can ask for.

ippeveprinter turns each ``*PaperDimension`` from points into hundredths of
a millimetre and later compares a job's ``media-col`` size with those
numbers exactly.  Whole points cannot express metric sizes: A4 as
``595 842`` becomes 20990 x 29704, while every client sends PWG's
21000 x 29700, so the job is refused.  The queue's copy of the PPD
therefore writes each size that is within PWG's tolerance of a standard
size (CUPS's own table, :mod:`.pwgmedia`) in points precise enough to land
on the standard size exactly, and moves the imageable area with it so the
driver's margins stay as they were.  The page sizes' names and the
printer code that selects them are untouched.  A made-up default resolution
is replaced by a real one as well (:mod:`.queueres`), and a duplexer that is
not installed takes two-sided printing away (:mod:`.queueduplex`).

:func:`normalize_media` is pure; :func:`prepare_queue_ppd` is its file edge.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from printerapp.errors import PPDError
from printerapp.ppd.install import write_atomic
from printerapp.ppd.pwgmedia import PwgSize, standard_size
from printerapp.ppd.queueduplex import normalize_duplex
from printerapp.ppd.queueres import normalize_resolution

__all__ = ["SizeLookup", "normalize_media", "points_for", "prepare_queue_ppd", "pwg_from_points"]

log = logging.getLogger(__name__)

SizeLookup = Callable[[int, int], PwgSize | None]

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)"
#: ``*PaperDimension NAME[/text]: "W L"`` and ``*ImageableArea NAME[/text]: "LLX LLY URX URY"``
_DIMENSION = re.compile(
    rf'^(\*PaperDimension[ \t]+([^/:\s]+)[^:\n]*:[ \t]*")({_NUMBER})[ \t]+({_NUMBER})([ \t]*")',
    re.MULTILINE,
)
_AREA = re.compile(
    rf'^(\*ImageableArea[ \t]+([^/:\s]+)[^:\n]*:[ \t]*")'
    rf"({_NUMBER})[ \t]+({_NUMBER})[ \t]+({_NUMBER})[ \t]+({_NUMBER})([ \t]*\")",
    re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class _Shift:
    width: str
    length: str
    dwidth: float
    dlength: float


def pwg_from_points(points: float) -> int:
    """Return *points* in hundredths of a millimetre, rounded as CUPS's PWG_FROM_POINTS."""
    return int((points * 2540 + 36) / 72)


def points_for(hundredths: int) -> str:
    """Return the shortest decimal number of points that CUPS reads back as *hundredths*."""
    exact = hundredths * 72 / 2540
    for digits in range(0, 7):
        text = f"{exact:.{digits}f}"
        if pwg_from_points(float(text)) == hundredths:
            return text
    return f"{exact:.6f}"


def _number(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _shifts(text: str, lookup: SizeLookup) -> dict[str, _Shift]:
    shifts = {}
    for match in _DIMENSION.finditer(text):
        name, width_pt, length_pt = match.group(2), float(match.group(3)), float(match.group(4))
        width, length = pwg_from_points(width_pt), pwg_from_points(length_pt)
        standard = lookup(width, length)
        if standard is None or (standard.width, standard.length) == (width, length):
            continue
        new_width, new_length = points_for(standard.width), points_for(standard.length)
        shifts[name] = _Shift(
            new_width, new_length, float(new_width) - width_pt, float(new_length) - length_pt
        )
    return shifts


def normalize_media(text: str, lookup: SizeLookup) -> tuple[str, list[str]]:
    """Return *text* with standard sizes in exact points, and the names of the sizes changed."""
    shifts = _shifts(text, lookup)
    if not shifts:
        return text, []

    def dimension(match: re.Match[str]) -> str:
        shift = shifts.get(match.group(2))
        if shift is None:
            return match.group(0)
        return f"{match.group(1)}{shift.width} {shift.length}{match.group(5)}"

    def area(match: re.Match[str]) -> str:
        shift = shifts.get(match.group(2))
        if shift is None:
            return match.group(0)
        llx, lly = match.group(3), match.group(4)
        urx = _number(f"{float(match.group(5)) + shift.dwidth:.4f}")
        ury = _number(f"{float(match.group(6)) + shift.dlength:.4f}")
        return f"{match.group(1)}{llx} {lly} {urx} {ury}{match.group(7)}"

    text = _DIMENSION.sub(dimension, text)
    return _AREA.sub(area, text), sorted(shifts)


def prepare_queue_ppd(path: Path, lookup: SizeLookup = standard_size) -> list[str]:
    """Rewrite the queue's PPD at *path* in place as clients need it; return the sizes changed."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PPDError(f"{path}: cannot read the queue's PPD: {exc.strerror}") from exc
    # Latin-1 maps every byte to one character, so whatever else the file holds is kept.
    text, changed = normalize_media(raw.decode("latin-1"), lookup)
    text, resolution = normalize_resolution(text)
    text, duplexer = normalize_duplex(text)
    if changed or resolution or duplexer:
        try:
            write_atomic(path, text.encode("latin-1"))
        except OSError as exc:
            raise PPDError(f"{path}: cannot rewrite the queue's PPD: {exc.strerror}") from exc
    if changed:
        log.info("%s: page sizes made exact for clients: %s", path.name, ", ".join(changed))
    if resolution:
        log.info(
            "%s: default resolution %s advertised as %s",
            path.name,
            resolution.old,
            resolution.new,
        )
    if duplexer:
        log.info("%s: one-sided only: the duplexer (%s) is not installed", path.name, duplexer)
    return changed
