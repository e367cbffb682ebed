"""Load the MIME database (``*.types`` + ``*.convs``) as cupsd and cupsfilter load it.

The rules followed (scheduler/mime.c):

* every ``*.types`` file of ``DATADIR/mime`` then ``SERVERROOT`` is read
  first, then every ``*.convs`` file of the same directories, each directory
  in its own listing order (``readdir``), as ``cupsDirRead`` walks it;
* a ``.convs`` line is dropped when its destination type is unknown or its
  program (other than ``-``) is not an executable in the filter directory;
* a wildcard source (``image/*``, ``*/postscript``) is expanded against every
  known type; ``*/*`` means ``application/octet-stream``;
* one filter per (source, destination): a later line replaces an earlier one
  only when it is strictly cheaper (``mimeAddFilter``).

Parsing costs a few tens of milliseconds, so the result is pickled into a
cache directory and reused while every source file (path, mtime, size), the
MIME directories and the filter directory are unchanged.  See :mod:`.cache`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from printerapp.cups import CupsDirs
from printerapp.errors import MimeError
from printerapp.mime.cache import database_cache_file, mime_sources, sources_fingerprint
from printerapp.mime.convs import parse_convs
from printerapp.mime.records import FilterEdge, LineError
from printerapp.mime.types import MimeType, merge_types, parse_types
from printerapp.picklecache import load_pickle, store_pickle

__all__ = [
    "FilterKey",
    "MimeDatabase",
    "add_filter",
    "build_database",
    "expand_source",
    "load_mime_database",
    "mime_sources",
    "read_sources",
]

log = logging.getLogger(__name__)

#: (source, destination) in lower case: CUPS compares type names without case
FilterKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class MimeDatabase:
    """Types and filters, as CUPS holds them after loading its MIME directories."""

    types: Mapping[str, MimeType]
    #: one edge per (src, dst), wildcards expanded, in the order CUPS added them
    filters: tuple[FilterEdge, ...]
    #: every bad or dropped line, each already logged once when the database was built
    errors: tuple[LineError, ...] = ()
    #: identifies the sources this database was built from (see cache.fingerprint)
    fingerprint: str = ""


def read_sources(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """Read each file as (path, text); unreadable files are logged and skipped, as CUPS does."""
    out: list[tuple[str, str]] = []
    for path in paths:
        try:
            out.append((str(path), path.read_bytes().decode("utf-8", "replace")))
        except OSError as exc:
            log.warning("%s: cannot read MIME file: %s", path, exc.strerror or exc)
    return out


def add_filter(
    table: dict[FilterKey, FilterEdge], edge: FilterEdge, *, set_maxsize: bool = False
) -> None:
    """Add *edge* as ``mimeAddFilter`` does: an existing pair keeps the cheaper filter.

    With *set_maxsize* (PPD filters) the pair's maxsize is overwritten even
    when the existing, cheaper program stays, exactly as cupsfilter does it.
    """
    key = (edge.src.lower(), edge.dst.lower())
    old = table.get(key)
    if old is None:
        table[key] = edge
        return
    if old.cost > edge.cost:
        old = replace(old, cost=edge.cost, program=edge.program, path=edge.path, line=edge.line)
    if set_maxsize:
        old = replace(old, maxsize=edge.maxsize)
    table[key] = old


def expand_source(
    pattern: str, type_names: Iterable[str], *, skip_printer: bool = False
) -> list[str]:
    """Return the known types a (possibly wildcard) source pattern stands for."""
    super_, _, sub = pattern.lower().partition("/")
    out = []
    for name in type_names:
        t_super, _, t_sub = name.lower().partition("/")
        if super_.startswith("*"):
            if skip_printer and t_super == "printer":
                continue
        elif t_super != super_:
            continue
        if sub.startswith("*") or t_sub == sub:
            out.append(name)
    return out


def _sorted_type_names(types: Mapping[str, MimeType]) -> list[str]:
    # mime->types is sorted by (super, type) without case
    return sorted(types, key=lambda n: tuple(n.lower().partition("/")[::2]))


def build_database(
    type_sources: Sequence[tuple[str, str]],
    convs_sources: Sequence[tuple[str, str]],
    program_ok: Callable[[str], bool],
    *,
    fingerprint: str = "",
) -> MimeDatabase:
    """Build the database from (path, text) sources; *program_ok* says if a filter exists."""
    errors: list[LineError] = []
    parsed: list[MimeType] = []
    for path, text in type_sources:
        types_, errs = parse_types(text, path)
        parsed.extend(types_)
        errors.extend(errs)
    types = merge_types(parsed)
    names = _sorted_type_names(types)
    by_lower = {n.lower(): n for n in names}
    table: dict[FilterKey, FilterEdge] = {}
    for path, text in convs_sources:
        edges, errs = parse_convs(text, path)
        errors.extend(errs)
        for edge in edges:
            dst = by_lower.get(edge.dst.lower())
            if dst is None:
                errors.append(LineError(path, edge.line, "unknown destination type", edge.dst))
            elif not edge.is_null and not program_ok(edge.program):
                errors.append(LineError(path, edge.line, "filter program not found", edge.program))
            else:
                for src in expand_source(edge.src, names):
                    add_filter(table, replace(edge, src=src, dst=dst))
    for err in errors:
        log.warning("%s", err)
    return MimeDatabase(types, tuple(table.values()), tuple(errors), fingerprint)


def convs_program_ok(filter_dir: Path) -> Callable[[str], bool]:
    """Return the check ``load_convs`` makes: an executable found in *filter_dir*."""
    prefix = f"{filter_dir}/"

    def ok(program: str) -> bool:
        # cupsFileFind() joins the names as text: an absolute program is not special.
        return os.access(prefix + program, os.X_OK)

    return ok


def load_mime_database(dirs: CupsDirs, *, cache_dir: Path | None = None) -> MimeDatabase:
    """Load the database of *dirs*, from the cache when its sources are unchanged."""
    types_files, convs_files, fingerprint = sources_fingerprint(dirs)
    if not types_files:
        raise MimeError(f"no *.types files in {' or '.join(map(str, dirs.mime_dirs))}")
    cache = database_cache_file(dirs, cache_dir)
    cached = load_pickle(cache, fingerprint) if cache is not None else None
    if isinstance(cached, MimeDatabase):
        return cached
    db = build_database(
        read_sources(types_files),
        read_sources(convs_files),
        convs_program_ok(dirs.filter_dir),
        fingerprint=fingerprint,
    )
    if cache is not None:
        store_pickle(cache, fingerprint, db)
    return db
