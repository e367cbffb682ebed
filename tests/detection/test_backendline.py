"""The discovery-line parser on real backend output, escapes and hostile input."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.detection.backendline import MAX_LINE, DiscoveryLine, parse_backend_line
from printerapp.errors import MalformedLineError


def test_full_line_with_id_and_location() -> None:
    line = (
        'direct usb://HP/LaserJet%202100?serial=00XY "HP LaserJet 2100" "HP LaserJet 2100 USB"'
        ' "MFG:Hewlett-Packard;MDL:HP LaserJet 2100;CMD:PJL,PCL;" "Room 12"\n'
    )
    parsed = parse_backend_line(line)
    assert parsed == DiscoveryLine(
        "direct",
        "usb://HP/LaserJet%202100?serial=00XY",
        "HP LaserJet 2100",
        "HP LaserJet 2100 USB",
        "MFG:Hewlett-Packard;MDL:HP LaserJet 2100;CMD:PJL,PCL;",
        "Room 12",
    )


def test_backslash_escapes_a_quote_and_a_backslash() -> None:
    parsed = parse_backend_line(r'network socket://10.0.0.5 "Say \"Hi\" \\ok" "info"')
    assert parsed.make_and_model == 'Say "Hi" \\ok'
    assert parsed.device_id == ""
    assert parsed.location == ""


def test_bare_scheme_line_as_backends_print_it() -> None:
    parsed = parse_backend_line('network socket "Unknown" "AppSocket/HP JetDirect"')
    assert (parsed.uri, parsed.make_and_model) == ("socket", "Unknown")


def test_real_installed_backend_lines_parse(cups_dirs: object) -> None:
    # cups-brf prints a full line with a device ID; ipp/socket print bare schemes.
    for name in ("cups-brf", "socket", "ipp"):
        out = subprocess.run(
            [f"/usr/lib/cups/backend/{name}"], capture_output=True, text=True, timeout=20
        ).stdout
        lines = [parse_backend_line(x) for x in out.splitlines() if x.strip()]
        assert lines, name
    brf = parse_backend_line(
        subprocess.run(
            ["/usr/lib/cups/backend/cups-brf"], capture_output=True, text=True, timeout=20
        ).stdout.splitlines()[0]
    )
    assert brf.uri == "cups-brf:/"
    assert "MFG:Generic" in brf.device_id


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("", "class"),
        ("direct", "URI"),
        ('direct usb://x "unterminated', "unterminated"),
        ('direct usb://x "only one"', "make-and-model and info"),
        ('direct usb://x bare "x"', "quoted string"),
        ('dir;ect usb://x "a" "b"', "class"),
        ('direct 9usb://x "a" "b"', "URI"),
        ('direct usb://\x07bell "a" "b"', "URI"),
        ("direct usb://" + "a" * 2000 + ' "a" "b"', "URI"),
    ],
)
def test_malformed_lines_say_why(line: str, reason: str) -> None:
    with pytest.raises(MalformedLineError, match=reason):
        parse_backend_line(line)


def test_overlong_line_is_rejected() -> None:
    with pytest.raises(MalformedLineError, match="longer"):
        parse_backend_line('direct usb://x "' + "A" * MAX_LINE + '" "b"')


def test_hostile_fields_are_cleaned_and_bounded() -> None:
    line = (
        'direct usb://x "$(rm -rf /)\x1b[31m;`id`\x00" "' + "B" * 10_000 + '" "MFG:\x7fX;" "../.."'
    )
    parsed = parse_backend_line(line)
    assert parsed.make_and_model == "$(rm -rf /) [31m;`id`"
    assert len(parsed.info) == 1023
    assert parsed.device_id == "MFG: X;"
    assert parsed.location == "../.."  # text only; names.py keeps it out of paths


@given(st.text(max_size=300))
def test_any_text_parses_or_raises_our_error(text: str) -> None:
    try:
        parsed = parse_backend_line(text)
    except MalformedLineError:
        return
    for value in (parsed.make_and_model, parsed.info, parsed.device_id, parsed.location):
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value)
    assert " " not in parsed.uri


@given(st.lists(st.text(max_size=40), min_size=2, max_size=4))
def test_escaped_fields_round_trip(fields: list[str]) -> None:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    parsed = parse_backend_line("network socket://h " + " ".join(quote(f) for f in fields))
    expected = [
        " ".join("".join(" " if ord(c) < 32 or 127 <= ord(c) <= 159 else c for c in f).split())
        for f in fields
    ]
    expected += [""] * (4 - len(expected))
    assert [parsed.make_and_model, parsed.info, parsed.device_id, parsed.location] == expected
