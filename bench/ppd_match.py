"""Benchmark: the driver database against cups-driverd.

Prints:

* cold build: the index built from the real sources (driver programs run);
* warm load: the index read back from its cache;
* query p50/p95 over 1,000 device IDs of the set, next to cups-driverd's
  own per-query wall time (real driver programs, driverless excluded);
* agreement: how often our first choice equals cups-driverd's over the
  whole set (the oracle's driver programs replay their real ``list``
  output, which keeps its answers and makes 20,000 queries affordable).

Targets: cold <= 3 s, query p95 <= 10 ms and >= 100x faster than
cups-driverd, agreement >= 95 %.  ``--check`` turns a miss into exit 1.

Usage: ``.venv/bin/python bench/ppd_match.py [--sample N] [--threads 4] [--check]``
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

from printerapp.cupsdirs import CupsDirs  # noqa: E402
from printerapp.ppd.cache import load_index  # noqa: E402
from printerapp.ppd.rank import DeviceQuery, rank  # noqa: E402
from printerapp.ppd.settings import DriversConfig  # noqa: E402
from tests.ppd.idset import device_id_set, oracle, replay_serverbin  # noqa: E402


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _agreement(index, items, threads, serverbin):  # type: ignore[no-untyped-def]
    env = dict(os.environ, CUPS_SERVERBIN=str(serverbin))

    def one(item):  # type: ignore[no-untyped-def]
        label, dev, mm = item
        ours = rank(index, DeviceQuery(dev, mm), 1).best
        cups = oracle(dev, mm, env)
        return label, dev, mm, (ours.record.name if ours else None), cups

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, items))


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=0, help="agreement on N IDs (0: all)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
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
        for _label, dev, mm in rng.sample(items, min(1000, len(items))):
            t0 = time.perf_counter()
            rank(index, DeviceQuery(dev, mm), 1)
            times.append(time.perf_counter() - t0)
        times.sort()
        p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
        cups_times = []
        for _label, dev, mm in rng.sample(items, 10):
            t0 = time.perf_counter()
            oracle(dev, mm)
            cups_times.append(time.perf_counter() - t0)
        cups = statistics.median(cups_times)
        print(f"PPDs indexed:      {len(index)} ({len(index.problems)} sources skipped)")
        print(f"cold build:        {cold:.3f} s")
        print(f"warm load:         {_ms(warm)}")
        print(f"query p50 / p95:   {_ms(p50)} / {_ms(p95)} over {len(times)} IDs")
        print(f"cups-driverd:      {_ms(cups)} per query ({cups / p95:.0f}x our p95)")
        subset = items if args.sample <= 0 else rng.sample(items, min(args.sample, len(items)))
        serverbin = replay_serverbin(
            state / "serverbin", dirs.serverbin / "driver", config.exclude_programs
        )
        t0 = time.perf_counter()
        results = _agreement(index, subset, args.threads, serverbin)
        agree = [r for r in results if r[3] == r[4]]
        pct = 100.0 * len(agree) / len(results)
        print(
            f"agreement:         {pct:.2f} % of {len(results)} IDs"
            f" ({time.perf_counter() - t0:.0f} s)"
        )
        answered = [r for r in results if r[4] is not None]
        same = sum(1 for r in answered if r[3] == r[4])
        print(
            "  where cups-driverd offers a PPD: "
            f"{100.0 * same / max(1, len(answered)):.2f} % of {len(answered)}"
        )
        extra = sum(1 for r in results if r[4] is None and r[3] is not None)
        print(f"  cups-driverd offers none, we offer one (on purpose): {extra}")
        print(f"  both offer none: {sum(1 for r in results if r[3] is None and r[4] is None)}")
        by_label = Counter(r[0] for r in results)
        bad_label = Counter(r[0] for r in results if r[3] != r[4])
        for label in sorted(by_label):
            print(
                f"  {label:12s} {100.0 * (1 - bad_label[label] / by_label[label]):6.2f} %"
                f" of {by_label[label]}"
            )
        for label, dev, mm, ours, theirs in [r for r in results if r[3] != r[4]][:15]:
            print(f"  differs [{label}] {dev!r} mm={mm!r}: ours={ours} cups={theirs}")
    ok = cold <= 3 and p95 <= 0.010 and cups / p95 >= 100 and pct >= 95  # the literal target
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
