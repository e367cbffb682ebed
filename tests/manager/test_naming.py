"""Queue names from untrusted device strings."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from printerapp.manager.naming import (
    MAX_KEY_LENGTH,
    MAX_SERVICE_NAME,
    queue_key,
    queue_name,
    service_name,
)


def test_service_name_form() -> None:
    assert service_name("HP LaserJet 2100", "CN12345") == "HP LaserJet 2100 (CN12345)"
    assert service_name("HP LaserJet 2100", "") == "HP LaserJet 2100"
    assert service_name("", "usb") == "Printer (usb)"


def test_service_name_is_bounded_and_keeps_the_qualifier() -> None:
    name = service_name("Ä" * 100, "socket")
    assert len(name.encode()) <= MAX_SERVICE_NAME
    assert name.endswith(" (socket)")


def test_two_identical_printers_get_distinct_names() -> None:
    first = service_name("HP LaserJet 2100", "usb")
    second = service_name("HP LaserJet 2100", "usb", taken={first})
    third = service_name("HP LaserJet 2100", "usb", taken={first, second})
    assert len({first, second, third}) == 3
    assert second == "HP LaserJet 2100 (usb) #2"


def test_queue_key_is_safe() -> None:
    assert queue_key("HP LaserJet 2100") == "HP_LaserJet_2100"
    assert queue_key("../../etc/passwd") == "etc_passwd"
    assert queue_key("...") == "printer"
    assert queue_key("a;rm -rf /;$(id)`x`") == "a_rm_-rf_id_x"
    assert queue_key("HP LaserJet 2100", taken={"HP_LaserJet_2100"}) == "HP_LaserJet_2100-2"


@given(st.text(), st.text(max_size=80), st.sets(st.text(max_size=70), max_size=5))
def test_names_are_bounded_for_any_input(model: str, qualifier: str, taken: set[str]) -> None:
    name = service_name(model, qualifier, taken)
    assert len(name.encode()) <= MAX_SERVICE_NAME
    assert name not in taken
    assert not re.search(r"[\x00-\x1f\x7f]", name)
    key = queue_key(model, taken)
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", key)
    assert len(key) <= MAX_KEY_LENGTH
    assert key not in taken


HOSTILE = ["../../etc/passwd", "/", "..", ".", "a/b\\c", "\x00\x1b[2J", "$(reboot)", "x" * 10_000]


@given(st.one_of(st.sampled_from(HOSTILE), st.text()))
def test_queue_files_never_leave_the_state_dir(name: str) -> None:
    # the manager names <state>/ppd/<key>.ppd, <state>/spool/<key> and <state>/log/<key>.log
    state = Path("/var/lib/printerapp")
    key = queue_key(name)
    for path in (state / "ppd" / f"{key}.ppd", state / "spool" / key, state / "log" / f"{key}.log"):
        assert path.resolve().parent.parent == state
        assert path.name not in (".", "..")


def test_a_queue_is_named_by_its_model_and_qualified_only_on_a_clash() -> None:
    first = queue_name(
        "HP LaserJet 2100", "", "dnssd://HP%20LaserJet._pdl-datastream._tcp.local/", ()
    )
    assert first == "HP LaserJet 2100"  # never "(dnssd)"
    taken = {first}
    assert queue_name("HP LaserJet 2100", "CN123", "usb://HP/LJ?serial=CN123", taken) == (
        "HP LaserJet 2100 (CN123)"
    )
    # no serial: a short suffix the URI fixes, the same after a restart
    again = [queue_name("HP LaserJet 2100", "", "socket://10.0.0.9:9100", taken) for _ in range(2)]
    assert again[0] == again[1]
    assert re.fullmatch(r"HP LaserJet 2100 \([0-9a-f]{4}\)", again[0])
    assert queue_name("HP LaserJet 2100", "", "socket://10.0.0.8:9100", taken) != again[0]
