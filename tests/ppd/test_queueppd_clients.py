"""Every size of a real PPD is accepted through media-col, and its resolution is a real one."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from printerapp.ppd.index import DriverIndex
from printerapp.ppd.install import ppd_bytes, write_atomic
from printerapp.ppd.queueppd import prepare_queue_ppd
from printerapp.ppd.queueres import normalize_resolution
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


OKI = Path("/usr/share/ppd/okidata/B6500PS.ppd")  # printer-driver-oki, in DRIVERS=all


@pytest.mark.skipif(not OKI.is_file(), reason="printer-driver-oki is not installed")
def test_a_duplexer_not_installed_is_not_advertised(tmp_path: Path) -> None:
    (tmp_path / "before").mkdir()
    assert "two-sided-long-edge" in check_media(OKI, tmp_path / "before").sides  # the bug
    queue_ppd = tmp_path / "queue.ppd"
    shutil.copyfile(OKI, queue_ppd)
    prepare_queue_ppd(queue_ppd)
    (tmp_path / "after").mkdir()
    assert check_media(queue_ppd, tmp_path / "after").sides == ["one-sided"]


def _dpi(text: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"(\d+)(?:x(\d+))?dpi", text.strip())
    return (int(m.group(1)), int(m.group(2) or m.group(1))) if m else None


def _made_up(ppd: Path, advertised: list[str]) -> str | None:
    """Return why *advertised* is not a real resolution of *ppd*, or None when it is."""
    text = ppd.read_text(encoding="latin-1")
    default = re.search(r"^\*DefaultResolution:\s*(\S+)", text, re.M)
    if default is None or normalize_resolution(text)[1] is not None:
        return None if default is None else f"default {default.group(1)} left as it was"
    if [_dpi(a) for a in advertised] != [_dpi(default.group(1))]:
        return f"advertised {advertised}, default {default.group(1)}"
    return None


def test_every_size_of_50_random_ppds_is_accepted(real_index: DriverIndex, tmp_path: Path) -> None:
    refused: dict[str, list[str]] = {}
    made_up: dict[str, str] = {}
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
        if (why := _made_up(ppd, result.resolutions)) is not None:
            made_up[name] = why
    assert checked >= SAMPLE * 2
    assert refused == {}
    # the resolution clients see is the queue PPD's default, and that is a real choice
    assert made_up == {}
