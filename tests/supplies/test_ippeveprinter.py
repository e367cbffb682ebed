"""The ATTR: lines reach a real ippeveprinter, and ipptool reads them back as printer attributes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from printerapp.supplies import SnmpTarget, Supply, SupplyReport, attr_lines, poll
from tests.support.ippevequeue import Queue, attributes, listed
from tests.support.snmpsim import SnmpSim

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root]


def _script(path: Path, lines: list[str]) -> Path:
    (path.parent / "attr-lines").write_text("".join(f"{line}\n" for line in lines))
    path.write_text(f"#!/bin/sh\ncat '{path.parent / 'attr-lines'}' >&2\nexit 0\n")
    path.chmod(0o755)
    return path


def test_supplies_from_snmp_become_printer_attributes(
    queue: Callable[..., Queue], snmpsim: SnmpSim, tmp_path: Path
) -> None:
    report = poll(SnmpTarget("127.0.0.1", snmpsim.port, community="colour-laser-complete"))
    q = queue(_script(tmp_path / "job.sh", attr_lines(report)))
    # before the first job ippeveprinter shows its own made-up supplies (a waste tank, black toner)
    assert listed(attributes(q)["printer-supply-description"]) == [
        "Toner Waste Tank",
        "Black Toner",
    ]
    assert q.print_and_wait() == "completed"
    attrs = attributes(q)
    assert listed(attrs["marker-levels"])[:6] == [55, 19, 40, 34, 0, 81]  # waste: room left
    assert listed(attrs["marker-colors"])[:5] == [
        "#00FFFF",
        "#FF00FF",
        "#FFFF00",
        "#000000",
        "none",
    ]
    assert listed(attrs["marker-types"])[:6] == ["toner"] * 4 + ["waste-toner", "opc"]
    assert listed(attrs["marker-names"]) == [s.description for s in report.supplies]
    assert listed(attrs["marker-low-levels"]) == [5] * 14
    assert listed(attrs["marker-high-levels"]) == [100] * 14
    supplies = [v.decode() if isinstance(v, bytes) else v for v in listed(attrs["printer-supply"])]
    assert len(supplies) == 14
    assert supplies[0] == (
        "index=1;class=supplyThatIsConsumed;type=toner;unit=percent;maxcapacity=100;level=55;"
        "colorantname=cyan;"
    )
    assert supplies[4].startswith("index=5;class=receptacleThatIsFilled;type=wasteToner;")
    assert listed(attrs["printer-supply-description"])[:2] == ["Cyan Toner", "Magenta Toner"]
    alerts = [v.decode() if isinstance(v, bytes) else v for v in listed(attrs["printer-alert"])]
    assert alerts == [
        "index=1;severity=warning;training=trained;group=markerSupplies;groupindex=2;"
        "location=-1;code=markerTonerAlmostEmpty;",
        "index=2;severity=critical;training=untrained;group=cover;groupindex=1;"
        "location=-1;code=coverOpen;",
    ]
    assert listed(attrs["printer-alert-description"]) == ["Magenta toner low", "Front cover open"]


def test_names_with_commas_and_quotes_stay_one_value(
    queue: Callable[..., Queue], snmpsim: SnmpSim, tmp_path: Path
) -> None:
    report = poll(SnmpTarget("127.0.0.1", snmpsim.port, community="xerox-altalink-c8045"))
    odd = ['Say "hi"', "it's", "back\\slash", "  spaced  out ", "a,b,,c"]
    extra = tuple(Supply(index=20 + i, description=d) for i, d in enumerate(odd))
    report = SupplyReport(report.supplies + extra)
    q = queue(_script(tmp_path / "job.sh", attr_lines(report)))
    assert q.print_and_wait() == "completed"
    attrs = attributes(q)
    # each Xerox description has a comma inside: still one value each
    names = [s.description for s in report.supplies]
    assert listed(attrs["marker-names"]) == names
    assert listed(attrs["printer-supply-description"]) == names
    assert (
        listed(attrs["marker-levels"]) == [20, 66, 72, 60, 50, 92, 93, 93, 90, 5, 65, 86] + [-1] * 5
    )
