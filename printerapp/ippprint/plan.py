"""Plan a job: the document's type and the filter chain CUPS would run for it.

:func:`plan_job` is the one entry point of the job runner.  Its hot path (a
declared type whose chain is cached) stats the MIME files and reads one small
pickle: the MIME database is not even imported.  Auto-typing loads the cached
database; parsing the MIME files and the PPD and importing networkx happen
only when something changed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from printerapp.cups import CupsDirs
from printerapp.errors import FilterRejectedError, NoChainError, UnknownTypeError
from printerapp.ippprint.security import check_program, insecure_allowed
from printerapp.mime import cache as mime_cache
from printerapp.mime.records import NULL_FILTER, FilterEdge, JobPlan
from printerapp.picklecache import load_pickle, store_pickle

if TYPE_CHECKING:
    from printerapp.mime.database import MimeDatabase

__all__ = ["GZIP_FILTER", "describe_plan", "plan_job", "ppd_program_ok", "source_type"]

log = logging.getLogger(__name__)

OCTET_STREAM = "application/octet-stream"
#: cupsfilter puts this before the chain of a gzip-compressed, auto-typed document
GZIP_FILTER = "gziptoany"
_GZIP_MAGIC = b"\x1f\x8b"
_MAX_CACHED_CHAINS = 512
#: a cached chain: (steps, cost), or None for "no chain"
_Chain = tuple[tuple[FilterEdge, ...], int] | None
#: question -> (maxsize limits, answers by which limits the document is under)
_ChainCache = dict[str, tuple[tuple[int, ...], dict[tuple[bool, ...], _Chain]]]


def source_type(
    db: MimeDatabase, document: Path, content_type: str | None
) -> tuple[str | None, bool]:
    """Return (type, auto_typed): the declared type, or the detected one (None: unknown)."""
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared and declared != OCTET_STREAM:
        if declared not in db.types:
            raise UnknownTypeError(f"{document}: unknown document type {declared!r}")
        return declared, False
    from printerapp.mime.match import detect_type

    return detect_type(db.types, document), True


def ppd_program_ok(dirs: CupsDirs) -> Callable[[str], bool]:
    """Return the check cupsfilter makes of a PPD filter program (stricter as root)."""
    relaxed = os.geteuid() != 0 or insecure_allowed()

    def ok(program: str) -> bool:
        path = program if program.startswith("/") else f"{dirs.filter_dir}/{program}"
        try:
            check_program(Path(path), allow_insecure=relaxed)
        except FilterRejectedError as exc:
            log.warning("%s", exc)
            return False
        return True

    return ok


def _compute_chain(
    dirs: CupsDirs, db: MimeDatabase, ppd: Path, source: str, printer: str, size: int
) -> tuple[_Chain, tuple[int, ...]]:
    from printerapp.mime.chain import add_prefilters, build_filter_table, find_chain
    from printerapp.ppd.ppdfile import read_ppd

    header = read_ppd(ppd)
    table = build_filter_table(db.filters, db.types, header, printer, ppd_program_ok(dirs))
    for err in table.errors:
        log.warning("%s", err)
    maxsizes = tuple(sorted({e.maxsize for e in table.edges.values() if e.maxsize > 0}))
    found = find_chain(table.edges.values(), source, table.target, size)
    if found is None:
        return None, maxsizes
    return (add_prefilters(found[0], table), found[1]), maxsizes


def _chain_cache_file(db_file: Path | None) -> Path | None:
    return (
        None if db_file is None else db_file.with_name(db_file.name.replace("mimedb-", "chains-"))
    )


def _chain_question(fingerprint: str, ppd: Path, printer: str, source: str) -> str:
    return f"{fingerprint}\n{mime_cache.stat_key(ppd)}\n{printer}\n{source}"


def _stored_chains(cache: Path | None) -> _ChainCache:
    stored = load_pickle(cache, "chains") if cache is not None else None
    return stored if isinstance(stored, dict) else {}


def _lookup_chain(chains: _ChainCache, question: str, size: int) -> tuple[bool, _Chain]:
    """Return (found, chain) for *question* from the chain cache."""
    if question in chains:
        maxsizes, answers = chains[question]
        # the answer depends on the size only through the filters' maxsize() limits
        signature = tuple(size <= m for m in maxsizes)
        if signature in answers:
            return True, answers[signature]
    return False, None


def _cached_chain(
    dirs: CupsDirs,
    db: MimeDatabase,
    ppd: Path,
    source: str,
    printer: str,
    size: int,
    cache_dir: Path | None,
) -> _Chain:
    """Return the chain for *source*, from the chain cache when the same question was asked."""
    cache = _chain_cache_file(mime_cache.database_cache_file(dirs, cache_dir))
    question = _chain_question(db.fingerprint, ppd, printer, source)
    chains = _stored_chains(cache)
    found, chain = _lookup_chain(chains, question, size)
    if found:
        return chain
    chain, maxsizes = _compute_chain(dirs, db, ppd, source, printer, size)
    if cache is not None:
        if len(chains) >= _MAX_CACHED_CHAINS:
            chains = {}
        answers = chains.get(question, (maxsizes, {}))[1]
        answers[tuple(size <= m for m in maxsizes)] = chain
        chains[question] = (maxsizes, answers)
        store_pickle(cache, "chains", chains)
    return chain


def _known_chain(
    dirs: CupsDirs, ppd: Path, source: str, printer: str, size: int, cache_dir: Path | None
) -> tuple[bool, _Chain]:
    """Answer from the chain cache alone, without loading the MIME database."""
    cache = _chain_cache_file(mime_cache.database_cache_file(dirs, cache_dir))
    if cache is None:
        return False, None
    fingerprint = mime_cache.sources_fingerprint(dirs)[2]
    # A stored answer implies the type was known under this very fingerprint.
    return _lookup_chain(
        _stored_chains(cache), _chain_question(fingerprint, ppd, printer, source), size
    )


def _is_gzip(document: Path) -> bool:
    try:
        with document.open("rb") as fh:
            return fh.read(2) == _GZIP_MAGIC
    except OSError:
        return False


def plan_job(
    dirs: CupsDirs,
    ppd: Path | None,
    document: Path,
    content_type: str | None,
    *,
    printer: str = "foo",
    cache_dir: Path | None = None,
) -> JobPlan:
    """Type *document* (auto-typing octet-stream) and choose its chain to ``printer/PRINTER``."""
    target = f"printer/{printer}"
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    size = _size(document)
    if ppd is not None and declared and declared != OCTET_STREAM:
        found, chain = _known_chain(dirs, ppd, declared, printer, size, cache_dir)
        if found:
            return _plan(document, ppd, declared, target, chain, auto=False)
    from printerapp.mime.database import load_mime_database

    db = load_mime_database(dirs, cache_dir=cache_dir)
    source, auto = source_type(db, document, content_type)
    if ppd is None:
        # A raw queue: cupsd gives it "*/* 0 -", and keeps octet-stream it cannot type.
        src = source or OCTET_STREAM
        return JobPlan(src, target, (FilterEdge(src, target, 0, NULL_FILTER),), 0)
    if source is None:
        raise UnknownTypeError(f"{document}: cannot determine the document type")
    chain = _cached_chain(dirs, db, ppd, source, printer, size, cache_dir)
    return _plan(document, ppd, source, target, chain, auto=auto)


def _size(document: Path) -> int:
    try:
        return document.stat().st_size
    except OSError:
        return 0


def _plan(
    document: Path, ppd: Path, source: str, target: str, chain: _Chain, *, auto: bool
) -> JobPlan:
    if chain is None:
        printer = target.removeprefix("printer/")
        raise NoChainError(f"no filter chain converts {source} for printer {printer!r} ({ppd})")
    steps, cost = chain
    if auto and steps and _is_gzip(document):
        steps = (FilterEdge(source, source, 0, GZIP_FILTER), *steps)
    return JobPlan(source, target, steps, cost)


def describe_plan(plan: JobPlan) -> list[str]:
    """Return the listing ``printerapp filters`` prints: type, one program per line, cost."""
    lines = [f"type: {plan.source_type}"]
    lines += [f"{s.program}\t{s.cost}\t{s.src} -> {s.dst}" for s in plan.steps if not s.is_null]
    lines.append(f"cost: {plan.cost}")
    return lines
