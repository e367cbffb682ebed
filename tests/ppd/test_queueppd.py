"""The queue's PPD: sizes in PWG's exact dimensions, margins kept, everything else untouched."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from printerapp.ppd.pwgmedia import PwgSize, standard_size
from printerapp.ppd.queueppd import (
    normalize_media,
    points_for,
    prepare_queue_ppd,
    pwg_from_points,
)

PPD = """*PPD-Adobe: "4.3"\r
*PageSize A4/A4: "<</PageSize[595 842]/ImagingBBox null>>setpagedevice"\r
*ImageableArea A4/A4:\t"18.000 12.000 577.000 830.000"\r
*ImageableArea Letter/US Letter: "18 12 594 780"\r
*ImageableArea Odd/Odd: "0 0 500 500"\r
*PaperDimension A4/A4:\t"595.000 842.000"\r
*PaperDimension Letter/US Letter: "612 792"\r
*PaperDimension Odd/Odd: "500 500"\r
*% a comment: *PaperDimension A4: "595 842"\r
"""


def test_standard_sizes_come_from_cups() -> None:
    assert standard_size(20990, 29704) == PwgSize("iso_a4_210x297mm", 21000, 29700)
    assert standard_size(21590, 27940) == PwgSize("na_letter_8.5x11in", 21590, 27940)
    assert standard_size(17639, 17639) is None  # 500 x 500 points: nobody's standard
    assert standard_size(0, 100) is None


def test_metric_sizes_land_on_the_standard_and_keep_their_margins() -> None:
    text, changed = normalize_media(PPD, standard_size)
    assert changed == ["A4"]
    assert '*PaperDimension A4/A4:\t"595.28 841.9"\r\n' in text
    # the right and top edges move with the paper: margins stay 18 and 12 points
    assert '*ImageableArea A4/A4:\t"18.000 12.000 577.28 829.9"\r\n' in text
    # what selects the size on the printer, the other sizes and comments are as they were
    assert "<</PageSize[595 842]/ImagingBBox null>>setpagedevice" in text
    assert '*PaperDimension Letter/US Letter: "612 792"' in text
    assert '*PaperDimension Odd/Odd: "500 500"' in text
    assert '*% a comment: *PaperDimension A4: "595 842"' in text
    assert (pwg_from_points(595.28), pwg_from_points(841.9)) == (21000, 29700)


def test_normalizing_twice_changes_nothing() -> None:
    once, _ = normalize_media(PPD, standard_size)
    assert normalize_media(once, standard_size) == (once, [])


@given(st.integers(min_value=1, max_value=5_000_000))
def test_points_for_reads_back_exactly(hundredths: int) -> None:
    assert pwg_from_points(float(points_for(hundredths))) == hundredths


def test_the_file_is_rewritten_only_when_needed(tmp_path: Path) -> None:
    path = tmp_path / "q.ppd"
    path.write_bytes(PPD.encode("latin-1") + b'*ShortNickName: "\xe9"\r\n')
    assert prepare_queue_ppd(path) == ["A4"]
    first = path.read_bytes()
    assert first.endswith(b'"\xe9"\r\n')  # bytes that are not ASCII are kept as they were
    mtime = path.stat().st_mtime_ns
    assert prepare_queue_ppd(path) == []
    assert path.stat().st_mtime_ns == mtime
