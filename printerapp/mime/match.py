"""Auto-type a document the way CUPS 2.4's ``mimeFileType`` does.

CUPS does not hand each rule the whole file: it keeps one 4096-byte buffer,
refills it at a rule's offset when the rule's bytes are not inside it, and
evaluates the rule on what the buffer holds.  Several results depend on that
(e.g. ``contains()`` never looks at the last byte of its window, a ``regex()``
sees the buffer only up to the first NUL).  :class:`_Buffer` replays it.
"""

from __future__ import annotations

import functools
import os
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from printerapp.errors import MimeError
from printerapp.mime.rules import (
    MIME_MAX_BUFFER,
    Ascii,
    Char,
    Contains,
    Group,
    Int,
    IString,
    Locale,
    Match,
    Printable,
    Regex,
    Rule,
    Short,
    String,
)
from printerapp.mime.types import MimeType, type_order

__all__ = ["cups_locale", "detect_type", "matches", "patmatch"]

_GZIP_MAGIC = b"\x1f\x8b"
#: reads a window at an offset; None when CUPS's cupsFileSeek would fail
Reader = Callable[[int], "bytes | None"]


def cups_locale(environ: Mapping[str, str] | None = None) -> str:
    """Return the LC_MESSAGES locale name ``setlocale(LC_MESSAGES, "")`` would give."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(var):
            return env[var]
    return "C"


def patmatch(name: str, pattern: str) -> bool:
    """Match a filename against a CUPS ``match()`` pattern (``*``, ``?``, ``[set]``, ``\\``)."""

    @functools.cache
    def at(s: int, p: int) -> bool:
        while s < len(name) and p < len(pattern):
            c = pattern[p]
            if c == "*":
                p += 1
                if p == len(pattern):
                    return True
                return any(at(k, p) for k in range(s, len(name)))
            if c == "?":
                s, p = s + 1, p + 1
                continue
            if c == "[":
                end = pattern.find("]", p + 1)
                chars = pattern[p + 1 :] if end < 0 else pattern[p + 1 : end]
                if name[s] not in chars or end < 0:
                    return False
                # CUPS moves past the set without consuming the matched character
                p = end + 1
                continue
            if c == "\\":
                p += 1
                if p == len(pattern):
                    return False
            if pattern[p] != name[s]:
                return False
            s, p = s + 1, p + 1
        return s == len(name) and p == len(pattern)

    return at(0, 0)


class _Buffer:
    """CUPS's ``_mime_filebuf_t``: one window of the file, its offset and length."""

    def __init__(self, reader: Reader, first: bytes) -> None:
        self.reader = reader
        self.offset = 0
        self.data = first
        self.length = len(first)

    @property
    def end(self) -> int:
        return self.offset + self.length

    def ensure(self, offset: int, length: int) -> None:
        """Refill at ``offset`` unless ``[offset, offset+length)`` is buffered."""
        if offset < self.offset or offset + length > self.end:
            chunk = self.reader(offset)
            if chunk is None:
                # cupsFileSeek failed
                self.offset, self.data, self.length = 0, b"", 0
            else:
                # cupsFileRead returns -1, not 0, when it reads nothing
                self.offset, self.data, self.length = offset, chunk, len(chunk) or -1

    def at(self, offset: int, length: int) -> bytes | None:
        """Return buffered bytes, or None where CUPS would read outside its buffer."""
        start = offset - self.offset
        if offset < 0 or start < 0 or start + length > len(self.data):
            return None
        return self.data[start : start + length]


def _text_ok(buf: _Buffer, offset: int, length: int, high_ok: bool) -> bool:
    buf.ensure(offset, length)
    n = min(length, buf.end - offset)
    if n <= 0 or offset < 0:
        return n == 0 and offset >= 0
    chunk = buf.at(offset, n) or b""
    return all(
        (32 <= b <= 126) or (8 <= b <= 13) or b in (26, 27) or (high_ok and b >= 128) for b in chunk
    )


def _istring_eq(data: bytes, value: bytes) -> bool:
    # _cups_strncasecmp: ASCII folding, and a NUL on both sides ends the compare
    for s, t in zip(data, value, strict=True):
        if s == 0 or t == 0:
            return s == t
        if (s | 0x20 if 65 <= s <= 90 else s) != (t | 0x20 if 65 <= t <= 90 else t):
            return False
    return True


def _contains(buf: _Buffer, rule: Contains, previous: bool) -> bool:
    buf.ensure(rule.offset, rule.region)
    if rule.offset < 0 or rule.offset + len(rule.value) > buf.end:
        return False
    size = buf.length
    count = (rule.region if size > rule.region else size) - len(rule.value)
    if count <= 0:
        # CUPS 2.4 only assigns its result inside the search loop
        return previous
    window = buf.at(rule.offset, count + len(rule.value) - 1)
    return window is not None and rule.value in window


def _word(buf: _Buffer, offset: int, size: int) -> int | None:
    buf.ensure(offset, size)
    raw = buf.at(offset, size) if buf.length >= size else None
    return None if raw is None else int.from_bytes(raw, "big")


def _regex(buf: _Buffer, rule: Regex, previous: bool) -> bool:
    buf.ensure(rule.offset, MIME_MAX_BUFFER)
    if buf.length <= 0:
        # CUPS leaves its result variable alone when the buffer is empty
        return previous
    subject = buf.data.split(b"\x00", 1)[0]
    return rule.compiled.search(subject) is not None


def _leaf(rule: Rule, buf: _Buffer, filename: str, locale: str, previous: bool) -> bool:
    match rule:
        case Match():
            return patmatch(filename, rule.pattern)
        case Ascii() | Printable():
            return _text_ok(buf, rule.offset, rule.length, isinstance(rule, Printable))
        case Regex():
            return _regex(buf, rule, previous)
        case String() | IString():
            buf.ensure(rule.offset, len(rule.value))
            data = buf.at(rule.offset, len(rule.value))
            if data is None:
                return False
            return data == rule.value if isinstance(rule, String) else _istring_eq(data, rule.value)
        case Char():
            if rule.offset < buf.offset:
                buf.ensure(rule.offset, 1)
            got = buf.at(rule.offset, 1)
            return got is not None and got[0] == rule.value
        case Short():
            word = _word(buf, rule.offset, 2)
            # CUPS compares a signed short with an unsigned value
            return word is not None and word < 0x8000 and word == rule.value
        case Int():
            return _word(buf, rule.offset, 4) == rule.value
        case Locale():
            return rule.value == locale
        case Contains():
            return _contains(buf, rule, previous)
    return False


def _check(rules: tuple[Rule, ...], op: str, buf: _Buffer, filename: str, locale: str) -> bool:
    result = False
    for rule in rules:
        if isinstance(rule, Group):
            result = _check(rule.children, rule.op, buf, filename, locale)
        else:
            result = _leaf(rule, buf, filename, locale, result)
        if rule.invert:
            result = not result
        if result == (op == "or"):
            return result
    return result


def _bytes_reader(data: bytes, compressed: bool) -> Reader:
    def read(offset: int) -> bytes | None:
        # cupsFileSeek fails before 0, and past the end of a gzip stream
        if offset < 0 or (compressed and offset >= len(data)):
            return None
        return data[offset : offset + MIME_MAX_BUFFER]

    return read


def matches(
    rule: Rule, data: bytes, filename: str, *, compressed: bool = False, locale: str = "C"
) -> bool:
    """Evaluate one rule on a document's (decompressed) bytes, with a fresh CUPS buffer."""
    if not data:
        return False
    buf = _Buffer(_bytes_reader(data, compressed), data[:MIME_MAX_BUFFER])
    return _check((rule,), "or", buf, filename, locale)


class _GzipReader:
    """Decompress a gzip member lazily, only as far as the rules look."""

    def __init__(self, fp: BinaryIO) -> None:
        self.fp = fp
        self.inflater = zlib.decompressobj(wbits=31)
        self.data = bytearray()
        self.done = False

    def _fill(self, size: int) -> None:
        while len(self.data) < size and not self.done:
            chunk = self.fp.read(65536)
            try:
                self.data += self.inflater.decompress(chunk) if chunk else self.inflater.flush()
            except zlib.error:
                # cupsFileRead stops at corrupt data, keeping what it had
                self.done = True
            if not chunk or self.inflater.eof:
                self.done = True

    def __call__(self, offset: int) -> bytes | None:
        self._fill(offset + MIME_MAX_BUFFER)
        if offset < 0 or offset >= len(self.data):
            return None
        return bytes(self.data[offset : offset + MIME_MAX_BUFFER])


def _plain_reader(fp: BinaryIO) -> Reader:
    def read(offset: int) -> bytes | None:
        if offset < 0:
            return None
        fp.seek(offset)
        return fp.read(MIME_MAX_BUFFER)

    return read


def detect_type(
    types: Mapping[str, MimeType],
    document: Path,
    filename: str | None = None,
    *,
    locale: str | None = None,
) -> str | None:
    """Return the type CUPS's ``mimeFileType`` would give ``document``, or None."""
    base = (filename if filename is not None else document.name).rsplit("/", 1)[-1]
    loc = cups_locale() if locale is None else locale
    try:
        with document.open("rb") as fp:
            gzipped = fp.read(2) == _GZIP_MAGIC
            fp.seek(0)
            reader: Reader = _GzipReader(fp) if gzipped else _plain_reader(fp)
            first = reader(0) or b""
            if not first:
                return None
            buf = _Buffer(reader, first)
            best: MimeType | None = None
            for name in sorted(types, key=type_order):
                mime_type = types[name]
                if mime_type.rule is None:
                    continue
                if _check((mime_type.rule,), "or", buf, base, loc) and (
                    best is None or mime_type.priority > best.priority
                ):
                    best = mime_type
    except OSError as exc:
        raise MimeError(f"cannot read {document}: {exc}") from exc
    return None if best is None else best.name
