"""Run a primed snap tree as snapd would, with the host's CUPS hidden, and print one job.

    scripts/in-private-net.sh .venv/bin/python scripts/snaprun.py PRIME [--ppd NAME] [--expect HEX]

In a private mount namespace (``unshare -m``) the host's CUPS, PPD, driver and
ghostscript directories are covered with empty tmpfs, the host's ippeveprinter,
ipptool and gs with /dev/null, and the snap's ``layout`` is bind-mounted as
snapd does.  ``$SNAP/bin/printerapp server --demo`` then runs with ``SNAP``,
``SNAP_COMMON``, ``SNAP_DATA`` and meta/snap.yaml's environment.  The demo
printer's queue must appear, and a test page sent with the snap's ipptool must
reach the demo printer (in the driver's language, if ``--expect`` is given).
Prints one ``snaprun:`` line of figures; exits non-zero on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from printerapp.server.demo import demo_overrides
from tests.support.avahi import loopback_avahi

#: host directories a snap does not see (its own copies come through $SNAP)
HIDDEN_DIRS = (
    "/usr/lib/cups",
    "/usr/share/cups",
    "/usr/share/ppd",
    "/etc/cups",
    "/usr/share/ghostscript",
    "/usr/share/gutenprint",
    "/usr/lib/x86_64-linux-gnu/gutenprint",
    "/usr/share/foomatic",
    "/usr/share/hplip",
    "/usr/share/cups-filters",
)
#: host programs covered too, so only the snap's can run
HIDDEN_FILES = ("/usr/sbin/ippeveprinter", "/usr/bin/ipptool", "/usr/bin/gs", "/usr/bin/cupsfilter")
READY_S = 60.0
JOB_S = 120.0


def _expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)


def snap_env(meta: dict[str, Any], snap: Path, common: Path, data: Path) -> dict[str, str]:
    """Return the environment snapd gives an app of the snap described by *meta*."""
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(data / "home"),
        "LANG": "C.UTF-8",
        "SNAP": str(snap),
        "SNAP_COMMON": str(common),
        "SNAP_DATA": str(data),
        "SNAP_NAME": str(meta["name"]),
        "SNAP_VERSION": str(meta["version"]),
        "SNAP_ARCH": str(meta["architectures"][0]),
    }
    for key, value in meta.get("environment", {}).items():
        env[key] = _expand(str(value), env)
    return env


def hide_host(meta: dict[str, Any], env: dict[str, str]) -> None:
    """Cover the host's CUPS parts and apply the snap's layout (we are in our own mount ns)."""
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    for path in HIDDEN_DIRS:
        if Path(path).is_dir():
            subprocess.run(["mount", "-t", "tmpfs", "tmpfs", path], check=True)
    for path in HIDDEN_FILES:
        if Path(path).exists():
            subprocess.run(["mount", "--bind", "/dev/null", path], check=True)
    for target, spec in meta.get("layout", {}).items():
        source = _expand(spec["bind"], env)
        Path(target).mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "--bind", source, target], check=True)


def _api(port: int, path: str) -> Any:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return json.load(r)
    except OSError:
        return None


def _wait(what: str, seconds: float, proc: subprocess.Popen[bytes], log: Path, check: Any) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (found := check()) is not None:
            return found
        if proc.poll() is not None:
            sys.exit(f"snaprun: the daemon exited ({proc.returncode})\n{log.read_text()[-4000:]}")
        time.sleep(0.1)
    sys.exit(f"snaprun: no {what} within {seconds:.0f} s\n{log.read_text()[-4000:]}")


def _running(port: int) -> dict[str, Any] | None:
    answer = _api(port, "/api/printers") or {"printers": []}
    return next((p for p in answer["printers"] if p["state"] == "running"), None)


def _config(common: Path, control: int, ppd: str | None) -> None:
    text = (
        f'[server]\ncontrol = "127.0.0.1:{control}"\nports = "18400-18420"\n'
        'internal_ports = "18430-18450"\nlog_level = "INFO"\n'
        '[detection]\nudev = false\nmdns_interfaces = ["127.0.0.1"]\nscan_interval = 3600\n'
    )
    if ppd:  # pin the demo to the variant's own driver
        text += f'[printers."{next(iter(demo_overrides({})))}"]\nppd = "{ppd}"\n'
    (common / "printerapp.toml").write_text(text)


def run(prime: Path, ppd: str | None, expect: bytes | None, control: int) -> None:
    """Start the snap's daemon with --demo, wait for the queue, print, check the output."""
    meta = yaml.safe_load((prime / "meta" / "snap.yaml").read_text())
    top = Path(tempfile.mkdtemp(prefix="snaprun-"))
    common, data = top / "common", top / "data"
    for d in (common, data / "home"):
        d.mkdir(parents=True)
    env = snap_env(meta, prime, common, data)
    hide_host(meta, env)
    _config(common, control, ppd)
    log = top / "daemon.log"
    start = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(prime / "bin" / "printerapp"), "server", "--demo"],
            env=env,
            cwd=data,
            stdout=out,
            stderr=out,
        )
    try:
        queue = _wait("running queue", READY_S, proc, log, lambda: _running(control))
        ready = time.monotonic() - start
        job = subprocess.run(
            [
                str(prime / "usr/bin/ipptool"),
                "-T",
                "60",
                "-tf",
                str(prime / "usr/share/cups/data/default-testpage.pdf"),
                queue["uri"],
                str(prime / "usr/share/cups/ipptool/print-job.test"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if job.returncode != 0:
            sys.exit(f"snaprun: print-job failed\n{job.stdout}{job.stderr}")
        sent = time.monotonic()
        demo = common / "demo"
        first = _wait(
            "job at the demo printer",
            JOB_S,
            proc,
            log,
            lambda: next(iter(sorted(demo.glob("job-*.prn"))), None),
        )
        time.sleep(0.5)  # the printer writes as it receives; let the last chunk land
        body = first.read_bytes()
        if not body or (expect is not None and expect not in body[:4096]):
            sys.exit(f"snaprun: unexpected output {body[:64]!r}\n{log.read_text()[-4000:]}")
        print(
            f"snaprun: queue {queue['name']!r} ppd={queue['ppd_name']} ready={ready:.1f}s "
            f"job={time.monotonic() - sent:.1f}s bytes={len(body)} head={body[:16]!r}"
        )
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    """Parse the arguments; re-run inside a private mount namespace."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prime", type=Path)
    parser.add_argument("--ppd", help="pin the demo printer to this driver (ppd-name)")
    parser.add_argument("--expect", help="hex bytes the output must hold in its first 4 KiB")
    parser.add_argument("--control", type=int, default=18399, help="the control API's port")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.inside:
        argv = ["unshare", "-m", "--propagation", "private", sys.executable, *sys.argv, "--inside"]
        os.execvp("unshare", argv)
    expect = bytes.fromhex(args.expect) if args.expect else None
    with tempfile.TemporaryDirectory(prefix="snaprun-avahi-") as tmp, loopback_avahi(Path(tmp)):
        run(args.prime.resolve(), args.ppd, expect, args.control)


if __name__ == "__main__":
    main()
