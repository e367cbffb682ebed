"""Plug logins: environment or a private file, refused when exposed, never logged."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import pytest

from printerapp.errors import ConfigError, PowerError
from printerapp.power.plugs.base import Credentials, PlugSpec, create_plug
from printerapp.power.plugs.credentials import credentials_from_env, read_credentials_file
from tests.support.plugsim.klap_sim import KlapSim

SECRET = "correct horse battery staple"  # noqa: S105 - a test login


def _file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "plugs.credentials"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_environment_like_the_seed() -> None:
    env = {"TAPO_EMAIL": "me@example.com", "TAPO_PASSWORD": SECRET}
    assert credentials_from_env(env) == Credentials("me@example.com", SECRET)
    assert credentials_from_env({}) is None
    with pytest.raises(ConfigError, match="TAPO_PASSWORD is not set"):
        credentials_from_env({"TAPO_EMAIL": "me@example.com"})


def test_private_file_with_a_table_per_plug(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        f'username = "all@example.com"\npassword = "{SECRET}"\n'
        '[desk]\nusername = "desk@example.com"\npassword = "other"\n',
    )
    assert read_credentials_file(path) == Credentials("all@example.com", SECRET)
    assert read_credentials_file(path, "desk") == Credentials("desk@example.com", "other")
    assert read_credentials_file(path, "lab") == Credentials("all@example.com", SECRET)
    assert SECRET not in repr(read_credentials_file(path))


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = _file(tmp_path, f'username = "u"\npassword = "{SECRET}"\n', mode)
    with pytest.raises(ConfigError, match=rf"mode 0{mode:o}; it must be 0600 \(run: chmod 600"):
        read_credentials_file(path)


def test_a_file_of_another_user_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file away needs root")
    path = _file(tmp_path, f'username = "u"\npassword = "{SECRET}"\n')
    os.chown(path, os.geteuid() + 4242, -1)
    with pytest.raises(ConfigError, match=r"owned by uid \d+, not by the user"):
        read_credentials_file(path)


def test_symlinks_and_missing_files_are_refused(tmp_path: Path) -> None:
    real = _file(tmp_path, 'username = "u"\npassword = "p"\n')
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(ConfigError, match="cannot open credentials file"):
        read_credentials_file(link)
    with pytest.raises(ConfigError, match="cannot open credentials file"):
        read_credentials_file(tmp_path / "absent")


def test_a_broken_file_does_not_quote_the_password(tmp_path: Path) -> None:
    path = _file(tmp_path, f'username = "u"\npassword = "{SECRET}\n')
    with pytest.raises(ConfigError, match="not valid UTF-8 TOML") as caught:
        read_credentials_file(path)
    assert SECRET not in str(caught.value)
    with pytest.raises(ConfigError, match=r"username: expected a non-empty string"):
        read_credentials_file(_file(tmp_path, f'password = "{SECRET}"\n'))


def test_the_password_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    """A whole Tapo session at DEBUG, a refused login included, logs no password."""
    caplog.set_level(logging.DEBUG)
    with KlapSim(username="me@example.com", password=SECRET) as sim:
        spec = PlugSpec("desk", "tapo", "127.0.0.1", sim.port, (("timeout", "2"),))

        async def session() -> str:
            good = create_plug(spec, Credentials("me@example.com", SECRET))
            await good.switch(True)
            assert await good.state()
            await good.close()
            bad = create_plug(spec, Credentials("me@example.com", SECRET + "!"))
            try:
                with pytest.raises(PowerError, match="login refused") as caught:
                    await bad.state()
            finally:
                await bad.close()
            return str(caught.value)

        message = asyncio.run(session())
    assert caplog.records, "DEBUG logging captured nothing"
    assert SECRET not in caplog.text
    assert SECRET not in message
