"""Translate a POSIX extended regex (glibc ``regcomp(REG_EXTENDED)``) to Python ``re``.

CUPS compiles ``regex()`` rules with ``REG_EXTENDED | REG_NOSUB`` in the C
locale and only asks *whether* the pattern matches, so leftmost-longest versus
leftmost-first never matters; what matters is that every construct means the
same bytes.  The biggest trap: inside ``[...]`` a backslash is an ordinary
character in POSIX, so CUPS's own ``^[\\n\\r]*%PDF`` means backslash, ``n`` or ``r``.
"""

from __future__ import annotations

import re

__all__ = ["compile_posix_ere"]

#: glibc's RE_DUP_MAX
_DUP_MAX = 0x7FFF

_CLASSES = {
    b"alpha": rb"a-zA-Z",
    b"digit": rb"0-9",
    b"alnum": rb"0-9a-zA-Z",
    b"upper": rb"A-Z",
    b"lower": rb"a-z",
    b"space": rb" \t\n\r\f\v",
    b"blank": rb" \t",
    b"punct": re.escape(b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    b"print": rb"\x20-\x7e",
    b"graph": rb"\x21-\x7e",
    b"cntrl": rb"\x00-\x1f\x7f",
    b"xdigit": rb"0-9A-Fa-f",
}

_ESCAPES = {
    ord("w"): rb"\w",
    ord("W"): rb"\W",
    ord("s"): rb"\s",
    ord("S"): rb"\S",
    ord("b"): rb"\b",
    ord("B"): rb"\B",
    ord("<"): rb"\b(?=\w)",
    ord(">"): rb"\b(?<=\w)",
    ord("`"): rb"\A",
    ord("'"): rb"\Z",
}

_INTERVAL = re.compile(rb"\{(\d*)(,?)(\d*)\}")


def _lit(byte: int) -> bytes:
    return re.escape(bytes([byte]))


class _Translator:
    def __init__(self, pattern: bytes) -> None:
        self.src = pattern
        self.pos = 0
        self.out: list[bytes] = []
        #: index in ``out`` of the last atom that a quantifier may apply to
        self.atom: int | None = None
        self.quantified = False
        self.opens: list[int] = []
        self.groups = 0

    def run(self) -> bytes:
        while self.pos < len(self.src):
            self.step(self.src[self.pos])
        if self.opens:
            raise ValueError("unmatched (")
        return b"".join(self.out)

    def push_atom(self, text: bytes) -> None:
        self.out.append(text)
        self.atom = len(self.out) - 1
        self.quantified = False

    def push_anchor(self, text: bytes) -> None:
        self.out.append(text)
        self.atom = None

    def step(self, ch: int) -> None:
        c = bytes([ch])
        self.pos += 1
        if c == b"\\":
            self.escape()
        elif c == b"[":
            self.push_atom(self.bracket())
        elif c == b"(":
            self.groups += 1
            self.opens.append(len(self.out))
            self.out.append(b"(")
            self.atom = None
        elif c == b")":
            self.close_group()
        elif c == b"|":
            self.out.append(b"|")
            self.atom = None
        elif c in (b"*", b"+", b"?"):
            self.quantify(c)
        elif c == b"{":
            self.interval()
        elif c == b"^":
            self.push_anchor(rb"\A")
        elif c == b"$":
            self.push_anchor(rb"\Z")
        elif c == b".":
            self.push_atom(b".")
        else:
            self.push_atom(_lit(ch))

    def escape(self) -> None:
        if self.pos >= len(self.src):
            raise ValueError("trailing backslash")
        ch = self.src[self.pos]
        self.pos += 1
        if ord("1") <= ch <= ord("9"):
            if ch - ord("0") > self.groups:
                raise ValueError("invalid back reference")
            self.push_atom(b"\\" + bytes([ch]))
        elif ch in _ESCAPES:
            text = _ESCAPES[ch]
            if ch in b"wWs" or ch == ord("S"):
                self.push_atom(text)
            else:
                self.push_anchor(text)
        else:
            self.push_atom(_lit(ch))

    def close_group(self) -> None:
        if not self.opens:
            # glibc (RE_UNMATCHED_RIGHT_PAREN_ORD) takes a stray ")" literally
            self.push_atom(rb"\)")
            return
        start = self.opens.pop()
        self.out.append(b")")
        group = b"".join(self.out[start:])
        del self.out[start:]
        self.push_atom(group)

    def quantify(self, q: bytes) -> None:
        if self.atom is None:
            raise ValueError("repetition operator with nothing to repeat")
        if self.quantified:
            # "a*+" means (a*)+ in POSIX; in Python it would be possessive
            self.out[self.atom] = b"(?:" + self.out[self.atom] + b")"
        self.out[self.atom] += q
        self.quantified = True

    def interval(self) -> None:
        m = _INTERVAL.match(self.src, self.pos - 1)
        if m is None:
            raise ValueError("invalid interval")
        low = int(m.group(1) or b"0")
        high = low if not m.group(2) else int(m.group(3)) if m.group(3) else None
        if low > _DUP_MAX or (high is not None and (high < low or high > _DUP_MAX)):
            raise ValueError("invalid interval bounds")
        self.pos = m.end()
        spec = (
            b"{%d}" % low
            if high == low
            else b"{%d,%s}" % (low, b"" if high is None else b"%d" % high)
        )
        self.quantify(spec)

    def bracket(self) -> bytes:
        src, i = self.src, self.pos
        parts: list[bytes] = [b"["]
        if i < len(src) and src[i] == ord("^"):
            parts.append(b"^")
            i += 1
        first = True
        while True:
            if i >= len(src):
                raise ValueError("unterminated [")
            ch = src[i]
            if ch == ord("]") and not first:
                break
            first = False
            if ch == ord("[") and i + 1 < len(src) and src[i + 1] in b":.=":
                text, i = _bracket_special(src, i)
                parts.append(text)
                continue
            if ch == ord("-") and i - self.pos > 0 and i + 1 < len(src) and src[i + 1] != ord("]"):
                parts.append(b"-")
            else:
                parts.append(_lit(ch))
            i += 1
        self.pos = i + 1
        parts.append(b"]")
        return b"".join(parts)


def _bracket_special(src: bytes, i: int) -> tuple[bytes, int]:
    kind = src[i + 1]
    end = src.find(bytes([kind]) + b"]", i + 2)
    if end < 0:
        raise ValueError("unterminated [: :]")
    name = src[i + 2 : end]
    if kind == ord(":"):
        if name not in _CLASSES:
            raise ValueError("unknown character class")
        return _CLASSES[name], end + 2
    if len(name) != 1:
        raise ValueError("unsupported collating element")
    return _lit(name[0]), end + 2


def compile_posix_ere(pattern: bytes) -> re.Pattern[bytes]:
    """Compile a POSIX extended regex with glibc's C-locale meaning; ValueError if invalid."""
    # regcomp sees a C string: the pattern ends at the first NUL
    pattern = pattern.split(b"\x00", 1)[0]
    translated = _Translator(pattern).run()
    try:
        return re.compile(translated, re.DOTALL)
    except (re.error, OverflowError, RecursionError) as exc:
        raise ValueError(f"invalid regex: {exc}") from exc
