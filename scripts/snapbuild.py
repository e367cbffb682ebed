"""Build snap/snapcraft.yaml's parts with craft-parts and pack the prime tree into a .snap.

Run by scripts/build-snap.sh in .venv-snap (craft-parts and python-apt live
there, not in the project's venv).  snapcraft itself is not installable here,
so this does its two jobs that matter: craft-parts runs pull, build, stage and
prime on this machine (snapcraft's destructive mode), and the prime tree gets
the ``meta/snap.yaml`` snapcraft would write and is packed the way ``snap
pack`` packs it.  Prints one ``snapbuild:`` line of figures at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from craft_parts import LifecycleManager, Step, callbacks
from craft_parts.packages.deb import _DEFAULT_FILTERED_STAGE_PACKAGES

ROOT = Path(__file__).resolve().parents[1]
#: what the local source part must not copy (venvs, build output, VCS)
IGNORED = [".venv", ".venv-snap", "build", ".git", ".state", "test-artifacts", "*.snap"]
#: the keys of snapcraft.yaml snapd reads from meta/snap.yaml
SNAP_YAML_KEYS = ("name", "version", "summary", "description", "base", "grade", "confinement")
APP_KEYS = ("command", "daemon", "restart-condition", "restart-delay", "stop-timeout", "plugs")
#: as `snap pack` calls mksquashfs (snapd's snap/squashfs package)
MKSQUASHFS = ["-noappend", "-comp", "xz", "-no-xattrs", "-no-fragments", "-all-root"]
#: Debian 12's names of libraries every core base has, renamed since craft-parts's list
RENAMED_BASE_PACKAGES = (
    "libgcc-s1",
    "libtinfo6",
    "libncursesw6",
    "libcrypt1",
    "libzstd1",
    "liblz4-1",
    "libssl3",
    "libpcre2-8-0",
    "libcap-ng0",
    "libseccomp2",
)
ARCHES = {"x86_64": ("amd64", "x86_64-linux-gnu"), "aarch64": ("arm64", "aarch64-linux-gnu")}


def _arch() -> tuple[str, str]:
    machine = platform.machine()
    if machine not in ARCHES:
        sys.exit(f"snapbuild: unsupported machine {machine!r}")
    return ARCHES[machine]


def _expand(value: str, triplet: str) -> str:
    """Expand the build-time variables snapcraft expands in snap.yaml; leave $SNAP* for snapd."""
    return re.sub(r"\$\{?CRAFT_ARCH_TRIPLET_BUILD_FOR\}?", triplet, value)


def snap_yaml(project: dict[str, Any], arch: str, triplet: str) -> dict[str, Any]:
    """Return meta/snap.yaml's content for *project* (a parsed snapcraft.yaml)."""
    meta: dict[str, Any] = {k: project[k] for k in SNAP_YAML_KEYS}
    meta["architectures"] = [arch]
    meta["apps"] = {
        name: {k: app[k] for k in APP_KEYS if k in app} for name, app in project["apps"].items()
    }
    meta["environment"] = {k: _expand(str(v), triplet) for k, v in project["environment"].items()}
    if "layout" in project:
        meta["layout"] = project["layout"]
    return meta


def base_packages(base: str) -> list[str]:
    """Return the packages the base snap provides, so they are not staged.

    snapcraft reads them from the base's own manifest; without /snap/<base>
    (on Debian) craft-parts would stage the whole closure, libc6 included.
    Its own list for the older bases, plus today's names, stands in.
    """
    if Path(f"/snap/{base}/current/usr/share/snappy/dpkg.list").exists():
        return []  # craft-parts reads the real manifest
    return [*_DEFAULT_FILTERED_STAGE_PACKAGES, *RENAMED_BASE_PACKAGES]


def build(project: dict[str, Any], work: Path, arch: str) -> Path:
    """Run craft-parts up to prime for *project*'s parts; return the prime directory."""
    parts = {}
    for name, part in project["parts"].items():
        part = dict(part)
        if part.get("source") == ".":
            part["source"] = str(ROOT)
        parts[name] = part
    filtered = base_packages(project["base"])
    if filtered:
        callbacks.register_stage_packages_filter(lambda _info: filtered)
    lcm = LifecycleManager(
        {"parts": parts},
        application_name="snapcraft",
        project_name=project["name"],
        cache_dir=work.parent / "cache",
        work_dir=work,
        arch=arch,
        base=project["base"],
        ignore_local_sources=IGNORED,
    )
    with lcm.action_executor() as executor:
        executor.execute(lcm.plan(Step.PRIME))
    return work / "prime"


def write_meta(prime: Path, meta: dict[str, Any]) -> None:
    """Write *meta* as *prime*/meta/snap.yaml."""
    (prime / "meta").mkdir(exist_ok=True)
    (prime / "meta" / "snap.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))


def pack(prime: Path, meta: dict[str, Any], out: Path) -> None:
    """Write meta/snap.yaml into *prime* and squash it into *out* as `snap pack` does."""
    if shutil.which("mksquashfs") is None:
        sys.exit("snapbuild: mksquashfs is missing: apt-get install squashfs-tools")
    write_meta(prime, meta)
    out.unlink(missing_ok=True)
    subprocess.run(["mksquashfs", str(prime), str(out), *MKSQUASHFS, "-quiet"], check=True)


def main() -> None:
    """Build and pack; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", required=True, help="a name for the work directory")
    parser.add_argument("--clean", action="store_true", help="start from an empty work directory")
    parser.add_argument(
        "--meta-only", action="store_true", help="only rewrite prime/meta/snap.yaml (no build)"
    )
    args = parser.parse_args()
    project = yaml.safe_load((ROOT / "snap" / "snapcraft.yaml").read_text())
    arch, triplet = _arch()
    work = ROOT / "build" / "snap" / args.variant
    if args.meta_only:
        write_meta(work / "prime", snap_yaml(project, arch, triplet))
        return
    if args.clean and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    os.environ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"  # the distribution's python3, not a shim
    start = time.monotonic()
    prime = build(project, work, arch)
    built = time.monotonic()
    out = ROOT / "build" / "snap" / f"{project['name']}_{project['version']}_{args.variant}.snap"
    pack(prime, snap_yaml(project, arch, triplet), out)
    packed = time.monotonic()
    print(
        f"snapbuild: variant={args.variant} parts={built - start:.1f}s "
        f"pack={packed - built:.1f}s size={out.stat().st_size / 1e6:.1f}MB "
        f"prime={prime} snap={out}"
    )


if __name__ == "__main__":
    main()
