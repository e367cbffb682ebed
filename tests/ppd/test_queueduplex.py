"""Two-sided printing is offered only where the PPD says the duplexer is installed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from printerapp.ppd.queueduplex import normalize_duplex

FOOMATIC = """*PPD-Adobe: "4.3"
*OpenGroup: InstallableOptions/Installed Options
*OpenUI *Option1/Duplexer: Boolean
*DefaultOption1: False
*Option1 True/Installed: "%% FoomaticRIPOptionSetting: Option1=True"
*Option1 False/Not Installed: "%% FoomaticRIPOptionSetting: Option1=False"
*CloseUI: *Option1
*CloseGroup: InstallableOptions
*UIConstraints: *Option1 False *Duplex
*UIConstraints: *Duplex *Option1 False
*OpenUI *Duplex/Double-Sided Printing: PickOne
*DefaultDuplex: DuplexNoTumble
*Duplex DuplexNoTumble/Long Edge: "<</Duplex true /Tumble false>>setpagedevice"
*Duplex DuplexTumble/Short Edge: "%% FoomaticRIPOptionSetting: Duplex=DuplexTumble
<</Duplex true /Tumble true>>setpagedevice"
*End
*Duplex None/Off: "<</Duplex false>>setpagedevice"
*CloseUI: *Duplex
"""


def test_a_duplexer_not_installed_leaves_one_sided_only() -> None:
    text, option = normalize_duplex(FOOMATIC)
    assert option == "Option1"
    assert "DuplexNoTumble/" not in text
    assert "DuplexTumble/" not in text
    assert "Tumble true" not in text  # the multi-line choice went whole, with its *End
    assert '*Duplex None/Off: "<</Duplex false>>setpagedevice"' in text
    assert "*DefaultDuplex: None\n" in text
    assert normalize_duplex(text) == (text, None)


def test_an_installed_duplexer_and_unconstrained_duplex_are_left_alone() -> None:
    installed = FOOMATIC.replace("*DefaultOption1: False", "*DefaultOption1: True")
    assert normalize_duplex(installed) == (installed, None)
    free = FOOMATIC.replace("*UIConstraints: *Option1 False *Duplex\n", "").replace(
        "*UIConstraints: *Duplex *Option1 False\n", ""
    )
    assert normalize_duplex(free) == (free, None)
    # a constraint with a non-installable option (media type, page size) is not a duplexer
    media = FOOMATIC.replace("*OpenGroup: InstallableOptions", "*OpenGroup: General")
    assert normalize_duplex(media) == (media, None)


def test_crlf_ppds_are_read_too() -> None:
    text, option = normalize_duplex(FOOMATIC.replace("\n", "\r\n"))
    assert option == "Option1"
    assert "DuplexNoTumble/" not in text


@given(st.text(max_size=300))
def test_any_text_is_returned_whole_or_without_two_sided_choices(text: str) -> None:
    out, option = normalize_duplex(text)
    assert (option is None) == (out == text)
