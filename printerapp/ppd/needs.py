"""Whether this host has what drivers need beyond free software.

The needs themselves come from the PPDs (:mod:`printerapp.ppd.needtable`).
Each is checked where the driver itself looks: hpcups loads HP's plugin
from ``<home>/prnt/plugins/lj.so`` (``home`` from ``/etc/hp/hplip.conf``),
and foo2zjs's udev rule sends ``/lib/firmware/hp/sihp<model>.dl``.
"""

from __future__ import annotations

import configparser
from pathlib import Path

from printerapp.ppd.needtable import FIRMWARE_DIR, HP_PLUGIN_NEED, firmware_needs

__all__ = ["HPLIP_CONF", "hplip_home", "missing_needs"]

HPLIP_CONF = Path("/etc/hp/hplip.conf")
#: hplip's default home when its configuration does not say
_DEFAULT_HOME = "/usr/share/hplip"
#: the plugin library hpcups opens (its strings: ``%s/prnt/plugins/%s`` with ``lj.so``)
_PLUGIN = Path("prnt/plugins/lj.so")


def hplip_home(conf_text: str) -> str:
    """Return hplip's ``[dirs] home`` from its configuration's text, or its default."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(conf_text)
    except configparser.Error:
        return _DEFAULT_HOME
    return parser.get("dirs", "home", fallback=_DEFAULT_HOME).strip() or _DEFAULT_HOME


def missing_needs(
    conf: Path = HPLIP_CONF, firmware_dir: Path = Path(FIRMWARE_DIR)
) -> frozenset[str]:
    """Return the needs this host does not meet: HP's plugin, firmware files."""
    try:
        home = hplip_home(conf.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        home = _DEFAULT_HOME
    missing = set() if (Path(home) / _PLUGIN).is_file() else {HP_PLUGIN_NEED}
    for path, need in firmware_needs().items():
        if not (firmware_dir / Path(path).name).is_file():
            missing.add(need)
    return frozenset(missing)
