"""Small synthetic CUPS directories for MIME database and chain tests."""

from __future__ import annotations

import os
from pathlib import Path

from printerapp.cups import CupsDirs

TYPES = """\
application/pdf pdf
application/postscript ps
application/vnd.cups-raw
application/octet-stream
application/vnd.cups-postscript
application/vnd.cups-command
image/png png
image/jpeg jpg
image/x-photo-cd pcd
text/plain txt
"""


def make_dirs(
    root: Path, convs: str, *, programs: tuple[str, ...] = (), types: str = TYPES
) -> CupsDirs:
    """Create serverbin/datadir/serverroot under *root* with real executable filters."""
    dirs = CupsDirs(root / "lib", root / "share", root / "etc")
    (dirs.datadir / "mime").mkdir(parents=True)
    dirs.serverroot.mkdir(parents=True)
    dirs.filter_dir.mkdir(parents=True)
    (dirs.datadir / "mime" / "test.types").write_text(types)
    (dirs.datadir / "mime" / "test.convs").write_text(convs)
    for name in programs:
        add_program(dirs, name)
    return dirs


def add_program(dirs: CupsDirs, name: str) -> Path:
    """Write an executable filter script called *name*."""
    path = dirs.filter_dir / name
    path.write_text("#!/bin/sh\nexec cat\n")
    path.chmod(0o755)
    # a later install: move the directory's mtime on even within one clock tick
    info = dirs.filter_dir.stat()
    os.utime(dirs.filter_dir, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    return path


def write_ppd(path: Path, *lines: str) -> Path:
    """Write a minimal PPD with the given extra main-keyword lines."""
    path.write_text('*PPD-Adobe: "4.3"\n*NickName: "Test"\n' + "".join(f"{ln}\n" for ln in lines))
    return path
