"""Parse CUPS filter definitions: ``.convs`` lines and PPD ``*cupsFilter``/``*cupsFilter2`` values.

Both parsers are pure: text in, :class:`FilterEdge` records out.  A bad line
becomes a :class:`LineError` and is skipped; nothing here raises.

The accepted syntax follows CUPS itself (scheduler/mime.c ``load_convs`` and
scheduler/cupsfilter.c ``add_printer_filter``), so that a line CUPS takes is
taken here and a line CUPS ignores is reported here:

* ``.convs``: ``src/type dst/type cost program`` separated by spaces or tabs;
  the cost must start with a digit (its leading digits count, as ``atoi``);
  the program is the rest of the line, ``-`` being the null filter; ``*/*``
  as source means ``application/octet-stream``; type names are lower-cased.
* PPD values, in the shape decides the form (not the keyword), as CUPS's
  ``sscanf`` does: ``src/type dst/type cost [maxsize(n)] program`` (cupsFilter2)
  creates ``TARGET/dst/type``; ``src/type cost [maxsize(n)] program``
  (cupsFilter) converts straight to ``TARGET``.
"""

from __future__ import annotations

import re

from printerapp.mime.records import FilterEdge, LineError

__all__ = [
    "MAX_COST",
    "MAX_SUPER",
    "MAX_TYPE",
    "parse_convs",
    "parse_convs_line",
    "parse_ppd_filter",
]

#: longest super-type and sub-type names CUPS stores (MIME_MAX_SUPER - 1, MIME_MAX_TYPE - 1)
MAX_SUPER = 15
MAX_TYPE = 255
#: costs are C ints in CUPS; anything larger is rejected rather than wrapped
MAX_COST = 2**31 - 1
_MAX_PROGRAM = 1023

_SEP = re.compile(r"[ \t]+")
_TYPE = re.compile(rf"([^/]{{1,{MAX_SUPER}}}+)/([^ \t]{{1,{MAX_TYPE}}}+)")
# The two sscanf() formats of add_printer_filter(); possessive quantifiers
# because %s and %[ never give characters back.
_SUPER = rf"([^/]{{1,{MAX_SUPER}}}+)"
_SUB = rf"(\S{{1,{MAX_TYPE}}}+)"
_PPD_FILTER2 = re.compile(
    rf"{_SUPER}/{_SUB}[ \t]++{_SUPER}/{_SUB}\s*+([+-]?\d++)[ \t]++([^\n]{{1,{_MAX_PROGRAM}}})"
)
_PPD_FILTER = re.compile(rf"{_SUPER}/{_SUB}\s*+([+-]?\d++)[ \t]++([^\n]{{1,{_MAX_PROGRAM}}})")
# strtoll() then ")": no digits at all reads as 0; a negative size is huge as size_t
_MAXSIZE = re.compile(r"maxsize\((?:\s*([+-]?\d+))?\)\s*")


def _split_type(token: str) -> tuple[str, str] | None:
    match = _TYPE.fullmatch(token)
    return (match[1], match[2]) if match else None


def parse_convs_line(
    raw: str, path: str = "<string>", line: int = 0
) -> FilterEdge | LineError | None:
    """Parse one ``.convs`` line: an edge, a LineError, or None for blanks and comments."""
    text = raw.rstrip(" \t\n\r\v\f")
    if not text or raw.startswith("#") or text.lstrip(" \t").startswith("#"):
        return None

    def bad(reason: str) -> LineError:
        return LineError(path, line, reason, raw)

    fields = _SEP.split(text.lstrip(" \t"), maxsplit=3)
    if len(fields) < 4:
        return bad("expected 'source destination cost program'")
    src_tok, dst_tok, cost_tok, program = fields
    src, dst = _split_type(src_tok.lower()), _split_type(dst_tok.lower())
    if src is None:
        return bad(f"bad source type {src_tok!r}")
    if dst is None:
        return bad(f"bad destination type {dst_tok!r}")
    if "*" in dst[0] or "*" in dst[1]:
        return bad("the destination type cannot be a wildcard")
    digits = re.match(r"\d+", cost_tok)
    if digits is None:
        return bad(f"cost {cost_tok!r} is not a number")
    cost = int(digits[0])
    if cost > MAX_COST:
        return bad(f"cost {cost_tok!r} is out of range")
    src_name = "application/octet-stream" if src == ("*", "*") else "/".join(src)
    return FilterEdge(src_name, "/".join(dst), cost, program, path=path, line=line)


def parse_convs(text: str, path: str = "<string>") -> tuple[list[FilterEdge], list[LineError]]:
    """Parse a whole ``.convs`` file into its edges (in file order) and its bad lines."""
    edges: list[FilterEdge] = []
    errors: list[LineError] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        result = parse_convs_line(raw.rstrip("\r"), path, number)
        if isinstance(result, FilterEdge):
            edges.append(result)
        elif isinstance(result, LineError):
            errors.append(result)
    return edges, errors


def _split_maxsize(program: str) -> tuple[int, str] | None:
    if not program.startswith("maxsize("):
        return 0, program
    match = _MAXSIZE.match(program)
    if match is None:
        return None
    return max(int(match[1] or 0), 0), program[match.end() :]


def parse_ppd_filter(
    value: str, target: str, path: str = "<string>", line: int = 0
) -> FilterEdge | LineError:
    """Parse a ``*cupsFilter``/``*cupsFilter2``/``*cupsPreFilter`` value converting to *target*.

    *target* is ``printer/NAME`` (or ``prefilter/NAME``); a cupsFilter2-shaped
    value converts to ``TARGET/dst/type`` instead, as CUPS names that type.
    """
    match2 = _PPD_FILTER2.match(value)
    if match2 is not None:
        super_, sub, dsuper, dsub, cost_text, program = match2.groups()
        dst = f"{target}/{dsuper}/{dsub}"
    else:
        match = _PPD_FILTER.match(value)
        if match is None:
            return LineError(path, line, "invalid filter string", value)
        super_, sub, cost_text, program = match.groups()
        dst = target
    cost = int(cost_text)
    if abs(cost) > MAX_COST:
        return LineError(path, line, "filter cost out of range", value)
    split = _split_maxsize(program)
    if split is None:
        return LineError(path, line, "invalid maxsize() in filter string", value)
    maxsize, program = split
    if not program:
        return LineError(path, line, "missing filter program", value)
    src = f"{super_.lower()}/{sub.lower()}"
    return FilterEdge(src, dst, cost, program, maxsize=maxsize, path=path, line=line)
