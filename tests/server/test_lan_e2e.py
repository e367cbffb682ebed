"""A laptop on the LAN finds the queue and prints through a stock CUPS what it asks for.

"printhost" runs ``printerapp server --demo`` set to serve the LAN; "laptop"
is another host (its own network, D-Bus and avahi).  The laptop's ippfind
and avahi-browse discover the queue, its private cupsd makes a queue with
``lpadmin -m everywhere`` and prints A4, Letter, Legal, high quality,
two-sided and two copies; the demo printer on printhost receives PCL that
says so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cupsd import PrivateCupsd
from tests.support.lan import Host, two_hosts

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root, pytest.mark.timeout(300)]

TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")
#: what the laptop asks with lp, and the PCL command that must reach the printer for it
CASES = {
    ("-o", "media=A4"): b"\x1b&l26A",  # page size 26: A4
    ("-o", "media=Letter"): b"\x1b&l2A",  # page size 2: Letter
    ("-o", "media=Legal"): b"\x1b&l3A",  # page size 3: Legal (this printer has no A5: refused)
    ("-o", "print-quality=5"): b"\x1b*t600R",  # raster at 600 dpi (the others print at 300)
    ("-o", "sides=two-sided-long-edge"): b"\x1b&l1S",  # duplex, long edge
    ("-n", "2"): b"\x1b&l2X",  # two copies, made by the printer
}


def _wait(what: str, seconds: float, check: object, logs: tuple[Path, ...] = ()) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check() if callable(check) else None
        if found:
            return found
        time.sleep(0.2)
    tails = "".join(
        f"\n--- {p}:\n{p.read_text(errors='replace')[-4000:]}" for p in logs if p.exists()
    )
    pytest.fail(f"timed out waiting for {what}{tails}")


def _discovered(laptop: Host) -> str:
    """Return the queue's URI as the laptop's ippfind reports it (universal subtype)."""
    found = laptop.run(["ippfind", "_ipp._tcp,_universal", "-T", "2"], timeout=30)
    uris = [u for u in found.stdout.split() if "printhost" in u]
    return uris[0] if uris else ""


@contextlib.contextmanager
def _lp_readable_dir() -> Iterator[Path]:
    """A folder lp can reach: cupsd runs filters and the ipp backend as lp, and
    pytest's temporary folders are private (0700)."""
    path = Path(tempfile.mkdtemp(prefix="printerapp-lan-cups-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_a_laptop_discovers_the_queue_and_prints_what_it_asks(tmp_path: Path) -> None:
    with (
        two_hosts(tmp_path, str(os.getpid() % 100000)) as (printhost, laptop),
        _lp_readable_dir() as cups_root,
    ):
        state = tmp_path / "printhost-state"
        config = tmp_path / "printhost.toml"
        config.write_text(
            f'[server]\nstate_dir = "{state}"\nhostname = "*"\nports = "8000-8100"\n'
            'control = "127.0.0.1:7631"\n'
        )
        server = printhost.spawn(
            [sys.executable, "-m", "printerapp", "server", "--demo", "--config", str(config)],
            tmp_path / "server.log",
        )
        try:
            uri = str(_wait("the queue on the laptop's ippfind", 60, lambda: _discovered(laptop)))
            assert uri.startswith("ipp://printhost.local:"), uri
            browse = laptop.run(["avahi-browse", "-rtp", "_universal._sub._ipp._tcp"])
            assert "printhost.local;169.254.77.1;" in browse.stdout, browse.stdout
            assert '"air=none"' in browse.stdout

            with PrivateCupsd(cups_root, prefix=laptop.prefix) as cups:
                cups.lpadmin("-p", "office", "-E", "-v", uri, "-m", "everywhere")
                jobs = [cups.lp("office", TESTPAGE, *option) for option in CASES]
                out = state / "demo"
                logs = (tmp_path / "server.log", cups_root / "log/error_log")
                _wait(
                    "every job at the printer",
                    240,
                    lambda: len(list(out.glob("job-*.prn"))) >= len(CASES),
                    logs,
                )
                _wait("CUPS to complete every job", 60, lambda: cups.completed() >= set(jobs))
            # one queue prints in order: the printer's n-th job is the laptop's n-th
            files = sorted(out.glob("job-*.prn"), key=lambda p: int(p.stem.split("-")[1]))
            for (option, command), file in zip(CASES.items(), files, strict=True):
                assert command in file.read_bytes(), option
            assert sum(b"\x1b*t600R" in f.read_bytes() for f in files) == 1  # only when asked
            assert sum(b"\x1b&l1S" in f.read_bytes() for f in files) == 1
            assert sum(b"\x1b&l2X" in f.read_bytes() for f in files) == 1
        finally:
            server.terminate()
            server.wait(timeout=30)
