"""A job's own CUPS_SERVERROOT, where libcups finds the queue's PPD as under cupsd.

Some filters do not read ``$PPD`` but ask libcups for the printer's PPD with
``cupsGetPPD(argv[0])``: Epson's ``epson-escpr-wrapper`` is one.  On a cupsd
host libcups finds it as ``CUPS_SERVERROOT/ppd/<printer>.ppd``; here there is
no such queue, so the filter would fail ("PPD file not found").  Each job
therefore gets a private server root: ``ppd/<printer>.ppd`` links to the
job's PPD, and every other entry of the real server root (``client.conf``,
``snmp.conf``...) is linked as it is, so nothing else changes for filters
and backends.  It is removed when the job ends.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["job_serverroot"]

log = logging.getLogger(__name__)


def _link_entries(real: Path, root: Path) -> None:
    try:
        entries = sorted(os.scandir(real), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name != "ppd":
            (root / entry.name).symlink_to(entry.path)


@contextlib.contextmanager
def job_serverroot(
    real: Path, printer: str, ppd: Path | None, tmpdir: str
) -> Iterator[Path | None]:
    """Yield a private server root holding ``ppd/<printer>.ppd``; None without a PPD.

    *printer* is the job's queue name (argv[0] of every filter), already a safe
    file name; one that is not (``/``, a leading dot) gets no private root.
    """
    if ppd is None or not printer or "/" in printer or printer.startswith("."):
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="printerapp-root-", dir=tmpdir))
    try:
        _link_entries(real, root)
        (root / "ppd").mkdir()
        (root / "ppd" / f"{printer}.ppd").symlink_to(ppd.resolve())
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)
