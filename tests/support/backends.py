# ruff: noqa: E501  (backend scripts are kept as the one-line output they print)
"""Scripted CUPS backends for tests, as CUPS's own test suite uses."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REALISTIC = r"""#!/bin/sh
echo 'direct usb://HP/LaserJet%202100?serial=00XY123 "HP LaserJet 2100" "HP LaserJet 2100 USB 00XY123" "MFG:Hewlett-Packard;MDL:HP LaserJet 2100;CMD:PJL,PCL;SN:00XY123;" ""'
echo 'network socket://192.168.7.20 "Brother HL-2270DW" "Brother HL-2270DW" "MFG:Brother;MDL:HL-2270DW series;CMD:PJL,PCL;" "2nd floor"'
echo 'network beh "Unknown" "Backend Error Handler"'
echo 'direct usb://Unknown/Printer "Unknown" "USB Printer"'
"""

HOSTILE = r"""#!/bin/sh
printf '%s\n' 'direct usb://Evil/$(touch${IFS}/tmp/printerapp-pwned) "$(touch /tmp/printerapp-pwned); `id` | rm -rf /" "info; reboot" "MFG:Evil;MDL:../../etc/passwd;" "../../../etc"'
printf 'direct usb://Ctl/X "Ctl\033[31mRed\007\001" "tab\there" "MFG:C;MDL:X\001;"\n'
printf 'direct usb://Bad/UTF8 "Bad \377\376 UTF-8 \300\257" "i"\n'
printf 'direct usb://Long/%s "%s" "long info" "MFG:L;MDL:%s;"\n' "$(head -c 900 /dev/zero | tr '\0' u)" "$(head -c 10240 /dev/zero | tr '\0' M)" "$(head -c 4000 /dev/zero | tr '\0' D)"
printf 'this is not a discovery line\n'
printf 'direct usb://Unterminated/X "oops\n'
printf 'direct usb://After/Garbage "After Garbage" "still read"\n'
"""

HANG = r"""#!/bin/sh
echo 'network socket://10.9.9.9 "Slow Printer" "Slow"'
sleep 60 &
echo $! > "$(dirname "$0")/grandchild.pid"
exec sleep 60
"""

HUGE = r"""#!/bin/sh
# A 100 kB line with no newline in sight, then 3000 devices: > 64 KiB of output.
head -c 100000 /dev/zero | tr '\0' Z
printf '\n'
seq 1 3000 | sed 's|.*|direct usb://Big/Printer?serial=&  "Big Printer" "Big Printer &"|'
"""

WHOAMI = r"""#!/bin/sh
echo "network whoami://$(id -u) \"Who Am I\" \"uid $(id -u)\""
"""

SIMPLE = r"""#!/bin/sh
echo 'network {name}://host "{name} printer" "{name}"'
"""


@contextmanager
def backend_dir(scripts: dict[str, tuple[str, int]]) -> Iterator[Path]:
    """Create a backend directory lp can reach, with *scripts* as name -> (text, mode)."""
    # Under /tmp with 0755: backends that CUPS would run as lp must be reachable by lp.
    root = Path(tempfile.mkdtemp(prefix="printerapp-backends-", dir="/tmp"))
    try:
        root.chmod(0o755)
        for name, (text, mode) in scripts.items():
            path = root / name
            path.write_text(text)
            path.chmod(mode)
        yield root
    finally:
        for path in root.iterdir():
            path.unlink()
        root.rmdir()


def pid_alive(pid: int) -> bool:
    """True when *pid* runs and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
