"""A printer's saved printing defaults and loaded media: ``<state>/defaults/<key>.json``.

The record is checked against the queue's PPD (:class:`~printerapp.ppd.uioptions.PpdUi`)
both when a client sets it (:func:`check_defaults`, :func:`check_media`: the
first bad value is an :class:`InputError` naming the option and the reason)
and when it is read back (:func:`parse_saved`: values the PPD no longer
offers, after a driver change or an upgrade, are dropped and reported in one
line, never an error).  The file is written atomically; a job reads it when
it starts, so a change never touches a job in flight.

File format (``version`` 1)::

    {"version": 1, "media": "iso_a4_210x297mm", "sides": "two-sided-long-edge",
     "print-quality": "high", "print-color-mode": "monochrome",
     "options": {"Economode": "On"},
     "media-ready": [{"slot": "Upper", "media": "iso_a4_210x297mm", "media-type": ""}]}
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from printerapp.errors import InputError
from printerapp.ppd.install import write_atomic
from printerapp.ppd.uioptions import STANDARD_OPTIONS, PpdUi

__all__ = [
    "COLOR_MODES",
    "DEFAULTS_VERSION",
    "QUALITIES",
    "LoadedMedia",
    "SavedDefaults",
    "check_defaults",
    "check_media",
    "defaults_path",
    "load_defaults",
    "parse_saved",
    "read_defaults",
    "save_defaults",
    "supported_color_modes",
    "supported_sides",
]

log = logging.getLogger(__name__)

DEFAULTS_VERSION = 1
QUALITIES = ("draft", "normal", "high")
COLOR_MODES = ("monochrome", "color")
_SIDES = {
    "two-sided-long-edge": "DuplexNoTumble",
    "two-sided-short-edge": "DuplexTumble",
}
#: a queue key, as the manager makes them: safe as a file name
_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")
#: the largest defaults file read (a PPD has at most a few hundred options)
MAX_FILE_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class LoadedMedia:
    """What is loaded in one input slot: a PWG media size, optionally a MediaType choice."""

    slot: str
    media: str
    media_type: str = ""


@dataclass(frozen=True, slots=True)
class SavedDefaults:
    """A printer's defaults ("" = the PPD's own) and the media loaded per slot."""

    media: str = ""
    sides: str = ""
    print_quality: str = ""
    print_color_mode: str = ""
    #: (PPD option keyword, choice) pairs
    options: tuple[tuple[str, str], ...] = ()
    ready: tuple[LoadedMedia, ...] = ()

    def to_json(self) -> str:
        """Return the record as the file holds it."""
        return json.dumps(
            {
                "version": DEFAULTS_VERSION,
                "media": self.media,
                "sides": self.sides,
                "print-quality": self.print_quality,
                "print-color-mode": self.print_color_mode,
                "options": dict(self.options),
                "media-ready": [
                    {"slot": m.slot, "media": m.media, "media-type": m.media_type}
                    for m in self.ready
                ],
            },
            indent=1,
        )


def supported_sides(ui: PpdUi) -> tuple[str, ...]:
    """Return the sides values the PPD can print."""
    return ("one-sided", *(k for k, v in _SIDES.items() if v in ui.duplex))


def supported_color_modes(ui: PpdUi) -> tuple[str, ...]:
    """Return monochrome, and color when the PPD is for a colour printer."""
    gray = ("gray", "grayscale", "mono", "monochrome", "black", "bw", "blackwhite")
    colour = any(c.casefold() not in gray for c in ui.color_models)
    return COLOR_MODES if ui.color_device or colour else COLOR_MODES[:1]


def _one_of(name: str, value: object, allowed: tuple[str, ...]) -> str | None:
    if value == "" or value in allowed:
        return None
    return f"{name}: {value!r} is not one of {', '.join(allowed)}"


def _option_problem(ui: PpdUi, keyword: object, choice: object) -> str | None:
    option = ui.option(keyword) if isinstance(keyword, str) else None
    if option is None or keyword in STANDARD_OPTIONS:
        return f"option {keyword!r}: the PPD has no such option to set here"
    if not isinstance(choice, str) or option.choice(choice) is None:
        names = ", ".join(c.name for c in option.choices)
        return f"option {keyword!r}: {choice!r} is not one of its choices ({names})"
    return None


def _defaults_problems(data: Mapping[str, Any], ui: PpdUi) -> tuple[SavedDefaults, list[str]]:
    problems: list[str] = []
    values: dict[str, str] = {}
    for name, allowed in (
        ("media", tuple(s.pwg for s in ui.sizes)),
        ("sides", supported_sides(ui)),
        ("print-quality", QUALITIES),
        ("print-color-mode", supported_color_modes(ui)),
    ):
        value = data.get(name) or ""
        problem = _one_of(name, value, allowed)
        if problem is None:
            values[name.replace("-", "_")] = str(value)
        else:
            problems.append(problem)
    raw = data.get("options") or {}
    if not isinstance(raw, Mapping):
        problems.append("options: must be an object of PPD option -> choice")
        raw = {}
    options = []
    for keyword, choice in raw.items():
        if choice in ("", None):
            continue
        if (problem := _option_problem(ui, keyword, choice)) is None:
            options.append((str(keyword), str(choice)))
        else:
            problems.append(problem)
    found = SavedDefaults(
        values.get("media", ""),
        values.get("sides", ""),
        values.get("print_quality", ""),
        values.get("print_color_mode", ""),
        tuple(options),
    )
    return found, problems


def _slot_problem(ui: PpdUi, slot: object, item: object) -> str | LoadedMedia:
    if not isinstance(slot, str) or slot not in {c.name for c in ui.slots}:
        names = ", ".join(c.name for c in ui.slots) or "none"
        return f"slot {slot!r}: not an InputSlot of the PPD (slots: {names})"
    if not isinstance(item, Mapping):
        return f"slot {slot!r}: must be an object with media and media-type"
    media, media_type = item.get("media") or "", item.get("media-type") or ""
    if not isinstance(media, str) or ui.size(media) is None:
        return f"slot {slot!r}: media {media!r} is not a page size of the printer"
    types = ui.option("MediaType")
    if media_type and (types is None or types.choice(str(media_type)) is None):
        names = ", ".join(c.name for c in types.choices) if types else "none"
        return f"slot {slot!r}: media-type {media_type!r} is not one of {names}"
    return LoadedMedia(slot, media, str(media_type))


def _media_problems(slots: object, ui: PpdUi) -> tuple[tuple[LoadedMedia, ...], list[str]]:
    if not isinstance(slots, Mapping):
        return (), ["media-ready: must be an object of slot -> {media, media-type}"]
    ready, problems = [], []
    for slot, item in slots.items():
        if isinstance(item, Mapping) and not item.get("media"):
            continue  # nothing loaded there
        found = _slot_problem(ui, slot, item)
        if isinstance(found, LoadedMedia):
            ready.append(found)
        else:
            problems.append(found)
    return tuple(ready), problems


def check_defaults(data: Mapping[str, Any], ui: PpdUi, current: SavedDefaults) -> SavedDefaults:
    """Return *current* with the defaults in *data*; raise InputError on the first bad one."""
    unknown = sorted(set(data) - {"media", "sides", "print-quality", "print-color-mode", "options"})
    if unknown:
        raise InputError(f"{unknown[0]!r} is not a printing default")
    found, problems = _defaults_problems(data, ui)
    if problems:
        raise InputError(problems[0])
    return replace(found, ready=current.ready)


def check_media(slots: object, ui: PpdUi, current: SavedDefaults) -> SavedDefaults:
    """Return *current* with the media loaded per slot in *slots*; raise InputError if bad."""
    ready, problems = _media_problems(slots, ui)
    if problems:
        raise InputError(problems[0])
    return replace(current, ready=ready)


def parse_saved(text: str, ui: PpdUi) -> tuple[SavedDefaults, list[str]]:
    """Read a defaults file against *ui*: what is valid, and what was dropped and why."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return SavedDefaults(), [f"not JSON ({exc})"]
    if not isinstance(data, dict):
        return SavedDefaults(), ["not a JSON object"]
    problems = []
    version = data.pop("version", None)
    if version != DEFAULTS_VERSION:
        problems.append(f"version {version!r} read as version {DEFAULTS_VERSION}")
    listed = data.pop("media-ready", None) or []
    if not isinstance(listed, list):
        problems.append("media-ready: not a list")
        listed = []
    slots = {m["slot"]: m for m in listed if isinstance(m, dict) and isinstance(m.get("slot"), str)}
    problems += [f"media-ready: {m!r} is not a slot" for m in listed if m not in slots.values()]
    known = {"media", "sides", "print-quality", "print-color-mode", "options"}
    problems += [f"{k!r} is not a printing default" for k in sorted(set(data) - known)]
    saved, dropped = _defaults_problems({k: v for k, v in data.items() if k in known}, ui)
    ready, gone = _media_problems(slots, ui)
    return replace(saved, ready=ready), problems + dropped + gone


def defaults_path(state_dir: Path, key: str) -> Path:
    """Return the defaults file of queue *key*; raise InputError for a key unsafe as a name."""
    if not _KEY.match(key) or ".." in key:
        raise InputError(f"{key!r} is not a queue key")
    return state_dir / "defaults" / f"{key}.json"


def read_defaults(state_dir: Path, key: str, ui: PpdUi) -> tuple[SavedDefaults, list[str]]:
    """Return queue *key*'s saved defaults (none saved: empty) and what was dropped, and why."""
    path = defaults_path(state_dir, key)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return SavedDefaults(), []
    except OSError as exc:
        return SavedDefaults(), [f"not read: {exc.strerror or exc}"]
    if len(raw) > MAX_FILE_BYTES:
        return SavedDefaults(), [f"larger than {MAX_FILE_BYTES} bytes"]
    return parse_saved(raw.decode("utf-8", "replace"), ui)


def load_defaults(state_dir: Path, key: str, ui: PpdUi) -> SavedDefaults:
    """Return queue *key*'s saved defaults; log in one line what was dropped."""
    saved, dropped = read_defaults(state_dir, key, ui)
    if dropped:
        log.warning(
            "%s: saved defaults partly dropped: %s",
            defaults_path(state_dir, key),
            "; ".join(dropped),
        )
    return saved


def save_defaults(state_dir: Path, key: str, saved: SavedDefaults) -> None:
    """Write queue *key*'s defaults atomically."""
    write_atomic(defaults_path(state_dir, key), saved.to_json().encode("utf-8"))
