"""A laptop on the LAN finds the queue and prints A4 and Letter through a stock CUPS.

"printhost" runs ``printerapp server --demo`` set to serve the LAN; "laptop"
is another host (its own network, D-Bus and avahi).  The laptop's ippfind
and avahi-browse discover the queue, its private cupsd makes a queue with
``lpadmin -m everywhere`` and prints; the demo printer on printhost
receives PCL whose page size is the one asked for.
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
#: PCL's page size command (ESC & l # A): 2 is Letter, 26 is A4
PCL_PAGE_SIZE = {"A4": b"\x1b&l26A", "Letter": b"\x1b&l2A"}


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


def test_a_laptop_discovers_and_prints_a4_and_letter(tmp_path: Path) -> None:
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
                jobs = {
                    size: cups.lp("office", TESTPAGE, "-o", f"media={size}")
                    for size in PCL_PAGE_SIZE
                }
                out = state / "demo"
                logs = (tmp_path / "server.log", cups_root / "log/error_log")
                _wait(
                    "both jobs at the printer",
                    180,
                    lambda: len(list(out.glob("job-*.prn"))) >= 2,
                    logs,
                )
                _wait(
                    "CUPS to complete both jobs", 60, lambda: cups.completed() >= set(jobs.values())
                )
            printed = [p.read_bytes() for p in sorted(out.glob("job-*.prn"))]
            for size, command in PCL_PAGE_SIZE.items():
                assert sum(command in data for data in printed) == 1, size
        finally:
            server.terminate()
            server.wait(timeout=30)
