"""The sample documents the PWG self-certification suites print, made with ghostscript.

``ipp-everywhere.test`` prints ``color.jpg``, ``gray.jpg``, ``document-a4.pdf``,
``document-letter.pdf`` (and ``.ps``), and for every resolution and raster type
a printer advertises, ``pwg-raster-samples-<R>dpi/<type>/<name>-<type>-<R>dpi.pwg``.
The PWG publishes those files separately and Debian does not ship them, so the
suites skip every raster print test.  This module writes an equivalent set:
each raster sample is the same page rendered by ghostscript's ``pwgraster``
device in the colour space and depth the type names, so a queue meets real
PWG raster streams of the size and resolution the suite intends.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

__all__ = ["RASTER_TYPES", "SUITE_DIR", "write_samples"]

SUITE_DIR = Path("/usr/share/cups/ipptool")

#: PWG raster type -> (cupsColorSpace, cupsBitsPerColor), as PWG 5102.4 defines them
RASTER_TYPES: dict[str, tuple[int, int]] = {
    "black_1": (3, 1),
    "sgray_8": (18, 8),
    "srgb_8": (19, 8),
    "srgb_16": (19, 16),
    "cmyk_8": (6, 8),
}

#: page sizes in points
_A4 = (595, 842)
_LETTER = (612, 792)
_PHOTO = (288, 432)  # 4 x 6 in

# A page with text, rules and colour fills: enough for a driver to do real work.
_PAGE = """
/page {{ % n
  /n exch def
  0.9 0.95 1 setrgbcolor 0 0 {w} {h} rectfill
  0 0.4 0.8 setrgbcolor 36 {h} 150 sub {w} 72 sub 100 rectfill
  1 0.3 0 setrgbcolor {w} 2 div {h} 2 div 80 0 360 arc fill
  0 setgray /Helvetica findfont 24 scalefont setfont
  54 {h} 90 sub moveto ({title} page ) show n 3 string cvs show
  /Helvetica findfont 10 scalefont setfont
  0 1 30 {{ /i exch def 54 {h} 200 sub i 14 mul sub moveto
    (The quick brown fox jumps over the lazy dog. 0123456789) show }} for
  showpage
}} def
"""


def _postscript(size: tuple[int, int], title: str, pages: int) -> str:
    w, h = size
    body = _PAGE.format(w=w, h=h, title=title)
    shows = "".join(f"{n} page\n" for n in range(1, pages + 1))
    setup = f"<< /PageSize [{w} {h}] >> setpagedevice\n"
    return f"%!PS-Adobe-3.0\n%%Pages: {pages}\n{setup}{body}{shows}%%EOF\n"


def _gs(args: list[str], output: Path, source: Path) -> None:
    argv = ["gs", "-q", "-dBATCH", "-dNOPAUSE", "-dSAFER", *args]
    subprocess.run(
        [*argv, f"-sOutputFile={output}", str(source)], check=True, timeout=120, capture_output=True
    )


def _sources(work: Path) -> dict[str, Path]:
    """Write the PostScript sources; return name -> path (names as the suites use them)."""
    specs = {
        "document-a4": (_A4, "document-a4", 2),
        "document-letter": (_LETTER, "document-letter", 2),
        "onepage-a4": (_A4, "onepage-a4", 1),
        "onepage-letter": (_LETTER, "onepage-letter", 1),
        "color.jpg-4x6": (_PHOTO, "color photo", 1),
        "gray.jpg-4x6": (_PHOTO, "gray photo", 1),
    }
    paths = {}
    for name, (size, title, pages) in specs.items():
        path = work / f"{name}.src.ps"
        path.write_text(_postscript(size, title, pages))
        paths[name] = path
    return paths


def _documents(out: Path, sources: dict[str, Path]) -> None:
    for name in ("document-a4", "document-letter"):
        shutil.copyfile(sources[name], out / f"{name}.ps")
        _gs(["-sDEVICE=pdfwrite"], out / f"{name}.pdf", sources[name])
    _gs(["-sDEVICE=jpeg", "-r150"], out / "color.jpg", sources["color.jpg-4x6"])
    _gs(["-sDEVICE=jpeggray", "-r150"], out / "gray.jpg", sources["gray.jpg-4x6"])


def _raster(out: Path, sources: dict[str, Path], dpi: int, kind: str) -> None:
    space, bits = RASTER_TYPES[kind]
    folder = out / f"pwg-raster-samples-{dpi}dpi" / kind.replace("_", "-")
    folder.mkdir(parents=True, exist_ok=True)
    device = ["-sDEVICE=pwgraster", f"-r{dpi}", f"-dcupsColorSpace={space}"]
    device.append(f"-dcupsBitsPerColor={bits}")
    for name, source in sources.items():
        target = folder / f"{name}-{kind.replace('_', '-')}-{dpi}dpi.pwg"
        _gs(device, target, source)


def _placeholders(out: Path) -> None:
    """Give every raster sample the suite names a file, if it has none yet.

    ipptool opens each test's ``FILE`` while it reads the suite, before it
    decides to skip the test, and stops at the first it cannot read.  The
    tests for a resolution or type the printer does not advertise are then
    skipped by ``SKIP-IF-NOT-DEFINED`` and never send these files.
    """
    text = (SUITE_DIR / "ipp-everywhere.test").read_text()
    for name in set(re.findall(r"^\s*FILE\s+(pwg-raster-samples-\S+\.pwg)\s*$", text, re.M)):
        path = out / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"RaS2")


def write_samples(out: Path, resolutions: Iterable[int], kinds: Iterable[str]) -> None:
    """Write the suites' documents, and raster samples for *resolutions* x *kinds*, to *out*.

    The suite files are copied in too: ipptool finds a test's ``FILE`` next to it.
    """
    out.mkdir(parents=True, exist_ok=True)
    sources = _sources(out)
    _documents(out, sources)
    for dpi in resolutions:
        for kind in kinds:
            _raster(out, sources, dpi, kind)
    _placeholders(out)
    for suite in ("ipp-everywhere.test", "ipp-1.1.test", "ipp-2.0.test"):
        shutil.copyfile(SUITE_DIR / suite, out / suite)
