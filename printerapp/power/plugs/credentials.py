"""Plug logins: from the environment or from a private credentials file, never logged.

Two sources, as in the seed and no others (the configuration file never holds
a password in plain text):

* the environment: ``TAPO_EMAIL`` and ``TAPO_PASSWORD``;
* a TOML credentials file named by a plug's ``credentials_file`` key.  It must
  be a regular file owned by the user running printerapp and readable by that
  user only (mode 0600 or stricter); anything else is refused with an error
  saying how to fix it, because a world-readable password is already leaked::

      username = "me@example.com"
      password = "secret"

      [office]            # optional: a login for plug "office" only
      username = "..."
      password = "..."

Passwords stay inside :class:`~printerapp.power.plugs.base.Credentials`, whose repr
hides them; no message of this module contains one.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path

from printerapp.errors import ConfigError
from printerapp.power.plugs.base import Credentials

__all__ = [
    "ENV_PASSWORD",
    "ENV_USERNAME",
    "credentials_from_env",
    "read_credentials_file",
]

ENV_USERNAME = "TAPO_EMAIL"
ENV_PASSWORD = "TAPO_PASSWORD"  # noqa: S105 - the variable's name, not a password
#: a credentials file larger than this is not a credentials file
MAX_FILE_BYTES = 64 * 1024


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials | None:
    """Return the login in TAPO_EMAIL/TAPO_PASSWORD, or None when either is unset."""
    env = os.environ if env is None else env
    username, password = env.get(ENV_USERNAME, ""), env.get(ENV_PASSWORD, "")
    if not username and not password:
        return None
    if not username or not password:
        missing = ENV_USERNAME if not username else ENV_PASSWORD
        raise ConfigError(f"{missing} is not set (both {ENV_USERNAME} and {ENV_PASSWORD} are)")
    return Credentials(username, password)


def _read_private(path: Path) -> bytes:
    """Read *path* after checking, on the open file itself, its type, owner and mode."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot open credentials file: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path}: credentials file is not a regular file")
        if info.st_uid != os.geteuid():
            raise ConfigError(
                f"{path}: credentials file is owned by uid {info.st_uid}, not by the user "
                f"running printerapp (uid {os.geteuid()}): chown it"
            )
        if info.st_mode & 0o077:
            raise ConfigError(
                f"{path}: credentials file has mode {stat.S_IMODE(info.st_mode):04o}; "
                f"it must be 0600 (run: chmod 600 {path})"
            )
        return handle.read(MAX_FILE_BYTES + 1)


def _login(table: Mapping[str, object], where: str) -> Credentials:
    username, password = table.get("username"), table.get("password")
    if not isinstance(username, str) or not username:
        raise ConfigError(f"{where}.username: expected a non-empty string")
    if not isinstance(password, str):
        raise ConfigError(f"{where}.password: expected a string")
    return Credentials(username, password)


def read_credentials_file(path: Path, plug: str = "") -> Credentials:
    """Return the login for *plug* (its own table, else the file's top level) from *path*."""
    data = _read_private(path)
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: credentials file is larger than {MAX_FILE_BYTES} bytes")
    try:
        values = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        # The parser's message may quote the file's text, i.e. the password.
        raise ConfigError(f"{path}: credentials file is not valid UTF-8 TOML") from None
    own = values.get(plug) if plug else None
    if isinstance(own, dict):
        return _login(own, f"{path}: {plug}")
    return _login(values, str(path))
