"""Benchmark: per-job overhead of ``printerapp ippprint`` against ``cupsfilter``.

The same 10-page PDF and the same PPD (foomatic HP LaserJet 2100 pxlmono),
run two ways:

* ``printerapp-ippprint DOC`` with ``DEVICE_URI=file:OUT`` (filters + backend),
* ``cupsfilter -e -p PPD -m printer/foo DOC > OUT`` (CUPS's own chain runner).

Prints the median wall time of each (5 runs after one warm-up run), their
ratio and the absolute overhead.  Targets: ratio <= 1.10, overhead <= 150 ms.
``--check`` makes a missed target an exit status of 1.

Usage: ``.venv/bin/python bench/job_overhead.py [--runs 5] [--check]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.ppds import extract_ppd  # noqa: E402

TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")
TARGET_RATIO = 1.10
TARGET_OVERHEAD_S = 0.150


def make_ten_page_pdf(dest: Path) -> Path:
    """Concatenate the CUPS test page ten times with ghostscript."""
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pdfwrite", f"-sOutputFile={dest}"]
        + [str(TESTPAGE)] * 10,
        check=True,
        timeout=120,
    )
    return dest


def timed(runs: int, *commands: Callable[[], None]) -> list[list[float]]:
    """Warm up, then run the commands interleaved *runs* times; return each one's wall times.

    Interleaving exposes both commands to the same machine load, so a busy
    moment does not skew the ratio.
    """
    for run in commands:
        run()
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for run, bucket in zip(commands, times, strict=True):
            start = time.perf_counter()
            run()
            bucket.append(time.perf_counter() - start)
    return times


def main() -> int:
    """Measure both ways and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="printerapp-bench-") as tmp:
        work = Path(tmp)
        ppd = extract_ppd("lj2100-pxlmono", work)
        doc = make_ten_page_pdf(work / "ten.pdf")
        out_a, out_b = work / "ippprint.prn", work / "cupsfilter.prn"
        ippprint = str(Path(sys.executable).parent / "printerapp-ippprint")
        env = dict(os.environ)
        env.update(
            PPD=str(ppd),
            CONTENT_TYPE="application/pdf",
            DEVICE_URI=f"file://{out_a}",
            IPP_JOB_ID="1",
            IPP_JOB_NAME="bench",
            IPP_JOB_ORIGINATING_USER_NAME="bench",
            PRINTERAPP_CACHE_DIR=str(work / "cache"),
        )

        def run_ippprint() -> None:
            subprocess.run(
                [ippprint, str(doc)], env=env, check=True, timeout=300, stderr=subprocess.DEVNULL
            )

        def run_cupsfilter() -> None:
            with out_b.open("wb") as out:
                subprocess.run(
                    ["cupsfilter", "-e", "-p", str(ppd), "-m", "printer/foo", str(doc)],
                    stdout=out,
                    stderr=subprocess.DEVNULL,
                    check=True,
                    timeout=300,
                )

        times_a, times_b = timed(args.runs, run_ippprint, run_cupsfilter)
        a, b = statistics.median(times_a), statistics.median(times_b)
        size_a, size_b = out_a.stat().st_size, out_b.stat().st_size

    ratio, overhead = a / b, a - b
    print("document: 10-page PDF; PPD: HP LaserJet 2100 pxlmono")
    print(f"median of {args.runs} interleaved runs after one warm-up each")
    print(f"printerapp ippprint (file: device): {a * 1000:8.1f} ms  ({size_a} bytes)")
    print(f"cupsfilter -e -m printer/foo:       {b * 1000:8.1f} ms  ({size_b} bytes)")
    print(f"ratio: {ratio:.3f} (target <= {TARGET_RATIO})")
    print(f"overhead: {overhead * 1000:.1f} ms (target <= {TARGET_OVERHEAD_S * 1000:.0f} ms)")
    ok = ratio <= TARGET_RATIO and overhead <= TARGET_OVERHEAD_S
    print("targets:", "met" if ok else "MISSED")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
