"""The configuration file and the state directory.

The file is TOML with one table per subsystem (``[drivers]``, ``[detection]``,
``[power]``, ...).  This module only finds, reads and validates the file as a
whole; each subsystem turns its own table into a frozen dataclass with the
typed accessors below, so every bad value is reported the same way: the file,
the dotted key and the reason.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from printerapp.errors import ConfigError

__all__ = [
    "Config",
    "Section",
    "default_config_file",
    "default_state_dir",
    "load_config",
]

T = TypeVar("T")

#: no number of the file is larger (1e9 seconds are 31 years): 1e300 is a typo
MAX_NUMBER = 1e9
#: the top-level tables; any other is a typo ("[powr]") and refused
TABLES = frozenset({"server", "control", "detection", "drivers", "printers", "power", "cups_power"})

SYSTEM_CONFIG = Path("/etc/printerapp/printerapp.toml")
SYSTEM_STATE = Path("/var/lib/printerapp")


def default_state_dir(env: Mapping[str, str] | None = None) -> Path:
    """Return ``$PRINTERAPP_STATE_DIR``, else ``$SNAP_COMMON``, else per user or system."""
    env = os.environ if env is None else env
    if explicit := env.get("PRINTERAPP_STATE_DIR"):
        return Path(explicit)
    if snap := env.get("SNAP_COMMON"):
        return Path(snap)
    if os.geteuid() == 0:
        return SYSTEM_STATE
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "printerapp"


def default_config_file(env: Mapping[str, str] | None = None) -> Path:
    """Return ``$PRINTERAPP_CONFIG``, else the system file for root, else the user's."""
    env = os.environ if env is None else env
    if explicit := env.get("PRINTERAPP_CONFIG"):
        return Path(explicit)
    if os.geteuid() == 0:
        return SYSTEM_CONFIG
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "printerapp" / "printerapp.toml"


@dataclass(frozen=True, slots=True)
class Section:
    """One table of the file, with accessors that name the key on error."""

    #: dotted name of the table, e.g. ``drivers`` or ``power.plugs.office``
    name: str
    #: the file it came from, for messages (``<defaults>`` when there is none)
    source: str
    values: Mapping[str, object] = field(default_factory=dict)

    def where(self, key: str) -> str:
        """Return ``FILE: table.key``, the start of every message about *key*."""
        return f"{self.source}: {self.name}.{key}" if self.name else f"{self.source}: {key}"

    _where = where

    def _get(self, key: str, kind: type[T], default: T) -> T:
        value = self.values.get(key, default)
        # bool is an int in Python; a flag must not pass for a number.
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ConfigError(
                f"{self._where(key)}: expected {kind.__name__}, got {type(value).__name__}"
            )
        return value

    def string(self, key: str, default: str = "") -> str:
        """Return a string value."""
        return self._get(key, str, default)

    def flag(self, key: str, default: bool = False) -> bool:
        """Return a boolean value."""
        return self._get(key, bool, default)

    def number(
        self,
        key: str,
        default: float,
        *,
        minimum: float | None = None,
        maximum: float = MAX_NUMBER,
    ) -> float:
        """Return a finite number (int or float), bounded above and optionally below."""
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{self._where(key)}: expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{self._where(key)}: {value} is not a finite number")
        if minimum is not None and value < minimum:
            raise ConfigError(f"{self._where(key)}: {value} is below the minimum {minimum}")
        if value > maximum:
            raise ConfigError(f"{self._where(key)}: {value} is above the maximum {maximum:g}")
        return float(value)

    def path(self, key: str, default: Path | None = None) -> Path | None:
        """Return a path; relative paths are taken relative to the file's folder."""
        if key not in self.values:
            return default
        raw = self.string(key)
        if not raw:
            raise ConfigError(f"{self._where(key)}: empty path")
        path = Path(raw).expanduser()
        if not path.is_absolute() and self.source != "<defaults>":
            path = Path(self.source).parent / path
        return path

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Return a list of strings as a tuple."""
        value = self.values.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self._where(key)}: expected a list of strings")
        return tuple(value)

    def table(self, key: str) -> Section:
        """Return a sub-table (empty when absent)."""
        value = self.values.get(key, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self._where(key)}: expected a table")
        return Section(f"{self.name}.{key}" if self.name else key, self.source, value)

    def table_list(self, key: str) -> list[Section]:
        """Return an array of tables (``[[name.key]]``), each named ``name.key[i]``."""
        value = self.values.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ConfigError(f"{self._where(key)}: expected an array of tables")
        base = f"{self.name}.{key}" if self.name else key
        return [Section(f"{base}[{i}]", self.source, v) for i, v in enumerate(value)]

    def tables(self) -> dict[str, Section]:
        """Return every sub-table by key, e.g. each plug under ``[power.plugs]``."""
        return {k: self.table(k) for k, v in self.values.items() if isinstance(v, dict)}

    def reject_unknown(self, known: set[str]) -> None:
        """Raise on a key nobody reads, so a typo is not silently ignored."""
        for key in self.values:
            if key not in known:
                raise ConfigError(f"{self._where(key)}: unknown key")


@dataclass(frozen=True, slots=True)
class Config:
    """The whole file: the top-level table plus where it came from."""

    root: Section
    path: Path | None = None

    def section(self, name: str) -> Section:
        """Return the table ``[name]`` (empty when absent)."""
        return self.root.table(name)


def load_config(path: Path | None = None, *, required: bool = False) -> Config:
    """Read the configuration file; a missing optional file means all defaults."""
    path = default_config_file() if path is None else path
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{path}: no such configuration file") from None
        return Config(Section("", "<defaults>", {}), None)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        values = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 at byte {exc.start}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    root = Section("", str(path), values)
    for key, value in values.items():
        if key not in TABLES:
            raise ConfigError(
                f"{path}: [{key}]: unknown table (known: {', '.join(sorted(TABLES))})"
            )
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: {key}: expected a table, got {type(value).__name__}")
    return Config(root, path)
