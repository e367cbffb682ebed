"""The daemon under snap-style variables touches no system path of its own.

``printerapp server`` runs with ``SNAP``, ``SNAP_COMMON``, ``CUPS_*`` and
``PRINTERAPP_*`` pointing into a temporary tree, under ``strace -f``.  Every
file path the daemon's own (Python) processes open, stat, list or execute is
collected; none may lie in the system's CUPS, PPD or printerapp directories,
which inside a snap are not ours (or not there).  Child programs (CUPS
backends, driver programs, ippeveprinter) are C or Perl built with their own
paths, which the snap's layout and staged packages take care of: their
syscalls are not counted, only the path they were started from.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.server import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.needs_root]

#: system directories that must reach the daemon only through the variables
FORBIDDEN = (
    "/usr/lib/cups",
    "/usr/share/cups",
    "/etc/cups",
    "/usr/share/ppd",
    "/usr/local/share/ppd",
    "/opt/share/ppd",
    "/etc/printerapp",
    "/var/lib/printerapp",
    "/var/cache/printerapp",
    "/root/.local",
    "/root/.cache",
)
#: the host's LSB PPD directories, which a relocated CUPS must not read
LSB_PPD = ("/usr/share/ppd", "/usr/local/share/ppd", "/opt/share/ppd")
_CALL = re.compile(r'^(\d+)\s+(\w+)\((?:[^"]*?)"([^"]*)"')
_EXEC = re.compile(r'^(\d+)\s+execve\("([^"]*)"')


def _tree(tmp_path: Path) -> dict[str, str]:
    snap, common, home = tmp_path / "snap", tmp_path / "common", tmp_path / "home"
    for real, inside in (("/usr/lib/cups", "usr/lib/cups"), ("/usr/share/cups", "usr/share/cups")):
        # a copy, as the staged packages are: a symlink would resolve() to the system path
        shutil.copytree(real, snap / inside, symlinks=True)
    (snap / "etc" / "cups").mkdir(parents=True)
    common.mkdir()
    home.mkdir()
    port = free_port()
    (common / "printerapp.toml").write_text(
        f'[server]\ncontrol = "127.0.0.1:{port}"\nports = "18300-18320"\n'
        'internal_ports = "19300-19320"\n'
        '[detection]\nudev = false\nmdns_interfaces = ["127.0.0.1"]\nscan_interval = 3600\n'
    )
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "SNAP": str(snap),
        "SNAP_COMMON": str(common),
        "CUPS_SERVERBIN": f"{snap}/usr/lib/cups",
        "CUPS_DATADIR": f"{snap}/usr/share/cups",
        "CUPS_SERVERROOT": f"{snap}/etc/cups",
        "PRINTERAPP_STATE_DIR": str(common),
        "PRINTERAPP_CONFIG": f"{common}/printerapp.toml",
        "PRINTERAPP_CACHE_DIR": f"{common}/cache",
        "CONTROL_PORT": str(port),
    }


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
            return True
    except OSError:
        return False


def _daemon_paths(log: Path) -> set[str]:
    """Return the paths used by the daemon's Python processes, and each program started."""
    lines = log.read_text(errors="replace").splitlines()
    foreign = set()
    for line in lines:
        failed = re.search(r"= -1 E\w+", line)
        if (m := _EXEC.match(line)) and not failed and "python" not in Path(m.group(2)).name:
            foreign.add(m.group(1))
    paths = set()
    for line in lines:
        m = _CALL.match(line)
        if m is None:
            continue
        pid, call, path = m.groups()
        if pid not in foreign or call == "execve":
            paths.add(path)
    return paths


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the daemon (strace's child), then wait for strace; kill both if they hang."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    pids = [int(p) for p in children.read_text().split()] if children.exists() else []
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def used_paths(tmp_path_factory: pytest.TempPathFactory, avahi: None) -> tuple[set[str], str]:
    """Run the daemon once under strace; return the paths it used and $SNAP_COMMON."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.fail("strace is missing: run scripts/setup.sh")
    tmp_path = tmp_path_factory.mktemp("snap-paths")
    env = _tree(tmp_path)
    port = int(env.pop("CONTROL_PORT"))
    log = tmp_path / "strace.log"
    argv = [strace, "-f", "-qq", "-e", "trace=%file,%process", "-o", str(log)]
    with (tmp_path / "daemon.log").open("wb") as out:
        proc = subprocess.Popen(
            [*argv, sys.executable, "-m", "printerapp", "server"], env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(port):
            assert proc.poll() is None, (tmp_path / "daemon.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the daemon did not answer"
            time.sleep(0.1)
        time.sleep(1.0)  # let detection run its first scan
    finally:
        _stop(proc)
    return _daemon_paths(log), env["SNAP_COMMON"]


@pytest.mark.timeout(120)
def test_daemon_uses_no_system_path_under_snap(used_paths: tuple[set[str], str]) -> None:
    used, common = used_paths
    assert any(p.startswith(common) for p in used)  # the state went there
    offenders = sorted(p for p in used if p.startswith(FORBIDDEN) and not p.startswith(LSB_PPD))
    assert offenders == [], f"system paths used under snap: {offenders[:20]}"


@pytest.mark.timeout(120)
def test_ppd_scan_uses_no_system_path_under_snap(used_paths: tuple[set[str], str]) -> None:
    used, _common = used_paths
    assert sorted(p for p in used if p.startswith(LSB_PPD)) == []
