"""Coverage on real printers' device IDs, next to cups-driverd with the same drivers.

The sample (``real_device_ids.tsv``: foomatic printer file, device ID) holds
IDs as printers really report them.  Each is ranked by us and by cups-driverd
with the make-and-model a CUPS backend derives from it, and falls in one of:

* cups-driverd answers: we agree (same first PPD) or not;
* only we answer: respelled, same model, or a generic PPD;
* neither answers.

Agreement is on the ranking (:func:`~printerapp.ppd.rank.rank`, CUPS's
order).  Coverage is on what the manager would install on this host
(:func:`~printerapp.ppd.rank.choose` with the host's missing needs): without
HP's plugin, a free driver for the same printer instead of hplip's plugin
driver, or no driver and the reason "needs HP's proprietary plugin".  A
printer gets a *model-specific* driver when that is not a generic PPD.
Every printer without one is listed with the reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from printerapp.deviceid import normalize_manufacturer, parse_device_id
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.rank import DeviceQuery, choose, missing_need, rank
from printerapp.ppd.respell import backend_make_model


@dataclass(frozen=True, slots=True)
class RealId:
    """One printer of the sample."""

    source: str
    device_id: str

    @property
    def make(self) -> str:
        """The normalised manufacturer (``HP`` for ``Hewlett-Packard``)."""
        return normalize_manufacturer(parse_device_id(self.device_id).manufacturer) or "?"


@dataclass(frozen=True, slots=True)
class Outcome:
    """Our answer and cups-driverd's for one printer."""

    printer: RealId
    #: our ranking's first PPD (CUPS's order)
    ours: str | None
    #: the installed driver's first reason (``cups score 5``, ``respelled ...``, ``generic: ...``)
    how: str
    generic: bool
    #: why there is no driver, or what the driver needs
    reason: str
    cups: str | None
    make_and_model: str = ""
    #: what the manager installs on this host (None: unsupported, see reason)
    installed: str | None = None

    @property
    def specific(self) -> bool:
        """True when the manager installs a driver for this model, not a generic one."""
        return self.installed is not None and not self.generic


def load_real_ids(path: Path) -> list[RealId]:
    """Read the TSV sample: ``#`` comments, then ``file<TAB>device ID`` lines."""
    out: list[RealId] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        source, _tab, device_id = line.partition("\t")
        out.append(RealId(source.strip(), device_id.strip()))
    return out


def evaluate(
    index: DriverIndex,
    printers: list[RealId],
    oracle: Callable[[str, str], str | None],
    threads: int = 4,
    missing: frozenset[str] = frozenset(),
) -> list[Outcome]:
    """Rank every printer by us and by *oracle* (cups-driverd); *missing*: the host's lacks."""

    def one(printer: RealId) -> Outcome:
        make_model = backend_make_model(parse_device_id(printer.device_id))
        query = DeviceQuery(printer.device_id, make_model)
        ranked = rank(index, query, 1).best
        ours = ranked.record.name if ranked else None
        choice = choose(index, query, missing=missing)
        best = choice.best
        cups = oracle(printer.device_id, make_model)
        if best is None:
            return Outcome(printer, ours, "", False, choice.reason, cups)
        if need := missing_need(choice, missing):
            return Outcome(printer, ours, best.reasons[0], False, f"{need}", cups)
        generic = best.generic or best.record.generic
        needs = [r for r in best.reasons if r.startswith("needs ")]
        reason = needs[0] if needs else (best.reasons[0] if generic else "")
        return Outcome(
            printer,
            ours,
            best.reasons[0],
            generic,
            reason,
            cups,
            best.record.make_and_model,
            best.record.name,
        )

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, printers))


def _pct(part: int, whole: int) -> str:
    return f"{part:4d} / {whole:<4d} = {100.0 * part / max(1, whole):6.2f} %"


def _family(name: str) -> str:
    """The source of a ppd-name: its driver program, ``.drv`` file or PPD directory."""
    if name.startswith("drv:///"):
        return name[7:].split("/", 1)[0]
    if name.startswith("lsb/"):
        return "/".join(name.split("/")[:3])
    return name.split(":", 1)[0]


def report(outcomes: list[Outcome], out: Callable[[str], None] = print) -> dict[str, float]:
    """Print the coverage figures; return the ones the targets are on."""
    n = len(outcomes)
    answered = [o for o in outcomes if o.cups is not None]
    agree = [o for o in answered if o.ours == o.cups]
    only_ours = [o for o in outcomes if o.cups is None and o.ours is not None]
    neither = [o for o in outcomes if o.cups is None and o.ours is None]
    specific = [o for o in outcomes if o.specific]
    out(f"real device IDs:           {n}")
    out(f"answered by cups-driverd:  {_pct(len(answered), n)}")
    out(f"  we agree (first PPD):    {_pct(len(agree), len(answered))}")
    for o in [o for o in answered if o.ours != o.cups]:
        out(f"    differs: {o.printer.source}: ours={o.ours} cups={o.cups}")
    out(f"answered only by us:       {_pct(len(only_ours), n)}")
    for how, count in Counter(o.how.split(" ", 1)[0] for o in only_ours).most_common():
        out(f"  {how:24s} {count}")
    for fam, count in Counter(_family(o.ours or "") for o in only_ours).most_common():
        out(f"    from {fam:30s} {count}")
    out(f"answered by neither:       {_pct(len(neither), n)}")
    for make, count in Counter(o.printer.make for o in neither).most_common():
        out(f"  {make:24s} {count}")
    swapped = [o for o in outcomes if o.installed is not None and o.installed != o.ours]
    out(f"installed here instead of the first choice (it needs what is missing): {len(swapped)}")
    for o in swapped:
        out(f"    {o.printer.source}: {o.installed} instead of {o.ours}")
    out(f"model-specific driver installed here: {_pct(len(specific), n)}")
    for fam, count in Counter(_family(o.installed or "") for o in specific).most_common():
        out(f"  from {fam:32s} {count}")
    lacking = [o for o in outcomes if not o.specific]
    out(f"without a model-specific driver here: {len(lacking)}")
    for o in sorted(lacking, key=lambda o: (o.printer.make, o.printer.source)):
        got = f"generic {o.installed}" if o.installed else "no driver"
        out(f"  {o.printer.source}: {got}: {o.reason}  [{o.printer.device_id}]")
    return {
        "agreement": 100.0 * len(agree) / max(1, len(answered)),
        "specific": 100.0 * len(specific) / max(1, n),
    }
