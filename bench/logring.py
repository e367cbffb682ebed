"""What the per-printer log costs: a record through the ring handler, and a look at the queue logs.

Run from the worktree root::

    .venv/bin/python bench/logring.py [--printers 100]

It prints the time per record of the root logger's ring handler for a
record that names a printer (kept) and one that does not (dropped at
once), the time per line the queue-log follower takes to log a new line,
and the time of one look over every printer's log when nothing changed
(the follower does it every ``queuelog.TAIL_S``).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from printerapp.web.logring import LogRings, RingHandler
from printerapp.web.queuelog import QueueLogTail

RECORDS = 50_000


def _per_record(log: logging.Logger, printer: bool) -> float:
    extra = {"printer": "Office"} if printer else None
    start = time.perf_counter()
    for i in range(RECORDS):
        log.info("job %d: %s", i, "printed", extra=extra)
    return (time.perf_counter() - start) / RECORDS * 1e6


def _follower(directory: Path, printers: int) -> tuple[float, float]:
    keys = [f"Printer_{i}" for i in range(printers)]
    for key in keys:
        (directory / f"{key}.log").write_text("")
    tail = QueueLogTail(directory, started=0.0)
    tail.poll(keys)
    lines = 2000
    with (directory / f"{keys[0]}.log").open("a") as out:
        out.writelines(f'[Job {i}] Command "x" completed successfully.\n' for i in range(lines))
    start = time.perf_counter()
    tail.poll(keys)
    per_line = (time.perf_counter() - start) / lines * 1e6
    looks = 200
    start = time.perf_counter()
    for _ in range(looks):
        tail.poll(keys)
    return per_line, (time.perf_counter() - start) / looks * 1000


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--printers", type=int, default=100)
    args = parser.parse_args()
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    rings = LogRings()
    handler = RingHandler(rings)
    root.addHandler(handler)
    log = logging.getLogger("printerapp.bench")
    try:
        kept = _per_record(log, printer=True)
        dropped = _per_record(log, printer=False)
        with tempfile.TemporaryDirectory() as tmp:
            per_line, look = _follower(Path(tmp), args.printers)
    finally:
        root.removeHandler(handler)
    print(f"ring handler, record naming a printer: {kept:.1f} us per record (kept)")
    print(f"ring handler, record naming none:      {dropped:.1f} us per record (dropped)")
    print(f"queue-log follower: {per_line:.1f} us per new line")
    print(f"queue-log follower: {look:.2f} ms per look over {args.printers} unchanged logs")
    print(f"ring of one printer after {RECORDS} records: {len(rings.entries(['Office']))} kept")


if __name__ == "__main__":
    main()
