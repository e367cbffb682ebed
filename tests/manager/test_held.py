"""Held documents on disk: listing, untrusted ids, deletion and the retention."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from printerapp.errors import InputError, UnknownDocumentError
from printerapp.ippprint.main import keep_for_retry
from printerapp.manager.held import (
    count_held,
    delete_held,
    find_held,
    held_dir,
    list_held,
    prune_held,
)

ENV = {
    "CONTENT_TYPE": "application/pdf",
    "IPP_JOB_NAME": "report",
    "IPP_JOB_ORIGINATING_USER_NAME": "alice",
    "IPP_COPIES": "2",
    "PRINTERAPP_RETRY_DIR": "",
}


def _hold(spool: Path, name: str = "1-report.pdf", body: bytes = b"%PDF-1.4 x") -> Path:
    spool.mkdir(parents=True, exist_ok=True)
    document = spool / name
    document.write_bytes(body)
    kept = keep_for_retry(document, ENV, held=True, reason="closed; aborted after 6 attempts")
    document.unlink()  # ippeveprinter forgets the job: only the held copy stays
    return kept


def test_a_held_document_is_listed_with_its_job(tmp_path: Path) -> None:
    spool = tmp_path / "spool" / "q"
    kept = _hold(spool)
    [doc] = list_held(spool)
    assert (doc.id, doc.job_name, doc.user) == ("1-report.pdf", "report", "alice")
    assert (doc.size, doc.content_type) == (10, "application/pdf")
    assert doc.reason == "closed; aborted after 6 attempts"
    assert doc.path == kept
    assert abs(doc.held_at - time.time()) < 60
    assert doc.as_json()["reason"] == doc.reason
    assert count_held(spool) == 1
    assert count_held(tmp_path / "absent") == 0


def test_a_queue_restart_does_not_overwrite_an_earlier_held_document(tmp_path: Path) -> None:
    spool = tmp_path / "q"
    first = _hold(spool, body=b"first")
    second = _hold(spool, body=b"second")  # job ids restart at 1 with the queue
    assert first != second
    assert sorted(d.path.read_bytes() for d in list_held(spool)) == [b"first", b"second"]


@pytest.mark.parametrize("bad", ["../x", "..", ".hidden", "a/b", "x.pdf.json", "", "a" * 300])
def test_untrusted_ids_are_refused_before_any_path(tmp_path: Path, bad: str) -> None:
    _hold(tmp_path)
    with pytest.raises(InputError, match="is not the id of a held document"):
        find_held(tmp_path, bad)


def test_unknown_ids_symlinks_and_strays_are_not_documents(tmp_path: Path) -> None:
    _hold(tmp_path)
    where = held_dir(tmp_path)
    outside = tmp_path / "secret"
    outside.write_text("x")
    (where / "2-link.pdf").symlink_to(outside)
    (where / "2-link.pdf.json").write_text(json.dumps(ENV))
    (where / "3-nosidecar.pdf").write_text("x")
    (where / "4-bad.pdf").write_text("x")
    (where / "4-bad.pdf.json").write_text("[1, 2]")
    assert [d.id for d in list_held(tmp_path)] == ["1-report.pdf"]
    with pytest.raises(UnknownDocumentError, match=r"no held document '2-link\.pdf'"):
        delete_held(tmp_path, "2-link.pdf")
    assert outside.exists()


def test_delete_removes_the_document_and_its_sidecar(tmp_path: Path) -> None:
    kept = _hold(tmp_path)
    delete_held(tmp_path, kept.name)
    assert list(held_dir(tmp_path).iterdir()) == []
    with pytest.raises(UnknownDocumentError):
        delete_held(tmp_path, kept.name)


def test_the_retention_drops_old_documents_in_every_spool(tmp_path: Path) -> None:
    root = tmp_path / "spool"
    old = _hold(root / "a", "1-old.pdf")
    _hold(root / "b", "1-new.pdf")
    week_ago = time.time() - 8 * 86400
    os.utime(old.with_name(old.name + ".json"), (week_ago, week_ago))
    assert prune_held(root, 7 * 86400, time.time()) == 1
    assert list_held(root / "a") == []
    assert [d.id for d in list_held(root / "b")] == ["1-new.pdf"]
    assert prune_held(tmp_path / "absent", 1, time.time()) == 0
