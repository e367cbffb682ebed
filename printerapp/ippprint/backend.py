"""CUPS backends: their exit codes, their program path and their argv.

``file:`` URIs have no backend program; cupsd writes the output itself, and so
do we (see :func:`file_uri_path`).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from printerapp.cupsdirs import CupsDirs
from printerapp.errors import ConfigError

__all__ = [
    "BackendStatus",
    "BackendTarget",
    "backend_argv",
    "backend_target",
    "describe_exit",
    "file_uri_path",
    "sanitize_uri",
]

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")


class BackendStatus(enum.IntEnum):
    """Exit codes of a CUPS backend (``cups/backend.h``)."""

    OK = 0
    FAILED = 1
    AUTH_REQUIRED = 2
    HOLD = 3
    STOP = 4
    CANCEL = 5
    RETRY = 6
    RETRY_CURRENT = 7


_MESSAGES = {
    BackendStatus.OK: "the job was sent",
    BackendStatus.FAILED: "the backend failed to send the job",
    BackendStatus.AUTH_REQUIRED: "the printer requires authentication",
    BackendStatus.HOLD: "the backend asks to hold the job",
    BackendStatus.STOP: "the backend asks to stop the queue",
    BackendStatus.CANCEL: "the backend cancelled the job",
    BackendStatus.RETRY: "the printer could not be reached; the job should be retried later",
    BackendStatus.RETRY_CURRENT: "the job should be retried now on the same printer",
}

#: exit codes after which the document must be kept for a later attempt
KEEP_DOCUMENT = frozenset(
    {
        BackendStatus.AUTH_REQUIRED,
        BackendStatus.HOLD,
        BackendStatus.STOP,
        BackendStatus.RETRY,
        BackendStatus.RETRY_CURRENT,
    }
)


def describe_exit(code: int) -> str:
    """Return a sentence for backend exit status *code* (unknown codes included)."""
    try:
        return _MESSAGES[BackendStatus(code)]
    except ValueError:
        return f"the backend exited with the unknown status {code}"


def sanitize_uri(uri: str) -> str:
    """Return *uri* without its ``user:password@`` part, for logs and argv[0]."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "<unparsable device URI>"
    if "@" not in parts.netloc:
        return uri
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=host))


@dataclass(frozen=True, slots=True)
class BackendTarget:
    """Where a job's output goes: a backend program, or a file cupsd-style."""

    uri: str
    scheme: str
    #: the backend program; None for ``file:`` URIs
    program: Path | None
    #: the output file for ``file:`` URIs
    file: Path | None = None


def uri_scheme(uri: str) -> str:
    """Return the scheme of device URI *uri*, rejecting anything that is not a plain scheme."""
    scheme, sep, _rest = uri.partition(":")
    if not sep or _SCHEME.match(scheme) is None:
        raise ConfigError(f"device URI {sanitize_uri(uri)!r} has no valid scheme")
    return scheme


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
