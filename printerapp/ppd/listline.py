"""Parse the lines a CUPS driver program prints for ``PROGRAM list``.

Each line describes one PPD the program can generate::

    "ppd-name" language[,...] "make" "make-and-model" "device-id" "product" "psversion" "type"

Only the first four fields are required.  The parser reproduces the
``sscanf()`` format cups-driverd uses, so a line is accepted or refused
exactly as CUPS would, with the same field widths:

* a field is a double-quoted string without a double quote inside, and an
  empty string (``""``) ends the line: CUPS's ``%[^"]`` cannot match zero
  characters, so an empty device ID means the product is not read either;
* the language is a run of non-blank characters, split on commas;
* fields are separated by at least one space or tab;
* a value longer than CUPS's buffer stops the parse at that field.

:func:`parse_list_line` is pure and total: it returns a :class:`ListEntry`
or raises :class:`~printerapp.errors.DriverListError` naming the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from printerapp.errors import DriverListError

__all__ = ["PPD_TYPES", "ListEntry", "parse_list_line"]

#: the ``ppd-type`` keywords CUPS knows, in its order
PPD_TYPES = (
    "postscript",
    "pdf",
    "raster",
    "fax",
    "object",
    "object-direct",
    "object-storage",
    "unknown",
    "drv",
    "archive",
)

# The widths of cups-driverd's buffers (size - 1), field by field.
_NAME_MAX = 255
_LANG_MAX = 127
_OPTIONAL_WIDTHS = (127, 127, 255, 127, 127, 127)  # make, make-and-model, id, product, ps, type
_HEAD = re.compile(rf'"([^"]{{1,{_NAME_MAX}}})"\s*(\S{{1,{_LANG_MAX}}})')
_QUOTED = re.compile(r'[ \t]+"([^"]*)"')


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One PPD offered by a driver program."""

    name: str
    languages: tuple[str, ...]
    make: str
    make_and_model: str
    device_id: str = ""
    product: str = ""
    psversion: str = ""
    #: the ``ppd-type`` keyword; ``unknown`` when the program printed another word
    ppd_type: str = "postscript"


def _fields(rest: str) -> list[str]:
    """Read the quoted fields after the language, stopping where sscanf() would."""
    out: list[str] = []
    pos = 0
    for width in _OPTIONAL_WIDTHS:
        match = _QUOTED.match(rest, pos)
        if match is None or not match[1] or len(match[1]) > width:
            break
        out.append(match[1])
        pos = match.end()
    return out


def parse_list_line(line: str) -> ListEntry:
    """Parse one ``list`` line; raise DriverListError when CUPS would refuse it."""
    text = line.rstrip("\r\n")
    head = _HEAD.match(text)
    if head is None:
        raise DriverListError(f"bad list line (no quoted name and language): {text[:120]!r}")
    if len(text) > head.end() and not text[head.end()].isspace():
        raise DriverListError(f"bad list line (language too long): {text[:120]!r}")
    fields = _fields(text[head.end() :])
    if len(fields) < 2:
        raise DriverListError(f"bad list line (no make and make-and-model): {text[:120]!r}")
    fields += [""] * (len(_OPTIONAL_WIDTHS) - len(fields))
    make, model, device_id, product, psversion, ppd_type = fields
    languages = tuple(lang for lang in head[2].split(",") if lang)
    return ListEntry(
        name=head[1],
        languages=languages or ("",),
        make=make,
        make_and_model=model,
        device_id=device_id,
        product=product,
        psversion=psversion,
        ppd_type=(ppd_type if ppd_type in PPD_TYPES else "unknown") if ppd_type else "postscript",
    )
