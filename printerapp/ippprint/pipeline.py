"""Run a job's filter chain into its backend, wired as cupsd wires them.

Filters are connected by pipes; the first reads the document from argv[6],
the last writes into the backend's stdin (or a ``file:`` URI's file, or our
own stdout when there is no device URI).  Every process gets fd 3 (back
channel) and fd 4 (side channel) as under cupsd, since backends such as
``socket`` wait on them.  Status lines on every stderr are forwarded line by
line as they arrive; the first filter to fail stops the whole chain.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from printerapp.cups import CupsDirs, describe_exit, driver_env
from printerapp.errors import BackendError, FilterFailedError, JobError
from printerapp.ippprint.backend import backend_argv, backend_target
from printerapp.ippprint.options import JobOptions
from printerapp.ippprint.procs import Limits, Proc, supervise
from printerapp.ippprint.security import check_program, filter_path
from printerapp.ippprint.serverroot import job_serverroot
from printerapp.mime.records import JobPlan

__all__ = ["JobRun", "final_content_type", "job_environment", "run_job"]

logger = logging.getLogger(__name__)

#: cupsd's defaults for what a job's environment carries besides the CUPS dirs
RIP_MAX_CACHE = "128m"
_PASSED_THROUGH = ("TZ", "SOFTWARE")


@dataclass(frozen=True, slots=True)
class JobRun:
    """Everything about one job except the chain: who, what, where to."""

    printer: str
    options: JobOptions
    document: Path
    content_type: str
    ppd: Path | None
    #: None sends the output to our stdout (ippeveprinter saves it as ``.prn``)
    device_uri: str | None
    dirs: CupsDirs = field(default_factory=CupsDirs)
    lang: str = "C"
    charset: str = "utf-8"


def final_content_type(plan: JobPlan, printer: str) -> str:
    """Return FINAL_CONTENT_TYPE as cupsd computes it from the chain (null filters included)."""
    own = f"printer/{printer}"
    for edge in reversed(plan.steps):
        super_type, _, sub = edge.dst.partition("/")
        if super_type != "printer" or (edge.dst != own and not edge.dst.startswith(own + "/")):
            return edge.dst
        if "/" in sub:
            # ``printer/foo/application/vnd.cups-pdf`` from a cupsFilter2 line
            return sub.split("/", 1)[1]
    return own if plan.steps else plan.final_type


def job_environment(
    run: JobRun, plan: JobPlan, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Build the filters' and backend's environment the way cupsd does."""
    base = os.environ if base is None else base
    tmpdir = base.get("TMPDIR") or "/tmp"  # noqa: S108 - cupsd's TempDir fallback
    env = {k: base[k] for k in _PASSED_THROUGH if k in base}
    env.update(driver_env(base))
    env.update(run.dirs.as_env())
    # a relocated tree's programs (a snap's gs, for foomatic-rip) before the system's
    bins = [str(run.dirs.filter_dir), *([str(b)] if (b := run.dirs.bin_dir) else [])]
    env.update(
        CUPS_FONTPATH=str(run.dirs.datadir / "fonts"),
        PATH=":".join([*bins, "/usr/local/bin", "/usr/bin", "/bin"]),
        TMPDIR=tmpdir,
        HOME=tmpdir,
        USER=base.get("USER", "root"),
        CHARSET=run.charset,
        LANG=run.lang,
        RIP_MAX_CACHE=RIP_MAX_CACHE,
        CONTENT_TYPE=run.content_type,
        PRINTER=run.printer,
        PRINTER_INFO="",
        PRINTER_LOCATION="",
        PRINTER_STATE_REASONS="none",
        CUPS_FILETYPE="document",
        AUTH_INFO_REQUIRED="none",
        FINAL_CONTENT_TYPE=final_content_type(plan, run.printer),
    )
    if run.ppd is not None:
        env["PPD"] = str(run.ppd)
    if run.device_uri is not None:
        env["DEVICE_URI"] = run.device_uri
    return env


def _filter_argv(run: JobRun, first: bool) -> list[str]:
    opts = run.options
    argv = [run.printer, opts.job_id, opts.user, opts.title, str(opts.copies), opts.encoded]
    return [*argv, str(run.document)] if first else argv


@dataclass(slots=True)
class _Fds:
    """Descriptors the parent owns while it spawns; all closed afterwards."""

    owned: list[int] = field(default_factory=list)
    #: kept open until the job ends, closed by :meth:`release`
    held: list[int] = field(default_factory=list)

    def keep(self, fd: int) -> int:
        self.owned.append(fd)
        return fd

    def pipe(self) -> tuple[int, int]:
        r, w = os.pipe()
        return self.keep(r), self.keep(w)

    def close(self) -> None:
        for fd in self.owned:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.owned.clear()

    def hold(self, *held: int) -> None:
        """Keep *held* open after :meth:`close`, until :meth:`release`."""
        for fd in held:
            self.owned.remove(fd)
            self.held.append(fd)

    def release(self) -> None:
        self.owned, self.held = self.held, []
        self.close()


def _open_sink(run: JobRun, stdout_fd: int, fds: _Fds) -> int:
    """Return the fd the output goes to without a backend: a ``file:`` URI's or ours."""
    if run.device_uri is None:
        return stdout_fd
    target = backend_target(run.device_uri, run.dirs)
    if target.file is None:
        return -1
    flags = os.O_WRONLY | os.O_CLOEXEC
    flags |= 0 if str(target.file).startswith("/dev/") else os.O_CREAT | os.O_TRUNC
    try:
        return fds.keep(os.open(target.file, flags, 0o600))
    except OSError as exc:
        raise JobError(f"cannot open the output file {target.file}: {exc.strerror}") from exc


def resolve_chain(
    run: JobRun, plan: JobPlan, *, allow_insecure: bool
) -> tuple[list[Path], Path | None]:
    """Check every program before anything runs; return the filters and the backend."""
    filters = [filter_path(p, run.dirs) for p in plan.programs]
    for path in filters:
        check_program(path, allow_insecure=allow_insecure)
    backend = None
    if run.device_uri is not None:
        backend = backend_target(run.device_uri, run.dirs).program
        if backend is not None:
            check_program(backend, allow_insecure=allow_insecure, kind="backend")
    return filters, backend


def _copy_document(document: Path, fd: int) -> None:
    with document.open("rb") as src, os.fdopen(os.dup(fd), "wb") as dst:
        shutil.copyfileobj(src, dst)


def _spawn_all(
    run: JobRun,
    filters: Sequence[Path],
    backend: Path | None,
    env: dict[str, str],
    stdout_fd: int,
    fds: _Fds,
) -> list[Proc]:
    devnull = fds.keep(os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC))
    back_r, back_w = fds.pipe()
    side_f, side_b = (fds.keep(s.detach()) for s in socket.socketpair())
    sink = _open_sink(run, stdout_fd, fds)
    to_backend = devnull
    if backend is not None and filters:
        to_backend, sink = fds.pipe()
    procs: list[Proc] = []
    stdin = devnull
    for i, path in enumerate(filters):
        next_stdin, out = fds.pipe() if i < len(filters) - 1 else (devnull, sink)
        argv = _filter_argv(run, first=i == 0)
        channels = (stdin, out, back_r, side_f)
        procs.append(Proc.spawn(path, argv, env, channels, "filter"))
        stdin = next_stdin
    if backend is None:
        if not filters:
            _copy_document(run.document, sink)
        # cupsd holds the backend's ends without a backend too: a filter's side-channel
        # request then times out (c2esp asks for bidi) instead of dying of SIGPIPE
        fds.hold(back_w, side_b)
        return procs
    o = run.options
    argv = backend_argv(run.device_uri or "", o.job_id, o.user, o.title, o.copies, o.encoded)
    if not filters:
        # cupsd hands an unfiltered document to the backend as argv[6]
        argv.append(str(run.document))
    channels = (to_backend, devnull, back_w, side_b)
    procs.append(Proc.spawn(backend, argv, env, channels, "backend"))
    return procs


def run_job(
    run: JobRun,
    plan: JobPlan,
    *,
    allow_insecure: bool = False,
    status: BinaryIO | None = None,
    stdout_fd: int = 1,
    base_env: Mapping[str, str] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Run *plan* for *run*; raise FilterFailedError or BackendError on failure."""
    filters, backend = resolve_chain(run, plan, allow_insecure=allow_insecure)
    env = job_environment(run, plan, base_env)
    limits = Limits.from_env(os.environ if base_env is None else base_env)
    with job_serverroot(run.dirs.serverroot, run.printer, run.ppd, env["TMPDIR"]) as root:
        if root is not None:  # cupsGetPPD(printer) in a filter finds the job's PPD
            env["CUPS_SERVERROOT"] = str(root)
        fds = _Fds()
        procs: list[Proc] = []
        try:
            procs = _spawn_all(run, filters, backend, env, stdout_fd, fds)
        except BaseException:
            fds.close()
            fds.release()
            supervise(procs, status, abort=True)
            raise
        fds.close()
        try:
            failed = supervise(procs, status, limits=limits, cancelled=cancelled)
        finally:
            fds.release()
    if failed is None:
        return
    if failed.kind == "backend" and failed.exit_code is not None:
        raise BackendError(
            f"backend {failed.name} exited with status {failed.exit_code}: "
            f"{describe_exit(failed.exit_code)}",
            failed.exit_code,
        )
    raise FilterFailedError(f"{failed.kind} {failed.name} {failed.describe()}")
