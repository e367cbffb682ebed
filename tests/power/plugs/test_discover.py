"""Plug discovery with python-kasa, aimed at a loopback simulator only."""

from __future__ import annotations

import asyncio

import pytest

from printerapp.power.plugs.discover import FoundPlug, discover_plugs, format_found
from tests.support.plugsim.kasa_sim import KasaSim, simulator_available
from tests.support.plugsim.klap_sim import KlapSim


def test_discovery_finds_the_simulated_hs110() -> None:
    if not simulator_available():
        pytest.fail("node or tplink-smarthome-simulator is missing: run scripts/setup.sh")
    with KasaSim() as sim:
        sim.is_on = True
        found = asyncio.run(discover_plugs(target="127.0.0.1", port=sim.port, wait_s=2))
    assert found == [
        FoundPlug("127.0.0.1", sim.port, "kasa", "HS110", "printer plug", found[0].mac, True)
    ]
    assert format_found(found[0]) == f"127.0.0.1:{sim.port}\tkasa\tHS110\ton\tprinter plug"


def test_nobody_answering_is_an_empty_list() -> None:
    assert asyncio.run(discover_plugs(target="127.0.0.1", port=9, wait_s=1)) == []


def test_names_from_the_network_are_printed_harmlessly() -> None:
    plug = FoundPlug("192.0.2.5", None, "tapo", "P110", "desk\x1b[2J\nplug", "", None)
    assert format_found(plug) == "192.0.2.5\ttapo\tP110\t?\tdesk?[2J?plug"


def test_discovery_finds_a_tapo_plug_and_its_klap_port() -> None:
    with KlapSim(discoverable=True) as sim:
        found = asyncio.run(discover_plugs(target="127.0.0.1", wait_s=1))
    assert found == [FoundPlug("127.0.0.1", sim.port, "tapo", "P110", "", found[0].mac, None)]
