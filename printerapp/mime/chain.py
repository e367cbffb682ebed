"""The cheapest filter chain, chosen exactly as CUPS chooses it.

CUPS (scheduler/filter.c ``mime_find_filters``) searches depth-first: at each
type it first takes the direct filter to the destination, then tries every
filter leaving the type, ordered by destination name, skipping filters whose
``maxsize`` the document exceeds and types already on the path.  A candidate
replaces the best so far only when *strictly* cheaper, so among equal-cost
chains the first one in that order wins.  Such tie-breaking is not what a
plain shortest-path algorithm returns, so this module runs the same search,
pruned by exact lower bounds: Dijkstra distances to the destination over a
networkx graph of the types.  Pruning only skips candidates that cannot be
strictly cheaper, so the result is CUPS's.

The printer's own filters are added as cupsfilter ``-e -m printer/NAME`` adds
them (``add_printer_filters`` and ppd-cache.c ``_ppdCacheCreateWithPPD``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from printerapp.mime.convs import parse_ppd_filter
from printerapp.mime.database import FilterKey, add_filter, expand_source
from printerapp.mime.records import NULL_FILTER, FilterEdge, LineError
from printerapp.ppd.ppdfile import PpdHeader, PpdLine

__all__ = [
    "CUPS_MAX_COST",
    "FilterTable",
    "add_prefilters",
    "build_filter_table",
    "find_chain",
    "ppd_filter_lines",
]

#: mime_find_filters() starts from this "infinite" cost when there is no direct filter
CUPS_MAX_COST = 9999999
_CUPS = "<cups>"
RAW_LINE = "application/vnd.cups-raw application/octet-stream 0 -"
POSTSCRIPT_LINE = "application/vnd.cups-postscript 0 -"
COMMAND_LINE = "application/vnd.cups-command application/postscript 100 commandtops"


@dataclass(frozen=True, slots=True)
class FilterTable:
    """Every filter of the database plus a printer's, keyed by (src, dst) in lower case."""

    edges: Mapping[FilterKey, FilterEdge]
    #: ``printer/NAME``
    target: str
    #: ``prefilter/NAME`` when the PPD has ``*cupsPreFilter`` lines
    prefilter: str | None = None
    errors: tuple[LineError, ...] = ()


def _starts_with_type(value: str, name: str) -> bool:
    n = len(name)
    return value[:n].lower() == name and value[n : n + 1].isspace()


def ppd_filter_lines(header: PpdHeader) -> list[PpdLine]:
    """Return the filter values CUPS derives from a PPD, synthetic ones included, in order."""
    lines = [PpdLine("cupsFilter2", RAW_LINE, 0)]
    lines += header.chain_filters or [PpdLine("cupsFilter", POSTSCRIPT_LINE, 0)]
    has_command = any(_starts_with_type(ln.value, "application/vnd.cups-command") for ln in lines)
    commands_allowed = header.commands is None or header.commands.lower() != "none"
    is_postscript = any(
        _starts_with_type(ln.value, "application/vnd.cups-postscript") for ln in lines
    )
    if not has_command and commands_allowed and is_postscript:
        lines.append(PpdLine("cupsFilter2", COMMAND_LINE, 0))
    return lines


def _add_printer_filter(
    table: dict[FilterKey, FilterEdge],
    names: list[str],
    edge: FilterEdge,
    target: str,
) -> None:
    if edge.dst != target and edge.dst.lower() not in {n.lower() for n in names}:
        names.append(edge.dst)  # mimeAddType(): cupsFilter2 names a new printer type
    for src in expand_source(edge.src, list(names), skip_printer=True):
        add_filter(table, replace(edge, src=src), set_maxsize=True)
        if edge.dst != target and (edge.dst.lower(), target.lower()) not in table:
            table[(edge.dst.lower(), target.lower())] = FilterEdge(
                edge.dst, target, 0, NULL_FILTER, path=edge.path, line=edge.line
            )


def _add_lines(
    table: dict[FilterKey, FilterEdge],
    names: list[str],
    lines: Iterable[PpdLine],
    target: str,
    ppd_path: str,
    program_ok: Callable[[str], bool],
) -> list[LineError]:
    errors: list[LineError] = []
    for ln in lines:
        path = ppd_path if ln.line else _CUPS
        parsed = parse_ppd_filter(ln.value, target, path, ln.line)
        if isinstance(parsed, LineError):
            errors.append(parsed)
        elif not parsed.is_null and not program_ok(parsed.program):
            if parsed.dst != target and parsed.dst.lower() not in {n.lower() for n in names}:
                names.append(parsed.dst)
            errors.append(LineError(path, ln.line, "filter program not available", ln.value))
        else:
            _add_printer_filter(table, names, parsed, target)
    return errors


def build_filter_table(
    filters: Iterable[FilterEdge],
    type_names: Iterable[str],
    header: PpdHeader | None,
    printer: str,
    program_ok: Callable[[str], bool],
) -> FilterTable:
    """Add the PPD's filters for ``printer/PRINTER`` to the database *filters*."""
    table: dict[FilterKey, FilterEdge] = {(e.src.lower(), e.dst.lower()): e for e in filters}
    target = f"printer/{printer}"
    names = sorted(type_names, key=lambda n: tuple(n.lower().partition("/")[::2]))
    names.append(target)
    if header is None:
        return FilterTable(table, target)
    errors = _add_lines(table, names, ppd_filter_lines(header), target, header.path, program_ok)
    prefilter = None
    if header.prefilters:
        prefilter = f"prefilter/{printer}"
        names.append(prefilter)
        errors += _add_lines(table, names, header.prefilters, prefilter, header.path, program_ok)
    return FilterTable(table, target, prefilter, tuple(errors))


def _bounds(edges: Sequence[FilterEdge], dst: str) -> dict[str, float]:
    """Return a lower bound of the cost from each type to *dst* (absent: unreachable)."""
    import networkx as nx  # ~140 ms to import: only when a chain is really computed

    graph = nx.DiGraph()
    graph.add_node(dst)
    for e in edges:
        graph.add_edge(e.src.lower(), e.dst.lower(), weight=e.cost)
    if any(e.cost < 0 for e in edges):
        # Dijkstra needs non-negative costs; keep reachability only.
        return dict.fromkeys({dst, *nx.ancestors(graph, dst)}, -math.inf)
    lengths = nx.single_source_dijkstra_path_length(graph.reverse(copy=False), dst)
    return {str(k): float(v) for k, v in lengths.items()}


def _dst_order(edge: FilterEdge) -> tuple[str, str]:
    # The srcs array holds each type's filters sorted by destination (super, type) with strcmp.
    super_, _, sub = edge.dst.partition("/")
    return super_, sub


def find_chain(
    edges: Iterable[FilterEdge], src: str, dst: str, srcsize: int = 0
) -> tuple[tuple[FilterEdge, ...], int] | None:
    """Return the chain ``mimeFilter2(src, srcsize, dst)`` returns and its cost, or None."""
    usable = [e for e in edges if e.maxsize <= 0 or srcsize <= e.maxsize]
    dst_l = dst.lower()
    bound = _bounds(usable, dst_l)
    direct = {(e.src.lower(), e.dst.lower()): e for e in usable}
    leaving: dict[str, list[FilterEdge]] = {}
    for e in sorted(usable, key=_dst_order):
        leaving.setdefault(e.src.lower(), []).append(e)

    def search(
        node: str, ancestors: frozenset[str], limit: float
    ) -> tuple[int, list[FilterEdge]] | None:
        # CUPS's answer for (node, ancestors) when it costs less than limit, else None.
        first = direct.get((node, dst_l))
        best = [first] if first is not None else None
        mincost = first.cost if first is not None else CUPS_MAX_COST
        cutoff = min(mincost, limit)
        inner = ancestors | {node}
        for e in leaving.get(node, ()):
            nxt = e.dst.lower()
            if nxt in ancestors or nxt not in bound or e.cost + bound[nxt] >= cutoff:
                continue
            sub = search(nxt, inner, cutoff - e.cost)
            if sub is not None and sub[0] + e.cost < cutoff:
                mincost, best = sub[0] + e.cost, [e, *sub[1]]
                cutoff = min(mincost, limit)
        if best is None or mincost >= limit:
            return None
        return mincost, best

    found = search(src.lower(), frozenset(), math.inf)
    return None if found is None else (tuple(found[1]), found[0])


def add_prefilters(chain: Sequence[FilterEdge], table: FilterTable) -> tuple[FilterEdge, ...]:
    """Insert the PPD's pre-filters before each step whose input they accept, as cupsfilter does."""
    if table.prefilter is None:
        return tuple(chain)
    out: list[FilterEdge] = []
    for step in chain:
        pre = table.edges.get((step.src.lower(), table.prefilter.lower()))
        if pre is not None:
            out.append(pre)
        out.append(step)
    return tuple(out)
