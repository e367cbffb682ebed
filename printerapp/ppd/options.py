"""The few PPD facts a job needs: page sizes, Duplex, ColorModel, resolution and quality choices.

A pure reader (text -> frozen record); it does not validate the whole PPD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from printerapp.errors import PPDError

__all__ = ["PageSize", "PpdChoices", "parse_ppd_choices", "read_ppd_choices"]

_CHOICE = re.compile(
    r"^\*(PageSize|PaperDimension|Duplex|ColorModel|Resolution|cupsPrintQuality)"
    r"\s+([^/:\s]+)[^:]*:\s*(.*)$"
)
_NICKNAME = re.compile(r'^\*NickName:\s*"([^"]*)"')


@dataclass(frozen=True, slots=True)
class PageSize:
    """One ``*PageSize`` choice and its ``*PaperDimension`` in points."""

    name: str
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class PpdChoices:
    """The choices of the options that IPP job attributes map to."""

    page_sizes: tuple[PageSize, ...] = ()
    duplex: tuple[str, ...] = ()
    color_models: tuple[str, ...] = ()
    nickname: str = ""
    #: ``*Resolution`` choices (``600dpi``, ``300x300dpi``) and ``*cupsPrintQuality`` ones
    resolutions: tuple[str, ...] = ()
    qualities: tuple[str, ...] = ()

    def page_size_named(self, name: str) -> str | None:
        """Return the PageSize choice spelled *name*, ignoring case."""
        folded = name.casefold()
        return next((p.name for p in self.page_sizes if p.name.casefold() == folded), None)


def _dimensions(value: str) -> tuple[float, float] | None:
    parts = value.strip().strip('"').split()
    try:
        width, height = float(parts[0]), float(parts[1])
    except (IndexError, ValueError):
        return None
    return (width, height) if width > 0 and height > 0 else None


def parse_ppd_choices(text: str) -> PpdChoices:
    """Read PageSize/PaperDimension, Duplex, ColorModel and NickName from PPD text."""
    sizes: dict[str, None] = {}
    dims: dict[str, tuple[float, float]] = {}
    duplex: dict[str, None] = {}
    colors: dict[str, None] = {}
    resolutions: dict[str, None] = {}
    qualities: dict[str, None] = {}
    nickname = ""
    for line in text.splitlines():
        if (m := _CHOICE.match(line)) is not None:
            keyword, choice, value = m.groups()
            if keyword == "PageSize":
                sizes[choice] = None
            elif keyword == "PaperDimension":
                if (wh := _dimensions(value)) is not None:
                    dims.setdefault(choice, wh)
            elif keyword == "Duplex":
                duplex[choice] = None
            elif keyword == "Resolution":
                resolutions[choice] = None
            elif keyword == "cupsPrintQuality":
                qualities[choice] = None
            else:
                colors[choice] = None
        elif not nickname and (n := _NICKNAME.match(line)) is not None:
            nickname = n.group(1).strip()
    pages = tuple(PageSize(name, *dims[name]) for name in sizes if name in dims)
    return PpdChoices(
        pages, tuple(duplex), tuple(colors), nickname, tuple(resolutions), tuple(qualities)
    )


def read_ppd_choices(path: Path) -> PpdChoices:
    """Read *path* (Latin-1 as PPDs are) and parse its choices."""
    try:
        text = path.read_text(encoding="latin-1")
    except OSError as exc:
        raise PPDError(f"cannot read PPD {path}: {exc.strerror}") from exc
    return parse_ppd_choices(text)
