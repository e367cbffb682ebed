"""PWG standard media sizes, from CUPS's own table (libcups ``_pwgMediaTable``).

The table is CUPS's (``cups/pwg-media.c``), and :func:`standard_size`
matches a size against it the way ``pwgMediaForSize`` does (an exact size
first, else the nearest within CUPS 2.4's tolerance, ``_PWG_EPSILON``), so
a size is "standard" exactly when CUPS and ippeveprinter think so; a test
checks the two agree on the libcups installed.

The table is read once per process, by a short child process
(``python -m printerapp.ppd.pwgmedia``) that loads libcups with ctypes and
prints it: libcups and what it links (GnuTLS, Kerberos, p11-kit...) add
about 4 MB to a process's RSS, and the daemon, which asks for sizes when a
queue starts, would carry them for its whole life for a table of a few
hundred rows.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import json
import subprocess
import sys
from dataclasses import dataclass

from printerapp.errors import PPDError

__all__ = ["PwgSize", "standard_size"]

#: pwgMediaForSize's tolerance, hundredths of a mm (CUPS 2.4's _PWG_EPSILON, in pwg-private.h)
EPSILON = 50
#: how long the child that reads the table may take
TABLE_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class PwgSize:
    """A PWG media size: its self-describing name and dimensions in hundredths of a mm."""

    name: str
    width: int
    length: int


class _PwgMedia(ctypes.Structure):
    # pwg_media_t in <cups/pwg.h>
    _fields_ = (
        ("pwg", ctypes.c_char_p),
        ("legacy", ctypes.c_char_p),
        ("ppd", ctypes.c_char_p),
        ("width", ctypes.c_int),
        ("length", ctypes.c_int),
    )


def read_cups_table() -> list[tuple[str, int, int]]:
    """Return libcups's media table in its order: (PWG name, width, length); loads libcups."""
    name = ctypes.util.find_library("cups") or "libcups.so.2"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise PPDError(f"cannot load libcups ({name}) for the PWG media table: {exc}") from exc
    func = lib._pwgMediaTable
    func.argtypes = (ctypes.POINTER(ctypes.c_size_t),)
    func.restype = ctypes.POINTER(_PwgMedia)
    count = ctypes.c_size_t()
    first = func(ctypes.byref(count))
    rows = (first[i] for i in range(count.value))
    return [((m.pwg or b"").decode("ascii", "replace"), m.width, m.length) for m in rows]


@functools.cache
def _table() -> tuple[tuple[str, int, int], ...]:
    """Return CUPS's media table, read by a child process (see the module's docstring)."""
    argv = [sys.executable, "-m", "printerapp.ppd.pwgmedia"]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=TABLE_TIMEOUT_S, check=False
        )
        rows = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise PPDError(f"cannot read CUPS's PWG media table: {exc}") from exc
    if not isinstance(rows, list) or not rows:
        why = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise PPDError(f"cannot read CUPS's PWG media table: {why[0]}")
    return tuple((str(n), int(w), int(h)) for n, w, h in rows)


def nearest(
    table: tuple[tuple[str, int, int], ...], width: int, length: int
) -> tuple[str, int, int] | None:
    """Return the row ``_pwgMediaNearSize`` picks for *width* x *length* (pure), if any."""
    best, best_dw, best_dl = None, 999, 999
    for row in table:
        dw, dl = abs(row[1] - width), abs(row[2] - length)
        if not dw and not dl:
            return row
        # CUPS's own test: not a distance, each difference no worse than the best so far
        if dw <= EPSILON and dl <= EPSILON and dw <= best_dw and dl <= best_dl:
            best, best_dw, best_dl = row, dw, dl
    return best


@functools.cache
def standard_size(width: int, length: int) -> PwgSize | None:
    """Return the standard size CUPS sees in *width* x *length* (hundredths of a mm), if any."""
    if width <= 0 or length <= 0:
        return None
    found = nearest(_table(), width, length)
    if found is None or not found[0] or found[0].startswith("custom_"):
        return None
    return PwgSize(*found)


def main() -> int:
    """Print libcups's media table as JSON (the child :func:`_table` runs)."""
    try:
        table = read_cups_table()
    except PPDError as exc:
        print(exc, file=sys.stderr)
        return 1
    json.dump(table, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
