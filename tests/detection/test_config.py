"""The [detection] table."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.config import Section
from printerapp.detection.config import DEFAULT_EXCLUDE, DetectionConfig
from printerapp.errors import ConfigError


def test_defaults() -> None:
    config = DetectionConfig.from_section(Section("detection", "<defaults>"), env={})
    assert config.exclude == DEFAULT_EXCLUDE
    assert config.scan_interval_s == 60
    assert config.backend_timeout_s == 10
    assert config.backend_dir == Path("/usr/lib/cups/backend")
    assert config.dedupe
    assert not config.selection.allows("dnssd")
    assert config.selection.allows("snmp")


def test_values_and_snap_backends() -> None:
    section = Section(
        "detection",
        "/etc/printerapp/printerapp.toml",
        {
            "include": ["usb", "snmp", "hp"],
            "exclude": [],
            "event_backends": ["hp"],
            "scan_interval": 5,
            "dedupe": False,
            "backend_dir": "backends",
        },
    )
    config = DetectionConfig.from_section(section, env={"SNAP_BACKENDS": "gutenprint53+usb, x"})
    assert config.event_backends == ("hp", "gutenprint53+usb", "x")
    assert config.scan_interval_s == 5
    assert not config.dedupe
    assert config.backend_dir == Path("/etc/printerapp/backends")
    assert config.selection.allows("hp")
    assert not config.selection.allows("hpfax")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"scan_interval": 0}, "below the minimum"),
        ({"dedupe": "yes"}, "expected bool"),
        ({"udev_source": "netlink"}, "invalid"),
        ({"exclude": "dnssd"}, "list of strings"),
        ({"scan_intervall": 5}, "unknown key"),
    ],
)
def test_bad_values_name_the_key(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DetectionConfig.from_section(Section("detection", "f.toml", values), env={})
