"""A private cupsd on a free 127.0.0.1 port, with its own directories.

It runs as a non-system instance (``cupsd -f -c ... -s ...``), as
ENVIRONMENT.md describes.  ``ServerBin`` is a private tree: the system's
``filter``, ``daemon``, ``driver`` and ``monitor`` folders by symlink and a
``backend`` folder of symlinks to the system backends, so a test can add its
own backend (cupsd insists that backends are root-owned and not writable by
group or others, and so is the folder path up to /).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

CUPSD = shutil.which("cupsd") or "/usr/sbin/cupsd"
SYSTEM_SERVERBIN = Path("/usr/lib/cups")
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port: int = sock.getsockname()[1]
        return port


class PrivateCupsd:
    """cupsd with every directory under *root*; use as a context manager."""

    def __init__(
        self, root: Path, env: dict[str, str] | None = None, prefix: Sequence[str] = ()
    ) -> None:
        self.root = root
        #: runs every command elsewhere, e.g. on another host of a test LAN (nsenter ...)
        self.prefix = list(prefix)
        self.port = free_port()
        self.serverbin = root / "serverbin"
        self.extra_env = env or {}
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def server_uri(self) -> str:
        return f"ipp://127.0.0.1:{self.port}"

    def _write_config(self) -> None:
        for sub in ("spool", "spool/tmp", "cache", "state", "log", "conf/ppd"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "spool").chmod(0o710)
        setenv = "".join(f"SetEnv {k} {v}\n" for k, v in self.extra_env.items())
        (self.root / "cupsd.conf").write_text(
            f"Listen 127.0.0.1:{self.port}\nBrowsing Off\nDefaultAuthType None\n"
            "LogLevel debug\nJobRetryInterval 1\nJobRetryLimit 5\n"
            "MaxJobs 100\nPreserveJobHistory Yes\n"
            "<Location />\n  Order allow,deny\n  Allow 127.0.0.1\n</Location>\n"
            "<Location /admin>\n  Order allow,deny\n  Allow 127.0.0.1\n</Location>\n"
        )
        r = self.root
        (self.root / "cups-files.conf").write_text(
            f"ServerRoot {r / 'conf'}\nCacheDir {r / 'cache'}\nStateDir {r / 'state'}\n"
            f"RequestRoot {r / 'spool'}\nTempDir {r / 'spool/tmp'}\n"
            f"AccessLog {r / 'log/access_log'}\nErrorLog {r / 'log/error_log'}\n"
            f"PageLog {r / 'log/page_log'}\nDataDir /usr/share/cups\n"
            f"ServerBin {self.serverbin}\nUser lp\nGroup lp\nFileDevice Yes\n" + setenv
        )

    def _make_serverbin(self) -> None:
        backend = self.serverbin / "backend"
        backend.mkdir(parents=True, exist_ok=True)
        for sub in ("filter", "daemon", "driver", "monitor", "notifier"):
            if (SYSTEM_SERVERBIN / sub).exists():
                (self.serverbin / sub).symlink_to(SYSTEM_SERVERBIN / sub)
        for prog in (SYSTEM_SERVERBIN / "backend").iterdir():
            (backend / prog.name).symlink_to(prog)
        # cupsd refuses programs under a group- or world-writable folder
        for path in (self.root, self.serverbin, backend):
            path.chmod(0o755)

    def add_backend(self, name: str, source: Path, mode: int = 0o700) -> Path:
        """Install *source* as backend *name* (a copy: cupsd checks owner and mode)."""
        dest = self.serverbin / "backend" / name
        dest.unlink(missing_ok=True)
        shutil.copyfile(source, dest)
        dest.chmod(mode)
        return dest

    def error_log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.root / "log/error_log").read_text(errors="replace")
        return ""

    def start(self) -> None:
        self._make_serverbin()
        self._write_config()
        self._proc = subprocess.Popen(
            [
                *self.prefix,
                CUPSD,
                "-f",
                "-c",
                str(self.root / "cupsd.conf"),
                "-s",
                str(self.root / "cups-files.conf"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                raise RuntimeError(f"cupsd exited: {err}{self.error_log()[-2000:]}")
            if self._answers():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("cupsd did not start listening")

    def _answers(self) -> bool:
        if self.prefix:  # another network namespace: ask with lpstat there
            argv = [*self.prefix, "lpstat", "-h", self.host, "-r"]
            return (
                subprocess.run(argv, capture_output=True, timeout=10, check=False).returncode == 0
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
            return True
        return False

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stderr:
            self._proc.stderr.close()
        self._proc = None

    def lpadmin(self, *args: str) -> None:
        done = subprocess.run(
            [*self.prefix, "lpadmin", "-h", self.host, *args],
            timeout=60,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"lpadmin {args}: {done.stderr}{self.error_log()[-3000:]}")

    def lp(self, queue: str, document: Path, *options: str) -> int:
        """Submit *document* (with ``lp`` *options*); return the job id."""
        out = subprocess.run(
            [*self.prefix, "lp", "-h", self.host, "-d", queue, *options, str(document)],
            check=True,
            timeout=30,
            capture_output=True,
            text=True,
        ).stdout
        # "request id is Q-12 (1 file(s))"
        return int(out.split()[3].rsplit("-", 1)[1])

    def completed(self) -> set[int]:
        """Return the ids of the jobs CUPS reports completed."""
        out = subprocess.run(
            [*self.prefix, "lpstat", "-h", self.host, "-W", "completed", "-o"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
        return {int(line.split()[0].rsplit("-", 1)[1]) for line in out.splitlines() if line.strip()}

    def __enter__(self) -> PrivateCupsd:
        self.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
