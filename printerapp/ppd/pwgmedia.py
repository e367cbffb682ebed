"""PWG standard media sizes, asked of CUPS's own table (libcups ``pwgMediaForSize``).

The table and its tolerance are CUPS's (``cups/pwg-media.c``), so a size is
"standard" exactly when CUPS and ippeveprinter think so.  The library is
loaded once, with ctypes: this is the only I/O of the media normalisation.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from printerapp.errors import PPDError

__all__ = ["PwgSize", "standard_size"]


@dataclass(frozen=True, slots=True)
class PwgSize:
    """A PWG media size: its self-describing name and dimensions in hundredths of a mm."""

    name: str
    width: int
    length: int


class _PwgMedia(ctypes.Structure):
    # pwg_media_t in <cups/pwg.h>
    _fields_ = (
        ("pwg", ctypes.c_char_p),
        ("legacy", ctypes.c_char_p),
        ("ppd", ctypes.c_char_p),
        ("width", ctypes.c_int),
        ("length", ctypes.c_int),
    )


@functools.cache
def _for_size() -> Callable[[int, int], Any]:
    name = ctypes.util.find_library("cups") or "libcups.so.2"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise PPDError(f"cannot load libcups ({name}) for the PWG media table: {exc}") from exc
    func = lib.pwgMediaForSize
    func.argtypes = (ctypes.c_int, ctypes.c_int)
    func.restype = ctypes.POINTER(_PwgMedia)
    return func


@functools.cache
def standard_size(width: int, length: int) -> PwgSize | None:
    """Return the standard size CUPS sees in *width* x *length* (hundredths of a mm), if any."""
    if width <= 0 or length <= 0:
        return None
    found = _for_size()(width, length)
    if not found:
        return None
    media = found.contents
    name = (media.pwg or b"").decode("ascii", "replace")
    if not name or name.startswith("custom_"):
        return None
    return PwgSize(name, media.width, media.length)
