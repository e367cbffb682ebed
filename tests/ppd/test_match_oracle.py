"""Our first choice against cups-driverd's, on a sample of the device-ID set."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from printerapp.ppd.index import DriverIndex
from printerapp.ppd.rank import DeviceQuery, rank
from printerapp.ppd.settings import DEFAULT_EXCLUDED
from tests.ppd.idset import device_id_set, oracle, replay_serverbin

SAMPLE = 300


def test_every_id_of_the_set_gets_an_answer(real_index: DriverIndex) -> None:
    items = device_id_set(real_index)
    assert len(items) > 10000
    for _label, dev, mm in items:
        choice = rank(real_index, DeviceQuery(dev, mm), 1)
        assert choice.best is not None or choice.reason


@pytest.mark.e2e
@pytest.mark.timeout(240)
def test_first_choice_agrees_with_cups_driverd(real_index: DriverIndex, tmp_path: Path) -> None:
    rng = random.Random(2024)  # noqa: S311 -- a reproducible sample
    items = rng.sample(device_id_set(real_index), SAMPLE)
    serverbin = replay_serverbin(tmp_path / "bin", Path("/usr/lib/cups/driver"), DEFAULT_EXCLUDED)
    env = {"CUPS_SERVERBIN": str(serverbin), "PATH": "/usr/bin:/bin"}

    def one(item: tuple[str, str, str]) -> tuple[str, str | None, str | None, tuple[str, ...]]:
        _label, dev, mm = item
        best = rank(real_index, DeviceQuery(dev, mm), 1).best
        ours = best.record.name if best else None
        return dev, ours, oracle(dev, mm, env), best.reasons if best else ()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, items))
    answered = [r for r in results if r[2] is not None]
    agree = sum(1 for r in answered if r[1] == r[2])
    overall = sum(1 for r in results if r[1] == r[2])
    print(
        f"agreement: {overall}/{len(results)} overall, {agree}/{len(answered)} where CUPS answers"
    )
    assert agree >= 0.95 * len(answered)
    # Every other difference is deliberate: CUPS offers nothing, we offer a normalised match.
    for dev, ours, cups, reasons in results:
        if ours != cups and cups is None:
            assert reasons, dev
            assert "normalised" in reasons[0] or "generic" in reasons[0], dev
