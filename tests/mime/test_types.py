"""The ``.types`` parser on the real CUPS files and on crafted lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.mime.rules import (
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
    Short,
    String,
)
from printerapp.mime.types import MimeType, merge_types, parse_types

REAL_TYPES = sorted(Path("/usr/share/cups/mime").glob("*.types")) + sorted(
    Path("/etc/cups").glob("*.types")
)


def one(text: str) -> MimeType:
    types, errors = parse_types(text)
    assert errors == []
    assert len(types) == 1
    return types[0]


def top(text: str) -> tuple[object, ...]:
    rule = one(text).rule
    assert isinstance(rule, Group)
    return rule.children


def test_real_files_parse_without_errors() -> None:
    assert REAL_TYPES, "CUPS MIME files are not installed"
    everything: list[MimeType] = []
    for path in REAL_TYPES:
        types, errors = parse_types(path.read_text(), str(path))
        assert errors == [], [str(e) for e in errors]
        everything += types
    merged = merge_types(everything)
    for name in (
        "application/pdf",
        "application/postscript",
        "image/jpeg",
        "image/png",
        "text/plain",
        "image/pwg-raster",
        "application/vnd.cups-raster",
        "image/urf",
        "application/octet-stream",
    ):
        assert name in merged
    assert len(merged) >= 70
    assert merged["image/pwg-raster"].priority == 150
    assert merged["application/pdf"].priority == 100
    assert merged["application/octet-stream"].rule is None


def test_real_pdf_rule_is_the_posix_regex() -> None:
    pdf = merge_types(parse_types(Path("/usr/share/cups/mime/mime.types").read_text())[0])
    rule = pdf["application/pdf"].rule
    assert isinstance(rule, Group)
    (group,) = rule.children
    assert isinstance(group, Group)
    assert group.children == (Match("*.pdf"), Regex(0, rb"^[\n\r]*%PDF"))


def test_comments_blank_lines_continuation_and_case() -> None:
    text = "# comment\n\n\nText/PLAIN\ttxt \\\n  printable(0,1024)\r\nimage/x  \\\r\n\\\n#x\n"
    types, errors = parse_types(text, "f.types")
    assert errors == []
    assert [(t.name, t.line) for t in types] == [("text/plain", 4), ("image/x", 6)]
    assert types[0].rule == Group("or", (Group("or", (Match("*.txt"), Printable(0, 1024))),))
    # the continued "#x" line is rule text, and "#" stops CUPS's rule scan quietly
    assert types[1].rule is None


def test_continuation_at_eof_and_nul() -> None:
    types, errors = parse_types("a/b c\\")
    assert errors == []
    assert types[0].rule == Group("or", (Group("or", (Match("*.c"),)),))
    types, errors = parse_types("a/b pdf\x00 garbage((\n")
    assert errors == []
    assert types[0].rule == Group("or", (Group("or", (Match("*.pdf"),)),))


def test_values_quotes_hex_and_whitespace() -> None:
    (g,) = top("""x/y string(0, "a b") + string(1,'c"d') + string(2,<0aFF>z<>) + istring(3, A B)""")
    assert isinstance(g, Group)
    assert g.children == (
        String(0, b"a b"),
        String(1, b'c"d'),
        String(2, b"\n\xffz"),
        IString(3, b"AB"),
    )


def test_numbers_follow_strtol_base_zero() -> None:
    (g,) = top("x/y char(010,0x41) char(0,7) short(0,-1) int(0x10,4294967295) contains(1,2,z)")
    assert isinstance(g, Group)
    assert g.children == (
        Char(8, 0x41),
        Char(0, ord("7")),  # a one-byte value is the character itself
        Short(0, 0xFFFF),
        Int(16, 0xFFFFFFFF),
        Contains(1, 2, b"z"),
    )


def test_limits() -> None:
    assert top("x/y ascii(0,99999) printable(1,-3)")[0] == Group(
        "or", (Ascii(0, 4096), Printable(1, -3))
    )
    assert top("x/y locale(de_DE)")[0] == Group("or", (Locale("de_DE"),))
    _, errors = parse_types("x/y string(0," + "a" * 65 + ")")
    assert len(errors) == 1
    assert one("x/y string(0," + "a" * 64 + ")").rule is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # juxtaposition keeps the current operator: a + b c == a AND b AND c
        ("x/y a + b c", "(and a b c)"),
        # a b + c == a OR (b AND c)
        ("x/y a b + c", "(or a (and b c))"),
        ("x/y a + b , c", "(and a b) c"),
        ("x/y a , b + c", "(or a (and b c))"),
        ("x/y a + (b c) d", "(and a (or b c) d)"),
        # CUPS quirk: "!" before "(" negates only the group's first rule
        ("x/y !a + !(b c)", "(and !a (or !b c))"),
        # CUPS quirk: after a closed group at the top, "+" does not make an AND
        ("x/y (a) + b", "(or a) b"),
        ("x/y (a) + b , c", "(and (or a) b) c"),
        # priority() is not a rule and keeps a pending "!"
        ("x/y !priority(5) a", "(or !a)"),
        # "+" before any rule and a stray ";" stop the scan quietly
        ("x/y + a", ""),
        ("x/y a; b", "(or a)"),
    ],
)
def test_precedence_matches_cups_tree(text: str, expected: str) -> None:
    rule = one(text).rule
    got = "" if rule is None else " ".join(_show(r) for r in rule.children)
    assert got == expected


def _show(rule: object) -> str:
    bang = "!" if getattr(rule, "invert", False) else ""
    if isinstance(rule, Group):
        return f"{bang}({rule.op} " + " ".join(_show(c) for c in rule.children) + ")"
    assert isinstance(rule, Match)
    return bang + rule.pattern.removeprefix("*.")


@pytest.mark.parametrize(
    "rules",
    [
        "a))",
        "string(0,x",
        "string(0,<0g>)",
        "string(0,<0>)",
        "string(0,'x)",
        "bogus(1)",
        "string(0)",
        "contains(0,10)",
        "string(zz,x)",
        "string(08,x)",
        "char(0,0xZZ)",
        "ascii(99999999999,1)",
        "priority(1,2)",
        "priority(high)",
        "regex(0,a(b)",
        "regex(0,*a)",
        "regex(0,[[:nope:]])",
        "string(0,a,b,c)",
        "match(" + "x" * 64 + ")",
        "e" * 70,
    ],
)
def test_bad_rules_are_reported_and_skipped(rules: str) -> None:
    text = f"good/one pdf\nbad/line {rules}\ngood/two ps\n"
    types, errors = parse_types(text, "t.types")
    assert [t.name for t in types] == ["good/one", "good/two"]
    assert len(errors) == 1
    assert (errors[0].path, errors[0].line) == ("t.types", 2)
    assert errors[0].text == f"bad/line {rules}"


@pytest.mark.parametrize(
    "line", ["nosuper", "/type pdf", "a/ pdf", "toolongsupertype/x pdf", " x/y pdf"]
)
def test_bad_names_are_reported(line: str) -> None:
    types, errors = parse_types(line + "\n")
    assert types == []
    assert len(errors) == 1
    assert errors[0].line == 1


def test_merge_ors_definitions_and_keeps_priority() -> None:
    types, _ = parse_types("a/b pdf priority(20)\nx/y q\nA/B string(0,%!)\na/b\na/b r priority(7)")
    merged = merge_types(types)
    assert set(merged) == {"a/b", "x/y"}
    ab = merged["a/b"]
    assert (ab.path, ab.line, ab.priority) == ("<string>", 1, 7)
    assert ab.rule == Group(
        "or",
        (
            Group("or", (Match("*.pdf"),)),
            Group("or", (String(0, b"%!"),)),
            Group("or", (Match("*.r"),)),
        ),
    )


def test_merge_replays_a_leading_comma_like_cups() -> None:
    # CUPS appends to the existing tree: ", c" first folds the old top level into an AND
    types, errors = parse_types("a/b x y\na/b , c")
    assert errors == []
    rule = merge_types(types)["a/b"].rule
    assert rule is not None
    assert " ".join(_show(r) for r in rule.children) == "(and (or x y)) c"
