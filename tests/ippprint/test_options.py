"""IPP attributes -> CUPS options, on the real matrix PPDs."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printerapp.ippprint.options import encode_options, job_options, parse_options
from printerapp.ppd.options import PpdChoices, parse_ppd_choices, read_ppd_choices

TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")

GetPpd = Callable[[str], Path]


@pytest.fixture
def lj2100(get_ppd: GetPpd) -> PpdChoices:
    return read_ppd_choices(get_ppd("lj2100-pxlmono"))


@pytest.fixture
def r300(get_ppd: GetPpd) -> PpdChoices:
    return read_ppd_choices(get_ppd("r300-gutenprint"))


def test_ppd_choices_read_from_real_ppd(lj2100: PpdChoices, r300: PpdChoices) -> None:
    assert lj2100.nickname == "HP LaserJet 2100 Foomatic/pxlmono (recommended)"
    assert set(lj2100.duplex) == {"None", "DuplexNoTumble", "DuplexTumble"}
    assert lj2100.color_models == ()
    assert {"Gray", "RGB", "CMYK"} <= set(r300.color_models)
    a4 = next(p for p in r300.page_sizes if p.name == "A4")
    assert (a4.width, a4.height) == (595.0, 842.0)


def test_full_job_on_laserjet(lj2100: PpdChoices) -> None:
    env = {
        "IPP_JOB_ID": "7",
        "IPP_JOB_NAME": "report 'q1'",
        "IPP_JOB_ORIGINATING_USER_NAME": "alice",
        "IPP_COPIES": "2",
        "IPP_MEDIA": "iso_a4_210x297mm",
        "IPP_SIDES": "two-sided-short-edge",
        "IPP_PRINT_COLOR_MODE": "monochrome",
        "IPP_PRINT_QUALITY": "high",
        "IPP_ORIENTATION_REQUESTED": "landscape",
        "IPP_PAGE_RANGES": "1-3,5-5",
        "IPP_NUMBER_UP": "4",
    }
    opts = job_options(env, lj2100, printer="lj")
    assert (opts.job_id, opts.user, opts.title, opts.copies) == ("7", "alice", "report 'q1'", 2)
    assert dict(opts.options) == {
        "media": "iso_a4_210x297mm",
        "PageSize": "A4",
        "sides": "two-sided-short-edge",
        "Duplex": "DuplexTumble",
        "print-color-mode": "monochrome",
        "print-quality": "5",
        "orientation-requested": "4",
        "page-ranges": "1-3,5",
        "number-up": "4",
    }
    assert opts.warnings == ()


def test_letter_inches_and_numeric_enums(lj2100: PpdChoices) -> None:
    env = {
        "IPP_MEDIA": "na_letter_8.5x11in",
        "IPP_PRINT_QUALITY": "3",
        "IPP_ORIENTATION_REQUESTED": "6",
    }
    opts = dict(job_options(env, lj2100, printer="p").options)
    assert opts["PageSize"] == "Letter"
    assert (opts["print-quality"], opts["orientation-requested"]) == ("3", "6")


def test_color_mode_picks_ppd_color_model(r300: PpdChoices) -> None:
    mono = dict(job_options({"IPP_PRINT_COLOR_MODE": "monochrome"}, r300, printer="p").options)
    color = dict(job_options({"IPP_PRINT_COLOR_MODE": "color"}, r300, printer="p").options)
    assert mono["ColorModel"] == "Gray"
    assert color["ColorModel"] == "RGB"


def test_no_ppd_keeps_ipp_names_only() -> None:
    opts = dict(
        job_options(
            {"IPP_MEDIA": "iso_a4_210x297mm", "IPP_SIDES": "one-sided"}, None, printer="p"
        ).options
    )
    assert opts == {"media": "iso_a4_210x297mm", "sides": "one-sided"}


def test_defaults_apply_when_job_is_silent(lj2100: PpdChoices) -> None:
    env = {
        "IPP_MEDIA_DEFAULT": "na_letter_8.5x11in",
        "IPP_ORIENTATION_REQUESTED_DEFAULT": "portrait",
    }
    opts = job_options(env, lj2100, printer="p")
    assert dict(opts.options) == {"media": "na_letter_8.5x11in", "PageSize": "Letter"}
    assert opts.title == "p-0"


def test_media_col_size_selects_page_size(lj2100: PpdChoices) -> None:
    env = {"IPP_MEDIA_COL": "{media-size={x-dimension=21000 y-dimension=29700} media-source=auto}"}
    assert dict(job_options(env, lj2100, printer="p").options)["PageSize"] == "A4"


def test_the_jobs_media_col_wins_over_the_default_media(lj2100: PpdChoices) -> None:
    # what ippeveprinter passes when CUPS asks for A4 (media-col only) on a Letter-default queue
    env = {
        "IPP_MEDIA_COL": "{media-size={x-dimension=21000 y-dimension=29700} media-top-margin=4}",
        "IPP_MEDIA_DEFAULT": "na_letter_8.5x11in",
        "IPP_MEDIA_COL_DEFAULT": "{media-size={x-dimension=21590 y-dimension=27940}}",
    }
    assert dict(job_options(env, lj2100, printer="p").options)["PageSize"] == "A4"
    env["IPP_MEDIA"] = "na_legal_8.5x14in"  # the job's own keyword still comes first
    assert dict(job_options(env, lj2100, printer="p").options)["PageSize"] == "Legal"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IPP_SIDES", "Two-Sided-Long-Edge"),
        ("IPP_MEDIA", "ISO A4; rm -rf"),
        ("IPP_PRINT_COLOR_MODE", "Rainbow"),
        ("IPP_PRINT_QUALITY", "9"),
        ("IPP_ORIENTATION_REQUESTED", "sideways"),
        ("IPP_PAGE_RANGES", "5-3"),
        ("IPP_NUMBER_UP", "3"),
        ("IPP_COPIES", "-1"),
    ],
)
def test_bad_values_are_dropped_with_a_warning(lj2100: PpdChoices, name: str, value: str) -> None:
    opts = job_options({name: value}, lj2100, printer="p")
    attr = name.removeprefix("IPP_").lower().replace("_", "-")
    assert all(k != attr for k, _ in opts.options)
    assert len(opts.warnings) == 1
    assert attr in opts.warnings[0]
    assert repr(value) in opts.warnings[0]


def test_encoding_escapes_like_cupsd() -> None:
    encoded = encode_options([("job-name", "my 'job' \"x\""), ("media", "a4")])
    assert encoded == "job-name=my\\ \\'job\\'\\ \\\"x\\\" media=a4"
    assert parse_options(encoded) == (("job-name", "my 'job' \"x\""), ("media", "a4"))


def test_parser_reads_quotes_and_bare_names() -> None:
    assert parse_options("a='b c' d=\"e f\" g  h=1") == (
        ("a", "b c"),
        ("d", "e f"),
        ("g", "true"),
        ("h", "1"),
    )


_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,15}", fullmatch=True)
_values = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(" \t\n"), max_size=30
)


@given(st.dictionaries(_names, _values, max_size=6))
def test_encode_parse_round_trip(options: dict[str, str]) -> None:
    assert parse_options(encode_options(options.items())) == tuple(options.items())


@pytest.mark.parametrize(
    ("quality", "resolution"), [("draft", "150dpi"), ("normal", None), ("high", "600dpi")]
)
def test_print_quality_picks_a_resolution_when_the_ppd_has_no_quality_option(
    get_ppd: GetPpd, quality: str, resolution: str | None
) -> None:
    # Gutenprint's LaserJet 2100: "301x300dpi" (Automatic, the default), 150, 300, 600 dpi
    ppd = read_ppd_choices(get_ppd("lj2100-gutenprint"))
    assert ppd.qualities == ()
    opts = dict(job_options({"IPP_PRINT_QUALITY": quality}, ppd, printer="p").options)
    assert opts.get("Resolution") == resolution


def test_print_quality_uses_cups_print_quality_choices_first() -> None:
    ppd = parse_ppd_choices(
        '*cupsPrintQuality Draft/Draft: ""\n*cupsPrintQuality Normal/Normal: ""\n'
        '*cupsPrintQuality High/High: ""\n*Resolution 300dpi/300: ""\n*Resolution 600dpi/600: ""\n'
    )
    opts = dict(job_options({"IPP_PRINT_QUALITY": "5"}, ppd, printer="p").options)
    assert opts["cupsPrintQuality"] == "High"
    assert "Resolution" not in opts


def test_a_high_quality_job_prints_at_600_dpi(get_ppd: GetPpd, tmp_path: Path) -> None:
    from printerapp.ippprint.main import run_document

    ppd = get_ppd("lj2100-gutenprint")
    for quality, dpi in (("high", b"600"), ("draft", b"150")):
        out = tmp_path / f"{quality}.prn"
        env = {**os.environ, "CONTENT_TYPE": "application/pdf", "PPD": str(ppd)}
        env["IPP_PRINT_QUALITY"] = quality
        env.pop("DEVICE_URI", None)
        with out.open("wb") as sink:
            status = run_document(TESTPAGE, env, status=io.BytesIO(), stdout_fd=sink.fileno())
        assert status == 0
        assert set(re.findall(rb"\x1b\*t(\d+)R", out.read_bytes())) == {dpi}  # PCL resolution
