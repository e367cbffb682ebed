"""The printer's saved defaults, applied to a job wherever the job did not ask otherwise.

ippeveprinter (2.4) passes a job's attributes as ``IPP_<NAME>`` only when the
client sent them, and the printer's ``*-default`` attributes, which it took
from the PPD at start, as ``IPP_<NAME>_DEFAULT``.  So a missing ``IPP_SIDES``
means the client did not ask, and the saved defaults replace the
``IPP_*_DEFAULT`` variables: :mod:`.options` then prefers the job's own value
as before.  The saved PPD options come before the options the job's
attributes select (the later of two equal names wins in the filters), and
the input slot is chosen last: the job's ``media-source``, else the slot
whose loaded media is the job's size.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from printerapp.errors import InputError
from printerapp.ippprint.options import JobOptions
from printerapp.ppd.ppdfile import read_ppd_text
from printerapp.ppd.printdefaults import SavedDefaults, defaults_path, read_defaults
from printerapp.ppd.pwgmedia import standard_size
from printerapp.ppd.uioptions import PpdUi, media_source, parse_ppd_ui

__all__ = ["JobDefaults", "apply_saved", "job_defaults", "with_saved"]

STATE_DIR_ENV = "PRINTERAPP_STATE_DIR"
_COL_SOURCE = re.compile(r"media-source=([a-z0-9_.-]+)")
_STANDARD = ("media", "sides", "print-quality", "print-color-mode")


@dataclass(frozen=True, slots=True)
class JobDefaults:
    """The saved defaults of the job's printer, the PPD facts they refer to, what was dropped."""

    saved: SavedDefaults
    ui: PpdUi
    dropped: tuple[str, ...] = ()


def job_defaults(env: Mapping[str, str], ppd: Path | None) -> JobDefaults | None:
    """Read the saved defaults of ``$PRINTER`` under ``$PRINTERAPP_STATE_DIR``; None if none."""
    state, key = env.get(STATE_DIR_ENV), env.get("PRINTER", "")
    if not state or ppd is None:
        return None
    try:
        path = defaults_path(Path(state), key)
    except InputError:
        return None
    if not path.is_file():  # the common case costs one stat, not a PPD parse
        return None
    ui = parse_ppd_ui(read_ppd_text(ppd), standard_size)
    saved, dropped = read_defaults(Path(state), key, ui)
    return JobDefaults(saved, ui, tuple(dropped))


def _var(name: str) -> str:
    return "IPP_" + name.upper().replace("-", "_")


def with_saved(env: Mapping[str, str], saved: SavedDefaults) -> dict[str, str]:
    """Return *env* with the saved defaults in place of ippeveprinter's ``IPP_*_DEFAULT``."""
    out = dict(env)
    values = (saved.media, saved.sides, saved.print_quality, saved.print_color_mode)
    for name, value in zip(_STANDARD, values, strict=True):
        if value:
            out[_var(name) + "_DEFAULT"] = value
    if saved.media:  # ippeveprinter's media-col-default names the PPD's size
        out.pop("IPP_MEDIA_COL_DEFAULT", None)
    return out


def _asked_source(env: Mapping[str, str]) -> str | None:
    if source := env.get("IPP_MEDIA_SOURCE"):
        return source
    m = _COL_SOURCE.search(env.get("IPP_MEDIA_COL", ""))
    return m.group(1) if m else None


def _slot(env: Mapping[str, str], jd: JobDefaults, page_size: str | None) -> str | None:
    slots = [c.name for c in jd.ui.slots]
    if (source := _asked_source(env)) is not None:
        return next((s for s in slots if media_source(s) == source), None)
    for loaded in jd.saved.ready:
        size = jd.ui.size(loaded.media)
        if size is not None and size.ppd == page_size:
            return loaded.slot
    return None


def apply_saved(env: Mapping[str, str], opts: JobOptions, jd: JobDefaults) -> JobOptions:
    """Return *opts* (built from :func:`with_saved`'s env) with the saved PPD options and slot."""
    own = dict(opts.options)
    pairs = [*jd.saved.options, *opts.options]
    if (slot := _slot(env, jd, own.get("PageSize"))) is not None:
        pairs.append(("InputSlot", slot))
    merged = dict(pairs)  # the later of two equal names wins, as in the filters
    return replace(opts, options=tuple(merged.items()))
