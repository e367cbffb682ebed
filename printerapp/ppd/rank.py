"""Choose drivers for a device: CUPS's ranking, then our fallbacks.

1. **Pin.**  A PPD pinned in the configuration for the device URI or the
   serial number wins outright.
2. **CUPS's score** (see :mod:`printerapp.ppd.match`): device-ID groups plus
   make-and-model, in CUPS's order.  Among PPDs with the same CUPS score we
   break ties as CUPS does (by make-and-model name), so our first choice is
   CUPS's first choice.  On purpose we do *not* let "(recommended)" or the
   CMD languages reorder equal scores: CUPS 2.4 does not, and measured on the
   test set doing so changed the first choice for many devices.  Both are
   shown as reasons, so a user can pin another PPD.
3. **Respelled.**  When CUPS finds nothing (``MFG:HP`` against a PPD saying
   ``Hewlett-Packard``, long ``MANUFACTURER:`` keys, padded fields, the make
   twice or "Series" missing), the ID is rewritten in the PPDs' own spelling
   of the same model (:mod:`printerapp.ppd.respell`) and ranked by CUPS's
   rules again.  This is where we disagree with cups-driverd on purpose: it
   offers no driver for these; we offer the one it offers for the PPD's
   spelling of the same printer.
4. **Same model.**  Where even the respelled ID finds nothing (a PPD whose
   own ID CUPS cannot parse, such as ``MFG:Magicard ; CMD:...;MDL:x`` with
   no final ``;``), the PPDs of the same normalised model, "(recommended)"
   first, then in CUPS's order.
5. **Generic.**  Still nothing, but CMD declares PDF, PostScript or PCL: a
   generic PPD of that language, marked ``generic``.
6. Otherwise the device is unsupported, with the reason.

A driver that needs more than free software (hplip's PPDs for printers that
need HP's proprietary plugin) says so in its reasons, and :func:`rank`
keeps it where CUPS puts it.  Whether this host has what it needs is a
separate question (:mod:`printerapp.ppd.needs`), answered by :func:`usable`:
when CUPS's first choice needs what is missing and a free driver exists for
the same printer (any of the plugin PPD's own spellings of it; foo2zjs for
the LaserJet 1018/1020), the free one is put first, since without the plugin
CUPS's choice prints nothing.  With the plugin installed CUPS's choice stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from printerapp.deviceid import DeviceId, parse_device_id
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.match import compile_query
from printerapp.ppd.records import DriverRecord
from printerapp.ppd.respell import backend_make_model, respellings

__all__ = ["Candidate", "Choice", "DeviceQuery", "choose", "missing_need", "rank", "usable"]

#: CMD languages -> the generic model to offer, best first
GENERIC_MODELS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"PDF"}), "PDF Printer"),
    (
        frozenset({"POSTSCRIPT", "PS", "POSTSCRIPT2", "POSTSCRIPT3", "PS2", "PS3"}),
        "PostScript Printer",
    ),
    (frozenset({"PCLXL", "PCL6", "PXL"}), "PCL 6/PCL XL Printer"),
    (frozenset({"PCL5C"}), "PCL 5c Printer"),
    (frozenset({"PCL", "PCL5", "PCL5E"}), "PCL 5e Printer"),
    (frozenset({"PCL3", "PCL3GUI"}), "PCL 3 Printer"),
)


@dataclass(frozen=True, slots=True)
class DeviceQuery:
    """What we know of a device: its 1284 ID, make-and-model and URI."""

    device_id: str
    make_model: str = ""
    uri: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ranked PPD for a device, with why it matched."""

    record: DriverRecord
    #: cups-driverd's score (0 for normalised, generic and pinned choices)
    score: int
    reasons: tuple[str, ...]
    generic: bool = False
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class Choice:
    """The ranked candidates for a device; empty with a reason when unsupported."""

    candidates: tuple[Candidate, ...]
    reason: str = ""

    @property
    def best(self) -> Candidate | None:
        """The first choice, if any."""
        return self.candidates[0] if self.candidates else None


def _reasons(rec: DriverRecord, score: int, dev: DeviceId) -> tuple[str, ...]:
    out = [f"cups score {score}"]
    langs = set(dev.command_set) & set(rec.command_set)
    if langs:
        out.append("languages " + ",".join(sorted(langs)))
    if rec.recommended:
        out.append("recommended")
    return tuple(out) + _needs(rec)


def _needs(rec: DriverRecord) -> tuple[str, ...]:
    """The reason saying what else the driver needs, if anything (HP's plugin)."""
    return (f"needs {rec.needs}",) if rec.needs else ()


def _cups_candidates(
    index: DriverIndex, device_id: str, make_model: str, dev: DeviceId, why: tuple[str, ...] = ()
) -> list[Candidate]:
    scores = index.cups_scores(compile_query(device_id, make_model))
    order = sorted(scores, key=lambda i: (-scores[i], index.name_rank[i], i))
    return [
        Candidate(index.records[i], scores[i], why + _reasons(index.records[i], scores[i], dev))
        for i in order
    ]


def _respelled_candidates(
    index: DriverIndex, dev: DeviceId, same_model: list[DriverRecord]
) -> list[Candidate]:
    for spelling, text in respellings(same_model, dev):
        found = _cups_candidates(
            index, text, backend_make_model(parse_device_id(text)), dev, (f"respelled {spelling}",)
        )
        if found:
            return found
    return []


def _same_model_candidates(same_model: list[DriverRecord]) -> list[Candidate]:
    hits = sorted(same_model, key=lambda r: not r.recommended)  # stable: CUPS's order otherwise
    return [Candidate(r, 0, ("same model, normalised MFG+MDL", *_needs(r))) for r in hits]


def _generic_candidates(index: DriverIndex, dev: DeviceId) -> list[Candidate]:
    langs = {c.upper().replace(" ", "") for c in dev.command_set}
    out: list[Candidate] = []
    for accepted, model in GENERIC_MODELS:
        if langs & accepted:
            recs = [r for r in index.records if r.generic and r.model == model]
            recs.sort(key=lambda r: not r.recommended)
            why = f"generic: device speaks {','.join(sorted(langs & accepted))}"
            out += [Candidate(r, 0, (why,), generic=True) for r in recs]
    return out


def _usable_first(
    index: DriverIndex, found: tuple[Candidate, ...], missing: frozenset[str]
) -> Choice:
    """Put the drivers for the same printer whose needs are met before a first that needs more."""
    first = found[0].record
    models = sorted(
        {
            (r.manufacturer, r.model)
            for r in index.records
            if r.make_and_model == first.make_and_model
        }
    )
    lacks = f"{first.make_and_model!r} needs {first.needs}"
    why = f"prints here without it: {lacks}, which is not installed"
    front: dict[str, Candidate] = {}
    also: dict[str, str] = {}  # the other drivers' missing needs, by need
    for make, model in models:
        for rec in index.same_model(make, model):
            if rec.generic or rec.name == first.name:
                continue
            if rec.needs in missing:
                if rec.needs != first.needs:
                    also.setdefault(rec.needs, rec.make_and_model)
            else:
                front.setdefault(rec.name, Candidate(rec, 0, (why, *_needs(rec))))
    rest = tuple(c for c in found if c.record.name not in front)
    if front:
        return Choice((*front.values(), *rest))
    reason = lacks + "".join(f"; {mm!r} needs {need}" for need, mm in sorted(also.items()))
    return Choice(rest, reason)


def rank(index: DriverIndex, query: DeviceQuery, limit: int = 0) -> Choice:
    """Rank the PPDs for a device (without pins); explain when there is none."""
    dev = parse_device_id(query.device_id)
    found = _cups_candidates(index, query.device_id, query.make_model, dev)
    if not found and dev.model:
        same_model = index.same_model(dev.manufacturer, dev.model)
        found = _respelled_candidates(index, dev, same_model) or _same_model_candidates(same_model)
    found = found or _generic_candidates(index, dev)
    if not found:
        what = dev.make_and_model or query.make_model or query.device_id or "device"
        reason = f"no PPD matches {what!r} and its CMD ({','.join(dev.command_set) or 'none'})"
        reason += " names no PDF, PostScript or PCL"
        return Choice((), reason)
    return Choice(tuple(found[:limit] if limit > 0 else found))


def usable(index: DriverIndex, choice: Choice, missing: frozenset[str]) -> Choice:
    """Return *choice*, drivers whose needs are met first when its first needs what is *missing*.

    The candidates that need it stay, with their reason, after those; when
    there is none the first candidate still needs it, and the choice's
    reason names every missing need that would make the printer print
    (:func:`missing_need`).
    """
    best = choice.best
    if best is None or best.pinned or not best.record.needs or best.record.needs not in missing:
        return choice
    return _usable_first(index, choice.candidates, missing)


def missing_need(choice: Choice, missing: frozenset[str]) -> str:
    """Return why the first choice cannot print here ("" when it can)."""
    best = choice.best
    if best is None or not best.record.needs or best.record.needs not in missing:
        return ""
    return choice.reason or f"{best.record.make_and_model!r} needs {best.record.needs}"


def choose(
    index: DriverIndex,
    query: DeviceQuery,
    pinned: str | None = None,
    missing: frozenset[str] = frozenset(),
    limit: int = 0,
) -> Choice:
    """Return the usable choice for a device (*limit* of CUPS's candidates), or the pinned PPD."""
    if pinned is not None:
        rec = index.get(pinned)
        if rec is not None:
            why = ("pinned in the configuration", *_needs(rec))
            return Choice((Candidate(rec, 0, why, pinned=True),))
        return Choice((), f"the pinned PPD {pinned!r} is not known")
    return usable(index, rank(index, query, limit), missing)
