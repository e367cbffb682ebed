"""One real job per driver family of the full set, through printerapp-ippprint to a sink.

Each family's PPD is the one we rank first for a real printer's device ID
(and cups-driverd ranks first too), or, where no sample printer picks the
family, one of its own PPDs by name.  The job runs exactly as ippeveprinter
runs it: ``printerapp-ippprint DOCUMENT`` with ``PPD``, ``CONTENT_TYPE`` and
``DEVICE_URI`` set, through the PPD's filter chain and the ``socket``
backend into a TCP sink; the bytes that arrive must be in the family's
printer language.  A family whose Debian package is not installed is
skipped with its name (``DRIVERS=all scripts/setup.sh`` installs them all;
CI does).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from printerapp.deviceid import parse_device_id
from printerapp.ppd.index import DriverIndex
from printerapp.ppd.install import ppd_bytes
from printerapp.ppd.rank import DeviceQuery, rank
from printerapp.ppd.respell import backend_make_model
from tests.ppd.idset import oracle
from tests.support.sink import TcpSink

TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")
IPPPRINT = Path(sys.executable).with_name("printerapp-ippprint")


@dataclass(frozen=True, slots=True)
class Family:
    """A driver family: its package, how its PPD is found, what its output holds."""

    name: str
    package: str
    #: the PPD we and cups-driverd must rank first for *device_id*, or the PPD to use
    ppd_name: str
    #: byte strings the output must contain, in the family's printer language
    markers: tuple[bytes, ...]
    device_id: str = ""
    #: True: print to a file (the filter waits for a two-way printer on a socket)
    to_file: bool = False


FAMILIES = (
    Family(
        "escpr (ESC/P-R)",
        "printer-driver-escpr",
        "escpr:0/cups/model/epson-inkjet-printer-escpr/Epson-ET-2750_Series-epson-escpr-en.ppd",
        (b"@EJL 1284.4", b"\x1b(R\x08\x00\x00REMOTE1", b"\x1b(R\x06\x00\x00ESCPR"),
        "MFG:EPSON;CMD:ESCPL2,BDC,D4,D4PX,ESCPR7,END4,GENEP,URF;MDL:ET-2750 Series;"
        "CLS:PRINTER;DES:EPSON ET-2750 Series;",
    ),
    Family(
        "hpcups (PCL3GUI)",
        "printer-driver-hpcups",
        "hplip:0/ppd/hplip/HP/hp-deskjet_2130_series.ppd",
        (b"@PJL ENTER LANGUAGE=PCL3GUI",),
        "MFG:HP;MDL:DeskJet 2130 series;CMD:PCL3GUI,PJL,Automatic,DW-PCL,DESKJET,DYN;CLS:PRINTER;",
    ),
    Family(
        "splix (SPL/QPDL)",
        "printer-driver-splix",
        "drv:///splix-xerox.drv/ph3124.ppd",
        (b"@PJL ENTER LANGUAGE = QPDL",),
    ),
    Family(
        "brlaser (Brother HBP)",
        "printer-driver-brlaser",
        "drv:///brlaser.drv/br2030.ppd",
        (b"@PJL ENTER LANGUAGE = PCL", b"\x1b*b1030m"),  # HBP: mode-1030 raster
        "MFG:Brother;CMD:PJL,HBP;MDL:HL-2030 series;CLS:PRINTER;",
    ),
    Family(
        "foo2zjs (ZjStream)",
        "printer-driver-foo2zjs",
        "foo2zjs:0/ppd/foo2zjs/HP-LaserJet_1020.ppd",
        (b"@PJL JOB", b"JZJZ"),  # the ZjStream signature
        "MFG:Hewlett-Packard;MDL:HP LaserJet 1020;CMD:ACL;CLS:PRINTER;DES:HP LaserJet 1020;",
    ),
    Family(
        "ptouch (Brother QL raster)",
        "printer-driver-ptouch",
        "ptouch:0/ppd/ptouch-driver/Brother-QL-570-ptouch-ql.ppd",
        (b"\x1b@", b"\x1biz"),
        "MFG:Brother;CMD:PT-CBP;MDL:QL-570;CLS:PRINTER;",
    ),
    Family(
        "c2esp (Kodak ESP)",
        "printer-driver-c2esp",
        "drv:///c2esp.drv/Kodak_ESP_52xx_Series.ppd",
        (b"LockPrinterWait?Event=StartOfJob",),
        "MFG:Eastman Kodak Company;MDL:KODAK ESP 5200 Series AiO;CMD:PCL3GUI,DW-PCL;CLS:PRINTER;",
        to_file=True,
    ),
)


def _installed(package: str) -> bool:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
    )
    return out.stdout.endswith("install ok installed")


def _print(ppd: Path, uri: str, spool: Path) -> subprocess.CompletedProcess[str]:
    """Run one job as ippeveprinter runs its command."""
    doc = spool / "1-testpage.pdf"
    doc.write_bytes(TESTPAGE.read_bytes())
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "CONTENT_TYPE": "application/pdf",
        "PPD": str(ppd),
        "DEVICE_URI": uri,
        "IPP_JOB_ID": "1",
        "IPP_JOB_NAME": "testpage",
        "PRINTERAPP_CACHE_DIR": str(spool / "cache"),
        "TMPDIR": str(spool),
    }
    return subprocess.run(
        [str(IPPPRINT), str(doc)], env=env, capture_output=True, text=True, timeout=150, check=False
    )


@pytest.mark.e2e
@pytest.mark.timeout(240)
@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name.split()[0])
def test_family_prints_its_language(
    family: Family, real_index: DriverIndex, tmp_path: Path
) -> None:
    if not _installed(family.package):
        pytest.skip(f"{family.package} is not installed (DRIVERS=all scripts/setup.sh)")
    record = real_index.get(family.ppd_name)
    assert record is not None, f"{family.ppd_name} is not indexed"
    if family.device_id:
        make_model = backend_make_model(parse_device_id(family.device_id))
        best = rank(real_index, DeviceQuery(family.device_id, make_model), 1).best
        assert best is not None
        assert best.record.name == family.ppd_name
        assert oracle(family.device_id, make_model) == family.ppd_name
    ppd = tmp_path / "queue.ppd"
    ppd.write_bytes(ppd_bytes(record))
    if family.to_file:
        out = tmp_path / "out.prn"
        job = _print(ppd, f"file://{out}", tmp_path)
        data = out.read_bytes() if out.exists() else b""
    else:
        with TcpSink() as sink:
            job = _print(ppd, sink.uri, tmp_path)
            data = b"".join(sink.wait_for_jobs(1, 30))
    assert job.returncode == 0, job.stderr[-2000:]
    for marker in family.markers:
        assert marker in data, (family.name, marker, data[:200])
