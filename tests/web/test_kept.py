"""Documents kept for reprints: linked from the spool while the queue lists the job, then pruned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from printerapp.errors import ConfigError, InputError
from printerapp.manager.resubmit import job_attributes
from printerapp.web.jobs import JobView, job_view
from printerapp.web.kept import KeepSettings, find_kept, keep_documents, list_kept, prune

NOW = 1_800_000_000.0


def job(job_id: int, created: float, **options: str) -> JobView:
    return JobView(
        job_id,
        f"doc {job_id}",
        "alice",
        "completed",
        ("job-completed-successfully",),
        "",
        1,
        created,
        created + 1,
        created + 2,
        tuple(options.items()),
    )


def spooled(spool: Path, name: str, size: int = 10) -> Path:
    spool.mkdir(exist_ok=True)
    path = spool / name
    path.write_bytes(b"%PDF" + b"x" * (size - 4))
    return path


def test_listed_jobs_are_linked_with_their_variables(tmp_path: Path) -> None:
    spool = tmp_path / "q"
    source = spooled(spool, "3-doc_3.pdf")
    spooled(spool, "3-doc_3.prn")  # the output, never kept
    spooled(spool, "4-unlisted.pdf")  # the queue does not list it: nothing known about it
    jobs = [job(3, NOW - 10, IPP_COPIES="2", IPP_SIDES="two-sided-long-edge")]
    [kept] = keep_documents(spool, jobs, KeepSettings())
    assert kept.name == f"{int(NOW) - 10}-3.pdf"
    assert kept.stat().st_ino == source.stat().st_ino  # a link, not a copy
    assert keep_documents(spool, jobs, KeepSettings()) == []  # once
    [doc] = list_kept(spool)
    assert (doc.job_id, doc.job_name, doc.user, doc.content_type) == (
        3,
        "doc 3",
        "alice",
        "application/pdf",
    )
    values = doc.variables()
    attrs = {a.name: a.value for a in job_attributes(values)}
    assert attrs == {"copies": 2, "sides": "two-sided-long-edge"}
    source.unlink()  # ippeveprinter forgets the job: the kept copy stays
    assert find_kept(spool, doc.key).path.read_bytes().startswith(b"%PDF")


def test_prune_by_age_and_size(tmp_path: Path) -> None:
    spool = tmp_path / "q"
    for i in range(1, 5):
        spooled(spool, f"{i}-d.pdf", size=100)
    jobs = [job(1, NOW - 30 * 3600)] + [job(i, NOW - 100 + i) for i in (2, 3, 4)]
    settings = KeepSettings(hours=24, max_bytes=250)
    assert len(keep_documents(spool, jobs, settings)) == 4
    assert prune(spool, settings, NOW) == 2  # job 1 too old, job 2 over the cap
    assert [d.job_id for d in list_kept(spool)] == [4, 3]
    big = spooled(spool, "9-big.pdf", size=1000)
    assert keep_documents(spool, [job(9, NOW)], settings) == []  # larger than the cap
    assert big.exists()
    assert keep_documents(spool, jobs, KeepSettings(hours=0)) == []


def test_keys_are_checked(tmp_path: Path) -> None:
    for bad in ("../x", "1-2/../../etc", "", "a-b"):
        with pytest.raises(InputError, match="not the name of a kept document"):
            find_kept(tmp_path, bad)
    with pytest.raises(InputError, match="expired or was never kept"):
        find_kept(tmp_path, "1-1")
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "5-5.pdf").write_bytes(b"x")
    (tmp_path / "kept" / "5-5.pdf.json").write_text(json.dumps(["not", "a", "dict"]))
    assert list_kept(tmp_path) == []
    with pytest.raises(ConfigError):
        KeepSettings(hours=-1)


def test_job_view_reads_decoded_values() -> None:
    import datetime as dt

    when = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
    view = job_view(
        {
            "job-id": 7,
            "job-name": "a\x1bb",
            "job-originating-user-name": "bob",
            "job-state": 9,
            "job-state-reasons": "job-completed-successfully",
            "job-impressions-completed": 3,
            "date-time-at-creation": when,
            "date-time-at-completed": "",
            "copies": 2,
            "media": "iso_a4_210x297mm",
        }
    )
    assert view is not None
    assert (view.id, view.name, view.state, view.reasons, view.pages) == (
        7,
        "a b",
        "completed",
        ("job-completed-successfully",),
        3,
    )
    assert (view.created, view.completed) == (when.timestamp(), None)
    assert dict(view.options) == {"IPP_COPIES": "2", "IPP_MEDIA": "iso_a4_210x297mm"}
    assert job_view({"job-name": "no id"}) is None
