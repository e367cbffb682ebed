"""Every snap variant ./configure writes is valid: it parses, has what a strict core24
daemon snap needs, and every command it names exists in the package.

snapcraft cannot run here, so these checks stand in for it.
"""

from __future__ import annotations

import itertools
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from printerapp.cli.main import SUBCOMMANDS

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = (
    "foomatic",
    "gutenprint",
    "hplip",
    "escpr",
    "splix",
    "brlaser",
    "foo2zjs",
    "ptouch",
    "c2esp",
)
DRIVERS = ("none", *FAMILIES, "all")
FORMATS = ("all", "pwg")
REQUIRED = ("name", "base", "version", "summary", "description", "grade", "confinement")
SERVER_PLUGS = {"network", "network-bind", "avahi-control", "raw-usb", "hardware-observe", "home"}
#: programs printerapp runs from the staged packages, and the package each comes from
STAGED_PROGRAMS = {
    "/usr/sbin/ippeveprinter": "cups-ipp-utils",
    "/usr/bin/ppdc": "cups-ppdc",
    "/usr/share/cups/drv/sample.drv": "cups-common",
    "/usr/lib/cups/filter/pdftopdf": "cups-filters-core-drivers",
    "/usr/lib/cups/filter/gstoraster": "cups-filters",
    "/usr/bin/gs": "ghostscript",
}
DRIVER_PACKAGES = {
    "none": set(),
    "foomatic": {"foomatic-db-compressed-ppds"},
    "gutenprint": {"printer-driver-gutenprint"},
    "hplip": {"printer-driver-hpcups"},
    "escpr": {"printer-driver-escpr"},
    "splix": {"printer-driver-splix"},
    "brlaser": {"printer-driver-brlaser"},
    "foo2zjs": {"printer-driver-foo2zjs"},
    "ptouch": {"printer-driver-ptouch"},
    "c2esp": {"printer-driver-c2esp"},
}
DRIVER_PACKAGES["all"] = set().union(*DRIVER_PACKAGES.values())
PWG_ONLY = "image/pwg-raster,image/urf"


def _render(tmp_path: Path, *args: str) -> dict[str, Any]:
    (tmp_path / "snap").mkdir(exist_ok=True)
    for name in ("configure", "pyproject.toml", "snap/snapcraft.yaml.in"):
        shutil.copy2(ROOT / name, tmp_path / name)
    result = subprocess.run(
        ["sh", str(tmp_path / "configure"), *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "snap" / "snapcraft.yaml").read_text()
    assert "@" not in text, "a template variable was left unsubstituted"
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def scripts() -> set[str]:
    """The console scripts the python plugin installs into the snap's bin/."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        return set(tomllib.load(f)["project"]["scripts"])


VARIANTS = list(itertools.product(DRIVERS, FORMATS))


@pytest.mark.parametrize(("driver", "formats"), VARIANTS)
def test_variant_has_the_required_keys(tmp_path: Path, driver: str, formats: str) -> None:
    snap = _render(tmp_path, f"--driver={driver}", f"--formats={formats}")
    for key in REQUIRED:
        assert snap.get(key), f"missing {key}"
    assert snap["base"] == "core24"
    assert snap["confinement"] == "strict"
    assert snap["version"] == "0.1.0"
    assert driver in snap["description"]
    packages = set(snap["parts"]["printerapp"]["stage-packages"])
    assert {"cups-ipp-utils", "cups-filters", "ghostscript"} <= packages
    assert DRIVER_PACKAGES[driver] <= packages
    for other, names in DRIVER_PACKAGES.items():
        if driver != "all" and other not in (driver, "all"):
            assert not names & packages, f"{other}'s package in the {driver} variant"


@pytest.mark.parametrize(("driver", "formats"), VARIANTS)
def test_server_app_is_a_daemon_with_state_in_snap_common(
    tmp_path: Path, driver: str, formats: str
) -> None:
    snap = _render(tmp_path, f"--driver={driver}", f"--formats={formats}")
    server = snap["apps"]["server"]
    assert server["command"] == "bin/printerapp server"
    assert server["daemon"] == "simple"
    assert set(server["plugs"]) == SERVER_PLUGS
    env = snap["environment"]
    assert env["PRINTERAPP_STATE_DIR"] == "$SNAP_COMMON"
    assert env["CUPS_SERVERBIN"] == "$SNAP/usr/lib/cups"
    assert env["CUPS_DATADIR"] == "$SNAP/usr/share/cups"
    expected = PWG_ONLY if formats == "pwg" else "application/pdf,application/postscript,"
    assert env["PRINTERAPP_FORMATS"].startswith(expected)


@pytest.mark.parametrize(("driver", "formats"), VARIANTS)
def test_every_path_in_the_environment_is_inside_the_snap(
    tmp_path: Path, driver: str, formats: str
) -> None:
    snap = _render(tmp_path, f"--driver={driver}", f"--formats={formats}")
    for key, value in snap["environment"].items():
        if "/" in value and key != "PRINTERAPP_FORMATS":  # MIME types, not paths
            assert value.startswith(("$SNAP/", "$SNAP_COMMON")), f"{key}={value}"


@pytest.mark.parametrize("driver", DRIVERS)
def test_every_command_exists_in_the_package(
    tmp_path: Path, driver: str, scripts: set[str]
) -> None:
    snap = _render(tmp_path, f"--driver={driver}")
    for name, app in snap["apps"].items():
        argv = shlex.split(app["command"])
        assert argv[0].startswith("bin/"), f"{name}: {argv[0]} is not a console script"
        assert argv[0].removeprefix("bin/") in scripts, f"{name}: {argv[0]} is not installed"
        if argv[0] == "bin/printerapp" and len(argv) > 1:
            assert argv[1] in SUBCOMMANDS, f"{name}: no subcommand {argv[1]!r}"


def _package_files(package: str) -> set[str]:
    result = subprocess.run(
        ["dpkg-query", "-L", package], capture_output=True, text=True, timeout=30, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"{package} is not installed: run scripts/setup.sh")
    return set(result.stdout.split())


@pytest.mark.parametrize(("program", "package"), sorted(STAGED_PROGRAMS.items()))
def test_staged_packages_provide_the_programs(tmp_path: Path, program: str, package: str) -> None:
    snap = _render(tmp_path)
    assert package in snap["parts"]["printerapp"]["stage-packages"]
    assert program in _package_files(package)


def test_driver_packages_exist_in_debian(tmp_path: Path) -> None:
    snap = _render(tmp_path, "--driver=all")
    packages = snap["parts"]["printerapp"]["stage-packages"]
    result = subprocess.run(  # one call: apt-cache's start-up dominates
        ["apt-cache", "show", "--no-all-versions", *packages],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    for package in packages:
        assert f"Package: {package}\n" in result.stdout, f"{package} is not a Debian package"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--formats=everything"], "unknown formats 'everything'"),
        (["--driver=hpijs"], "unknown driver 'hpijs'"),
        (["--frobnicate"], "unknown option: --frobnicate"),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "snap").mkdir()
    for name in ("configure", "pyproject.toml", "snap/snapcraft.yaml.in"):
        shutil.copy2(ROOT / name, tmp_path / name)
    result = subprocess.run(
        ["sh", str(tmp_path / "configure"), *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "snap" / "snapcraft.yaml").exists()


def test_pwgonly_flags_match_the_seed(tmp_path: Path) -> None:
    assert _render(tmp_path, "--enable-pwgonly")["environment"]["PRINTERAPP_FORMATS"] == PWG_ONLY
    wide = _render(tmp_path, "--disable-pwgonly")["environment"]["PRINTERAPP_FORMATS"]
    assert "application/pdf" in wide
