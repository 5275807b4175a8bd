"""Import arrows between ppocr_lite's subpackages point one way (STYLE.md, "Arrows point one way").

Every module is parsed with ``ast`` (nothing is imported), so a lazy import inside a function
and ``importlib.import_module("ppocr_lite.…")`` count as arrows too. A unit is a subpackage
(``checkpoint``, ``engine``, ...) or a top-level module (``errors``, ``registry``, ...).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ppocr_lite"
OUTSIDE = ("tools", "bench", "tests")  # the repository's scripts: never imported by the package

# What the checkpoint format may build on: it is below training, deployment and the tools.
CHECKPOINT_MAY_IMPORT = frozenset({"checkpoint", "errors", "utils", "config"})

# The files of engine that may import deploy today. An entry that no longer imports it fails
# ``test_known_exceptions_are_still_needed``, so these lists only shrink.
ENGINE_FILES_IMPORTING_DEPLOY: frozenset[str] = frozenset()
# Imports that close a cycle today (file, imported unit), each with why.
KNOWN_CYCLE_EDGES: dict[tuple[str, str], str] = {}


def _known() -> set[tuple[str, str]]:
    return {(f, "deploy") for f in ENGINE_FILES_IMPORTING_DEPLOY} | set(KNOWN_CYCLE_EDGES)


def _unit(module: str) -> str | None:
    """``ppocr_lite.checkpoint.files`` -> ``checkpoint``; ``ppocr_lite.errors`` -> ``errors``;
    ``tools.train`` -> ``tools``; anything else (paddle, numpy) -> None."""
    parts = module.split(".")
    if parts[0] in OUTSIDE:
        return parts[0]
    if parts[0] != "ppocr_lite":
        return None
    return parts[1] if len(parts) > 1 else "ppocr_lite"


def _file_unit(rel: Path) -> str:
    if len(rel.parts) > 1:
        return rel.parts[0]
    return "ppocr_lite" if rel.stem == "__init__" else rel.stem


def _imported_modules(tree: ast.AST, package: str, units: set[str]) -> Iterable[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the module's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from ppocr_lite import deploy`` imports the subpackage itself.
            inner = [a.name for a in node.names if a.name in units] if base == "ppocr_lite" else []
            yield from ([f"ppocr_lite.{name}" for name in inner] or [base])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def import_edges(root: Path = PACKAGE) -> list[tuple[str, str, str]]:
    """``(file relative to the package, its unit, imported unit)`` for every cross-unit import."""
    edges = set()
    units = {p.name.removesuffix(".py") for p in root.iterdir()}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        package = ".".join(["ppocr_lite", *rel.parts[:-1]])
        unit = _file_unit(rel)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module in _imported_modules(tree, package, units):
            target = _unit(module)
            if target is not None and target != unit:
                edges.add((rel.as_posix(), unit, target))
    return sorted(edges)


def rule_violations(edges: Iterable[tuple[str, str, str]]) -> list[str]:
    """The imports that break a layering rule, as ``file -> unit`` lines."""
    bad = []
    for file, unit, target in edges:
        if target in OUTSIDE:
            bad.append(f"{file} -> {target} (the package never imports the scripts)")
        elif unit == "checkpoint" and target not in CHECKPOINT_MAY_IMPORT:
            allowed = sorted(CHECKPOINT_MAY_IMPORT)
            bad.append(f"{file} -> {target} (checkpoint imports only {allowed})")
        elif unit == "engine" and target == "deploy":
            bad.append(f"{file} -> deploy (engine is below deploy)")
    return bad


def cycles(edges: Iterable[tuple[str, str, str]]) -> list[list[str]]:
    """Groups of units that import each other (strongly connected components of > 1 unit)."""
    graph: dict[str, set[str]] = {}
    for _, unit, target in edges:
        graph.setdefault(unit, set()).add(target)
        graph.setdefault(target, set())
    return [sorted(group) for group in _components(graph) if len(group) > 1]


def _components(graph: Mapping[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            found.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _without_known(edges: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    known = _known()
    return [e for e in edges if (e[0], e[2]) not in known]


def test_layering_rules_hold() -> None:
    assert rule_violations(_without_known(import_edges())) == []


def test_no_import_cycle_between_units() -> None:
    assert cycles(_without_known(import_edges())) == []


def test_known_exceptions_are_still_needed() -> None:
    used = {(file, target) for file, _, target in import_edges()}
    stale = sorted(_known() - used)
    assert stale == [], f"no longer imported, remove from the known lists: {stale}"


@pytest.mark.parametrize(
    ("file", "source", "bad"),
    [
        ("checkpoint/load.py", "from ppocr_lite.engine.components import build_components", True),
        ("checkpoint/files.py", "import ppocr_lite.deploy.layout", True),
        ("checkpoint/x.py", "def f():\n    from ppocr_lite.deploy import export", True),
        ("engine/run.py", "from ppocr_lite.deploy.files import list_images", True),
        ("engine/run.py", "from ..deploy import files", True),
        ("deploy/api.py", "from tools.train import main", True),
        ("checkpoint/load.py", "from ppocr_lite.errors import ConfigError", False),
        ("deploy/api.py", "from ppocr_lite.checkpoint.load import load_weights", False),
        ("deploy/api.py", "from ppocr_lite.engine.components import build_components", False),
    ],
)
def test_a_new_bad_import_is_caught(tmp_path: Path, file: str, source: str, bad: bool) -> None:
    path = tmp_path / file
    path.parent.mkdir(parents=True)
    path.write_text(source + "\n", encoding="utf-8")
    assert bool(rule_violations(import_edges(tmp_path))) == bad


def test_a_new_cycle_is_caught(tmp_path: Path) -> None:
    for file, source in (
        ("checkpoint/load.py", "from ppocr_lite.utils.quiet import x"),
        ("utils/quiet.py", "import ppocr_lite.checkpoint.files"),
    ):
        (tmp_path / file).parent.mkdir(exist_ok=True)
        (tmp_path / file).write_text(source + "\n", encoding="utf-8")
    assert cycles(import_edges(tmp_path)) == [["checkpoint", "utils"]]
