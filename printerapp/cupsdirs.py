"""Where CUPS keeps its programs and data, from the environment as cupsd sets it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CupsDirs"]

DEFAULT_SERVERBIN = Path("/usr/lib/cups")
DEFAULT_DATADIR = Path("/usr/share/cups")
DEFAULT_SERVERROOT = Path("/etc/cups")


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
