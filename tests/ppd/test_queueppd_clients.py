"""Every size of a real PPD is accepted through media-col, as clients send it, by ippeveprinter."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from printerapp.ppd.index import DriverIndex
from printerapp.ppd.install import ppd_bytes, write_atomic
from printerapp.ppd.queueppd import prepare_queue_ppd
from tests.support.mediacheck import check_media

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.usefixtures("avahi")]

#: how many PPDs of the driver database are drawn, and with which seed (repeatable)
SAMPLE, SEED = 50, 20261202


def _sample(index: DriverIndex) -> list[str]:
    names = sorted(r.name for r in index.records)
    return random.Random(SEED).sample(names, SAMPLE)  # noqa: S311 - a repeatable sample


def test_demo_ppd_takes_a4_only_once_normalized(real_index: DriverIndex, tmp_path: Path) -> None:
    record = real_index.get("gutenprint.5.3://hp-lj_2100/expert")
    assert record is not None
    driver_ppd = tmp_path / "driver.ppd"
    write_atomic(driver_ppd, ppd_bytes(record))
    (tmp_path / "before").mkdir()
    before = check_media(driver_ppd, tmp_path / "before")
    assert "A4 size" in before.refused  # ippeveprinter as it is: the bug this fixes
    queue_ppd = tmp_path / "queue.ppd"
    shutil.copyfile(driver_ppd, queue_ppd)
    assert "A4" in prepare_queue_ppd(queue_ppd)
    (tmp_path / "after").mkdir()
    after = check_media(queue_ppd, tmp_path / "after")
    assert after.refused == []
    assert {"A4 size", "A4 margins", "Letter size", "DL size"} <= set(after.accepted)


def test_every_size_of_50_random_ppds_is_accepted(real_index: DriverIndex, tmp_path: Path) -> None:
    refused: dict[str, list[str]] = {}
    checked = 0
    for n, name in enumerate(_sample(real_index)):
        record = real_index.get(name)
        assert record is not None
        ppd = tmp_path / f"{n}.ppd"
        write_atomic(ppd, ppd_bytes(record))
        prepare_queue_ppd(ppd)
        workdir = tmp_path / f"q{n}"
        workdir.mkdir()
        result = check_media(ppd, workdir)
        checked += len(result.accepted) + len(result.refused)
        if result.refused:
            refused[name] = result.refused
    assert checked >= SAMPLE * 2
    assert refused == {}
