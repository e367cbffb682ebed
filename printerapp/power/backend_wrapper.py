"""``printerapp-backend``: a CUPS backend that switches the printer's plug on first.

Install it as ``/usr/lib/cups/backend/power`` and give a queue the device URI
``power:/<real device URI, percent-escaped>``, e.g.
``power:/socket%3A%2F%2F192.168.0.20%3A9100`` (:func:`wrap_uri` builds it).

* **Discovery** (no arguments): one ``power:`` line for every
  ``[power.printers.NAME]`` with a ``device_uri``, so ``lpinfo -v`` and the
  CUPS web interface offer them.
* **Job** (6 or 7 arguments): find the plug (``[cups_power.queues]`` by the
  queue name ``$PRINTER``, else ``[power.printers.$PRINTER]``, else the
  printer whose ``device_uri`` is the real URI), switch it on, wait until the
  printer is ready (:mod:`printerapp.power.readiness`), then ``exec`` the real
  backend with the real URI in argv[0] and ``DEVICE_URI``.  Standard input,
  output and error, the back channel (fd 3) and the side channel (fd 4) pass
  straight through, and the real backend's exit code is the job's.  A printer
  that is not ready in time exits with ``CUPS_BACKEND_RETRY``: cupsd keeps
  the job and retries it after ``JobRetryInterval``.

The configuration is ``$PRINTERAPP_CONFIG`` (``SetEnv`` in cups-files.conf), else
``/etc/printerapp/printerapp.toml``.

**Permissions, without sudo.**  cupsd runs a backend as root when its mode
has no group-write and no "other" bits (``0700``), else as its ``User``
(``lp``).  Install this wrapper ``0700 root:root`` so it can read a
mode-0600 plug credentials file and can start any real backend; before the
``exec`` it applies cupsd's own rule (``!(mode & (S_IWGRP|S_IRWXO))``) to
the *real* backend: one cupsd would run as root keeps root, any other is
started as ``lp`` (:data:`BACKEND_USER`) with ``lp``'s groups, just as cupsd
would have started it.  So the wrapper grants no privilege cupsd
does not already grant.  A real backend that runs as ``lp`` needs the usual
device permissions, not sudo: USB printers are ``/dev/usb/lp*`` (group
``lp``) and, for libusb, ``/dev/bus/usb/*`` nodes of printer-class
interfaces, which a udev rule gives to group ``lp``::

    # /etc/udev/rules.d/70-printerapp-usb.rules
    SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ENV{ID_USB_INTERFACES}=="*:0701*", \\
        GROUP="lp", MODE="0660"

Installed ``0755`` instead, the wrapper itself runs as ``lp``: then the
credentials file must be readable by ``lp`` (``0600 lp:lp``) and root-only
real backends cannot be wrapped.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote, unquote

from printerapp.config import SYSTEM_CONFIG, Config, load_config
from printerapp.cups import BackendStatus, CupsDirs, sanitize_uri, uri_scheme
from printerapp.errors import ConfigError, PrinterAppError

__all__ = ["BACKEND_USER", "SCHEME", "discovery_lines", "main", "unwrap_uri", "wrap_uri"]

SCHEME = "power"
#: the account cupsd runs unprivileged backends as (its ``User``)
BACKEND_USER = "lp"


def wrap_uri(real: str) -> str:
    """Return the ``power:`` URI wrapping device URI *real*."""
    return f"{SCHEME}:/{quote(real, safe='')}"


def unwrap_uri(uri: str) -> str:
    """Return the real device URI inside a ``power:`` URI; raise ConfigError if malformed."""
    prefix = f"{SCHEME}:/"
    if not uri.startswith(prefix):
        raise ConfigError(f"{sanitize_uri(uri)!r} is not a {SCHEME}:/ URI")
    real = unquote(uri[len(prefix) :])
    if uri_scheme(real) == SCHEME:
        raise ConfigError("a power: URI cannot wrap another power: URI")
    return real


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def discovery_lines(config: Config) -> list[str]:
    """Return the discovery lines of the wrapped devices configured in *config*."""
    from printerapp.power.settings import power_settings

    lines = []
    for name, printer in sorted(power_settings(config).printers.items()):
        real = printer.device_uri
        if not real:
            continue
        cls = "direct" if real.startswith(("usb:", "parallel:", "serial:")) else "network"
        info = _quote(f"{name} (power: plug {printer.plug})")
        lines.append(f'{cls} {wrap_uri(real)} "Unknown" {info} "" ""')
    return lines


def find_plug(config: Config, queue: str, real_uri: str) -> str:
    """Return the plug of queue *queue* printing to *real_uri*, or "" when it has none."""
    from printerapp.power.settings import cups_power_settings, power_settings

    if plug := cups_power_settings(config).queues.get(queue):
        return plug
    printers = power_settings(config).printers
    if queue in printers:
        return printers[queue].plug
    return next((p.plug for p in printers.values() if p.device_uri == real_uri), "")


def _say(line: str) -> None:
    sys.stderr.write(line.replace("\n", " ") + "\n")
    sys.stderr.flush()


def _power_on(config: Config, queue: str, real: str, job_id: str, env: Mapping[str, str]) -> int:
    """Switch the plug on and wait; return 0 when ready, else a backend exit status."""
    from printerapp.power.hook import make_power_on, power_on

    plug = find_plug(config, queue, real)
    if not plug:
        _say(f"DEBUG: no plug for queue {queue}; starting the backend at once")
        return 0
    power, report = make_power_on(config, plug, queue, real, _say, env)
    report("job-start", job_id, None)
    try:
        power_on(power)
    except PrinterAppError as exc:
        _say(f"ERROR: {exc}")
        return int(getattr(exc, "exit_code", BackendStatus.RETRY))
    return 0


def runs_as_root(mode: int) -> bool:
    """Return True when cupsd would run a backend of file mode *mode* as root."""
    return not mode & (stat.S_IWGRP | stat.S_IRWXO)


def _drop_like_cupsd(backend: Path) -> None:
    """As root, become BACKEND_USER unless cupsd would run *backend* as root."""
    if os.geteuid() != 0 or runs_as_root(backend.stat().st_mode):
        return
    import pwd

    user = pwd.getpwnam(BACKEND_USER)
    os.initgroups(user.pw_name, user.pw_gid)
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)


def _exec_real(real: str, argv: Sequence[str], env: Mapping[str, str]) -> int:
    dirs = CupsDirs.from_env(env)
    backend = dirs.backend_dir / uri_scheme(real)
    if not os.access(backend, os.X_OK):
        _say(f"ERROR: no backend for {sanitize_uri(real)} ({backend})")
        return BackendStatus.FAILED
    child_env = dict(env)
    child_env["DEVICE_URI"] = real
    _drop_like_cupsd(backend)
    os.execve(backend, [sanitize_uri(real), *argv[1:]], child_env)  # noqa: S606 - argv, no shell
    return BackendStatus.FAILED  # not reached: execve replaced us


def _config(env: Mapping[str, str]) -> Config:
    explicit = env.get("PRINTERAPP_CONFIG")
    return load_config(Path(explicit) if explicit else SYSTEM_CONFIG)


def run_job(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Job mode: power on, wait, exec the real backend."""
    try:
        real = unwrap_uri(env.get("DEVICE_URI") or argv[0])
        config = _config(env)
        status = _power_on(config, env.get("PRINTER", ""), real, argv[1], env)
    except ConfigError as exc:
        _say(f"ERROR: {exc}")
        return BackendStatus.STOP
    if status:
        return status
    return _exec_real(real, argv, env)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``printerapp-backend`` (argv[0] is the device URI, as CUPS passes it)."""
    args = list(sys.argv if argv is None else argv)
    if len(args) == 1:
        try:
            lines = discovery_lines(_config(os.environ))
        except ConfigError as exc:
            _say(f"ERROR: {exc}")
            return BackendStatus.FAILED
        for line in lines:
            print(line, flush=True)
        return BackendStatus.OK
    if len(args) not in (6, 7):
        _say(f"Usage: {SCHEME} job-id user title copies options [file]")
        return BackendStatus.FAILED
    return run_job(args, os.environ)
