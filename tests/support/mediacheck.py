"""Ask a real ippeveprinter, with ipptool Validate-Job, whether it takes each size of its PPD.

Shared by the media tests and ``bench/client_interop.py``.  Each page size is
sent as clients send it: ``media-col`` with the PWG standard size (CUPS's
table) alone, and once more with the margins of the PPD's imageable area.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from printerapp.ppd.pwgmedia import standard_size
from printerapp.ppd.queueppd import pwg_from_points
from tests.support.cupsd import free_port

IPPEVEPRINTER = shutil.which("ippeveprinter") or "/usr/sbin/ippeveprinter"
IPPTOOL = shutil.which("ipptool") or "/usr/bin/ipptool"
_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+))"
_DIMENSION = re.compile(
    rf'^\*PaperDimension[ \t]+([^/:\s]+)[^:\n]*:[ \t]*"{_NUM}\s+{_NUM}\s*"', re.M
)
_AREA = re.compile(
    rf'^\*ImageableArea[ \t]+([^/:\s]+)[^:\n]*:[ \t]*"{_NUM}\s+{_NUM}\s+{_NUM}\s+{_NUM}\s*"', re.M
)

_TEST = """{{
  NAME "{name}"
  OPERATION Validate-Job
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR name requesting-user-name check
  ATTR mimeMediaType document-format application/pdf
  GROUP job-attributes-tag
  ATTR collection media-col {{
    MEMBER collection media-size {{
      MEMBER integer x-dimension {width}
      MEMBER integer y-dimension {length}
    }}{margins}
  }}
  STATUS successful-ok
}}
"""
_RESOLUTIONS = """{
  NAME "resolutions"
  OPERATION Get-Printer-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR keyword requested-attributes printer-resolution-supported,sides-supported
  STATUS successful-ok
  DISPLAY printer-resolution-supported
  DISPLAY sides-supported
}
"""
_ADVERTISED = re.compile(r"^\s*printer-resolution-supported \([^)]*\) = (.+)$", re.M)
_SIDES = re.compile(r"^\s*sides-supported \([^)]*\) = (.+)$", re.M)
_MARGINS = """
    MEMBER integer media-bottom-margin {bottom}
    MEMBER integer media-left-margin {left}
    MEMBER integer media-right-margin {right}
    MEMBER integer media-top-margin {top}"""


@dataclass
class MediaResult:
    """What one queue said to each size of its PPD."""

    accepted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    #: ``printer-resolution-supported`` and ``sides-supported`` as the queue advertises them
    resolutions: list[str] = field(default_factory=list)
    sides: list[str] = field(default_factory=list)


def client_sizes(text: str) -> dict[str, tuple[int, int, tuple[int, int, int, int] | None]]:
    """Return each PageSize as a client asks for it: standard size, and margins when known."""
    areas = {}
    for m in _AREA.finditer(text):
        areas[m.group(1)] = tuple(float(v) for v in m.group(2, 3, 4, 5))
    sizes = {}
    for m in _DIMENSION.finditer(text):
        name, w_pt, l_pt = m.group(1), float(m.group(2)), float(m.group(3))
        width, length = pwg_from_points(w_pt), pwg_from_points(l_pt)
        if width <= 0 or length <= 0:
            continue
        standard = standard_size(width, length)
        if standard is not None:
            width, length = standard.width, standard.length
        margins = None
        if (area := areas.get(name)) is not None:
            llx, lly, urx, ury = area
            margins = (
                pwg_from_points(lly),
                pwg_from_points(llx),
                pwg_from_points(w_pt - urx),
                pwg_from_points(l_pt - ury),
            )
        sizes[name] = (width, length, margins)
    return sizes


def _ready(uri: str, deadline: float) -> bool:
    test = "/usr/share/cups/ipptool/get-printer-attributes.test"
    while time.monotonic() < deadline:
        done = subprocess.run(
            [IPPTOOL, "-t", uri, test], capture_output=True, timeout=30, check=False
        )
        if done.returncode == 0:
            return True
        time.sleep(0.05)
    return False


def check_media(ppd: Path, workdir: Path) -> MediaResult:
    """Start ippeveprinter on *ppd* and Validate-Job every size of it; return the answers."""
    sizes = client_sizes(ppd.read_text(encoding="latin-1"))
    tests = []
    for name, (width, length, margins) in sizes.items():
        tests.append(_TEST.format(name=f"{name} size", width=width, length=length, margins=""))
        if margins is not None:
            bottom, left, right, top = margins
            extra = _MARGINS.format(bottom=bottom, left=left, right=right, top=top)
            tests.append(
                _TEST.format(name=f"{name} margins", width=width, length=length, margins=extra)
            )
    test_file = workdir / "media.test"
    # every size is asked even after a refusal
    test_file.write_text("IGNORE-ERRORS yes\n" + "".join(tests) + _RESOLUTIONS)
    spool = workdir / "spool"
    spool.mkdir(exist_ok=True)
    port = free_port()
    # a command is required next to -P (the default, ippeveps, is not in Debian);
    # Validate-Job never runs it
    argv = [IPPEVEPRINTER, "-p", str(port), "-n", "localhost", "-P", str(ppd), "-c", "/bin/true"]
    argv += ["-d", str(spool)]
    proc = subprocess.Popen(
        [*argv, f"media {port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    uri = f"ipp://localhost:{port}/ipp/print"
    try:
        if not _ready(uri, time.monotonic() + 15):
            raise RuntimeError(f"ippeveprinter did not start on {ppd}")
        done = subprocess.run(
            [IPPTOOL, "-t", uri, str(test_file)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    result = MediaResult()
    if (advertised := _ADVERTISED.search(done.stdout)) is not None:
        result.resolutions = advertised.group(1).split(",")
    if (sides := _SIDES.search(done.stdout)) is not None:
        result.sides = sides.group(1).split(",")
    for line in done.stdout.splitlines():
        if line.strip().startswith("resolutions"):
            continue
        if line.rstrip().endswith("[PASS]"):
            result.accepted.append(line.split("[PASS]")[0].strip().rstrip("."))
        elif "[FAIL]" in line:
            result.refused.append(line.split("[FAIL]")[0].strip().rstrip("."))
    if len(result.accepted) + len(result.refused) != len(tests):
        raise RuntimeError(f"ipptool answered {done.stdout!r} {done.stderr!r}")
    return result
