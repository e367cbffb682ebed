"""HP's plugin: found where hpcups loads it, and the manager's choice follows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.detection.records import Device
from printerapp.deviceid import parse_device_id
from printerapp.errors import DriverError
from printerapp.manager.drivers import DatabaseDrivers
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.needs import hplip_home, missing_needs
from printerapp.ppd.needtable import HP_PLUGIN_NEED, firmware_need, firmware_needs, record_needs
from printerapp.ppd.settings import DriversConfig

LJ1018 = "MFG:HP;MDL:HP LaserJet 1018 Printer;"


def test_hplip_home_from_its_configuration() -> None:
    assert hplip_home("[hplip]\nversion=3.22.10\n[dirs]\nhome=/opt/hp\n") == "/opt/hp"
    assert hplip_home("[dirs]\nrun=/var/run\n") == "/usr/share/hplip"
    assert hplip_home("") == "/usr/share/hplip"
    assert hplip_home("not an ini file [\n= =\n") == "/usr/share/hplip"


def test_the_plugin_is_missing_until_its_library_is_there(tmp_path: Path) -> None:
    conf = tmp_path / "hplip.conf"
    conf.write_text(f"[dirs]\nhome={tmp_path / 'hplip'}\n", encoding="utf-8")
    firmware = tmp_path / "firmware"
    firmware.mkdir()
    every_firmware = set(firmware_needs().values())
    assert len(every_firmware) == 8
    assert missing_needs(conf, firmware) == {HP_PLUGIN_NEED, *every_firmware}
    plugin = tmp_path / "hplip" / "prnt" / "plugins" / "lj.so"
    plugin.parent.mkdir(parents=True)
    plugin.write_bytes(b"\x7fELF")
    assert missing_needs(conf, firmware) == every_firmware
    (firmware / "sihp1018.dl").write_bytes(b"firmware")
    assert missing_needs(conf, firmware) == every_firmware - {firmware_need("1018")}


def test_what_each_ppd_needs_from_its_own_words() -> None:
    hplip = "HP LaserJet 1018, hpcups 3.22.10, requires proprietary plugin"
    assert record_needs(hplip, hplip) == HP_PLUGIN_NEED
    foo2 = "HP LaserJet P1007 Foomatic/foo2xqx (recommended)"
    assert record_needs(foo2, foo2) == firmware_need("P1005")  # foo2zjs's alias
    assert "sihpP1005.dl" in record_needs(foo2, foo2)
    assert record_needs("HP LaserJet P1505n Foomatic/foo2xqx", "") == firmware_need("P1505n")
    # the same family's models that keep their firmware need nothing
    assert record_needs("HP LaserJet 1022 Foomatic/foo2zjs-z1 (recommended)", "") == ""
    assert record_needs("HP LaserJet 1020 Foomatic/pxlmono", "") == ""


def _device(device_id: str) -> Device:
    parsed = parse_device_id(device_id)
    return Device(
        uri="usb://HP/test", make_and_model=parsed.make_and_model, device_id=parsed, serial=""
    )


def test_the_manager_uses_a_driver_that_prints_here(real_index: DriverIndex) -> None:
    if not any(r.name.startswith("hplip:") and r.needs for r in real_index.records):
        pytest.skip("hplip is not installed (DRIVERS=all scripts/setup.sh)")
    firmware_only = DatabaseDrivers(real_index, DriversConfig(), frozenset({HP_PLUGIN_NEED}))
    assert firmware_only.choose(_device(LJ1018)).ppd_name.startswith("foo2zjs:")
    having = DatabaseDrivers(real_index, DriversConfig(), frozenset())
    assert having.choose(_device(LJ1018)).ppd_name.startswith("hplip:")
    lacking = frozenset({HP_PLUGIN_NEED, firmware_need("1018")})
    with pytest.raises(DriverError, match=r"needs HP's proprietary plugin.*sihp1018\.dl"):
        DatabaseDrivers(real_index, DriversConfig(), lacking).choose(_device(LJ1018))


def test_a_printer_only_the_plugin_drives_is_refused_with_the_reason(
    real_index: DriverIndex,
) -> None:
    lacking = DatabaseDrivers(real_index, DriversConfig(), frozenset({HP_PLUGIN_NEED}))
    having = DatabaseDrivers(real_index, DriversConfig(), frozenset())
    for rec in real_index.records:
        if rec.name.startswith("hplip:") and rec.needs and rec.device_id:
            try:
                lacking.choose(_device(rec.device_id))
            except DriverError as exc:
                message = str(exc)
                break
    else:
        pytest.skip("no plugin-only printer without a free driver in this driver set")
    assert "needs HP's proprietary plugin" in message
    assert "hp-plugin" in message
    assert having.choose(_device(rec.device_id)).ppd_name.startswith("hplip:")
