"""A PPD's user options, paper sizes and input slots, as the defaults pages offer them.

Pure: PPD text in, a frozen :class:`PpdUi` out.  Each option keeps the
PPD's own choice names with their translation strings (the ``/text`` part);
each page size its PWG media name and size in hundredths of a millimetre
(the names CUPS's PPD cache gives, through :mod:`.pwgmedia`); each input
slot its PWG ``media-source`` keyword, mapped as CUPS's ``ppd-cache.c`` does.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from printerapp.errors import PPDError
from printerapp.ppd.ppdfile import PpdHeader, PpdLine, parse_ppd, read_ppd_text
from printerapp.ppd.pwgmedia import standard_size
from printerapp.ppd.queueppd import SizeLookup, pwg_from_points

__all__ = [
    "MediaSize",
    "PpdChoice",
    "PpdOption",
    "PpdUi",
    "media_source",
    "parse_ppd_ui",
    "read_ppd_ui",
    "unppdize",
]

#: options the IPP defaults stand for (media, sides, print-color-mode), and copies,
#: which IPP's ``copies`` sets: not offered as PPD options
STANDARD_OPTIONS = frozenset({"PageSize", "PageRegion", "Duplex", "ColorModel", "Copies"})
_UI_TYPES = frozenset({"PickOne", "PickMany", "Boolean"})
#: CUPS's InputSlot names with a fixed PWG media-source (prefix matches end in "*")
_SOURCES: tuple[tuple[str, str], ...] = (
    ("auto*", "auto"),
    ("default", "auto"),
    ("cassette", "main"),
    ("phototray", "photo"),
    ("cdtray", "disc"),
    ("multipurpose*", "by-pass-tray"),
    ("mp", "by-pass-tray"),
    ("mptray", "by-pass-tray"),
    ("largecapacity", "large-capacity"),
    ("lower*", "bottom"),
    ("middle*", "middle"),
    ("upper*", "top"),
    ("side*", "side"),
    ("roll", "main-roll"),
)


@dataclass(frozen=True, slots=True)
class PpdChoice:
    """One choice of an option: its PPD name and its translation."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class PpdOption:
    """One ``*OpenUI`` option with its choices and the PPD's default choice."""

    keyword: str
    text: str
    choices: tuple[PpdChoice, ...]
    default: str
    group: str = ""

    def choice(self, name: str) -> PpdChoice | None:
        """Return the choice called *name* (exact, as the filters match it)."""
        return next((c for c in self.choices if c.name == name), None)


@dataclass(frozen=True, slots=True)
class MediaSize:
    """One page size: PWG name, PPD PageSize choice, size and margins in 1/100 mm."""

    pwg: str
    ppd: str
    text: str
    width: int
    length: int
    #: bottom, left, right, top, from ``*ImageableArea`` (None when the PPD gives none)
    margins: tuple[int, int, int, int] | None = None


@dataclass(frozen=True, slots=True)
class PpdUi:
    """What the defaults and media pages offer for one PPD."""

    options: tuple[PpdOption, ...] = ()
    sizes: tuple[MediaSize, ...] = ()
    default_size: str = ""
    duplex: tuple[str, ...] = ()
    default_duplex: str = ""
    color_models: tuple[str, ...] = ()
    default_color_model: str = ""
    color_device: bool = False

    def option(self, keyword: str) -> PpdOption | None:
        """Return the option *keyword* (standard ones included), or None."""
        return next((o for o in self.options if o.keyword == keyword), None)

    def size(self, pwg: str) -> MediaSize | None:
        """Return the size whose PWG name is *pwg*."""
        return next((s for s in self.sizes if s.pwg == pwg), None)

    @property
    def other_options(self) -> tuple[PpdOption, ...]:
        """The options besides the standard ones, as the defaults form lists them."""
        return tuple(o for o in self.options if o.keyword not in STANDARD_OPTIONS)

    @property
    def slots(self) -> tuple[PpdChoice, ...]:
        """The InputSlot choices (empty when the PPD has no InputSlot)."""
        slot = self.option("InputSlot")
        return slot.choices if slot else ()


def unppdize(name: str, dashchars: str = "_") -> str:
    """Return PPD keyword *name* as a lowercase IPP keyword, as CUPS's pwg_unppdize_name."""
    if name[:1].islower() and not any(c.isupper() or c in dashchars for c in name[1:]):
        return name
    out: list[str] = []
    for i, ch in enumerate(name):
        nxt = name[i + 1] if i + 1 < len(name) else ""
        out.append(ch.lower() if ch.isalnum() or ch == "-" else "-" if ch in dashchars else ch)
        case_change = not ch.isupper() and ch.isalnum() and nxt.isupper()
        if case_change or (not ch.isdigit() and nxt.isdigit()):
            out.append("-")
    return "".join(out)


def media_source(slot: str) -> str:
    """Return the PWG media-source keyword of InputSlot choice *slot* (CUPS's mapping)."""
    folded = slot.casefold()
    for pattern, keyword in _SOURCES:
        prefix = pattern.endswith("*")
        if folded == pattern or (prefix and folded.startswith(pattern[:-1])):
            return keyword
    return unppdize(slot)


def _blocks(lines: tuple[PpdLine, ...]) -> list[tuple[PpdLine, str]]:
    """Return each ``*OpenUI``/``*JCLOpenUI`` line with the group it is in."""
    out, group = [], ""
    for ln in lines:
        if ln.keyword == "OpenGroup":
            group = ln.value.split("/", 1)[0].strip()
        elif ln.keyword == "CloseGroup":
            group = ""
        elif ln.keyword in ("OpenUI", "JCLOpenUI") and ln.value.strip() in _UI_TYPES:
            out.append((ln, group))
    return out


def _options(header: PpdHeader) -> tuple[PpdOption, ...]:
    by_keyword: dict[str, list[PpdChoice]] = {}
    defaults: dict[str, str] = {}
    for ln in header.lines:
        if ln.option and not ln.keyword.startswith(("Default", "Foomatic", "Paper", "Imageable")):
            by_keyword.setdefault(ln.keyword, []).append(PpdChoice(ln.option, ln.text or ln.option))
        elif ln.keyword.startswith("Default") and not ln.option:
            defaults.setdefault(ln.keyword[7:], ln.value.strip())
    options = []
    for ui, group in _blocks(header.lines):
        keyword = ui.option.lstrip("*")
        if not keyword or group == "InstallableOptions":
            continue
        seen: dict[str, PpdChoice] = {}
        for c in by_keyword.get(keyword, []):
            seen.setdefault(c.name, c)
        if seen:
            default = defaults.get(keyword, "")
            choices = tuple(seen.values())
            options.append(PpdOption(keyword, ui.text or keyword, choices, default, group))
    return tuple(options)


def _numbers(value: str, count: int) -> tuple[float, ...] | None:
    try:
        numbers = tuple(float(v) for v in value.split())
    except ValueError:
        return None
    return numbers if len(numbers) == count else None


def _custom_name(ppd: str, width: int, length: int) -> str:
    def mm(v: int) -> str:
        return f"{v / 100:.2f}".rstrip("0").rstrip(".")

    return f"custom_{unppdize(ppd).replace('_', '-')}_{mm(width)}x{mm(length)}mm"


def _sizes(header: PpdHeader, page: PpdOption | None, lookup: SizeLookup) -> tuple[MediaSize, ...]:
    dims = {ln.option: _numbers(ln.value, 2) for ln in header.values("PaperDimension")}
    areas = {ln.option: _numbers(ln.value, 4) for ln in header.values("ImageableArea")}
    out: dict[str, MediaSize] = {}
    for choice in page.choices if page else ():
        wh = dims.get(choice.name)
        if not wh or wh[0] <= 0 or wh[1] <= 0:
            continue
        width, length = pwg_from_points(wh[0]), pwg_from_points(wh[1])
        std = lookup(width, length)
        pwg = std.name if std else _custom_name(choice.name, width, length)
        if std:
            width, length = std.width, std.length
        area, margins = areas.get(choice.name), None
        if area:
            llx, lly, urx, ury = (max(0, pwg_from_points(v)) for v in area)
            margins = (lly, llx, max(0, width - urx), max(0, length - ury))
        # "A4.Fullbleed" has A4's size: the plain choice (listed first) names it
        if pwg not in out or ("." in out[pwg].ppd and "." not in choice.name):
            out[pwg] = MediaSize(pwg, choice.name, choice.text, width, length, margins)
    return tuple(out.values())


def parse_ppd_ui(text: str, lookup: SizeLookup) -> PpdUi:
    """Read the user options, page sizes and slots of PPD *text*; raise PPDError if no PPD."""
    header = parse_ppd(text)
    options = _options(header)
    by_keyword = {o.keyword: o for o in options}
    page, duplex, color = (by_keyword.get(k) for k in ("PageSize", "Duplex", "ColorModel"))
    sizes = _sizes(header, page, lookup)
    default_size = next((s.pwg for s in sizes if page and s.ppd == page.default), "")
    return PpdUi(
        options=options,
        sizes=sizes,
        default_size=default_size or (sizes[0].pwg if sizes else ""),
        duplex=tuple(c.name for c in duplex.choices) if duplex else (),
        default_duplex=duplex.default if duplex else "",
        color_models=tuple(c.name for c in color.choices) if color else (),
        default_color_model=color.default if color else "",
        color_device=bool(header.color_device),
    )


@functools.lru_cache(maxsize=64)
def _cached_ui(path: str, _mtime_ns: int, _size: int) -> PpdUi:
    return parse_ppd_ui(read_ppd_text(Path(path)), standard_size)


def read_ppd_ui(path: Path) -> PpdUi:
    """Return the PPD at *path* parsed, again only when the file changed (185 KB: ~30 ms)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise PPDError(f"{path}: cannot read PPD: {exc.strerror or exc}") from exc
    return _cached_ui(str(path), st.st_mtime_ns, st.st_size)
