"""What a driver needs beyond free software, read from its PPD's own words.

* hplip's PPDs for host-based LaserJets say "requires proprietary plugin" in
  their NickName: ``hpcups`` loads HP's closed-source plugin for them.
* foo2zjs's PPDs for the LaserJet 1000/1005/1018/1020 and P1005-P1505 drive
  printers that forget their firmware when switched off: Debian's udev rule
  (``85-hplj10xx.rules``) sends ``/lib/firmware/hp/sihp<model>.dl`` at each
  plug-in, and that file is HP's, not in Debian.

A need is a sentence naming the thing and how to get it; the host checks
(:mod:`printerapp.ppd.needs`) say which of them are missing.  The index
cache keeps each record's need: bump ``ppd.cache.CACHE_FORMAT`` when this
table changes.
"""

from __future__ import annotations

import re

__all__ = ["FIRMWARE_DIR", "HP_PLUGIN_NEED", "firmware_need", "firmware_needs", "record_needs"]

HP_PLUGIN_NEED = "HP's proprietary plugin (not free; install it with hp-plugin)"
FIRMWARE_DIR = "/lib/firmware/hp"
_HP_PLUGIN = "requires proprietary plugin"
_FOO2 = re.compile(r"Foomatic/foo2(?:zjs|xqx)", re.IGNORECASE)
_LASERJET = re.compile(r"LaserJet (P?\d{4}n?)\b")
#: model -> firmware model, as foo2zjs's hplj1000 udev script maps them (P1007 uses P1005's)
_FIRMWARE = {
    "1000": "1000",
    "1005": "1005",
    "1018": "1018",
    "1020": "1020",
    "P1005": "P1005",
    "P1006": "P1006",
    "P1007": "P1005",
    "P1008": "P1006",
    "P1505": "P1505",
    "P1505n": "P1505n",
}


def firmware_need(model: str) -> str:
    """The need for the firmware file of foo2zjs's *model* (a key of the table)."""
    return (
        f"HP's firmware {FIRMWARE_DIR}/sihp{model}.dl"
        " (not free; foo2zjs's getweb or hannah-foo2zjs downloads it)"
    )


def firmware_needs() -> dict[str, str]:
    """Every firmware need, by the file it names."""
    return {f"{FIRMWARE_DIR}/sihp{fw}.dl": firmware_need(fw) for fw in set(_FIRMWARE.values())}


def record_needs(nickname: str, make_and_model: str) -> str:
    """What the PPD with this NickName and make-and-model needs ("" for nothing)."""
    if _HP_PLUGIN in make_and_model.lower() or _HP_PLUGIN in nickname.lower():
        return HP_PLUGIN_NEED
    if _FOO2.search(nickname) and (model := _LASERJET.search(nickname)):
        fw = _FIRMWARE.get(model.group(1))
        return firmware_need(fw) if fw else ""
    return ""
