"""Backend exit codes, paths, argv and URI sanitising."""

from __future__ import annotations

from pathlib import Path

import pytest

from printerapp.cups import KEEP_DOCUMENT, BackendStatus, CupsDirs, describe_exit, sanitize_uri
from printerapp.errors import ConfigError
from printerapp.ippprint.backend import backend_argv, backend_target, file_uri_path


def test_exit_codes_match_cups() -> None:
    assert [s.value for s in BackendStatus] == list(range(8))
    assert BackendStatus.RETRY in KEEP_DOCUMENT
    assert BackendStatus.FAILED not in KEEP_DOCUMENT
    assert "retried later" in describe_exit(6)
    assert "unknown status 42" in describe_exit(42)
    assert len({describe_exit(c) for c in range(8)}) == 8


@pytest.mark.parametrize(
    ("uri", "clean"),
    [
        ("ipp://bob:s3cret@printer.local:631/ipp/print", "ipp://printer.local:631/ipp/print"),
        ("smb://DOMAIN;user:pw@host/share", "smb://host/share"),
        ("socket://10.0.0.5:9100", "socket://10.0.0.5:9100"),
        ("usb://HP/LaserJet%202100?serial=1", "usb://HP/LaserJet%202100?serial=1"),
    ],
)
def test_sanitize_uri_strips_credentials(uri: str, clean: str) -> None:
    assert sanitize_uri(uri) == clean


def test_backend_path_from_scheme(cups_dirs: CupsDirs) -> None:
    target = backend_target("socket://127.0.0.1:9100", cups_dirs)
    assert target.program == Path("/usr/lib/cups/backend/socket")
    assert target.program.exists()


@pytest.mark.parametrize(
    "uri", ["../../bin/sh:x", "Socket://x", "9p://x", "no-scheme", "a/b://x", ":x"]
)
def test_bad_schemes_are_rejected(uri: str, cups_dirs: CupsDirs) -> None:
    with pytest.raises(ConfigError):
        backend_target(uri, cups_dirs)


def test_file_uris_have_no_backend(cups_dirs: CupsDirs) -> None:
    assert backend_target("file:///tmp/out.prn", cups_dirs).file == Path("/tmp/out.prn")
    assert file_uri_path("file:/dev/null") == Path("/dev/null")
    with pytest.raises(ConfigError):
        file_uri_path("file://host/x")
    with pytest.raises(ConfigError):
        file_uri_path("file:relative")


def test_argv_zero_is_the_sanitized_uri() -> None:
    argv = backend_argv("ipp://u:p@h/ipp/print", "4", "alice", "doc", 2, "media=a4")
    assert argv == ["ipp://h/ipp/print", "4", "alice", "doc", "2", "media=a4"]
