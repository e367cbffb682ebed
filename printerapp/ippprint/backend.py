"""CUPS backends: their program path and their argv (exit codes: :mod:`printerapp.cups`).

``file:`` URIs have no backend program; cupsd writes the output itself, and so
do we (see :func:`file_uri_path`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from printerapp.cups import CupsDirs, sanitize_uri, uri_scheme
from printerapp.errors import ConfigError

__all__ = ["BackendTarget", "backend_argv", "backend_target", "file_uri_path"]


@dataclass(frozen=True, slots=True)
class BackendTarget:
    """Where a job's output goes: a backend program, or a file cupsd-style."""

    uri: str
    scheme: str
    #: the backend program; None for ``file:`` URIs
    program: Path | None
    #: the output file for ``file:`` URIs
    file: Path | None = None


def file_uri_path(uri: str) -> Path:
    """Return the path of a ``file:`` URI (``file:/x``, ``file:///x``), as cupsd opens it."""
    rest = uri[len("file:") :]
    if rest.startswith("//"):
        netloc_path = rest[2:]
        if not netloc_path.startswith("/"):
            raise ConfigError(f"file URI {uri!r} names a host; only local files are allowed")
        rest = netloc_path
    path = Path(unquote(rest.split("?", 1)[0]))
    if not path.is_absolute():
        raise ConfigError(f"file URI {uri!r} has a relative path")
    return path


def backend_target(uri: str, dirs: CupsDirs) -> BackendTarget:
    """Resolve device URI *uri* to ``CUPS_SERVERBIN/backend/<scheme>`` or a file."""
    scheme = uri_scheme(uri)
    if scheme == "file":
        return BackendTarget(uri, scheme, None, file_uri_path(uri))
    return BackendTarget(uri, scheme, dirs.backend_dir / scheme)


def backend_argv(
    uri: str, job_id: str, user: str, title: str, copies: int, options: str
) -> list[str]:
    """Return the backend's argv as cupsd builds it: argv[0] is the sanitized URI."""
    return [sanitize_uri(uri), job_id, user, title, str(copies), options]
