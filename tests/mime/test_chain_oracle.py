"""The oracle matrix: our chain equals ``cupsfilter --list-filters -e -p PPD -m printer/foo``.

Every matrix PPD (plus one without filter lines) times six real documents,
each once with its declared type (``cupsfilter -i TYPE``) and once sent as
``application/octet-stream`` (auto-typed; cupsfilter without ``-i``).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from printerapp.cups import CupsDirs
from printerapp.errors import NoChainError
from printerapp.ippprint.plan import plan_job
from tests.support.ppds import PPD_SOURCES, strip_filter_lines

CUPSFILTER = shutil.which("cupsfilter") or "/usr/sbin/cupsfilter"
PDFTOPS = shutil.which("pdftops") or "/usr/bin/pdftops"
TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")
GS = [
    shutil.which("gs") or "/usr/bin/gs",
    "-q",
    "-dNOPAUSE",
    "-dBATCH",
    "-dSAFER",
    "-r50",
    "-dFirstPage=1",
    "-dLastPage=1",
]
#: input name -> declared MIME type
INPUTS = {
    "pdf": "application/pdf",
    "ps": "application/postscript",
    "jpg": "image/jpeg",
    "png": "image/png",
    "txt": "text/plain",
    "pwg": "image/pwg-raster",
}
NO_FILTERS = "no-filter-lines"
PPDS = [*PPD_SOURCES, NO_FILTERS]


@pytest.fixture(scope="session")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The six inputs, made from the CUPS test page with ghostscript and pdftops."""
    out = tmp_path_factory.mktemp("docs")
    docs = {name: out / f"doc.{name}" for name in INPUTS}
    docs["pdf"].write_bytes(TESTPAGE.read_bytes())
    subprocess.run([PDFTOPS, "-l", "1", str(TESTPAGE), str(docs["ps"])], check=True, timeout=60)
    for name, device in (("jpg", "jpeg"), ("png", "png16m"), ("pwg", "pwgraster")):
        argv = [*GS, f"-sDEVICE={device}", f"-sOutputFile={docs[name]}", str(TESTPAGE)]
        subprocess.run(argv, check=True, timeout=60)
    docs["txt"].write_text("Hello, printer.\nSecond line.\n")
    return docs


@pytest.fixture(scope="session")
def matrix_ppd(get_ppd: Callable[[str], Path], ppd_dir: Path) -> Callable[[str], Path]:
    """Return a matrix PPD by name, including the one stripped of its filter lines."""

    def get(name: str) -> Path:
        if name == NO_FILTERS:
            return strip_filter_lines(get_ppd("lj2100-pxlmono"), ppd_dir / "stripped.ppd")
        return get_ppd(name)

    return get


def _cupsfilter(ppd: Path, doc: Path, content_type: str | None) -> tuple[str, ...] | None:
    argv = [CUPSFILTER, "--list-filters", "-e", "-p", str(ppd), "-m", "printer/foo"]
    if content_type is not None:
        argv += ["-i", content_type]
    done = subprocess.run([*argv, str(doc)], capture_output=True, text=True, timeout=30)
    return tuple(done.stdout.split()) if done.returncode == 0 else None


@pytest.mark.parametrize("auto", [False, True], ids=["declared", "octet-stream"])
@pytest.mark.parametrize("doc", list(INPUTS))
@pytest.mark.parametrize("ppd_name", PPDS)
def test_chain_matches_cupsfilter(
    ppd_name: str,
    doc: str,
    auto: bool,
    documents: dict[str, Path],
    matrix_ppd: Callable[[str], Path],
    cups_dirs: CupsDirs,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    ppd = matrix_ppd(ppd_name)
    declared = INPUTS[doc]
    expected = _cupsfilter(ppd, documents[doc], None if auto else declared)
    cache = tmp_path_factory.getbasetemp() / "oracle-cache"
    content_type = "application/octet-stream" if auto else declared
    if expected is None:
        with pytest.raises(NoChainError):
            plan_job(cups_dirs, ppd, documents[doc], content_type, cache_dir=cache)
        return
    plan = plan_job(cups_dirs, ppd, documents[doc], content_type, cache_dir=cache)
    assert plan.programs == expected
    assert plan.source_type == declared
    assert plan.final_type == "printer/foo"
