"""Auto-typing against CUPS itself.

The oracle is the real ``cupsfilter`` (CUPS 2.4's ``mimeFileType``): with
``-c`` pointing at a private ServerRoot that adds a type ``zz/none`` nobody
converts to, ``cupsfilter --list-filters -m zz/none FILE`` fails with
"No filter to convert from <detected type>", or "Unable to determine MIME type".
"""

from __future__ import annotations

import gzip
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printerapp.mime.match import cups_locale, detect_type, matches, patmatch
from printerapp.mime.rules import Group
from printerapp.mime.types import MimeType, merge_types, parse_types

SYSTEM_TYPES = sorted(Path("/usr/share/cups/mime").glob("*.types")) + sorted(
    Path("/etc/cups").glob("*.types")
)
TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")
GS = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-r20", "-dLastPage=1"]


def system_types(extra: str = "") -> dict[str, MimeType]:
    records: list[MimeType] = []
    for path in SYSTEM_TYPES:
        records += parse_types(path.read_text(), str(path))[0]
    extra_records, errors = parse_types(extra, "extra.types")
    assert errors == []
    return merge_types(records + extra_records)


class Oracle:
    """Ask the real CUPS which type it gives a file."""

    def __init__(self, workdir: Path) -> None:
        self.root = workdir / "serverroot"
        self.root.mkdir()
        self.conf = workdir / "cups-files.conf"
        self.conf.write_text(
            f"DataDir /usr/share/cups\nServerRoot {self.root}\nServerBin /usr/lib/cups\n"
        )

    def __call__(self, document: Path, extra: str = "") -> str | None:
        (self.root / "zz.types").write_text("zz/none\n" + extra)
        argv = ["cupsfilter", "-c", str(self.conf), "--list-filters", "-m", "zz/none"]
        proc = subprocess.run(
            [*argv, str(document)], capture_output=True, text=True, timeout=30, check=False
        )
        found = re.search(r"No filter to convert from (\S+) to zz/none", proc.stderr)
        if found:
            return found.group(1)
        assert "Unable to determine MIME type" in proc.stderr, proc.stderr
        return None


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Oracle:
    if shutil.which("cupsfilter") is None:
        pytest.fail("cupsfilter is not installed")
    return Oracle(tmp_path_factory.mktemp("oracle"))


@pytest.fixture(scope="module")
def probe_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("probe")


def _run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real documents of each kind, named without telling extensions."""
    d = tmp_path_factory.mktemp("docs")
    docs = {"pdf": d / "doc-pdf"}
    shutil.copy(TESTPAGE, docs["pdf"])
    docs["postscript"] = d / "doc-ps"
    _run(["pdftops", str(TESTPAGE), str(docs["postscript"])])
    for kind, device in (("jpeg", "jpeg"), ("png", "png16m"), ("pwg", "pwgraster")):
        docs[kind] = d / f"doc-{kind}"
        _run([*GS, f"-sDEVICE={device}", f"-sOutputFile={docs[kind]}", str(TESTPAGE)])
    docs["cups-raster"] = d / "doc-ras"
    _run([*GS, "-sDEVICE=cups", f"-sOutputFile={docs['cups-raster']}", str(TESTPAGE)])
    docs["text"] = d / "doc-text"
    docs["text"].write_text("Hello printer\nsecond line\n")
    docs["pdf-gz"] = d / "doc-pdf-gz"
    docs["pdf-gz"].write_bytes(gzip.compress(TESTPAGE.read_bytes()))
    docs["random"] = d / "doc-random"
    docs["random"].write_bytes(b"\x00\x01" + random.Random(7).randbytes(6000))  # noqa: S311
    docs["newline-pdf"] = d / "doc-nlpdf"
    docs["newline-pdf"].write_bytes(b"\n" + TESTPAGE.read_bytes())
    docs["text-named-ps"] = d / "notes.ps"
    docs["text-named-ps"].write_text("just text\n")
    docs["empty"] = d / "doc-empty"
    docs["empty"].write_bytes(b"")
    return docs


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("pdf", "application/pdf"),
        ("postscript", "application/postscript"),
        ("jpeg", "image/jpeg"),
        ("png", "image/png"),
        ("pwg", "image/pwg-raster"),
        ("cups-raster", "application/vnd.cups-raster"),
        ("text", "text/plain"),
        ("pdf-gz", "application/pdf"),
        ("random", None),
        # CUPS's "[\n\r]" is a POSIX bracket: a real newline before %PDF is not a PDF
        # (and this one's binary bytes are not text either)
        ("newline-pdf", None),
        # extension and content both match; equal priority, first in CUPS's order wins
        ("text-named-ps", "application/postscript"),
        ("empty", None),
    ],
)
def test_real_documents_type_as_cups(
    kind: str, expected: str | None, documents: dict[str, Path], oracle: Oracle
) -> None:
    doc = documents[kind]
    assert detect_type(system_types(), doc) == expected
    assert oracle(doc) == expected


def test_filename_argument_overrides_document_name(documents: dict[str, Path]) -> None:
    types = system_types()
    assert detect_type(types, documents["random"]) is None
    assert detect_type(types, documents["random"], "/some/dir/x.pdf") == "application/pdf"
    assert detect_type(types, documents["random"], "x.PDF") is None


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PROBES: list[tuple[str, bytes, str, bool]] = [
    ("short(0,0x1234)", b"\x12\x34zz", "f", True),
    # CUPS compares a signed short with the unsigned value: high words never match
    ("short(0,0xFFD8)", JPEG, "f", False),
    ("int(0,0xFFD8FFE0)", JPEG, "f", True),
    ("char(3,0xe0)", JPEG, "f", True),
    ("char(1,A)", b"xAy", "f", True),
    ("string(2,JFIF)", b"xx", "f", False),
    ("string(6,JFIF<00>)", JPEG, "f", True),
    ("istring(0,'<HTML>')", b"<html><body>", "f", True),
    ("contains(0,10,Z)", b"123456789Zab", "f", False),  # the last byte is never searched
    ("contains(0,10,Z)", b"12345678Zab", "f", True),
    ("contains(2,5,ab)", b"abxxabxx", "f", True),
    ("contains(2,5,ab)", b"xxxxxab", "f", False),
    ("contains(0,4096,END)", b"x" * 5000 + b"END", "f", False),
    ("ascii(0,10)", b"abc\x01", "f", False),
    ("ascii(0,10)", b"abc\t\r\n", "f", True),
    ("ascii(0,10)", b"caf\xe9", "f", False),
    ("printable(0,10)", b"caf\xe9", "f", True),
    ("printable(0,1024)", b"a" * 5000 + b"\x01", "f", True),  # capped at the 4096 buffer
    ("ascii(100,10)", b"short", "f", False),  # past EOF cupsFileRead gives -1
    (r"regex(0,^[\n\r]*%PDF)", b"\\n%PDF-1.4", "f", True),
    (r"regex(0,^[\n\r]*%PDF)", b"\n%PDF-1.4", "f", False),
    ("regex(0,a$)", b"xa\n", "f", False),
    ("regex(0,a$)", b"xa", "f", True),
    ("regex(0,b)", b"a\x00b", "f", False),  # regexec sees a C string
    ("regex(2,^c)", b"abcd", "f", True),
    ("regex(0,'^(ab|cd){2}[[:digit:]]+x?$')", b"abcd42", "f", True),
    ("regex(0,'a{,2}b|[]x-]y')", b"-y", "f", True),
    ("regex(0,'a**b')", b"aab", "f", True),
    ("string(0,ab) + regex(99999,zzz)", b"abc", "f", True),  # empty buffer keeps the result
    ("match([ab]c)", b"data", "ac", False),  # CUPS does not consume the [set] character
    ("match(a?c)", b"data", "abc", True),
    ("match(*.PDF)", b"data", "x.pdf", False),
    ("pdf", b"data", "x.pdf", True),
    ("!string(0,x)", b"y", "f", True),
    ("!(string(0,x) string(0,y))", b"z", "f", True),  # "!" negates only the first rule
    ("!(string(0,x) string(0,y))", b"x", "f", False),
    ("(string(0,a)) + string(1,b)", b"ax", "f", True),  # top-level "+" after ")" is an OR
    ("string(0,a) + string(1,b) string(2,c)", b"abx", "f", False),
    ("string(0,a) string(0,b) + string(1,c)", b"bx", "f", False),
    ("string(0,a) string(0,b) + string(1,c)", b"ax", "f", True),
    ("locale(xx_YY)", b"x", "f", False),
]


@pytest.mark.parametrize(("rule", "data", "filename", "expected"), PROBES)
def test_rule_probes_agree_with_cups(
    rule: str, data: bytes, filename: str, expected: bool, oracle: Oracle, tmp_path: Path
) -> None:
    extra = f"zt/probe {rule} priority(1000)\n"
    parsed = parse_types(extra)[0][0]
    assert parsed.rule is not None
    assert matches(parsed.rule, data, filename, locale="C") is expected
    doc = tmp_path / filename
    doc.write_bytes(data)
    ours = detect_type(system_types(extra), doc, locale="C")
    assert (ours == "zt/probe") is expected
    assert oracle(doc, extra) == ours


def test_gzip_documents_are_typed_by_their_content(tmp_path: Path, oracle: Oracle) -> None:
    extra = "zt/probe string(0,PRE) + contains(0,4096,deep) + !int(9000,0) priority(900)\n"
    doc = tmp_path / "g"
    doc.write_bytes(gzip.compress(b"PRE" + b" " * 3000 + b"deep\n"))
    assert detect_type(system_types(extra), doc) == "zt/probe"
    assert oracle(doc, extra) == "zt/probe"


def test_priority_and_ties(tmp_path: Path, oracle: Oracle) -> None:
    doc = tmp_path / "d"
    doc.write_bytes(b"%!PS-Adobe-3.0\n")
    # equal priority: CUPS keeps the first type in strcmp(super, type) order
    tie = "aaa/first string(0,%!)\nzzz/last string(0,%!)\n"
    assert detect_type(system_types(tie), doc) == "aaa/first" == oracle(doc, tie)
    low = "aaa/first string(0,%!) priority(50)\nzzz/last string(0,%!) priority(101)\n"
    assert detect_type(system_types(low), doc) == "zzz/last" == oracle(doc, low)


def test_patmatch_edges() -> None:
    assert patmatch("a.pdf", "*.pdf")
    assert not patmatch("", "*")
    assert patmatch("x", "*")
    assert patmatch("a*b", "a\\*b")
    assert not patmatch("ab", "a\\")
    assert not patmatch("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", "*a*a*a*a*a*a*a*a*b")


def test_locale_follows_the_environment() -> None:
    assert cups_locale({"LANG": "de_DE.UTF-8"}) == "de_DE.UTF-8"
    assert cups_locale({"LC_ALL": "fr_FR", "LANG": "de_DE"}) == "fr_FR"
    assert cups_locale({}) == "C"
    rule = parse_types("a/b locale(de_DE)")[0][0].rule
    assert isinstance(rule, Group)
    assert matches(rule, b"x", "f", locale="de_DE")
    assert not matches(rule, b"x", "f", locale="C")


def test_missing_document_raises_mime_error(tmp_path: Path) -> None:
    from printerapp.errors import MimeError

    with pytest.raises(MimeError):
        detect_type(system_types(), tmp_path / "missing")


RULE_TEMPLATES = st.sampled_from(
    [
        "string({o},{v})",
        "istring({o},{v})",
        "contains({o},{n},{v})",
        "ascii({o},{n})",
        "printable({o},{n})",
        "char({o},{b})",
        "short({o},{w})",
        "int({o},{w})",
        "regex({o},'{r}')",
        "!string({o},{v}) + contains(0,{n},{v})",
        "string({o},{v}) string(0,{v}) + !char({o},{b})",
    ]
)
DIFF_BYTES = st.binary(max_size=40).map(lambda b: b.replace(b"\x00", b"a"))


@settings(max_examples=300)
@given(
    template=RULE_TEMPLATES,
    offset=st.integers(0, 12),
    size=st.integers(0, 20),
    value=st.from_regex(r"[a-c]{1,3}", fullmatch=True),
    number=st.integers(0, 70000),
    regex=st.sampled_from(["^a", "b+c$", "[ab]{2}", "^$", "a|^c", "(ab)*c"]),
    data=st.binary(min_size=1, max_size=30).flatmap(
        lambda b: st.sampled_from([b, b + b"abcab", b"abc" + b, b.replace(b"\x00", b"b")])
    ),
    gzipped=st.booleans(),
)
def test_random_rules_agree_with_cups(
    template: str,
    offset: int,
    size: int,
    value: str,
    number: int,
    regex: str,
    data: bytes,
    gzipped: bool,
    oracle: Oracle,
    probe_dir: Path,
) -> None:
    # KNOWN GAP: a regex rule refills CUPS's buffer at its own offset, and on a short
    # gzip stream cupsFileSeek back to a non-zero offset after EOF leaves a buffer we
    # do not model (file.c internals): gzip regex probes start at offset 0
    if gzipped and template.startswith("regex"):
        offset = 0
    # KNOWN GAP: char, short and int past the end of what CUPS read compare bytes of its
    # uninitialised buffer (type.c checks only that fb->length covers the width, not the
    # offset), so there the oracle answers at random: those probes stay inside the data
    length = len(data) + (40 if gzipped else 0)
    for word, width in (("char(", 1), ("short(", 2), ("int(", 4)):
        if word in template and length >= width:
            offset = min(offset, length - width)
    rule = template.format(o=offset, n=size, v=value, b=number % 256, w=number, r=regex)
    extra = f"zt/probe {rule} priority(1000)\n"
    doc = probe_dir / "probe"
    # KNOWN GAP: cupsFileSeek past the end of a gzip stream sometimes succeeds in
    # CUPS (file.c internals we do not model), so gzip probes stay inside the data
    doc.write_bytes(gzip.compress(data + b"z" * 40) if gzipped else data)
    assert detect_type(system_types(extra), doc, locale="C") == oracle(doc, extra)
