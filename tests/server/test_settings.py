"""The [server] and [printers] tables: defaults, values, and errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.config import load_config
from printerapp.errors import ConfigError
from printerapp.server.settings import ServerSettings, server_settings
from printerapp.web.guard import Limits


def _settings(tmp_path: Path, text: str) -> ServerSettings:
    path = tmp_path / "printerapp.toml"
    path.write_text(text)
    return server_settings(load_config(path))


def test_missing_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRINTERAPP_STATE_DIR", str(tmp_path / "st"))
    settings = server_settings(load_config(tmp_path / "absent.toml"))
    assert settings.manager.state_dir == tmp_path / "st"
    assert (settings.manager.ports.first, settings.manager.ports.last) == (8000, 9000)
    assert (settings.control_host, settings.control_port) == ("127.0.0.1", 7631)
    assert settings.manager.hostname == "localhost"


def test_values_and_overrides(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        '[server]\nstate_dir = "st"\nports = "8100-8199"\ncontrol = "[::1]:7000"\n'
        'log_level = "debug"\n'
        '[printers."socket://10.0.0.5:9100"]\nname = "Office"\nlocation = "2F"\n'
        '[printers."usb://HP/X"]\ndisabled = true\nppd = "drv:///sample.drv/generic.ppd"\n',
    )
    assert settings.manager.state_dir == tmp_path / "st"
    assert settings.manager.ports.first == 8100
    assert (settings.control_host, settings.control_port) == ("::1", 7000)
    assert settings.log_level == "DEBUG"
    office = settings.manager.overrides["socket://10.0.0.5:9100"]
    assert (office.name, office.location, office.disabled) == ("Office", "2F", False)
    assert settings.manager.overrides["usb://HP/X"].disabled
    assert settings.manager.overrides["usb://HP/X"].ppd == "drv:///sample.drv/generic.ppd"
    assert office.ppd == ""  # the best match


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[server]\nports = "9000"\n', r"server\.ports: '9000' is not FIRST-LAST"),
        ('[server]\nports = "9000-8000"\n', r"server\.ports: port range 9000-8000"),
        (
            '[server]\nports = "18500-18600"\n',
            r"server\.internal_ports: 18000-19000 overlaps server\.ports 18500-18600",
        ),
        ('[server]\ninternal_ports = "x"\n', r"server\.internal_ports: 'x' is not FIRST-LAST"),
        ('[server]\ncontrol = "localhost"\n', r"server\.control: 'localhost' is not HOST:PORT"),
        ('[server]\nlog_level = "LOUD"\n', r"server\.log_level: 'LOUD' is not one of"),
        ("[server]\nport = 1\n", r"server\.port: unknown key"),
        ('[printers."x"]\ncolour = 1\n', r"printers\.x\.colour: unknown key"),
        ("[server]\nhostname = 7\n", r"server\.hostname: expected str"),
        ('[server]\nformats = ["pdf"]\n', r"server\.formats: 'pdf' is not a MIME type"),
        ("[server]\njob_cpu_limit = -1\n", r"server\.job_cpu_limit: -1 is below the minimum 0"),
        ("[server]\njob_time_limit = nan\n", r"server\.job_time_limit: nan is not a finite"),
        (
            "[server]\njob_memory_limit = -5\n",
            r"server\.job_memory_limit: -5 is below the minimum 0",
        ),
        ("[server]\nrestart_interval = -5\n", r"server\.restart_interval: -5 is below the mini"),
        ('[server]\nrestart_interval = "5m"\n', r"server\.restart_interval: expected a number"),
        ('[server]\nerror_policy = "retry"\n', r"server\.error_policy: 'retry' is not one of"),
        ('[printers."x"]\nerror_policy = "x"\n', r"printers\.x\.error_policy: 'x' is not"),
        ("[server]\nkeep_hours = -1\n", r"server\.keep_hours: -1 is below the minimum 0"),
        ('[server]\nkeep_max_mb = "1G"\n', r"server\.keep_max_mb: expected a number"),
        ("[server]\nheld_days = -1\n", r"server\.held_days: -1 is below the minimum 0"),
        ("[server]\nheld_days = inf\n", r"server\.held_days: inf is not a finite"),
        ("[server]\njob_retry_interval = nan\n", r"server\.job_retry_interval: nan is not"),
        ("[control]\nheader_timeout = 0\n", r"control\.header_timeout: 0 is not a timeout"),
        ("[control]\nkeepalive = -1\n", r"control\.keepalive: -1 is below the minimum 0"),
        ("[control]\nkeepalive = nan\n", r"control\.keepalive: nan is not a finite number"),
        ("[control]\nheader_timeout = inf\n", r"control\.header_timeout: inf is not a finite"),
        ("[control]\nheader_timeout = 1e300\n", r"control\.header_timeout: 1e\+300 is above"),
        ("[control]\nmax_connections = 0\n", r"control\.max_connections: 0 is below the min"),
        ("[control]\nmax_per_address = 2.5\n", r"control\.max_per_address: 2.5 is not a whole"),
        ('[control]\nmax_line = "8k"\n', r"control\.max_line: expected a number"),
        ("[control]\nmax_headers = 1\n", r"control\.max_headers: 1 is below the minimum 8"),
        ("[control]\nevent_write_timeout = 0\n", r"control\.event_write_timeout: 0 is not a"),
        ("[control]\nheader_timout = 1\n", r"control\.header_timout: unknown key"),
        ("[server]\njob_retry_limit = 2.5\n", r"server\.job_retry_limit: 2.5 is not a whole"),
        (
            "[server]\njob_retry_limit = 1e6\n",
            r"server\.job_retry_limit: 1000000.0 is above the maximum 1000",
        ),
    ],
)
def test_bad_values_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        _settings(tmp_path, text)
    assert "printerapp.toml" in str(err.value)


def test_formats_from_the_snap_environment(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml")
    env = {"PRINTERAPP_FORMATS": "image/pwg-raster,image/urf"}
    assert server_settings(config, env).manager.formats == ("image/pwg-raster", "image/urf")
    assert server_settings(config, {}).manager.formats == ()


def test_job_limits(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, "[server]\njob_cpu_limit = 30\njob_time_limit = 0\njob_memory_limit = 512\n"
    )
    limits = settings.manager
    assert (limits.job_cpu_limit, limits.job_time_limit, limits.job_memory_limit) == (30, 0, 512)
    defaults = _settings(tmp_path, "")
    assert defaults.manager.job_cpu_limit > 0
    assert defaults.manager.job_time_limit > 0
    assert defaults.manager.job_memory_limit >= 1024


def test_job_limits_per_printer(tmp_path: Path) -> None:
    text = (
        "[server]\njob_cpu_limit = 30\njob_time_limit = 100\n"
        '[printers."socket://big"]\njob_time_limit = 0\njob_memory_limit = 4096\n'
    )
    manager = _settings(tmp_path, text).manager
    assert manager.job_limits_for("socket://big") == (30, 0, 4096)  # the rest from [server]
    assert manager.job_limits_for("socket://other") == (30, 100, manager.job_memory_limit)
    with pytest.raises(ConfigError, match=r"printers\.x\.job_cpu_limit: -1 is below the minimum"):
        _settings(tmp_path, '[printers."x"]\njob_cpu_limit = -1\n')


def test_documents_kept_for_reprints(tmp_path: Path) -> None:
    defaults = _settings(tmp_path, "").keep
    assert (defaults.hours, defaults.max_bytes) == (24.0, 256 * 1024 * 1024)
    keep = _settings(tmp_path, "[server]\nkeep_hours = 2.5\nkeep_max_mb = 10\n").keep
    assert (keep.hours, keep.max_bytes) == (2.5, 10 * 1024 * 1024)


def test_held_documents_and_retries(tmp_path: Path) -> None:
    defaults = _settings(tmp_path, "")
    assert defaults.keep.held_days == 7.0
    assert (defaults.job_retry_interval, defaults.job_retry_limit) == (30.0, 5)
    text = "[server]\nheld_days = 0.5\njob_retry_interval = 0.5\njob_retry_limit = 0\n"
    mine = _settings(tmp_path, text)
    assert mine.keep.held_days == 0.5
    assert (mine.job_retry_interval, mine.job_retry_limit) == (0.5, 0)


def test_control_limits(tmp_path: Path) -> None:
    assert _settings(tmp_path, "").limits == Limits()
    text = (
        "[control]\nheader_timeout = 2.5\nkeepalive = 5\nmax_connections = 100\n"
        "max_per_address = 10\nmax_line = 1024\nmax_field = 2048\nmax_headers = 20\n"
        "event_write_timeout = 3\n"
    )
    limits = _settings(tmp_path, text).limits
    assert limits == Limits(100, 10, 2.5, 5.0, 1024, 2048, 20, 3.0)
    args = limits.handler_args()
    assert (args["keepalive_timeout"], args["max_line_size"]) == (5.0, 1024)
    assert (args["max_field_size"], args["max_headers"]) == (2048, 20)
    # the caps stay within half the descriptor limit, whatever is configured
    assert (limits.sized(1024).connections, limits.sized(1024).per_client) == (100, 10)
    assert (limits.sized(64).connections, limits.sized(64).per_client) == (32, 10)
    assert Limits.for_fd_limit(1024).connections == 512


def test_restart_interval(tmp_path: Path) -> None:
    assert _settings(tmp_path, "").manager.restart_interval == 300.0
    settings = _settings(tmp_path, "[server]\nrestart_interval = 0\n")
    assert settings.manager.restart_interval == 0.0  # a crash loop then stays stopped


def test_error_policy_for_the_server_and_per_printer(tmp_path: Path) -> None:
    assert _settings(tmp_path, "").manager.error_policy == "retry-job"
    text = '[server]\nerror_policy = "abort-job"\n[printers."u"]\nerror_policy = "stop-printer"\n'
    settings = _settings(tmp_path, text)
    assert settings.manager.error_policy == "abort-job"
    assert settings.manager.overrides["u"].error_policy == "stop-printer"
