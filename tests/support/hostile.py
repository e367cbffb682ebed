"""Hostile documents: small files that would keep a print queue busy, big or empty ones.

Each writer makes its file under a given folder and returns its path and
document format.  They are built here, not shipped: a PDF is a few objects
and an xref table, so it is simplest to write one by hand.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from printerapp.web.identify import pdf_file

__all__ = ["DOCUMENTS", "bomb_pdf", "empty_file", "endless_ps", "huge_file", "nested_pdf"]

#: each form of the bomb draws the next this many times, this deep (10**12 fills)
BOMB_FANOUT = 10
BOMB_DEPTH = 12
#: how deep the nested PDF's arrays go, and how many forms draw each other in a chain
NESTED_ARRAYS = 100_000
NESTED_FORMS = 5_000
HUGE_BYTES = 200 * 1024 * 1024


def _stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def _page_pdf(page_extra: bytes, content: bytes, more: list[bytes]) -> bytes:
    """A one-page A4 PDF: catalog 1, pages 2, page 3, contents 4, then *more* from 5."""
    return pdf_file(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            + page_extra
            + b" >>",
            _stream(content),
            *more,
        ]
    )


def _form(draws_next: int | None, fanout: int) -> bytes:
    if draws_next is None:
        return _stream(b"0 0 1 1 re f", b"/Type /XObject /Subtype /Form /BBox [0 0 595 842]")
    body = b" ".join([b"q /F Do Q"] * fanout)
    resources = b"/Resources << /XObject << /F %d 0 R >> >>" % draws_next
    return _stream(body, b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] " + resources)


def _forms_chain(depth: int, fanout: int) -> list[bytes]:
    """Forms numbered from 5: each draws the next *fanout* times; the last fills a square."""
    return [_form(5 + i + 1 if i < depth - 1 else None, fanout) for i in range(depth)]


def endless_ps(folder: Path) -> tuple[Path, str]:
    """The 24 bytes of the issue: Ghostscript loops forever."""
    path = folder / "loop.ps"
    path.write_bytes(b"%!PS-Adobe-3.0\n{ } loop\n")
    return path, "application/postscript"


def bomb_pdf(folder: Path) -> tuple[Path, str]:
    """A PDF of about 1 KB whose page draws a form that draws ten forms... 10**12 fills."""
    path = folder / "bomb.pdf"
    resources = b"/Resources << /XObject << /F 5 0 R >> >>"
    path.write_bytes(_page_pdf(resources, b"q /F Do Q", _forms_chain(BOMB_DEPTH, BOMB_FANOUT)))
    return path, "application/pdf"


def nested_pdf(folder: Path) -> tuple[Path, str]:
    """A PDF with arrays nested 100,000 deep and a chain of 5,000 forms, each in the next."""
    path = folder / "nested.pdf"
    deep = b"[" * NESTED_ARRAYS + b"]" * NESTED_ARRAYS
    resources = b"/Resources << /XObject << /F 5 0 R >> >> /Deep " + deep
    path.write_bytes(_page_pdf(resources, b"q /F Do Q", _forms_chain(NESTED_FORMS, 1)))
    return path, "application/pdf"


def huge_file(folder: Path) -> tuple[Path, str]:
    """200 MB of PostScript: a header, then NUL bytes (white space), made sparse at once."""
    path = folder / "huge.ps"
    with path.open("wb") as out:
        out.write(b"%!PS-Adobe-3.0\n")
        out.truncate(HUGE_BYTES)
        out.seek(HUGE_BYTES - 1)
        out.write(b"\n")
    return path, "application/postscript"


def empty_file(folder: Path) -> tuple[Path, str]:
    """0 bytes, as a PDF."""
    path = folder / "empty.pdf"
    path.write_bytes(b"")
    os.sync()
    return path, "application/pdf"


#: name -> writer, in the order the bench and the tests run them
DOCUMENTS: dict[str, Callable[[Path], tuple[Path, str]]] = {
    "{ } loop PostScript": endless_ps,
    "PDF bomb (10^12 nested form fills)": bomb_pdf,
    "deeply nested PDF": nested_pdf,
    "200 MB file": huge_file,
    "0-byte file": empty_file,
}
