"""The printer attributes IPP clients must see for a printer's saved defaults and loaded media.

ippeveprinter derives its ``*-default`` and ``media-ready`` attributes from
the PPD once, at start; the front proxy replaces them in Get-Printer-Attributes
answers with :func:`ipp_overlay`'s.  Pure: saved record and PPD facts in,
``name -> (syntax, values)`` out; a collection value is a dict of member
name -> ``(syntax, values)``.  What is not saved falls back to the PPD's
own default, so every attribute is always given.  :func:`read_overlay` is
the file edge: the queue's PPD (parsed once per change of the file) and its
saved defaults.
"""

from __future__ import annotations

from pathlib import Path

from printerapp.ppd.printdefaults import (
    LoadedMedia,
    SavedDefaults,
    load_defaults,
    supported_color_modes,
)
from printerapp.ppd.uioptions import MediaSize, PpdUi, media_source, read_ppd_ui, unppdize

__all__ = ["Attribute", "ipp_overlay", "media_type_keyword", "read_overlay"]

#: (syntax, values); a collection's value is dict[str, Attribute]
Attribute = tuple[str, list[object]]

#: print-quality enum values (RFC 8011 5.2.13); printerapp.ipp is not below this layer
_QUALITY = {"draft": 3, "normal": 4, "high": 5}
_DUPLEX_SIDES = {"DuplexNoTumble": "two-sided-long-edge", "DuplexTumble": "two-sided-short-edge"}
#: MediaType choices whose PWG media-type is not their plain lowercase spelling
_MEDIA_TYPES = {"plain": "stationery", "auto": "auto", "any": "auto"}
_GRAY = frozenset({"gray", "grayscale", "mono", "monochrome", "black", "bw", "blackwhite"})


def media_type_keyword(choice: str) -> str:
    """Return the PWG media-type keyword for MediaType choice *choice*."""
    return _MEDIA_TYPES.get(choice.casefold()) or unppdize(choice)


def _size_col(size: MediaSize) -> dict[str, Attribute]:
    return {
        "x-dimension": ("integer", [size.width]),
        "y-dimension": ("integer", [size.length]),
    }


def _media_col(size: MediaSize, source: str, media_type: str = "") -> dict[str, Attribute]:
    col: dict[str, Attribute] = {
        "media-size": ("collection", [_size_col(size)]),
        "media-size-name": ("keyword", [size.pwg]),
    }
    if size.margins is not None:
        for member, value in zip(("bottom", "left", "right", "top"), size.margins, strict=True):
            col[f"media-{member}-margin"] = ("integer", [value])
    if source:
        col["media-source"] = ("keyword", [source])
    if media_type:
        col["media-type"] = ("keyword", [media_type_keyword(media_type)])
    return col


def _default_size(saved: SavedDefaults, ui: PpdUi) -> MediaSize | None:
    return ui.size(saved.media) or ui.size(ui.default_size) or next(iter(ui.sizes), None)


def _default_source(saved: SavedDefaults, ui: PpdUi) -> str:
    slot = dict(saved.options).get("InputSlot")
    option = ui.option("InputSlot")
    if slot is None and option is not None:
        slot = option.default or next((c.name for c in option.choices), None)
    return media_source(slot) if slot else ""


def _color_mode(saved: SavedDefaults, ui: PpdUi) -> str:
    if saved.print_color_mode:
        return saved.print_color_mode
    modes = supported_color_modes(ui)
    gray_default = ui.default_color_model.casefold() in _GRAY
    return "monochrome" if gray_default or modes == ("monochrome",) else "color"


def _ready(ready: tuple[LoadedMedia, ...], ui: PpdUi) -> list[tuple[MediaSize, str, str]]:
    out = []
    for loaded in ready:
        size = ui.size(loaded.media)
        if size is not None:
            out.append((size, media_source(loaded.slot), loaded.media_type))
    return out


def ipp_overlay(saved: SavedDefaults, ppd_info: PpdUi) -> dict[str, Attribute]:
    """Return the ``*-default``, ``media-ready`` and ``media-col-ready`` attributes to show."""
    ui = ppd_info
    out: dict[str, Attribute] = {
        "sides-default": (
            "keyword",
            [saved.sides or _DUPLEX_SIDES.get(ui.default_duplex, "one-sided")],
        ),
        "print-quality-default": ("enum", [_QUALITY[saved.print_quality or "normal"]]),
        "print-color-mode-default": ("keyword", [_color_mode(saved, ui)]),
    }
    size = _default_size(saved, ui)
    if size is None:  # a PPD without page sizes: nothing to say about media
        return out
    default_col = _media_col(size, _default_source(saved, ui))
    out["media-default"] = ("keyword", [size.pwg])
    out["media-col-default"] = ("collection", [default_col])
    ready = _ready(saved.ready, ui)
    if ready:
        out["media-ready"] = ("keyword", list(dict.fromkeys(s.pwg for s, _, _ in ready)))
        out["media-col-ready"] = ("collection", [_media_col(*r) for r in ready])
    else:  # as ippeveprinter: the default media is what is ready
        out["media-ready"] = ("keyword", [size.pwg])
        out["media-col-ready"] = ("collection", [default_col])
    return out


def read_overlay(state_dir: Path, key: str, ppd: Path) -> dict[str, Attribute]:
    """Return :func:`ipp_overlay` for queue *key* from its files (the proxy's one call)."""
    ui = read_ppd_ui(ppd)
    return ipp_overlay(load_defaults(state_dir, key, ui), ui)
