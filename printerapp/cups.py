"""CUPS's own conventions that several layers share.

* where CUPS keeps its programs and data, from the environment as cupsd sets it;
* the exit codes of a backend (``cups/backend.h``) and what each one asks for;
* device URIs: their scheme, and the form safe to log (no password).

The job runner and the power layer both read them, so they live below both.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from printerapp.errors import ConfigError

__all__ = [
    "KEEP_DOCUMENT",
    "BackendStatus",
    "CupsDirs",
    "describe_exit",
    "driver_env",
    "sanitize_uri",
    "uri_scheme",
]

DEFAULT_SERVERBIN = Path("/usr/lib/cups")
DEFAULT_DATADIR = Path("/usr/share/cups")
DEFAULT_SERVERROOT = Path("/etc/cups")
#: where drivers find their libraries and data when their tree is relocated (a
#: snap): passed from the daemon to every queue and on to every filter
DRIVER_ENV = ("LD_LIBRARY_PATH", "GS_LIB", "GS_FONTPATH", "FONTCONFIG_FILE", "FOOMATICDB")
#: the same for families of variables: Gutenprint's STP_DATA_PATH, STP_MODULE_PATH
DRIVER_ENV_PREFIXES = ("STP_",)


@dataclass(frozen=True, slots=True)
class CupsDirs:
    """The three CUPS directories a filter chain depends on."""

    #: programs: ``filter/``, ``backend/``, ``driver/`` (``CUPS_SERVERBIN``)
    serverbin: Path = DEFAULT_SERVERBIN
    #: read-only data: ``mime/``, ``data/``, ``fonts/`` (``CUPS_DATADIR``)
    datadir: Path = DEFAULT_DATADIR
    #: local configuration, also searched for ``*.types``/``*.convs`` (``CUPS_SERVERROOT``)
    serverroot: Path = DEFAULT_SERVERROOT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CupsDirs:
        """Read ``CUPS_SERVERBIN``, ``CUPS_DATADIR`` and ``CUPS_SERVERROOT``."""
        env = os.environ if env is None else env
        return cls(
            serverbin=Path(env.get("CUPS_SERVERBIN") or DEFAULT_SERVERBIN),
            datadir=Path(env.get("CUPS_DATADIR") or DEFAULT_DATADIR),
            serverroot=Path(env.get("CUPS_SERVERROOT") or DEFAULT_SERVERROOT),
        )

    @property
    def filter_dir(self) -> Path:
        """Directory of the filter programs."""
        return self.serverbin / "filter"

    @property
    def backend_dir(self) -> Path:
        """Directory of the backend programs."""
        return self.serverbin / "backend"

    @property
    def bin_dir(self) -> Path | None:
        """The ``bin/`` beside a relocated ``lib/cups`` (``$SNAP/usr/bin``), else None."""
        if self.serverbin == DEFAULT_SERVERBIN:
            return None
        return self.serverbin.parent.parent / "bin"

    @property
    def mime_dirs(self) -> tuple[Path, Path]:
        """Directories read for ``*.types`` and ``*.convs``, in CUPS's order."""
        return (self.datadir / "mime", self.serverroot)

    def as_env(self) -> dict[str, str]:
        """Return the ``CUPS_*`` variables a filter or backend expects."""
        return {
            "CUPS_SERVERBIN": str(self.serverbin),
            "CUPS_DATADIR": str(self.datadir),
            "CUPS_SERVERROOT": str(self.serverroot),
        }


def driver_env(env: Mapping[str, str]) -> dict[str, str]:
    """Return the variables of *env* that locate a driver's libraries and data."""
    return {k: v for k, v in env.items() if k in DRIVER_ENV or k.startswith(DRIVER_ENV_PREFIXES)}


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


def uri_scheme(uri: str) -> str:
    """Return the scheme of device URI *uri*, rejecting anything that is not a plain scheme."""
    scheme, sep, _rest = uri.partition(":")
    if not sep or _SCHEME.match(scheme) is None:
        raise ConfigError(f"device URI {sanitize_uri(uri)!r} has no valid scheme")
    return scheme
