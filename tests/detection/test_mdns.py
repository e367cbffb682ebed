"""mDNS: the pure TXT mapping and the real python-zeroconf browser on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from zeroconf import IPVersion, ServiceInfo, Zeroconf

from printerapp.detection import mdns_monitor
from printerapp.detection.mdns_monitor import MdnsMonitor
from printerapp.detection.mdns_txt import (
    OwnQueues,
    ServiceFacts,
    decode_txt,
    dnssd_uri,
    is_driverless,
    service_to_device,
)
from printerapp.detection.records import Change, Device, Transport

PDL = "_pdl-datastream._tcp.local."
IPP = "_ipp._tcp.local."


def facts(
    txt: dict[str, str], service: str = PDL, name: str = "HP LaserJet 4000", port: int = 9100
) -> ServiceFacts:
    pairs = tuple(sorted((k.lower(), v) for k, v in txt.items()))
    return ServiceFacts(service, f"{name}.{service}", ("10.0.0.7",), port, pairs)


# What a real HP JetDirect announces on _pdl-datastream (recorded with avahi-browse -r).
JETDIRECT = {
    "txtvers": "1",
    "ty": "HP LaserJet 4000 Series",
    "product": "(HP LaserJet 4000 Series)",
    "usb_MFG": "Hewlett-Packard",
    "usb_MDL": "HP LaserJet 4000 Series",
    "usb_CMD": "PJL,MLC,PCL,PCLXL,POSTSCRIPT",
    "note": "Room 3",
    "adminurl": "http://10.0.0.7/",
}
# What ippeveprinter announces for our own queues (ENVIRONMENT.md).
IPPEVE = {
    "ty": "HP LaserJet 4000 Series",
    "pdl": "application/pdf,application/postscript,image/jpeg,image/pwg-raster,image/urf",
    "rp": "ipp/print",
    "UUID": "d4c1c2a0-1111-2222-3333-444455556666",
}


def test_jetdirect_txt_gives_make_model_id_and_location() -> None:
    device = service_to_device(facts(JETDIRECT))
    assert device is not None
    assert device.uri == "dnssd://HP%20LaserJet%204000._pdl-datastream._tcp.local/"
    assert device.make_and_model == "HP LaserJet 4000 Series"
    assert str(device.device_id) == (
        "MFG:Hewlett-Packard;MDL:HP LaserJet 4000 Series;CMD:PJL,MLC,PCL,PCLXL,POSTSCRIPT;"
    )
    assert (device.location, device.host, device.transport) == (
        "Room 3",
        "10.0.0.7",
        Transport.NETWORK,
    )


def test_ty_alone_is_split_into_make_and_model_and_pdl_gives_cmd() -> None:
    txt = {"ty": "Brother HL-2270DW", "pdl": "application/postscript,application/vnd.hp-PCL"}
    device = service_to_device(facts(txt, service="_printer._tcp.local."))
    assert device is not None
    assert (device.device_id.manufacturer, device.device_id.model) == ("Brother", "HL-2270DW")
    assert device.device_id.command_set == ("POSTSCRIPT", "PCL")


@pytest.mark.parametrize(
    ("service", "txt", "driverless"),
    [
        (IPP, {"rp": "ipp/print", "URF": "W8,SRGB24,RS600"}, True),
        (IPP, {"rp": "ipp/print", "pdl": "application/octet-stream,image/pwg-raster"}, True),
        ("_ipps._tcp.local.", {"rp": "ipp/print", "pdl": "application/pdf"}, True),
        (IPP, {"rp": "ipp/print", "pdl": "application/postscript", "URF": "none"}, False),
        (IPP, {"pdl": "image/pwg-raster"}, False),  # no rp: not IPP Everywhere
        (PDL, {"URF": "W8", "rp": "x", "pdl": "application/pdf"}, False),
    ],
)
def test_driverless_rule(service: str, txt: dict[str, str], driverless: bool) -> None:
    assert is_driverless(facts({"ty": "X Y", **txt}, service=service)) is driverless


def test_our_ippeveprinter_queue_is_ignored_by_uuid_and_by_port() -> None:
    own = OwnQueues()
    own.add(8001, "urn:uuid:D4C1C2A0-1111-2222-3333-444455556666")
    # Even if it stopped looking driverless, the UUID marks it as ours.
    assert service_to_device(facts({**IPPEVE, "rp": ""}, service=IPP), own) is None
    raw = ServiceFacts(PDL, f"Ours.{PDL}", ("127.0.0.1",), 8001, (("ty", "HP LaserJet 4000"),))
    assert service_to_device(raw, own) is None
    elsewhere = ServiceFacts(PDL, f"Ours.{PDL}", ("10.0.0.9",), 8001, raw.txt)
    assert service_to_device(elsewhere, own) is not None  # same port on another host
    own.discard(8001, "D4C1C2A0-1111-2222-3333-444455556666")
    assert service_to_device(raw, own) is not None


def test_our_queue_announced_on_the_lan_is_ours_by_its_host_name() -> None:
    own = OwnQueues()
    own.add(8001)
    lan = ServiceFacts(
        PDL,
        f"Ours.{PDL}",
        ("169.254.77.1",),
        8001,
        (("ty", "HP LaserJet 4000"),),
        "printhost.local.",
    )
    assert service_to_device(lan, own) is not None  # the LAN address alone says nothing
    own.add_local_host("PrintHost.local")
    assert service_to_device(lan, own) is None
    other = ServiceFacts(PDL, f"X.{PDL}", ("169.254.77.9",), 8001, lan.txt, "laptop.local.")
    assert service_to_device(other, own) is not None


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "$(reboot); `id`", "a/b?c#d%2F", "x" * 10_000, "tab\tnl\n\x1b[2J"]
)
def test_hostile_instance_names_stay_inside_the_uri_host(name: str) -> None:
    device = service_to_device(facts({"ty": "Evil Printer"}, name=name))
    assert device is not None
    host, _, rest = device.uri.removeprefix("dnssd://").partition("/")
    assert rest == ""
    assert host.endswith("._pdl-datastream._tcp.local")
    assert not any(c in host for c in "/?#$ `;\t\n\x1b")
    assert len(device.info) <= 1023


def test_uuid_goes_into_the_uri_as_cups_does() -> None:
    uri = dnssd_uri(facts({"UUID": "abc-123"}, service=IPP, name="P"))
    assert uri == "dnssd://P._ipp._tcp.local/?uuid=abc-123"


def test_anonymous_service_is_dropped() -> None:
    assert service_to_device(facts({"note": "x"})) is None


# ---------------------------------------------------------------- real zeroconf


class Recorder:
    """Collect monitor callbacks with their arrival time."""

    def __init__(self) -> None:
        self.events: list[tuple[float, Change, Device]] = []
        self.cond = threading.Condition()

    def __call__(self, change: Change, device: Device) -> None:
        with self.cond:
            self.events.append((time.monotonic(), change, device))
            self.cond.notify_all()

    def wait_for(self, change: Change, uri_part: str, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for at, seen, device in self.events:
                    if seen is change and uri_part in device.uri:
                        return at
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)


@pytest.fixture
def announcer() -> Iterator[Zeroconf]:
    zc = Zeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    yield zc
    zc.close()


@pytest.fixture
def monitor_events() -> Iterator[Recorder]:
    recorder = Recorder()
    monitor = MdnsMonitor(recorder, interfaces=["127.0.0.1"])
    monitor.start()
    yield recorder
    monitor.stop()


def _info(name: str, service: str, txt: dict[str, str], port: int, server: str = "") -> ServiceInfo:
    return ServiceInfo(
        service,
        f"{name}.{service}",
        addresses=[socket.inet_aton("127.0.0.1")],
        port=port,
        properties=txt,
        server=server or f"{name.replace(' ', '-').lower()}.local.",
    )


@pytest.mark.e2e
@pytest.mark.timeout(30)
def test_fake_printer_is_reported_within_1s_and_its_removal(
    announcer: Zeroconf, monitor_events: Recorder
) -> None:
    info = _info("Fake JetDirect", PDL, JETDIRECT, 9100)
    start = time.monotonic()
    # cooperating_responders: announce at once, so the clock starts at the announcement
    announcer.register_service(info, cooperating_responders=True)
    added = monitor_events.wait_for(Change.ADDED, "Fake%20JetDirect", timeout=3)
    assert added is not None, "the announced printer was not reported"
    assert added - start <= 1.0
    device = next(d for _, c, d in monitor_events.events if c is Change.ADDED)
    assert device.make_and_model == "HP LaserJet 4000 Series"
    assert device.host == "127.0.0.1"
    start = time.monotonic()
    announcer.unregister_service(info)
    removed = monitor_events.wait_for(Change.REMOVED, "Fake%20JetDirect", timeout=3)
    assert removed is not None, "the removal was not reported"
    assert removed - start <= 1.0


@pytest.mark.e2e
@pytest.mark.timeout(30)
def test_driverless_and_own_queues_are_not_reported(announcer: Zeroconf) -> None:
    recorder = Recorder()
    own = OwnQueues()
    own.add(8631)
    monitor = MdnsMonitor(recorder, interfaces=["127.0.0.1"], own=own)
    monitor.start()
    try:
        announcer.register_service(
            _info("Our Queue", IPP, IPPEVE, 8000), cooperating_responders=True
        )
        announcer.register_service(
            _info("Our Raw", PDL, {"ty": "HP LaserJet 4000"}, 8631), cooperating_responders=True
        )
        announcer.register_service(
            _info("Legacy", PDL, {"ty": "Kyocera FS-1020D"}, 9100), cooperating_responders=True
        )
        assert recorder.wait_for(Change.ADDED, "Legacy", timeout=3) is not None
        time.sleep(0.3)  # the others were announced first; give them time to be (not) seen
        assert [d.info for _, _, d in recorder.events] == ["Legacy"]
    finally:
        monitor.stop()


@pytest.mark.e2e
@pytest.mark.timeout(30)
def test_raw_service_of_a_driverless_printer_is_withdrawn(
    announcer: Zeroconf, monitor_events: Recorder
) -> None:
    server = "ipp-everywhere-printer.local."
    raw = _info("Modern", PDL, {"ty": "Canon TS5300 series"}, 9100, server)
    announcer.register_service(raw, cooperating_responders=True)
    assert monitor_events.wait_for(Change.ADDED, "Modern", timeout=3) is not None
    ipp = _info(
        "Modern", IPP, {"ty": "Canon TS5300 series", "rp": "ipp/print", "URF": "W8"}, 631, server
    )
    announcer.register_service(ipp, cooperating_responders=True)
    # The same host turns out to be IPP Everywhere: its raw service needs no driver either.
    assert monitor_events.wait_for(Change.REMOVED, "Modern", timeout=3) is not None
    assert [c for _, c, _ in monitor_events.events] == [Change.ADDED, Change.REMOVED]


@pytest.mark.e2e
@pytest.mark.timeout(30)
def test_a_service_that_does_not_resolve_holds_no_other_back(
    announcer: Zeroconf, monkeypatch: pytest.MonkeyPatch
) -> None:
    # longer than the wait below: with resolves one after another the printer would show late
    monkeypatch.setattr(mdns_monitor, "RESOLVE_TIMEOUT_MS", 8_000)
    recorder = Recorder()
    monitor = MdnsMonitor(recorder, interfaces=["127.0.0.1"])
    monitor.start()
    try:
        # a host that answers for its service but not for its address: never resolves
        mute = ServiceInfo(
            PDL,
            f"Mute.{PDL}",
            port=9100,
            properties={"ty": "HP LaserJet 4000"},
            server="mute.local.",
        )
        announcer.register_service(mute, cooperating_responders=True)
        time.sleep(0.3)  # its resolve has begun
        announcer.register_service(
            _info("Legacy", PDL, JETDIRECT, 9100), cooperating_responders=True
        )
        assert recorder.wait_for(Change.ADDED, "Legacy", timeout=4) is not None
        assert [d.info for _, _, d in recorder.events] == ["Legacy"]
        # a removal while the mute one resolves: its late answer must not bring it back
        announcer.unregister_service(mute)
    finally:
        monitor.stop()


@given(
    st.text(max_size=80),
    st.dictionaries(st.text(max_size=12), st.binary(max_size=300), max_size=8),
    st.sampled_from(["_pdl-datastream._tcp.local.", "_printer._tcp.local.", IPP]),
)
def test_any_announcement_maps_safely(name: str, raw_txt: dict[str, bytes], service: str) -> None:
    txt = decode_txt({k.encode("utf-8", "replace"): v for k, v in raw_txt.items()})
    device = service_to_device(ServiceFacts(service, f"{name}.{service}", ("10.1.1.1",), 9100, txt))
    if device is None:
        return
    assert device.uri.startswith("dnssd://")
    assert not any(c.isspace() or ord(c) < 32 for c in device.uri)
    assert device.uri.count("/") == 3
    for text in (device.make_and_model, device.info, device.location, str(device.device_id)):
        assert not any(ord(c) < 32 or 127 <= ord(c) <= 159 for c in text)
    assert len(device.device_id.fields) <= 3  # MFG, MDL, CMD: a TXT value cannot add fields
