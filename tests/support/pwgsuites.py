"""Run the PWG self-certification suites with ipptool and sort their verdicts.

Shared by the suite test and ``bench/client_interop.py``.  The suites run
from a directory made by :func:`tests.support.pwgsamples.write_samples`, so
their print tests find the documents and raster samples they name.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.pwgsamples import write_samples

__all__ = ["SUITES", "SuiteResult", "advertised_raster", "prepare_samples", "run_suite"]

SUITES = ("ipp-everywhere.test", "ipp-1.1.test", "ipp-2.0.test")

_VERDICT = re.compile(r"^\s+(.+?)\s*\[(PASS|FAIL|SKIP)\]\s*$")
_ATTRIBUTE = re.compile(r"^\s*([a-z0-9-]+) \([^)]*\) = (.+)$", re.M)


@dataclass
class SuiteResult:
    """One suite's verdicts: the names of the tests that passed, failed and were skipped."""

    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    output: str = ""

    @property
    def counts(self) -> tuple[int, int, int]:
        """Return (passed, failed, skipped)."""
        return len(self.passed), len(self.failed), len(self.skipped)

    def raster_prints(self) -> list[str]:
        """Return the PWG-raster print tests that passed."""
        return [name for name in self.passed if "dpi," in name]


def advertised_raster(uri: str) -> tuple[list[int], list[str]]:
    """Return the square resolutions (dpi) and raster types the queue at *uri* advertises."""
    done = subprocess.run(
        ["ipptool", "-tv", uri, "/usr/share/cups/ipptool/get-printer-attributes.test"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    attrs = dict(_ATTRIBUTE.findall(done.stdout))
    resolutions = []
    for value in attrs.get("pwg-raster-document-resolution-supported", "").split(","):
        if m := re.fullmatch(r"(\d+)dpi", value.strip()):
            resolutions.append(int(m.group(1)))
    kinds = [k.strip() for k in attrs.get("pwg-raster-document-type-supported", "").split(",")]
    return resolutions, [k for k in kinds if k]


def prepare_samples(work: Path, uris: list[str]) -> Path:
    """Write the sample set every queue at *uris* needs into *work*; return the directory."""
    resolutions: set[int] = set()
    kinds: set[str] = set()
    for uri in uris:
        dpi, types = advertised_raster(uri)
        resolutions.update(dpi)
        kinds.update(types)
    write_samples(work, sorted(resolutions), sorted(kinds))
    return work


def run_suite(uri: str, suite: str, samples: Path, timeout: float = 1200) -> SuiteResult:
    """Run *suite* (from *samples*) against *uri*; return its verdicts."""
    done = subprocess.run(
        ["ipptool", "-t", "-I", "-T", "60", "-f", str(samples / "document-letter.pdf"), uri, suite],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=samples,
    )
    result = SuiteResult(output=done.stdout + done.stderr)
    buckets = {"PASS": result.passed, "FAIL": result.failed, "SKIP": result.skipped}
    for line in done.stdout.splitlines():
        if m := _VERDICT.match(line):
            buckets[m.group(2)].append(m.group(1).rstrip(". "))
    return result
