"""The ``command`` plug driver: three argv lists run without a shell.

Configured as::

    [power.plugs.desk]
    type = "command"
    on = ["/usr/local/bin/relay", "1", "on"]
    off = ["/usr/local/bin/relay", "1", "off"]
    state = ["/usr/local/bin/relay", "1", "status"]

The ``state`` program prints ``on`` or ``off`` (also ``1``/``0``, ``true``/
``false``, ``yes``/``no``) as the first word of its output.  A program that
times out or exits non-zero counts as an unreachable plug, so the one retry
policy applies to it like to any network plug; a program that cannot be
started at all is a configuration error and is not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from printerapp.errors import ConfigError, PlugUnreachableError, PowerError
from printerapp.power.plugs.base import Credentials, Plug, PlugFeature, PlugSpec

__all__ = ["COMMAND_TIMEOUT_S", "CommandPlug", "parse_state"]

logger = logging.getLogger(__name__)

#: how long one on/off/state program may run (option ``timeout`` overrides it)
COMMAND_TIMEOUT_S = 10.0
#: the longest output kept from a program, for the state word and error messages
MAX_OUTPUT = 4096

_ON_WORDS = frozenset({"on", "1", "true", "yes"})
_OFF_WORDS = frozenset({"off", "0", "false", "no"})


def parse_state(output: str) -> bool:
    """Return the relay state named by the first word of *output*."""
    words = output.split(maxsplit=1)
    word = words[0].lower() if words else ""
    if word in _ON_WORDS:
        return True
    if word in _OFF_WORDS:
        return False
    raise PowerError(f"state command printed {output[:80]!r}, expected 'on' or 'off'")


class CommandPlug(Plug):
    """A plug switched by local programs (a relay board, a USB hub port, a script)."""

    features = PlugFeature.NONE

    def __init__(self, spec: PlugSpec, credentials: Credentials | None = None) -> None:
        super().__init__(spec, credentials)
        if len(spec.commands) != 3 or not all(spec.commands):
            raise ConfigError(f"plug {spec.name!r}: the command driver needs on, off and state")
        self._on, self._off, self._state = (tuple(c) for c in spec.commands)
        try:
            self.timeout = float(spec.option("timeout", str(COMMAND_TIMEOUT_S)))
        except ValueError:
            raise ConfigError(f"plug {spec.name!r}: timeout is not a number") from None

    async def _run(self, argv: Sequence[str]) -> str:
        """Run *argv*; return its output or raise a power error naming the program."""
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise PowerError(f"plug {self.spec}: cannot run {argv[0]}: {exc.strerror}") from exc
        try:
            out, err = await asyncio.wait_for(proc.communicate(), self.timeout)
        except TimeoutError:
            raise PlugUnreachableError(
                f"plug {self.spec}: {argv[0]} did not finish within {self.timeout:g} s"
            ) from None
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        if proc.returncode != 0:
            why = err[-MAX_OUTPUT:].decode("utf-8", "replace").strip().splitlines()
            raise PlugUnreachableError(
                f"plug {self.spec}: {argv[0]} exited with status {proc.returncode}"
                + (f": {why[-1]}" if why else "")
            )
        return out[:MAX_OUTPUT].decode("utf-8", "replace")

    async def state(self) -> bool:
        """Run the state program and read on/off from its output."""
        return parse_state(await self._run(self._state))

    async def switch(self, on: bool) -> None:
        """Run the on or the off program."""
        logger.debug("plug %s: switching %s", self.spec.name, "on" if on else "off")
        await self._run(self._on if on else self._off)
