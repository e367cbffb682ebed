"""The queue's default resolution: a real choice instead of Gutenprint's made-up name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from printerapp.ppd.queueres import ResolutionChange, normalize_resolution

GUTENPRINT = """*OpenUI *Resolution/Resolution: PickOne
*DefaultResolution: 301x300dpi
*StpDefaultResolution: 301x300dpi
*Resolution 301x300dpi/Automatic:\t"<</HWResolution[300 300]>>setpagedevice"
*Resolution 150dpi/150x150 DPI:\t"<</HWResolution[150 150]/cupsCompression 2>>setpagedevice"
*Resolution 300dpi/300x300 DPI:\t"<</HWResolution[300 300]/cupsCompression 3>>setpagedevice"
*Resolution 600dpi/600x600 DPI:\t"<</HWResolution[600 600]/cupsCompression 4>>setpagedevice"
*CloseUI: *Resolution
"""


def test_gutenprint_automatic_becomes_the_resolution_it_prints_at() -> None:
    text, change = normalize_resolution(GUTENPRINT)
    assert change == ResolutionChange("301x300dpi", "300dpi")
    assert "*DefaultResolution: 300dpi\n" in text
    # only the default moves: every choice, and Gutenprint's own default, stay
    assert (
        text.replace("*DefaultResolution: 300dpi", "*DefaultResolution: 301x300dpi") == GUTENPRINT
    )


def test_no_exact_choice_takes_the_nearest_real_one() -> None:
    ppd = (
        "*DefaultResolution: 721x720dpi\n"
        '*Resolution 721x720dpi/Automatic: "<</HWResolution[1440 1440]>>setpagedevice"\n'
        '*Resolution 720dpi/720 DPI: "<</HWResolution[720 720]>>setpagedevice"\n'
        '*Resolution 1440x720dpi/1440x720 DPI: "<</HWResolution[1440 720]>>setpagedevice"\n'
    )
    assert normalize_resolution(ppd)[1] == ResolutionChange("721x720dpi", "1440x720dpi")


def test_honest_defaults_and_ppds_without_choices_are_left_alone() -> None:
    honest = GUTENPRINT.replace("*DefaultResolution: 301x300dpi", "*DefaultResolution: 600dpi")
    assert normalize_resolution(honest) == (honest, None)
    # a default without HWResolution code is taken at its name (foomatic's 144x144dpi)
    foomatic = '*DefaultResolution: 144x144dpi\n*Resolution 144x144dpi/144 DPI: "%% FoomaticRIP"\n'
    assert normalize_resolution(foomatic) == (foomatic, None)
    assert normalize_resolution("*DefaultResolution: 300dpi\n") == (
        "*DefaultResolution: 300dpi\n",
        None,
    )
    only_fake = '*DefaultResolution: Auto\n*Resolution Auto/Auto: "<</HWResolution[300 300]>>"\n'
    assert normalize_resolution(only_fake) == (only_fake, None)


@given(st.text(max_size=400))
def test_any_text_is_returned_whole_or_with_one_default_changed(text: str) -> None:
    out, change = normalize_resolution(text)
    if change is None:
        assert out == text
    else:
        assert out.replace(change.new, change.old, 1) == text
        assert normalize_resolution(out)[1] is None


@given(st.sampled_from(["301x300dpi", "602x600dpi", "361x360dpi"]), st.integers(1, 2400))
def test_normalising_twice_changes_nothing_more(name: str, dpi: int) -> None:
    ppd = GUTENPRINT.replace("301x300dpi", name).replace(
        '[300 300]>>setpagedevice"\n*Resolution 150',
        f'[{dpi} {dpi}]>>setpagedevice"\n*Resolution 150',
    )
    once, _ = normalize_resolution(ppd)
    assert normalize_resolution(once) == (once, None)
