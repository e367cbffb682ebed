"""Duplicates across transports, scoped removal, and safe state names."""

from __future__ import annotations

from dataclasses import replace

from printerapp.detection.devicelist import DeviceList, collapse_duplicates
from printerapp.detection.records import Change, Device, Transport
from printerapp.deviceid import parse_device_id

HP_ID = parse_device_id("MFG:Hewlett-Packard;MDL:LaserJet 4000;SN:CN123;")
USB = Device(
    "usb://HP/LaserJet%204000?serial=CN123",
    "HP LaserJet 4000",
    device_id=HP_ID,
    transport=Transport.USB,
    serial="CN123",
    source="usb",
)
MDNS = Device(
    "dnssd://HP%20LaserJet%204000._pdl-datastream._tcp.local/",
    "HP LaserJet 4000",
    device_id=parse_device_id("MFG:HP;MDL:LaserJet 4000;"),
    transport=Transport.NETWORK,
    host="10.0.0.7",
    source="mdns",
)
SNMP = Device(
    "socket://10.0.0.7",
    "HP LaserJet 4000",
    device_id=parse_device_id("MFG:Hewlett-Packard;MDL:LaserJet 4000;"),
    transport=Transport.SNMP,
    host="10.0.0.7",
    source="snmp",
)
NET_WITH_SERIAL = Device(
    "socket://10.0.0.99",
    "HP LaserJet 4000",
    device_id=HP_ID,
    transport=Transport.NETWORK,
    serial="CN123",
    host="10.0.0.99",
    source="snmp-like",
)
OTHER = Device(
    "socket://10.0.0.8",
    "HP LaserJet 4000",
    device_id=parse_device_id("MFG:HP;MDL:LaserJet 4000;"),
    transport=Transport.SNMP,
    host="10.0.0.8",
    source="snmp",
)


def test_network_beats_snmp_for_the_same_make_model_and_host() -> None:
    # "Hewlett-Packard" and "HP" are one manufacturer once normalised.
    assert collapse_duplicates([SNMP, MDNS, OTHER]) == {MDNS, OTHER}


def test_usb_beats_network_for_the_same_serial() -> None:
    assert collapse_duplicates([NET_WITH_SERIAL, USB]) == {USB}


def test_a_chain_of_matches_collapses_to_the_best() -> None:
    # USB matches the network record by serial; SNMP matches that one by host.
    net = replace(NET_WITH_SERIAL, host="10.0.0.7")
    assert collapse_duplicates([SNMP, net, USB]) == {USB}


def test_dedupe_switch_off_keeps_every_record() -> None:
    devices = DeviceList(dedupe=False)
    devices.apply_scan([USB, SNMP], complete=["usb", "snmp"])
    devices.set_source("mdns", [MDNS])
    assert devices.devices == {USB, SNMP, MDNS}


def test_removal_only_for_the_sources_the_scan_covered() -> None:
    devices = DeviceList()
    added = devices.apply_scan([USB, OTHER], complete=["usb", "snmp"])
    assert {(c.change, c.device) for c in added} == {(Change.ADDED, USB), (Change.ADDED, OTHER)}
    # A usb-only scan that finds nothing removes the USB printer, not the SNMP one.
    removed = devices.apply_scan([], complete=["usb"])
    assert [(c.change, c.device) for c in removed] == [(Change.REMOVED, USB)]
    assert devices.devices == {OTHER}


def test_a_timed_out_backend_never_removes_and_still_adds() -> None:
    devices = DeviceList()
    devices.apply_scan([OTHER], complete=["snmp"])
    changes = devices.apply_scan([SNMP], complete=[], partial=["snmp"])
    assert [(c.change, c.device) for c in changes] == [(Change.ADDED, SNMP)]
    assert devices.devices == {OTHER, SNMP}


def test_a_better_transport_replaces_the_shown_record() -> None:
    devices = DeviceList()
    devices.apply_scan([SNMP], complete=["snmp"])
    changes = devices.set_source("mdns", [MDNS])
    assert [(c.change, c.device) for c in changes] == [
        (Change.REMOVED, SNMP),
        (Change.ADDED, MDNS),
    ]
