"""Build the rule tree of one ``.types`` line the way CUPS's ``mimeAddTypeRule`` does.

CUPS keeps rules as sibling lists under group nodes and edits that tree while
it scans; the operators' odd precedence falls out of those edits.  We replay
the same edits on small mutable nodes, then freeze the result into the AST of
:mod:`printerapp.mime.rules`.  Replaying onto a thawed tree is also how
a repeated definition of a type is merged.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

from printerapp.mime.regex import compile_posix_ere
from printerapp.mime.rules import (
    MIME_MAX_BUFFER,
    Ascii,
    Char,
    Contains,
    Group,
    Int,
    IString,
    Leaf,
    Locale,
    Match,
    Printable,
    Regex,
    Rule,
    RuleError,
    Short,
    String,
)

__all__ = ["build_rules"]

_AND, _OR, _NOP = "and", "or", "nop"
_SPACE = frozenset(b" \t\n\v\f\r")
_ALNUM = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_HEX = frozenset(b"0123456789abcdefABCDEF")
#: CUPS's char value[255] buffers hold 254 bytes plus the NUL
_MAX_VALUE = 254
_MAX_NAME = 254
#: sizes of the matchv/localev/stringv unions in mime.h
_MAX_MATCH = 63
_MAX_STRING = 64
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_STRTOL = re.compile(rb"([+-]?)(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))")
_ATOI = re.compile(rb"[+-]?[0-9]+")
_ARITY = {
    "match": 1,
    "ascii": 2,
    "printable": 2,
    "regex": 2,
    "string": 2,
    "istring": 2,
    "char": 2,
    "short": 2,
    "int": 2,
    "locale": 1,
    "contains": 3,
}


class _Node:
    __slots__ = ("child", "invert", "leaf", "next", "op", "parent", "prev")

    def __init__(self, invert: bool = False) -> None:
        self.op = _NOP
        self.invert = invert
        self.leaf: Leaf | None = None
        self.parent: _Node | None = None
        self.prev: _Node | None = None
        self.next: _Node | None = None
        self.child: _Node | None = None


def _strtol(raw: bytes, low: int, high: int) -> int:
    m = _STRTOL.fullmatch(raw)
    if m is None:
        raise RuleError(f"bad number {raw!r}")
    sign, hexa, octal, dec = m.groups()
    value = int(hexa, 16) if hexa else int(octal, 8) if octal else int(dec)
    value = -value if sign == b"-" else value
    if not low <= value <= high:
        raise RuleError(f"number out of range {raw!r}")
    return value


def _make_leaf(name: str, values: list[bytes]) -> Leaf:
    """Turn a function name and its raw values into a leaf test."""
    if len(values) < _ARITY[name]:
        raise RuleError(f"{name}() needs {_ARITY[name]} values")
    v = values
    if name == "match":
        return Match(_checked(v[0], _MAX_MATCH).decode("utf-8", "surrogateescape"))
    if name == "locale":
        return Locale(_checked(v[0], _MAX_MATCH).decode("utf-8", "surrogateescape"))
    offset = _strtol(v[0], _INT_MIN, _INT_MAX)
    if name in ("ascii", "printable"):
        length = min(_strtol(v[1], _INT_MIN, _INT_MAX), MIME_MAX_BUFFER)
        return Ascii(offset, length) if name == "ascii" else Printable(offset, length)
    if name == "regex":
        try:
            return Regex(offset, v[1], compiled=compile_posix_ere(v[1]))
        except ValueError as exc:
            raise RuleError(str(exc)) from exc
    if name in ("string", "istring"):
        value = _checked(v[1], _MAX_STRING)
        return String(offset, value) if name == "string" else IString(offset, value)
    if name == "char":
        byte = v[1][0] if len(v[1]) == 1 else _strtol(v[1], _LONG_MIN, _LONG_MAX) & 0xFF
        return Char(offset, byte)
    if name == "short":
        return Short(offset, _strtol(v[1], _LONG_MIN, _LONG_MAX) & 0xFFFF)
    if name == "int":
        return Int(offset, _strtol(v[1], _LONG_MIN, _LONG_MAX) & 0xFFFFFFFF)
    region = _strtol(v[1], _INT_MIN, _INT_MAX)
    return Contains(offset, region, _checked(v[2], _MAX_STRING))


def _checked(value: bytes, limit: int) -> bytes:
    if len(value) > limit:
        raise RuleError(f"value longer than {limit} bytes")
    return value


class _Builder:
    def __init__(self, text: bytes, existing: Group | None) -> None:
        self.s = text
        self.i = 0
        self.head = _thaw(existing)
        self.current = self.head
        while self.current is not None and self.current.next is not None:
            self.current = self.current.next
        self.logic = _NOP
        self.invert = False
        self.priority: int | None = None

    def run(self) -> None:
        s = self.s
        while self.i < len(s):
            while self.i < len(s) and s[self.i] in _SPACE:
                self.i += 1
            c = s[self.i] if self.i < len(s) else 0
            if c == ord("("):
                self.logic = _NOP
                self.i += 1
            elif c == ord(")"):
                self.close()
            elif c == ord("+") and self.current is not None:
                self.and_op(self.current)
            elif c == ord(","):
                self.or_op()
            elif c == ord("!"):
                self.invert = True
                self.i += 1
            elif c in _ALNUM:
                self.term()
            else:
                # CUPS stops quietly at anything else (e.g. a stray ";")
                break

    def close(self) -> None:
        cur = self.current
        if cur is None or cur.parent is None:
            raise RuleError("unbalanced ')'")
        self.current = cur = cur.parent
        self.logic = _OR if cur.parent is None else cur.parent.op
        self.i += 1

    def and_op(self, cur: _Node) -> None:
        if self.logic != _AND and cur.prev is not None:
            group = _Node()
            group.op, group.child, group.parent = _AND, cur, cur.parent
            cur.prev.next = group
            group.prev = cur.prev
            cur.prev, cur.parent = None, group
        elif cur.parent is not None:
            cur.parent.op = _AND
        self.logic = _AND
        self.i += 1

    def or_op(self) -> None:
        cur = self.current
        if self.logic != _OR and cur is not None:
            if cur.parent is None:
                # top level: everything so far becomes one AND group
                group = _Node()
                group.op = _AND
                while cur.prev is not None:
                    cur.parent = group
                    cur = cur.prev
                cur.parent = group
                group.child = cur
                self.head = self.current = group
            else:
                self.current = cur.parent
        self.logic = _OR
        self.i += 1

    def term(self) -> None:
        start = self.i
        while self.i < len(self.s) and self.s[self.i] in _ALNUM:
            self.i += 1
        name = self.s[start : self.i].decode("ascii")
        if len(name) <= _MAX_NAME and self.i < len(self.s) and self.s[self.i] == ord("("):
            self.i += 1
            values = self.values()
            if name == "priority" and len(values) == 1:
                if _ATOI.fullmatch(values[0]) is None:
                    raise RuleError(f"bad priority {values[0]!r}")
                self.priority = int(values[0])
                if not _INT_MIN <= self.priority <= _INT_MAX:
                    raise RuleError(f"priority out of range {values[0]!r}")
                return
            if name not in _ARITY:
                raise RuleError(f"unknown function {name}()")
            self.add(_make_leaf(name, values))
        else:
            self.add(_make_leaf("match", [b"*." + name.encode()]))

    def values(self) -> list[bytes]:
        s, values = self.s, list[bytes]()
        while len(values) < 3:
            value = self.value()
            values.append(value)
            if self.i >= len(s) or s[self.i] != ord(","):
                break
            self.i += 1
        if self.i >= len(s) or s[self.i] != ord(")"):
            raise RuleError("unterminated function arguments")
        self.i += 1
        return values

    def value(self) -> bytes:
        s, out = self.s, bytearray()
        while len(out) < _MAX_VALUE and self.i < len(s) and s[self.i] not in b",)":
            c = s[self.i]
            if c in _SPACE:
                self.i += 1
            elif c in b"\"'":
                end = s.find(bytes([c]), self.i + 1)
                if end < 0 or end - self.i - 1 > _MAX_VALUE - len(out):
                    raise RuleError("unterminated quoted string")
                out += s[self.i + 1 : end]
                self.i = end + 1
            elif c == ord("<"):
                self.hex(out)
            else:
                out.append(c)
                self.i += 1
        return bytes(out)

    def hex(self, out: bytearray) -> None:
        s = self.s
        self.i += 1
        while self.i < len(s) and s[self.i] != ord(">") and len(out) < _MAX_VALUE:
            pair = s[self.i : self.i + 2]
            if len(pair) != 2 or pair[0] not in _HEX or pair[1] not in _HEX:
                raise RuleError("bad <hex> string")
            out.append(int(pair, 16))
            self.i += 2
        if self.i >= len(s) or s[self.i] != ord(">"):
            raise RuleError("unterminated <hex> string")
        self.i += 1

    def add(self, leaf: Leaf) -> None:
        node = _Node(self.invert)
        if self.current is not None:
            node.parent = self.current.parent
            self.current.next = node
        else:
            self.head = node
        node.prev = self.current
        if self.logic == _NOP:
            # a new (or first) group: CUPS wraps the test in an OR node
            node.op = _OR
            inner = _Node(node.invert)
            inner.parent, node.child, node.invert = node, inner, False
            node = inner
            self.logic = _OR
        node.op, node.leaf = "leaf", leaf
        self.current = node
        self.invert = False


def _freeze(node: _Node | None) -> tuple[Rule, ...]:
    out: list[Rule] = []
    while node is not None:
        if node.leaf is not None:
            out.append(dataclasses.replace(node.leaf, invert=node.invert))
        else:
            op: Literal["and", "or"] = "and" if node.op == _AND else "or"
            out.append(Group(op, _freeze(node.child), node.invert))
        node = node.next
    return tuple(out)


def _thaw(root: Group | None) -> _Node | None:
    return _thaw_list(root.children, None) if root is not None else None


def _thaw_list(rules: tuple[Rule, ...], parent: _Node | None) -> _Node | None:
    head: _Node | None = None
    prev: _Node | None = None
    for rule in rules:
        node = _Node(rule.invert)
        node.parent, node.prev = parent, prev
        if isinstance(rule, Group):
            node.op = rule.op
            node.child = _thaw_list(rule.children, node)
        else:
            node.op, node.leaf = "leaf", dataclasses.replace(rule, invert=False)
        if prev is None:
            head = node
        else:
            prev.next = node
        prev = node
    return head


def build_rules(text: bytes, existing: Group | None = None) -> tuple[Group | None, int | None]:
    """Parse one line's rules onto ``existing``; return the new root and any priority()."""
    builder = _Builder(text, existing)
    builder.run()
    children = _freeze(builder.head)
    root = Group("or", children) if children else None
    return root, builder.priority
