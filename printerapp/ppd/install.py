"""Get a PPD's text and install it under the state directory.

A PPD file is read (and un-gzipped); a driver program's PPD is produced by
``PROGRAM cat URI``, and a ``.drv`` file's by ``ppdc``, each run directly
with a timeout.  The copy is written to a temporary file in the target
directory, then renamed, so a reader never sees half a PPD.  Its file name
comes from untrusted data (model names), so it is sanitised: only
``[A-Za-z0-9._-]``, no leading dot, bounded length.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from printerapp.errors import PPDError
from printerapp.ppd import programs
from printerapp.ppd.drvfiles import compile_drv, split_drv_name
from printerapp.ppd.ppdfile import read_ppd_bytes
from printerapp.ppd.records import DriverRecord

__all__ = ["MAX_NAME", "install_ppd", "ppd_bytes", "sanitize_name", "write_atomic"]

#: longest file name stem we write (well under NAME_MAX with the suffix)
MAX_NAME = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def sanitize_name(name: str) -> str:
    """Return *name* as a safe file-name stem: ``[A-Za-z0-9._-]``, no leading dot."""
    stem = _UNSAFE.sub("_", name).lstrip("._")[:MAX_NAME].rstrip("_")
    return stem if stem and stem not in {".", ".."} else "printer"


def ppd_bytes(record: DriverRecord, timeout: float = programs.CAT_TIMEOUT) -> bytes:
    """Return the PPD of *record*: the file's bytes, or what its program or ppdc makes."""
    if record.kind == "file":
        return read_ppd_bytes(Path(record.path))
    if record.kind == "drv":
        _drv, ppd_file = split_drv_name(record.name)
        data = compile_drv(Path(record.path), timeout).get(ppd_file)
        if data is None:
            raise PPDError(f"{record.path}: ppdc no longer writes {ppd_file}")
        return data
    data = programs.run_program(programs.cat_argv(Path(record.path), record.name), timeout)
    if not data.lstrip().startswith(b"*PPD-Adobe:"):
        raise PPDError(f"{record.path} cat {record.name}: output is not a PPD")
    return data


def write_atomic(target: Path, data: bytes) -> None:
    """Write *data* to *target* through a temporary file in the same directory and a rename."""
    target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".ppd")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def install_ppd(
    record: DriverRecord, state_dir: Path, name: str, timeout: float = programs.CAT_TIMEOUT
) -> Path:
    """Write *record*'s PPD atomically to ``<state>/ppd/<sanitised name>.ppd``; return the path."""
    target = state_dir / "ppd" / f"{sanitize_name(name)}.ppd"
    write_atomic(target, ppd_bytes(record, timeout))
    return target
