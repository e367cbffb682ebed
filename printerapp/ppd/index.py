"""The in-memory driver index: every known PPD, in CUPS's order, searchable fast.

Scoring 8,000 PPDs one by one costs tens of milliseconds in Python.  Instead,
the folded make-and-model strings (and device IDs) of all records are joined
into one text, separated by NUL, and :meth:`str.find` walks only the hits; a
hit's record is found by bisecting the start offsets.  The device-ID regex is
then run only on records containing all of its literal pieces.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field

from printerapp.deviceid import model_key
from printerapp.ppd.match import CupsQuery, casecmp_key, names_key, score_device_id
from printerapp.ppd.match import score_make_model as _mm_score
from printerapp.ppd.records import DriverRecord
from printerapp.ppd.sources import Problem

__all__ = ["DriverIndex", "cups_order"]

#: ppd-type values cups-driverd never offers (driver files, archives)
_UNLISTED = {"drv", "archive"}


def cups_order(records: list[DriverRecord]) -> list[DriverRecord]:
    """Sort *records* as CUPS's make/model list: make, make-and-model, language, file, name."""

    def key(rec: DriverRecord) -> tuple[object, ...]:
        filename = rec.path if rec.kind == "driver" else rec.name
        return (
            casecmp_key(rec.make),
            names_key(rec.make_and_model),
            rec.languages[0].encode(),
            filename.encode(),
            rec.name.encode(),
        )

    return sorted(records, key=key)


def _ranks(records: tuple[DriverRecord, ...]) -> tuple[int, ...]:
    """Dense rank of each record's make-and-model under cupsdCompareNames()."""
    keys = [names_key(r.make_and_model) for r in records]
    distinct = sorted(set(keys))
    where = {k: i for i, k in enumerate(distinct)}
    return tuple(where[k] for k in keys)


def _blob(texts: list[str]) -> tuple[str, list[int]]:
    starts: list[int] = []
    pos = 0
    for text in texts:
        starts.append(pos)
        pos += len(text) + 1
    return "\0".join(texts), starts


@dataclass(slots=True)
class DriverIndex:
    """Every known PPD, in CUPS's make/model order, with the problems met building it."""

    records: tuple[DriverRecord, ...]
    problems: tuple[Problem, ...] = ()
    #: dense cupsdCompareNames() rank of each record's make-and-model
    name_rank: tuple[int, ...] = ()
    by_name: dict[str, int] = field(default_factory=dict, repr=False)
    _mm_blob: str = field(default="", repr=False)
    _mm_starts: list[int] = field(default_factory=list, repr=False)
    _id_blob: str = field(default="", repr=False)
    _id_starts: list[int] = field(default_factory=list, repr=False)
    #: (normalised make, normalised model) -> record numbers, built on first use
    _by_model: dict[tuple[str, str], list[int]] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        records: list[DriverRecord],
        problems: tuple[Problem, ...] = (),
        name_rank: tuple[int, ...] | None = None,
    ) -> DriverIndex:
        """Index *records* (already in CUPS order when *name_rank* is given)."""
        if name_rank is None:
            records = cups_order([r for r in records if r.ppd_type not in _UNLISTED])
        recs = tuple(records)
        index = cls(recs, problems, name_rank if name_rank is not None else _ranks(recs))
        index.by_name = {}
        for i, rec in enumerate(recs):
            index.by_name.setdefault(rec.name, i)
        index._mm_blob, index._mm_starts = _blob([r.key_make_model for r in recs])
        index._id_blob, index._id_starts = _blob([r.key_device_id for r in recs])
        return index

    def __len__(self) -> int:
        return len(self.records)

    def get(self, name: str) -> DriverRecord | None:
        """Return the record called *name* (a ppd-name), if known."""
        i = self.by_name.get(name)
        return None if i is None else self.records[i]

    def _hits(self, blob: str, starts: list[int], needle: str) -> Iterator[tuple[int, int]]:
        """Yield (record, offset in its text) for the first hit of *needle* in each record."""
        pos = blob.find(needle)
        while pos >= 0:
            i = bisect.bisect_right(starts, pos) - 1
            yield i, pos - starts[i]
            nxt = starts[i + 1] if i + 1 < len(starts) else len(blob)
            pos = blob.find(needle, nxt)

    def cups_scores(self, query: CupsQuery) -> dict[int, int]:
        """Return cups-driverd's non-zero score of each matching record, by record number."""
        scores: dict[int, int] = {}
        if query.make_model:
            for i, offset in self._hits(self._mm_blob, self._mm_starts, query.make_model):
                scores[i] = _mm_score(query, offset)
        if query.device_re is not None:
            for i in self._device_candidates(query):
                points = score_device_id(query, self.records[i])
                if points:
                    scores[i] = scores.get(i, 0) + points
        return scores

    def _device_candidates(self, query: CupsQuery) -> Iterator[int]:
        if not query.device_pieces:
            yield from range(len(self.records))
            return
        needle = max(query.device_pieces, key=len)
        others = [p for p in query.device_pieces if p != needle]
        for i, _offset in self._hits(self._id_blob, self._id_starts, needle):
            text = self.records[i].key_device_id
            if all(p in text for p in others):
                yield i

    def same_model(self, manufacturer: str, model: str) -> list[DriverRecord]:
        """Return the records (with a device ID) of the same printer, by :func:`model_key`."""
        if self._by_model is None:
            table: dict[tuple[str, str], list[int]] = {}
            for i, rec in enumerate(self.records):
                if rec.device_id:
                    table.setdefault(model_key(rec.manufacturer, rec.model), []).append(i)
            self._by_model = table
        return [self.records[i] for i in self._by_model.get(model_key(manufacturer, model), [])]
