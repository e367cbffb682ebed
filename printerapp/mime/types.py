"""Parse CUPS ``.types`` files into :class:`MimeType` records (pure: text in, records out).

Line handling follows CUPS 2.4's ``mime_load_types``: lines end at LF, CR or
CRLF; a line that is empty or starts with ``#`` is skipped; a trailing
backslash joins the next physical line; ``super/type`` is lower-cased and the
rest of the line is the rule string.  Where CUPS would half-apply a broken
line, we report one :class:`LineError` and skip the whole line instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from printerapp.mime.builder import build_rules
from printerapp.mime.records import LineError
from printerapp.mime.rules import Group, Rule, RuleError

__all__ = [
    "DEFAULT_PRIORITY",
    "MimeType",
    "Rule",
    "logical_lines",
    "merge_types",
    "parse_types",
    "type_order",
]

log = logging.getLogger(__name__)

#: priority of a type without priority() (``mimeAddType``)
DEFAULT_PRIORITY = 100
#: MIME_MAX_SUPER - 1 and MIME_MAX_TYPE - 1
_MAX_SUPER = 15
_MAX_TYPE = 255
_NEWLINE = re.compile(r"\r\n|\r|\n")
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class MimeType:
    """One ``super/type`` definition with its detection rule."""

    #: ``super/type``, lower-cased (ASCII) as CUPS does
    name: str
    #: the rule tree; None when the type is never auto-detected
    rule: Rule | None
    priority: int
    path: str
    line: int
    #: the rule text of this line, kept so repeated definitions merge as in CUPS
    rules_text: str = ""


def _physical_lines(text: str) -> Iterator[tuple[int, str]]:
    parts = _NEWLINE.split(text)
    if parts and parts[-1] == "":
        parts.pop()
    for number, part in enumerate(parts, start=1):
        # the C code sees a NUL-terminated string
        yield number, part.split("\x00", 1)[0]


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield ``(first line number, line)`` after comment, blank and backslash handling."""
    lines = _physical_lines(text)
    for number, line in lines:
        if not line or line.startswith("#"):
            continue
        while line.endswith("\\"):
            line = line[:-1]
            nxt = next(lines, None)
            if nxt is not None:
                line += nxt[1]
            elif not line:
                break
        yield number, line


def _split_name(line: str) -> tuple[str, str]:
    """Split ``super/type rules`` into the lower-cased name and the rule text."""
    slash = line.find("/")
    if slash <= 0 or any(ch in line[:slash] for ch in " \t"):
        raise RuleError("no super/type at the start of the line")
    if slash > _MAX_SUPER:
        raise RuleError(f"super-type longer than {_MAX_SUPER} characters")
    end = slash + 1
    while end < len(line) and line[end] not in " \t":
        end += 1
    if end == slash + 1:
        raise RuleError("empty type name")
    if end - slash - 1 > _MAX_TYPE:
        raise RuleError(f"type name longer than {_MAX_TYPE} characters")
    return line[:end].translate(_LOWER), line[end:]


def _parse_line(line: str, path: str, number: int) -> MimeType:
    name, rules_text = _split_name(line)
    rule, priority = build_rules(rules_text.encode("utf-8", "surrogateescape"))
    return MimeType(
        name=name,
        rule=rule,
        priority=DEFAULT_PRIORITY if priority is None else priority,
        path=path,
        line=number,
        rules_text=rules_text,
    )


def parse_types(text: str, path: str = "<string>") -> tuple[list[MimeType], list[LineError]]:
    """Parse ``.types`` text into one record per definition line; never raises on bad text."""
    types: list[MimeType] = []
    errors: list[LineError] = []
    for number, line in logical_lines(text):
        if not line.strip(" \t\v\f"):
            continue
        try:
            types.append(_parse_line(line, path, number))
        except (RuleError, RecursionError) as exc:
            errors.append(LineError(path, number, str(exc) or type(exc).__name__, line))
    return types, errors


def _merge_one(old: MimeType, new: MimeType) -> MimeType:
    existing = (
        old.rule if isinstance(old.rule, Group) or old.rule is None else Group("or", (old.rule,))
    )
    if new.rules_text or new.rule is None:
        try:
            rule, priority = build_rules(
                new.rules_text.encode("utf-8", "surrogateescape"), existing
            )
        except RuleError as exc:
            log.warning("%s:%d: cannot merge rules of %s: %s", new.path, new.line, new.name, exc)
            return old
    else:
        children = new.rule.children if isinstance(new.rule, Group) else (new.rule,)
        rule = Group("or", (existing.children if existing else ()) + children)
        priority = None if new.priority == DEFAULT_PRIORITY else new.priority
    return MimeType(
        name=old.name,
        rule=rule,
        priority=old.priority if priority is None else priority,
        path=old.path,
        line=old.line,
        rules_text=old.rules_text,
    )


def merge_types(types: Iterable[MimeType]) -> dict[str, MimeType]:
    """Combine repeated definitions in load order, as ``mimeAddType``/``mimeAddTypeRule`` do."""
    merged: dict[str, MimeType] = {}
    for mime_type in types:
        old = merged.get(mime_type.name)
        merged[mime_type.name] = mime_type if old is None else _merge_one(old, mime_type)
    return merged


def type_order(name: str) -> tuple[bytes, bytes]:
    """Sort key of CUPS's type array (``strcmp`` on super, then on type)."""
    sup, _, sub = name.partition("/")
    return sup.encode("utf-8", "surrogateescape"), sub.encode("utf-8", "surrogateescape")
