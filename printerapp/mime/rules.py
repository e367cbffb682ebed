"""The CUPS ``.types`` rule language: a frozen AST and the builder that makes it.

The builder follows CUPS 2.4's ``mimeAddTypeRule`` step by step, including its
odd precedence: ``+`` turns the *current* level into an AND, juxtaposition
keeps whatever operator is current (so ``a + b c`` is ``a AND b AND c`` and
``a b + c`` is ``a OR (b AND c)``), and ``,`` moves up a level.  Rather than a
textbook grammar, it rebuilds CUPS's own tree so that every quirk matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "MIME_MAX_BUFFER",
    "Ascii",
    "Char",
    "Contains",
    "Group",
    "IString",
    "Int",
    "Locale",
    "Match",
    "Printable",
    "Regex",
    "Rule",
    "RuleError",
    "Short",
    "String",
]

#: bytes CUPS reads per buffer fill (scheduler/mime.h in CUPS 2.4)
MIME_MAX_BUFFER = 4096


class RuleError(ValueError):
    """A rule string CUPS would reject; internal to the parser, never escapes it."""


@dataclass(frozen=True, slots=True)
class Match:
    """``match(pattern)``, or a bare extension ``pdf`` (pattern ``*.pdf``)."""

    pattern: str
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Ascii:
    """``ascii(offset,length)``: every byte is ASCII text or a common control."""

    offset: int
    length: int
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Printable:
    """``printable(offset,length)``: like ascii() but bytes >= 128 pass too."""

    offset: int
    length: int
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Regex:
    """``regex(offset,pattern)``: POSIX ERE searched in the buffer at offset."""

    offset: int
    pattern: bytes
    invert: bool = False
    compiled: re.Pattern[bytes] = field(compare=False, repr=False, default=re.compile(b""))


@dataclass(frozen=True, slots=True)
class String:
    """``string(offset,value)``: the bytes at offset equal value."""

    offset: int
    value: bytes
    invert: bool = False


@dataclass(frozen=True, slots=True)
class IString:
    """``istring(offset,value)``: ASCII case-insensitive string()."""

    offset: int
    value: bytes
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Char:
    """``char(offset,value)``: one byte."""

    offset: int
    value: int
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Short:
    """``short(offset,value)``: a big-endian 16-bit word."""

    offset: int
    value: int
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Int:
    """``int(offset,value)``: a big-endian 32-bit word."""

    offset: int
    value: int
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Locale:
    """``locale(name)``: the scheduler's LC_MESSAGES locale is name."""

    value: str
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Contains:
    """``contains(offset,region,value)``: value occurs within region bytes of offset."""

    offset: int
    region: int
    value: bytes
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Group:
    """Children combined with AND or OR, left to right with short-circuit."""

    op: Literal["and", "or"]
    children: tuple[Rule, ...]
    invert: bool = False


Leaf = Match | Ascii | Printable | Regex | String | IString | Char | Short | Int | Locale | Contains
Rule = Leaf | Group
