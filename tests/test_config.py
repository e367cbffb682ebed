"""The configuration file: typed accessors name the key and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.config import default_state_dir, load_config
from printerapp.errors import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "printerapp.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_optional_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml")
    assert config.path is None
    assert config.section("drivers").number("timeout", 5.0) == 5.0


def test_missing_required_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"absent\.toml: no such configuration file"):
        load_config(tmp_path / "absent.toml", required=True)


def test_values_are_typed_and_relative_paths_follow_the_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[drivers]\nppd_dir = "ppds"\ntimeout = 3\nschemes = ["usb", "socket"]\n'
        "[power.plugs.office]\nhost = '127.0.0.1'\n",
    )
    drivers = load_config(path).section("drivers")
    assert drivers.path("ppd_dir") == tmp_path / "ppds"
    assert drivers.number("timeout", 1, minimum=0) == 3.0
    assert drivers.strings("schemes") == ("usb", "socket")
    plugs = load_config(path).section("power").table("plugs").tables()
    assert plugs["office"].string("host") == "127.0.0.1"
    assert plugs["office"].name == "power.plugs.office"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[drivers]\ntimeout = 'soon'\n", r"drivers\.timeout: expected a number"),
        ("[drivers]\ntimeout = true\n", r"drivers\.timeout: expected a number"),
        ("[drivers]\ntimeout = -1\n", r"drivers\.timeout: -1 is below the minimum 0"),
        ("[drivers]\nschemes = 'usb'\n", r"drivers\.schemes: expected a list of strings"),
        ("[drivers]\nname = 3\n", r"drivers\.name: expected str, got int"),
        ("[drivers]\ntypo = 1\n", r"drivers\.typo: unknown key"),
    ],
)
def test_bad_values_name_file_key_and_reason(tmp_path: Path, text: str, message: str) -> None:
    section = load_config(_write(tmp_path, text)).section("drivers")

    def read_all() -> None:
        section.number("timeout", 1, minimum=0)
        section.strings("schemes")
        section.string("name")
        section.reject_unknown({"timeout", "schemes", "name"})

    with pytest.raises(ConfigError, match=message):
        read_all()


def test_syntax_and_encoding_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"printerapp\.toml: .*line 1"):
        load_config(_write(tmp_path, "[drivers\n"))
    bad = tmp_path / "printerapp.toml"
    bad.write_bytes(b"name = '\xff'\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)


def test_state_dir_prefers_the_environment(tmp_path: Path) -> None:
    assert default_state_dir({"PRINTERAPP_STATE_DIR": str(tmp_path)}) == tmp_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[power]\nidle_delay = nan\n", r"power\.idle_delay: nan is not a finite number"),
        ("[power]\nidle_delay = inf\n", r"power\.idle_delay: inf is not a finite number"),
        (
            "[power]\nidle_delay = 1e300\n",
            r"power\.idle_delay: 1e\+300 is above the maximum 1e\+09",
        ),
    ],
)
def test_numbers_are_finite_and_bounded(tmp_path: Path, text: str, message: str) -> None:
    from printerapp.power.settings import power_settings

    path = tmp_path / "printerapp.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        power_settings(load_config(path))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[powr]\nidle_delay = 1\n", r"\[powr\]: unknown table \(known: control, cups_power"),
        ('server = "x"\n', r"server: expected a table, got str"),
    ],
)
def test_an_unknown_table_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "printerapp.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as err:
        load_config(path)
    assert str(path) in str(err.value)
