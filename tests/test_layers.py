"""The house plan in code: which package of printerapp may import which.

Each package (or top-level module) stands on one layer and may import only
from layers below it.  Every import counts: at module level, inside
functions (the lazy ones), under ``TYPE_CHECKING``, and module paths written
as strings for ``importlib`` tables (the CLI's subcommands, the plug
drivers).  Run it as a script to print the figures::

    python tests/test_layers.py
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "printerapp"

#: bottom first; a unit may import only units on lower floors
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    # base modules: the configuration file, IEEE-1284 IDs, CUPS's own conventions
    ("config", "cups", "deviceid", "picklecache"),
    # libraries: IPP client, PPDs and the driver database, device detection, announcements,
    # supplies and status over SNMP
    ("ipp", "ppd", "detection", "dnssd", "supplies"),
    # the CUPS MIME database and filter chains (reads the PPD's cupsFilter lines)
    ("mime",),
    # smart plugs and the power policy around jobs
    ("power",),
    # the job runner ippeveprinter calls
    ("ippprint",),
    # the queues: one ippeveprinter per printer
    ("manager",),
    # the one HTTP surface: control API and dashboard
    ("web",),
    # the daemon: the composition root
    ("server",),
    # the command line, which runs every part (the server included)
    ("cli",),
    ("__main__",),
)


@dataclass(frozen=True, slots=True)
class Edge:
    """One import from module *source* of unit *src* to unit *dst*."""

    source: str
    line: int
    target: str
    src: str
    dst: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line} imports {self.target} ({self.src} -> {self.dst})"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _targets(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            yield node.lineno, name
            for alias in node.names:  # "from printerapp.x import module"
                yield node.lineno, f"{name}.{alias.name}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text.startswith("printerapp.") and text.replace(".", "").replace("_", "").isalnum():
                yield node.lineno, text


def edges(root: Path = PACKAGE) -> list[Edge]:
    """Return every import between two different units of the package under *root*."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for line, target in _targets(tree, module, path.name == "__init__.py"):
            if not target.startswith(f"{root.name}."):
                continue
            src, dst = _unit(module), _unit(target)
            if dst and src != dst and _exists(root, target):
                found.setdefault((module, dst), Edge(module, line, target, src, dst))
    return list(found.values())


def _exists(root: Path, target: str) -> bool:
    rel = Path(*target.split(".")[1:])
    return (root / rel).with_suffix(".py").is_file() or (root / rel).is_dir()


def units(root: Path = PACKAGE) -> set[str]:
    """Return the top-level modules and packages of the tree."""
    names = {p.stem for p in root.glob("*.py") if p.stem != "__init__"}
    return names | {p.name for p in root.iterdir() if (p / "__init__.py").is_file()}


def floor_of(layers: Sequence[Sequence[str]]) -> dict[str, int]:
    """Return each unit's floor (0 is the bottom)."""
    return {name: i for i, floor in enumerate(layers) for name in floor}


def upward(all_edges: Sequence[Edge], layers: Sequence[Sequence[str]]) -> list[Edge]:
    """Return the imports that do not go strictly down."""
    floor = floor_of(layers)
    return [e for e in all_edges if floor.get(e.dst, -1) >= floor.get(e.src, len(floor))]


def cycles(all_edges: Sequence[Edge]) -> list[list[str]]:
    """Return the groups of units that import each other, in a loop (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for e in all_edges:
        graph.setdefault(e.src, set()).add(e.dst)
        graph.setdefault(e.dst, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_every_unit_has_a_floor() -> None:
    placed = floor_of(LAYERS)
    assert units() - set(placed) == set(), "place the new package or module in LAYERS"
    assert set(placed) - units() == set(), "LAYERS names a unit that no longer exists"


def test_no_import_goes_up_or_sideways() -> None:
    bad = upward(edges(), LAYERS)
    assert not bad, "imports against the layer order:\n" + "\n".join(map(str, bad))


def test_no_package_cycles() -> None:
    assert cycles(edges()) == []


def test_lazy_and_string_imports_count(tmp_path: Path) -> None:
    pkg = tmp_path / "printerapp"
    (pkg / "low").mkdir(parents=True)
    (pkg / "high").mkdir()
    for path in (pkg / "__init__.py", pkg / "low/__init__.py", pkg / "high/__init__.py"):
        path.write_text("")
    (pkg / "high/mod.py").write_text("X = 1\n")
    (pkg / "low/lazy.py").write_text("def f():\n    from printerapp.high import mod\n")
    (pkg / "low/table.py").write_text('TABLE = {"x": "printerapp.high.mod"}\n')
    (pkg / "low/rel.py").write_text("from ..high import mod\n")
    found = edges(pkg)
    assert {(e.source, e.dst) for e in found} == {
        ("printerapp.low.lazy", "high"),
        ("printerapp.low.table", "high"),
        ("printerapp.low.rel", "high"),
    }
    assert len(upward(found, (("low",), ("high",)))) == 3  # low at the bottom: all go up
    assert upward(found, (("high",), ("low",))) == []
    assert len(upward(found, (("low", "high"),))) == 3  # sideways, on one floor
    assert cycles(found) == []


if __name__ == "__main__":
    root = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else PACKAGE
    found = edges(root)
    bad = upward(found, LAYERS)
    for edge in bad:
        print("up:", edge)
    loops = cycles(found)
    for loop in loops:
        print("cycle:", " <-> ".join(loop))
    print(f"{len(found)} imports between units; {len(bad)} against the layers; {len(loops)} cycles")
