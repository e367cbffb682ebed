"""CUPS's media table read in a child, and pwgMediaForSize's matching, against libcups itself."""

from __future__ import annotations

import ctypes
import ctypes.util
import random
import subprocess
import sys

import pytest

from printerapp.errors import PPDError
from printerapp.ppd import pwgmedia
from printerapp.ppd.pwgmedia import EPSILON, PwgSize, nearest, read_cups_table, standard_size


def _cups_for_size() -> ctypes._CFuncPtr:  # type: ignore[name-defined]
    lib = ctypes.CDLL(ctypes.util.find_library("cups") or "libcups.so.2")
    func = lib.pwgMediaForSize
    func.argtypes = (ctypes.c_int, ctypes.c_int)
    func.restype = ctypes.POINTER(pwgmedia._PwgMedia)
    return func


def _cups(func: ctypes._CFuncPtr, width: int, length: int) -> PwgSize | None:  # type: ignore[name-defined]
    found = func(width, length)
    if not found:
        return None
    media = found.contents
    name = (media.pwg or b"").decode()
    return None if name.startswith("custom_") else PwgSize(name, media.width, media.length)


def test_the_child_reads_the_table_libcups_holds() -> None:
    assert pwgmedia._table() == tuple(read_cups_table())
    assert ("iso_a4_210x297mm", 21000, 29700) in pwgmedia._table()
    # the process that asks keeps libcups out of its memory
    probe = (
        "from printerapp.ppd.pwgmedia import standard_size;"
        "assert standard_size(21000, 29700).name == 'iso_a4_210x297mm';"
        "print('libcups' in open('/proc/self/maps').read())"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_matching_agrees_with_pwg_media_for_size_around_every_size() -> None:
    func = _cups_for_size()
    rng = random.Random(8010)  # noqa: S311 (sample sizes, not secrets)
    sizes = set()
    for _name, width, length in read_cups_table():
        for dw in (-EPSILON - 1, -EPSILON, -1, 0, 1, EPSILON, EPSILON + 1):
            sizes.add((width + dw, length + rng.choice((-EPSILON, -3, 0, 2, EPSILON + 1))))
        sizes.update(
            (width + rng.randint(-400, 400), length + rng.randint(-400, 400)) for _ in range(20)
        )
    sizes.update((rng.randint(1, 120000), rng.randint(1, 200000)) for _ in range(3000))
    sizes.update({(0, 100), (-5, 29700)})
    for width, length in sorted(sizes):
        assert standard_size(width, length) == _cups(func, width, length), (width, length)


def test_nearest_follows_cups_tie_rule() -> None:
    table = (("a", 1000, 1000), ("b", 1100, 1100), ("c", 1010, 1200))
    assert nearest(table, 1000, 1000) == ("a", 1000, 1000)
    assert nearest(table, 1060, 1060) == ("b", 1100, 1100)  # equal: the later wins
    assert nearest(table, 1005, 1150) == ("c", 1010, 1200)
    assert nearest(table, 5000, 5000) is None


def test_a_child_that_fails_is_a_ppd_error(monkeypatch: pytest.MonkeyPatch) -> None:
    pwgmedia._table.cache_clear()
    monkeypatch.setattr(pwgmedia.sys, "executable", "/bin/false")
    try:
        with pytest.raises(PPDError, match="cannot read CUPS's PWG media table: exit status 1"):
            pwgmedia._table()
    finally:
        pwgmedia._table.cache_clear()
