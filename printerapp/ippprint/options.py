"""Map a job's IPP attributes (ippeveprinter's ``IPP_*`` variables) to CUPS options.

Pure: environment mapping and PPD choices in, a frozen :class:`JobOptions` out.
The mapping follows cupsd's ``get_options()``: job attributes become
``name=value`` options, ``copies`` and ``job-name`` go to argv[4] and argv[3],
and media, sides and print-color-mode also select the PPD's PageSize, Duplex
and ColorModel choices.  Bad values are dropped with a warning, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from printerapp.ipp.keywords import ORIENTATION, PRINT_QUALITY
from printerapp.ppd.options import PpdChoices

__all__ = ["JobOptions", "encode_options", "job_options", "parse_options"]

_SELF_DESCRIBING = re.compile(r"^[a-z0-9]+_[a-z0-9._-]+?_(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(mm|in)$")
_MEDIA_COL_SIZE = re.compile(r"x-dimension=(\d+)\s+y-dimension=(\d+)")
_RANGE = re.compile(r"^(\d{1,9})(?:-(\d{1,9}))?$")
#: PWG's tolerance for "the same size": 1.76 mm, in points
_SIZE_TOLERANCE_PT = 1.76 * 72 / 25.4

_SIDES_DUPLEX = {
    "one-sided": "None",
    "two-sided-long-edge": "DuplexNoTumble",
    "two-sided-short-edge": "DuplexTumble",
}
_COLOR_MODES = frozenset(
    {"auto", "bi-level", "color", "monochrome", "process-bi-level", "process-monochrome"}
)
_GRAY_MODES = frozenset({"bi-level", "monochrome", "process-bi-level", "process-monochrome"})
#: ColorModel choices, best first, as CUPS's PPD cache recognises them
_GRAY_CHOICES = ("Gray", "Grayscale", "Mono", "Monochrome", "BlackWhite", "BW", "Black")
_COLOR_CHOICES = ("RGB", "Color", "CMYK", "CMY", "KCMY", "RGBW", "FullColor")
#: print-quality enum -> the cupsPrintQuality choice CUPS's presets use
_QUALITY_CHOICES = {3: "draft", 4: "normal", 5: "high"}
_RESOLUTION = re.compile(r"^(\d+)(?:x(\d+))?dpi$")
_NUMBER_UP = frozenset({1, 2, 4, 6, 9, 16})
#: what cupsParseOptions treats as separators (ASCII only, unlike str.isspace)
_SPACE = frozenset(" \t\n\r\v\f")
_ESCAPED = _SPACE | frozenset("\\'\"")

_Pairs = list[tuple[str, str]]
#: options found for one attribute, and the warning when its value was dropped
_Mapped = tuple[_Pairs, str | None]


@dataclass(frozen=True, slots=True)
class JobOptions:
    """What the filters get besides the document: argv[1..5] in parsed form."""

    job_id: str
    user: str
    title: str
    copies: int
    options: tuple[tuple[str, str], ...]
    #: one line per dropped attribute, naming it and its value
    warnings: tuple[str, ...] = ()

    @property
    def encoded(self) -> str:
        """Return the options as the argv[5] string."""
        return encode_options(self.options)


def _escape(value: str) -> str:
    return "".join("\\" + ch if ch in _ESCAPED else ch for ch in value)


def encode_options(options: Iterable[tuple[str, str]]) -> str:
    """Serialise ``(name, value)`` pairs as cupsd does: backslash-escaped, space-separated."""
    return " ".join(f"{name}={_escape(value)}" for name, value in options)


def _read_value(text: str, i: int) -> tuple[str, int]:
    """Read one value starting at *i*: quotes and backslashes as cupsParseOptions."""
    out: list[str] = []
    quote = ""
    while i < len(text):
        ch = text[i]
        if not quote and ch in _SPACE:
            break
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch in "'\"" and (not quote or quote == ch):
            quote = "" if quote else ch
        else:
            out.append(ch)
        i += 1
    return "".join(out), i


def parse_options(text: str) -> tuple[tuple[str, str], ...]:
    """Parse a CUPS option string; a bare ``name`` is ``name=true``, ``noname`` stays as is."""
    pairs: dict[str, str] = {}
    i = 0
    while i < len(text):
        if text[i] in _SPACE:
            i += 1
            continue
        start = i
        while i < len(text) and text[i] not in _SPACE and text[i] != "=":
            i += 1
        name = text[start:i]
        if i < len(text) and text[i] == "=":
            value, i = _read_value(text, i + 1)
        else:
            value = "true"
        if name:
            pairs[name] = value
    return tuple(pairs.items())


def _attr(env: Mapping[str, str], name: str, *, default: bool = True) -> str | None:
    """Return the job's value of IPP attribute *name*, else the printer default."""
    key = "IPP_" + name.upper().replace("-", "_")
    value = env.get(key)
    if value is None and default:
        value = env.get(key + "_DEFAULT")
    return value


def _points(width: float, height: float, unit: str) -> tuple[float, float]:
    scale = 72.0 if unit == "in" else 72.0 / 25.4
    return width * scale, height * scale


def page_size_for(ppd: PpdChoices, width: float, height: float) -> str | None:
    """Return the PPD PageSize of *width* x *height* points, preferring plain names."""
    tol = _SIZE_TOLERANCE_PT
    matches = [
        p.name
        for p in ppd.page_sizes
        if abs(p.width - width) <= tol and abs(p.height - height) <= tol
    ]
    plain = [m for m in matches if "." not in m]
    return next(iter(plain or matches), None)


def _media(value: str, ppd: PpdChoices | None) -> _Mapped:
    if (m := _SELF_DESCRIBING.match(value)) is not None:
        width, height = _points(float(m.group(1)), float(m.group(2)), m.group(3))
        size = page_size_for(ppd, width, height) if ppd else None
        pairs = [("media", value)] + ([("PageSize", size)] if size else [])
        return pairs, None
    if ppd is not None and (size := ppd.page_size_named(value)) is not None:
        return [("media", value), ("PageSize", size)], None
    return [], f"media={value!r} is neither a PWG media name nor a page size of the PPD"


def _media_col(value: str, ppd: PpdChoices | None) -> _Pairs:
    m = _MEDIA_COL_SIZE.search(value)
    if m is None or ppd is None:
        return []
    width, height = (int(v) / 100.0 * 72 / 25.4 for v in m.groups())
    size = page_size_for(ppd, width, height)
    return [("media", size), ("PageSize", size)] if size else []


def _sides(value: str, ppd: PpdChoices | None) -> _Mapped:
    if value not in _SIDES_DUPLEX:
        return [], f"sides={value!r} is not one of {', '.join(_SIDES_DUPLEX)}"
    pairs = [("sides", value)]
    if ppd is not None and _SIDES_DUPLEX[value] in ppd.duplex:
        pairs.append(("Duplex", _SIDES_DUPLEX[value]))
    return pairs, None


def _color(value: str, ppd: PpdChoices | None) -> _Mapped:
    if value not in _COLOR_MODES:
        return [], f"print-color-mode={value!r} is not one of {', '.join(sorted(_COLOR_MODES))}"
    pairs = [("print-color-mode", value)]
    if ppd is not None and value != "auto":
        wanted = _GRAY_CHOICES if value in _GRAY_MODES else _COLOR_CHOICES
        folded = {c.casefold(): c for c in ppd.color_models}
        choice = next((folded[w.casefold()] for w in wanted if w.casefold() in folded), None)
        if choice is not None:
            pairs.append(("ColorModel", choice))
    return pairs, None


def _enum(name: str, value: str, keywords: Mapping[str, int]) -> _Mapped:
    number = keywords.get(value)
    if number is None and value.isdigit() and int(value) in keywords.values():
        number = int(value)
    if number is None:
        return [], f"{name}={value!r} is not one of {', '.join(keywords)}"
    return [(name, str(number))], None


def _dpi(choice: str) -> int:
    m = _RESOLUTION.match(choice)
    return int(m.group(1)) * int(m.group(2) or m.group(1)) if m else 0


def _quality(value: str, ppd: PpdChoices | None) -> _Mapped:
    """Map print-quality as CUPS's PPD cache does: cupsPrintQuality, else the resolutions."""
    pairs, problem = _enum("print-quality", value, PRINT_QUALITY)
    if problem is not None or ppd is None:
        return pairs, problem
    quality = int(pairs[0][1])
    folded = {q.casefold(): q for q in ppd.qualities}
    if (choice := folded.get(_QUALITY_CHOICES[quality])) is not None:
        return [*pairs, ("cupsPrintQuality", choice)], None
    # no quality option: draft is the lowest resolution, high the highest, normal the default
    ranked = sorted((c for c in ppd.resolutions if _dpi(c)), key=_dpi)
    if quality != PRINT_QUALITY["normal"] and len(ranked) > 1:
        choice = ranked[0] if quality == PRINT_QUALITY["draft"] else ranked[-1]
        return [*pairs, ("Resolution", choice)], None
    return pairs, None


def _page_ranges(value: str) -> _Mapped:
    parts: list[str] = []
    for item in value.split(","):
        m = _RANGE.match(item.strip())
        low = int(m.group(1)) if m else 0
        high = int(m.group(2) or low) if m else 0
        if m is None or low < 1 or high < low:
            return [], f"page-ranges={value!r} is not a list of ranges like 1-3,5"
        parts.append(str(low) if low == high else f"{low}-{high}")
    return [("page-ranges", ",".join(parts))], None


def _number_up(value: str) -> _Mapped:
    if value.isdigit() and int(value) in _NUMBER_UP:
        return [("number-up", str(int(value)))], None
    return [], f"number-up={value!r} is not one of 1, 2, 4, 6, 9, 16"


def _copies(value: str | None, warnings: list[str]) -> int:
    if value is None:
        return 1
    if value.isdigit() and 1 <= int(value) <= 9999:
        return int(value)
    warnings.append(f"copies={value!r} is not a number from 1 to 9999")
    return 1


def _mapped(env: Mapping[str, str], ppd: PpdChoices | None) -> tuple[_Pairs, list[str]]:
    results: list[_Mapped] = []
    # The job's own media (keyword or media-col, as CUPS and macOS send it) before the
    # printer's defaults: a job asking A4 by media-col must not get media-default Letter.
    if (value := _attr(env, "media", default=False)) is not None:
        results.append(_media(value, ppd))
    elif (value := _attr(env, "media-col", default=False)) is not None:
        results.append((_media_col(value, ppd), None))
    elif (value := _attr(env, "media")) is not None:
        results.append(_media(value, ppd))
    elif (value := _attr(env, "media-col")) is not None:
        results.append((_media_col(value, ppd), None))
    if (value := _attr(env, "sides")) is not None:
        results.append(_sides(value, ppd))
    if (value := _attr(env, "print-color-mode")) is not None:
        results.append(_color(value, ppd))
    if (value := _attr(env, "print-quality")) is not None:
        results.append(_quality(value, ppd))
    # Like cupsd, the layout attributes count only when the job names them.
    if (value := _attr(env, "orientation-requested", default=False)) is not None:
        results.append(_enum("orientation-requested", value, ORIENTATION))
    if (value := _attr(env, "page-ranges", default=False)) is not None:
        results.append(_page_ranges(value))
    if (value := _attr(env, "number-up", default=False)) is not None:
        results.append(_number_up(value))
    if (value := _attr(env, "job-uuid", default=False)) is not None:
        results.append(([("job-uuid", value)], None))
    pairs = [pair for found, _ in results for pair in found]
    return pairs, [w for _, w in results if w is not None]


def job_options(env: Mapping[str, str], ppd: PpdChoices | None, *, printer: str) -> JobOptions:
    """Build the filters' job arguments from ippeveprinter's ``IPP_*`` variables."""
    warnings: list[str] = []
    copies = _copies(_attr(env, "copies"), warnings)
    pairs, dropped = _mapped(env, ppd)
    job_id = env.get("IPP_JOB_ID", "")
    if not job_id.isdigit():
        if job_id:
            warnings.append(f"job-id={job_id!r} is not a number")
        job_id = "0"
    return JobOptions(
        job_id=job_id,
        user=env.get("IPP_JOB_ORIGINATING_USER_NAME") or "anonymous",
        title=env.get("IPP_JOB_NAME") or f"{printer}-{job_id}",
        copies=copies,
        options=tuple(pairs),
        warnings=tuple(warnings + dropped),
    )
