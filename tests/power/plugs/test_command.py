"""The command plug driver, running real programs without a shell."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from printerapp.errors import ConfigError, PlugUnreachableError, PowerError
from printerapp.power.plugs.base import PlugSpec, create_plug
from printerapp.power.plugs.command import CommandPlug, parse_state
from tests.support.powered import file_plug_spec

PY = sys.executable


def _spec(on: list[str], off: list[str], state: list[str], **options: str) -> PlugSpec:
    return PlugSpec(
        name="relay",
        type="command",
        options=tuple(options.items()),
        commands=(tuple(on), tuple(off), tuple(state)),
    )


@pytest.mark.parametrize(
    ("output", "expected"),
    [("on\n", True), ("OFF", False), ("1 relay closed", True), ("0", False), ("yes", True)],
)
def test_state_words(output: str, expected: bool) -> None:
    assert parse_state(output) is expected


@pytest.mark.parametrize("output", ["", "maybe", "onn"])
def test_state_garbage_is_a_power_error(output: str) -> None:
    with pytest.raises(PowerError, match="expected 'on' or 'off'"):
        parse_state(output)


def test_switch_and_read_back(tmp_path: Path) -> None:
    plug = create_plug(file_plug_spec(tmp_path / "relay"))
    assert isinstance(plug, CommandPlug)

    async def go() -> list[bool]:
        seen = [await plug.state()]
        await plug.switch(True)
        seen.append(await plug.state())
        await plug.switch(False)
        seen.append(await plug.state())
        return seen

    assert asyncio.run(go()) == [False, True, False]


def test_failing_program_is_unreachable() -> None:
    fail = [PY, "-c", "import sys; sys.stderr.write('bus error\\n'); sys.exit(3)"]
    plug = CommandPlug(_spec(fail, fail, fail))
    with pytest.raises(PlugUnreachableError, match="status 3: bus error"):
        asyncio.run(plug.switch(True))


def test_hanging_program_is_killed_and_unreachable() -> None:
    hang = [PY, "-c", "import time; time.sleep(30)"]
    plug = CommandPlug(_spec(hang, hang, hang, timeout="0.3"))
    with pytest.raises(PlugUnreachableError, match=r"within 0\.3 s"):
        asyncio.run(plug.state())


def test_missing_program_is_final(tmp_path: Path) -> None:
    gone = [str(tmp_path / "no-such-relay")]
    plug = CommandPlug(_spec(gone, gone, gone))
    with pytest.raises(PowerError) as info:
        asyncio.run(plug.switch(False))
    assert not isinstance(info.value, PlugUnreachableError)


def test_commands_are_required() -> None:
    with pytest.raises(ConfigError, match="needs on, off and state"):
        CommandPlug(PlugSpec(name="x", type="command"))


def test_arguments_reach_the_program_verbatim(tmp_path: Path) -> None:
    out = tmp_path / "argv"
    tricky = "a b; rm -rf / $(x) `y`"
    record = [PY, "-c", "import sys; open(sys.argv[1], 'w').write(sys.argv[2])", str(out), tricky]
    plug = CommandPlug(_spec(record, record, [PY, "-c", "print('on')"]))
    asyncio.run(plug.switch(True))
    assert out.read_text() == tricky
