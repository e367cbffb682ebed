"""Property tests: malformed ``.types`` text never crashes the parser."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from printerapp.mime.match import matches
from printerapp.mime.types import logical_lines, merge_types, parse_types

GOOD_RULES = [
    "pdf",
    "string(0,%!)",
    "contains(0,128,<1B>%-12345X) + !string(2,'x y')",
    "(char(3,0xe0) char(3,0xe1)) + regex(0,^[\\n\\r]*%PDF)",
    "printable(0,1024) priority(50)",
    "",
]
TOKENS = [
    "pdf", "ps", "(", ")", "+", ",", "!", " ", "string(", "contains(", "regex(", "char(",
    "short(", "int(", "ascii(", "printable(", "locale(", "match(", "priority(", "istring(",
    "0", "0x1F", "-7", "4096", "99999999999999999999", ",", "'", '"', "<", ">", "<0a>", "<zz>",
    "abc", "[[:alpha:]]", "*", "{2,1}", "\\", ";", "\t", "é", "\x00",
]  # fmt: skip
NO_DELIMS = st.text(
    alphabet=st.characters(blacklist_characters=",)'\"<\r\n\x00", blacklist_categories=["Cs"]),
    max_size=30,
).map(lambda s: s.rstrip("\\"))  # a trailing backslash joins the next line, as in CUPS
BAD_FRAGMENTS = st.one_of(
    st.builds(lambda s: f"q{s}(1)", st.from_regex(r"[a-z0-9]{0,20}", fullmatch=True)),
    st.builds(lambda s: f"string(0,{s}", NO_DELIMS),
    st.builds(lambda n: "a" + ")" * n, st.integers(2, 5)),
    st.builds(lambda s: f"string(z{s},x)", NO_DELIMS),
    st.builds(lambda n: f"string({n},x)", st.integers(2**31, 2**80)),
    st.builds(lambda n: f"contains(0,{n},x)", st.integers(-(2**90), -(2**31) - 1)),
    st.builds(lambda s: f"string(0,<{s}g>)", st.from_regex(r"([0-9a-f]{2}){0,4}", fullmatch=True)),
    st.builds(lambda s: f"regex(0,'({s}')", st.from_regex(r"[a-z|]{0,10}", fullmatch=True)),
    st.sampled_from(["string(0)", "contains(1,2)", "priority(1,2)", "priority(x)", "a)))"]),
)


@given(st.text(max_size=400))
def test_random_text_never_crashes(text: str) -> None:
    types, errors = parse_types(text, "r.types")
    lines = [ln for _, ln in logical_lines(text) if ln.strip(" \t\v\f")]
    assert len(types) + len(errors) == len(lines)
    physical = text.count("\n") + text.count("\r") + 1
    for err in errors:
        assert err.path == "r.types"
        assert 1 <= err.line <= physical
    merge_types(types)


@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_token_soup_parses_or_reports(tokens: list[str]) -> None:
    # a NUL ends the C string and a trailing backslash joins the next line, as in CUPS
    line = ("x/y " + "".join(tokens)).split("\x00", 1)[0].rstrip("\\")
    types, errors = parse_types(f"a/a pdf\n{line}\nb/b ps\n", "soup.types")
    assert [t.name for t in types][:1] == ["a/a"]
    assert types[-1].name == "b/b"
    assert len(types) + len(errors) == 3
    for err in errors:
        assert (err.path, err.line, err.text) == ("soup.types", 2, line)
    for mime_type in types:
        if mime_type.rule is not None:
            matches(mime_type.rule, b"%!PS\n\xff\xd8\xff\xe0", "f.pdf")


@given(st.sampled_from(GOOD_RULES), BAD_FRAGMENTS, st.sampled_from(["\n", "\r\n", "\r"]))
def test_bad_line_is_reported_and_neighbours_survive(good: str, bad: str, eol: str) -> None:
    text = eol.join(["# header", f"good/one {good}", f"bad/line {good} {bad}", "good/two ps", ""])
    types, errors = parse_types(text, "fuzz.types")
    assert [t.name for t in types] == ["good/one", "good/two"]
    assert len(errors) == 1
    assert (errors[0].path, errors[0].line) == ("fuzz.types", 3)
    assert errors[0].reason
    assert types[1].line == 4


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200))
def test_random_unicode_rule_text_never_crashes(rules: str) -> None:
    types, errors = parse_types(f"x/y {rules}", "u.types")
    assert len(types) + len(errors) <= 1 + rules.count("\n") + rules.count("\r")
