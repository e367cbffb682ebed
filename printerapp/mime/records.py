"""Frozen records that cross the modules of the job path."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NULL_FILTER", "FilterEdge", "JobPlan", "LineError"]

#: the program name CUPS uses for a conversion that needs no program
NULL_FILTER = "-"


@dataclass(frozen=True, slots=True)
class LineError:
    """One bad line of a source file; reported and skipped, never fatal."""

    path: str
    line: int
    reason: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}: {self.text[:120]!r}"


@dataclass(frozen=True, slots=True)
class FilterEdge:
    """One conversion ``src -> dst`` by ``program`` at ``cost``.

    ``src`` may hold a wildcard (``image/*``, ``*/*``) as written in a
    ``.convs`` file; the database expands it against the known types.
    """

    src: str
    dst: str
    cost: int
    program: str
    #: largest input (bytes) the filter accepts; 0 means unlimited (cupsFilter2 ``maxsize()``)
    maxsize: int = 0
    path: str = "<string>"
    line: int = 0

    @property
    def is_null(self) -> bool:
        """True for the null filter ``-``, which passes data through unchanged."""
        return self.program == NULL_FILTER


@dataclass(frozen=True, slots=True)
class JobPlan:
    """What to run for one document: its type, the chain and its total cost."""

    #: the document's type, after auto-typing when it arrived as octet-stream
    source_type: str
    #: the type the chain ends in (``printer/<name>`` when a PPD is used)
    final_type: str
    #: every conversion step in order, null filters included
    steps: tuple[FilterEdge, ...]
    cost: int

    @property
    def programs(self) -> tuple[str, ...]:
        """The programs to run, in order, without null filters."""
        return tuple(e.program for e in self.steps if not e.is_null)
