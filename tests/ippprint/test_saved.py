"""Saved defaults reach a job only where its own attributes are silent."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.ippprint.options import job_options
from printerapp.ippprint.saved import JobDefaults, apply_saved, job_defaults, with_saved
from printerapp.ppd.options import read_ppd_choices
from printerapp.ppd.printdefaults import LoadedMedia, SavedDefaults, save_defaults
from printerapp.ppd.queueppd import prepare_queue_ppd
from tests.support.ppds import extract_ppd

A4 = "iso_a4_210x297mm"
#: what ippeveprinter 2.4 passed for the LaserJet 2100 PPD (its *-default attributes)
PRINTER_DEFAULTS = {
    "IPP_MEDIA_DEFAULT": "na_letter_8.5x11in",
    "IPP_MEDIA_COL_DEFAULT": "{media-size={x-dimension=21590 y-dimension=27940}}",
    "IPP_SIDES_DEFAULT": "one-sided",
    "IPP_PRINT_QUALITY_DEFAULT": "normal",
    "IPP_PRINT_COLOR_MODE_DEFAULT": "monochrome",
    "IPP_JOB_ID": "3",
}
SAVED = SavedDefaults(
    A4,
    "two-sided-long-edge",
    "",
    "",
    (("Economode", "On"), ("InputSlot", "Upper")),
    (LoadedMedia("Manual", "na_letter_8.5x11in"),),
)


@pytest.fixture(scope="module")
def ppd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = extract_ppd("lj2100-pxlmono", tmp_path_factory.mktemp("ppd"))
    prepare_queue_ppd(path)
    return path


def run(ppd: Path, state: Path, job: dict[str, str]) -> dict[str, str]:
    env = {**PRINTER_DEFAULTS, **job, "PRINTER": "lj", "PRINTERAPP_STATE_DIR": str(state)}
    found = job_defaults(env, ppd)
    assert isinstance(found, JobDefaults)
    assert found.dropped == ()
    env = with_saved(env, found.saved)
    opts = job_options(env, read_ppd_choices(ppd), printer="lj")
    return dict(apply_saved(env, opts, found).options)


def test_a_silent_job_gets_the_saved_defaults(ppd: Path, tmp_path: Path) -> None:
    save_defaults(tmp_path, "lj", SAVED)
    options = run(ppd, tmp_path, {})
    assert options["PageSize"] == "A4"
    assert options["media"] == A4
    assert (options["sides"], options["Duplex"]) == ("two-sided-long-edge", "DuplexNoTumble")
    assert options["Economode"] == "On"
    assert options["InputSlot"] == "Upper"


def test_what_the_job_asks_wins(ppd: Path, tmp_path: Path) -> None:
    save_defaults(tmp_path, "lj", SAVED)
    options = run(
        ppd,
        tmp_path,
        {
            "IPP_MEDIA_COL": "{media-size={x-dimension=21590 y-dimension=27940}}",
            "IPP_SIDES": "one-sided",
            "IPP_PRINT_QUALITY": "high",
        },
    )
    assert options["PageSize"] == "Letter"
    assert (options["sides"], options["Duplex"]) == ("one-sided", "None")
    assert options["Economode"] == "On"  # nothing in the job speaks of it
    # Letter is loaded in the manual feeder: that slot, not the saved default tray
    assert options["InputSlot"] == "Manual"


def test_the_jobs_media_source_picks_the_slot(ppd: Path, tmp_path: Path) -> None:
    save_defaults(tmp_path, "lj", SAVED)
    col = "{media-size={x-dimension=21000 y-dimension=29700} media-source=bottom}"
    options = run(ppd, tmp_path, {"IPP_MEDIA_COL": col})
    assert (options["PageSize"], options["InputSlot"]) == ("A4", "Lower")


def test_no_file_no_change(ppd: Path, tmp_path: Path) -> None:
    env = {"PRINTER": "lj", "PRINTERAPP_STATE_DIR": str(tmp_path)}
    assert job_defaults(env, ppd) is None
    assert job_defaults({**env, "PRINTER": "../x"}, ppd) is None
    assert job_defaults({"PRINTER": "lj"}, ppd) is None
