"""Durations for ``printerapp plugs hold --for``."""

from __future__ import annotations

import pytest

from printerapp.cli.plugs_server import parse_duration
from printerapp.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("2h", 7200), ("90m", 5400), ("1h30m", 5400), ("45s", 45), ("600", 600), ("1h0m5s", 3605)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "2d", "-5", "1.5h", "h"])
def test_bad_durations_are_named(text: str) -> None:
    with pytest.raises(ConfigError, match="is not a duration"):
        parse_duration(text)
