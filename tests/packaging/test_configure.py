"""./configure writes snap/snapcraft.yaml from the template, per driver variant."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the files ./configure reads, so the real tree is left alone."""
    (tmp_path / "snap").mkdir()
    shutil.copy2(ROOT / "configure", tmp_path / "configure")
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy2(ROOT / "snap" / "snapcraft.yaml.in", tmp_path / "snap" / "snapcraft.yaml.in")
    return tmp_path


def _configure(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(tree / "configure"), *args], capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize(
    ("driver", "package"),
    [
        ("foomatic", "foomatic-db-compressed-ppds"),
        ("gutenprint", "printer-driver-gutenprint"),
        ("hplip", "printer-driver-hpcups"),
        ("escpr", "printer-driver-escpr"),
        ("splix", "printer-driver-splix"),
        ("brlaser", "printer-driver-brlaser"),
        ("foo2zjs", "printer-driver-foo2zjs"),
        ("ptouch", "printer-driver-ptouch"),
        ("c2esp", "printer-driver-c2esp"),
    ],
)
def test_driver_variant_adds_its_package(tree: Path, driver: str, package: str) -> None:
    result = _configure(tree, f"--driver={driver}")
    assert result.returncode == 0, result.stderr
    text = (tree / "snap" / "snapcraft.yaml").read_text()
    assert f"      - {package}\n" in text
    assert "@" not in text
    assert "version: '0.1.0'" in text


def test_no_driver_has_no_driver_package(tree: Path) -> None:
    assert _configure(tree).returncode == 0
    text = (tree / "snap" / "snapcraft.yaml").read_text()
    assert "foomatic" not in text
    assert "gutenprint" not in text
    assert "confinement: strict" in text


def test_unknown_driver_is_refused(tree: Path) -> None:
    result = _configure(tree, "--driver=nonsense")
    assert result.returncode == 2
    assert "unknown driver 'nonsense'" in result.stderr
    assert not (tree / "snap" / "snapcraft.yaml").exists()


def test_all_and_lists_stage_every_named_family(tree: Path) -> None:
    assert _configure(tree, "--driver=all").returncode == 0
    every = (tree / "snap" / "snapcraft.yaml").read_text()
    assert every.count("      - printer-driver-") == 8
    assert "foomatic-db-compressed-ppds" in every
    assert "STP_DATA_PATH" in every
    assert _configure(tree, "--driver=escpr,brlaser").returncode == 0
    two = (tree / "snap" / "snapcraft.yaml").read_text()
    assert "printer-driver-escpr\n" in two
    assert "printer-driver-brlaser\n" in two
    assert "gutenprint" not in two


def test_an_unknown_family_in_a_list_is_refused(tree: Path) -> None:
    result = _configure(tree, "--driver=escpr,hpijs")
    assert result.returncode == 2
    assert "unknown driver 'hpijs'" in result.stderr
