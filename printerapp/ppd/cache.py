"""Build the driver index, or load it from its cache in the state directory.

The cache (``<state>/drivers/index.pickle``) keeps, per source, its stamp,
records and problems (:class:`~printerapp.ppd.sources.SourceResult`), plus
the CUPS order of the assembled index.  On start-up every source is listed
and stamped (a directory walk and a ``stat`` per program, no program run):

* every stamp unchanged: the index is the cached one (a warm start);
* otherwise only the new or changed sources are read again, in parallel
  threads, and the index is re-assembled and stored.

Problems are logged once, when a source is actually read; a warm start keeps
them in the index without logging them again.  The cache is a pickle, so it
is only trusted in a private directory (see :mod:`printerapp.mime.cache`).
"""

from __future__ import annotations

import logging
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from printerapp.cups import CupsDirs
from printerapp.picklecache import load_pickle, store_pickle
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.records import DriverRecord
from printerapp.ppd.settings import DriversConfig
from printerapp.ppd.sources import (
    Problem,
    Source,
    SourceResult,
    driver_sources,
    drv_sources,
    file_sources,
    ppd_roots,
    read_source,
)

__all__ = ["CACHE_FORMAT", "LoadStats", "cache_file", "load_index"]

log = logging.getLogger(__name__)

#: bump when DriverRecord or the cached layout changes
CACHE_FORMAT = 4
#: threads reading sources in parallel (driver programs mostly wait on I/O)
READ_THREADS = 4


@dataclass(frozen=True, slots=True)
class LoadStats:
    """How an index was obtained."""

    sources: int
    reread: int
    from_cache: bool


def cache_file(state_dir: Path) -> Path | None:
    """Return the cache file under *state_dir*, or None when the directory is not private."""
    directory = state_dir / "drivers"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.lstat()
    except OSError:
        return None
    private = (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.geteuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )
    return directory / "index.pickle" if private else None


def _list_sources(dirs: CupsDirs, config: DriversConfig) -> list[Source]:
    files = file_sources(ppd_roots(dirs, config.user_ppd_dir))
    programs = driver_sources(dirs.serverbin / "driver", config.exclude_programs)
    # slowest first, so the thread pool does not wait on ppdc at the end
    return drv_sources(dirs.datadir / "drv") + programs + files


def _read_all(sources: list[Source], timeout: float) -> list[SourceResult]:
    if not sources:
        return []
    with ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="ppd-read") as pool:
        results = list(pool.map(lambda s: read_source(s, timeout), sources))
    for result in results:
        for problem in result.problems:
            log.warning("skipped %s: %s", problem.source, problem.message)
    return results


def _cache_key(dirs: CupsDirs, config: DriversConfig) -> str:
    return repr((CACHE_FORMAT, dirs, config.user_ppd_dir, sorted(config.exclude_programs)))


def load_index(
    dirs: CupsDirs, config: DriversConfig, state_dir: Path | None
) -> tuple[DriverIndex, LoadStats]:
    """Return the driver index, reading only the sources that changed since the cache."""
    path = cache_file(state_dir) if state_dir is not None else None
    key = _cache_key(dirs, config)
    cached = load_pickle(path, key) if path is not None else None
    old: dict[str, SourceResult] = {}
    order: tuple[tuple[str, int, int], ...] = ()
    if isinstance(cached, tuple) and len(cached) == 2:
        old, order = cached
    sources = _list_sources(dirs, config)
    stale = [s for s in sources if (hit := old.get(s.path)) is None or hit.stamp != s.stamp]
    fresh = dict(zip((s.path for s in stale), _read_all(stale, config.list_timeout), strict=True))
    results = {s.path: fresh.get(s.path) or old[s.path] for s in sources}
    problems = tuple(p for r in results.values() for p in r.problems)
    if not stale and set(results) == set(old) and order:
        index = _from_order(results, order, problems)
        return index, LoadStats(len(sources), 0, True)
    index = DriverIndex.build([rec for r in results.values() for rec in r.records], problems)
    if path is not None:
        store_pickle(path, key, (results, _order_of(index, results)))
    return index, LoadStats(len(sources), len(stale), False)


def _order_of(
    index: DriverIndex, results: dict[str, SourceResult]
) -> tuple[tuple[str, int, int], ...]:
    """Encode the index order as (source path, record number in that source) pairs."""
    where = {id(rec): (path, i) for path, r in results.items() for i, rec in enumerate(r.records)}
    return tuple(
        (*where[id(rec)], rank) for rec, rank in zip(index.records, index.name_rank, strict=True)
    )


def _from_order(
    results: dict[str, SourceResult],
    order: tuple[tuple[str, int, int], ...],
    problems: tuple[Problem, ...],
) -> DriverIndex:
    records: list[DriverRecord] = []
    ranks: list[int] = []
    for path, i, rank in order:
        records.append(results[path].records[i])
        ranks.append(rank)
    return DriverIndex.build(records, problems, tuple(ranks))
