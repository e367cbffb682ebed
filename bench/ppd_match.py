"""Benchmark: the driver database against cups-driverd.

Prints:

* cold build: the index built from the real sources (driver programs run);
* warm load: the index read back from its cache;
* query p50/p95 over 1,000 device IDs of the set, next to cups-driverd's
  own per-query wall time (real driver programs, driverless excluded);
* agreement: how often our first choice equals cups-driverd's over the
  whole set (the oracle's driver programs replay their real ``list``
  output, which keeps its answers and makes 28,000 queries affordable).
  cups-driverd compares IDs literally and offers nothing for a quarter of
  the variants (``MFG:HP`` against ``Hewlett-Packard``, long keys, padding);
  there the expected choice is its choice for the ID the variant came from,
  the same printer spelled as its PPD spells it.  The literal figure (its
  "none" counted as a choice) and the figure where it answers are printed
  beside it.

Targets: cold <= 3 s, query p95 <= 10 ms and >= 100x faster than
cups-driverd, agreement >= 95 %.  ``--check`` turns a miss into exit 1.

``--real-ids [TSV]`` measures coverage on real printers' device IDs instead
(see :mod:`tests.ppd.realids`): answered by cups-driverd, agreeing with it,
answered only by us and with what, answered by neither by make, and the
share the manager would give a model-specific driver on this host (without
HP's plugin: a free driver for the same printer, or none with that reason);
every printer without one is listed with the reason.  Targets: agreement
>= 99.5 % where cups-driverd answers, and,
with the full driver set (``DRIVERS=all scripts/setup.sh``), >= 85 % with a
model-specific driver.  ``--drivers default`` measures the default set on a
machine with the full set, by hiding the extra packages' files from both us
and cups-driverd in a private mount namespace (root).

Usage: ``.venv/bin/python bench/ppd_match.py [--sample N] [--threads 4] [--check]``
       ``.venv/bin/python bench/ppd_match.py --real-ids [TSV] [--drivers default|installed]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from printerapp.cups import CupsDirs  # noqa: E402
from printerapp.ppd.cache import load_index  # noqa: E402
from printerapp.ppd.needs import missing_needs  # noqa: E402
from printerapp.ppd.rank import DeviceQuery, rank  # noqa: E402
from printerapp.ppd.settings import DriversConfig  # noqa: E402
from tests.ppd.driverset import reexec_with_default_set  # noqa: E402
from tests.ppd.idset import device_id_set, oracle, replay_serverbin  # noqa: E402
from tests.ppd.realids import evaluate, load_real_ids, report  # noqa: E402

#: where the development sample of real device IDs is kept, beside the checkout
REAL_IDS = ("shared/data/real_device_ids.tsv",)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _agreement(index, items, threads, serverbin):  # type: ignore[no-untyped-def]
    env = dict(os.environ, CUPS_SERVERBIN=str(serverbin))

    def one(case):  # type: ignore[no-untyped-def]
        ours = rank(index, DeviceQuery(case.device_id, case.make_model), 1).best
        cups = oracle(case.device_id, case.make_model, env)
        return case, (ours.record.name if ours else None), cups

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, items))


def _report(results):  # type: ignore[no-untyped-def]
    """Print the agreement figures; return the whole-set percentage the target is on."""
    cups_for = {case.device_id: cups for case, _ours, cups in results if case.label == "as-is"}
    rows = [
        (case, ours, cups, cups if cups is not None else cups_for.get(case.base))
        for case, ours, cups in results
    ]
    n = len(rows)
    pct = 100.0 * sum(1 for r in rows if r[1] == r[3]) / n
    literal = 100.0 * sum(1 for r in rows if r[1] == r[2]) / n
    answered = [r for r in rows if r[2] is not None]
    same = sum(1 for r in answered if r[1] == r[2])
    print(f"agreement:         {pct:.2f} % of {n} IDs (the target's figure)")
    print("  = ours is cups-driverd's first choice for the ID, or, where it offers none,")
    print("    its first choice for the PPD's own spelling of the same printer")
    print(f"  literal, cups-driverd's 'none' counted as its choice: {literal:.2f} %")
    print(
        f"  where cups-driverd answers the ID itself: {100.0 * same / max(1, len(answered)):.2f} %"
        f" of {len(answered)}"
    )
    none = [r for r in rows if r[2] is None]
    print(
        f"  cups-driverd offers none: {len(none)}; we offer its choice for the PPD's spelling:"
        f" {sum(1 for r in none if r[1] is not None and r[1] == r[3])}, another PPD:"
        f" {sum(1 for r in none if r[1] is not None and r[1] != r[3])}, none either:"
        f" {sum(1 for r in none if r[1] is None)}"
    )
    by_label = Counter(r[0].label for r in rows)
    good = Counter(r[0].label for r in rows if r[1] == r[3])
    cups_none = Counter(r[0].label for r in none)
    for label in sorted(by_label):
        print(
            f"  {label:12s} {100.0 * good[label] / by_label[label]:6.2f} % of {by_label[label]}"
            f"  (cups-driverd offers none for {100.0 * cups_none[label] / by_label[label]:.1f} %)"
        )
    for case, ours, cups, expected in [r for r in rows if r[1] != r[3]][:15]:
        print(
            f"  differs [{case.label}] {case.device_id!r} mm={case.make_model!r}:"
            f" ours={ours} cups={cups} expected={expected}"
        )
    return pct


def _real_ids_path(given: str) -> Path:
    if given:
        return Path(given)
    for parent in ROOT.parents:
        for rel in REAL_IDS:
            if (parent / rel).is_file():
                return parent / rel
    sys.exit("no real_device_ids.tsv beside the checkout: pass --real-ids PATH")


def _coverage(args: argparse.Namespace) -> int:
    """Measure coverage on the real-ID sample, next to cups-driverd."""
    if args.drivers == "default":
        reexec_with_default_set()
    printers = load_real_ids(_real_ids_path(args.real_ids))
    dirs, config = CupsDirs.from_env(), DriversConfig()
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        index, _ = load_index(dirs, config, state)
        print(f"driver set:        {args.drivers}")
        print(f"PPDs indexed:      {len(index)} ({len(index.problems)} sources skipped)")
        serverbin = replay_serverbin(
            state / "serverbin", dirs.serverbin / "driver", config.exclude_programs
        )
        (state / "cache").mkdir()
        env = dict(os.environ, CUPS_SERVERBIN=str(serverbin), CUPS_CACHEDIR=str(state / "cache"))
        t0 = time.perf_counter()
        missing = missing_needs()
        lacks = sorted(need.split(" (", 1)[0] for need in missing)
        print(f"missing here:      {', '.join(lacks) or 'nothing'}")
        outcomes = evaluate(index, printers, lambda i, m: oracle(i, m, env), args.threads, missing)
        print(f"oracle queries:    {len(outcomes)} in {time.perf_counter() - t0:.0f} s")
        figures = report(outcomes)
    ok = figures["agreement"] >= 99.5 and (args.drivers == "default" or figures["specific"] >= 85)
    return 1 if args.check and not ok else 0


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=0, help="agreement on N IDs (0: all)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--real-ids", nargs="?", const="", default=None, metavar="TSV")
    parser.add_argument("--drivers", choices=("installed", "default"), default="installed")
    args = parser.parse_args()
    if args.real_ids is not None:
        return _coverage(args)
    dirs, config = CupsDirs.from_env(), DriversConfig()
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        t0 = time.perf_counter()
        index, _ = load_index(dirs, config, state)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        index, stats = load_index(dirs, config, state)
        warm = time.perf_counter() - t0
        assert stats.from_cache
        items = device_id_set(index)
        rng = random.Random(1284)  # noqa: S311 -- a reproducible sample
        times = []
        for case in rng.sample(items, min(1000, len(items))):
            t0 = time.perf_counter()
            rank(index, DeviceQuery(case.device_id, case.make_model), 1)
            times.append(time.perf_counter() - t0)
        times.sort()
        p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
        cups_times = []
        for case in rng.sample(items, 10):
            t0 = time.perf_counter()
            oracle(case.device_id, case.make_model)
            cups_times.append(time.perf_counter() - t0)
        cups = statistics.median(cups_times)
        print(f"PPDs indexed:      {len(index)} ({len(index.problems)} sources skipped)")
        print(f"cold build:        {cold:.3f} s")
        print(f"warm load:         {_ms(warm)}")
        print(f"query p50 / p95:   {_ms(p50)} / {_ms(p95)} over {len(times)} IDs")
        print(f"cups-driverd:      {_ms(cups)} per query ({cups / p95:.0f}x our p95)")
        subset = items if args.sample <= 0 else rng.sample(items, min(args.sample, len(items)))
        # every sampled variant's base is queried too: it is the expected choice where
        # cups-driverd offers none for the variant
        missing = {c.base for c in subset} - {c.device_id for c in subset}
        subset += [c for c in items if c.label == "as-is" and c.device_id in missing]
        serverbin = replay_serverbin(
            state / "serverbin", dirs.serverbin / "driver", config.exclude_programs
        )
        t0 = time.perf_counter()
        results = _agreement(index, subset, args.threads, serverbin)
        print(f"oracle queries:    {len(results)} in {time.perf_counter() - t0:.0f} s")
        pct = _report(results)
    ok = cold <= 3 and p95 <= 0.010 and cups / p95 >= 100 and pct >= 95
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
