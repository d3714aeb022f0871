"""The package's layout as a specification: data flow one way, stage by stage.

Read from the source (``ast``), not by importing it: every ``import`` statement of every
module, with where it stands (module level or inside a function).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "geo_coverage"

FOUNDATIONS = ("_errors", "settings", "text", "utils", "coords", "standards", "config", "results")
"""What every stage may use; they use no stage (``results`` names stage types for checkers)."""

STAGES = (
    "inputs",
    "network",
    "reach",
    "assess",
    "siting",
    "scenarios",
    "outputs",
    "pipeline",
    "apps",
)
"""The stages in the order a run goes through them; each imports only those before it."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(PACKAGE.rglob("*.py"))
KNOWN = {_module_name(p) for p in MODULES}


def _imports(path: Path) -> list[tuple[str, list[str], bool]]:
    """(absolute module, names imported, at module level) for each package import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    top = {id(node) for node in tree.body}
    typing_only = set()
    for node in tree.body:  # `if TYPE_CHECKING:` blocks import for type checkers only
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only |= {id(n) for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or id(node) in typing_only:
            continue
        if node.level:
            base = package.split(".")
            base = base[: len(base) - (node.level - 1)]
            target = ".".join([*base, node.module] if node.module else base)
        else:
            target = node.module or ""
        if target.split(".")[0] != "geo_coverage":
            continue
        names = [alias.name for alias in node.names]
        if target == "geo_coverage" or node.module is None:  # from . import x: x may be modules
            for name in names:
                sub = f"{target}.{name}"
                found.append((sub if sub in KNOWN else target, [], id(node) in top))
        else:
            found.append((target, names, id(node) in top))
    return found


def _unit(module: str) -> str:
    """The stage or foundation a module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_module_is_a_foundation_or_in_a_stage():
    units = {_unit(_module_name(p)) for p in MODULES} - {"__init__", "__main__"}
    assert units <= set(FOUNDATIONS) | set(STAGES), units - set(FOUNDATIONS) - set(STAGES)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_private_name_of_another(path):
    private = [
        (target, name)
        for target, names, _ in _imports(path)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not private


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_data_flow_one_way_foundations_then_stages_in_order(path):
    """A foundation imports no stage; a stage imports foundations and earlier stages only."""
    here = _unit(_module_name(path))
    if here in ("__init__", "__main__"):
        return
    order = {name: i for i, name in enumerate(STAGES)}
    for target, _, _ in _imports(path):
        there = _unit(target)
        if there in ("__init__", here) or there in FOUNDATIONS:
            if here in FOUNDATIONS and there in FOUNDATIONS:
                assert FOUNDATIONS.index(there) < FOUNDATIONS.index(here) or there == here, (
                    f"{here} imports {target}: foundations import only those listed before them"
                )
            continue
        assert here in order, f"foundation {here} imports the stage module {target}"
        assert order[there] < order[here], f"{here} imports {target}, a later stage"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_stage_hides_an_import_of_another_in_a_function(path):
    """Lazy imports are for the apps' start-up time only (``--version`` in 0.06 s)."""
    here = _unit(_module_name(path))
    if here in ("apps", "__init__", "__main__"):
        return
    hidden = [t for t, _, top in _imports(path) if not top and _unit(t) != here]
    assert not hidden, f"{path.name} imports {hidden} inside a function"


def test_module_imports_form_no_circle():
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        deps = set()
        for target, _, top in _imports(path):
            if top:  # the package's own __init__ re-exports: depend on the module itself
                deps.add(target if target in KNOWN else target.rpartition(".")[0])
        graph[_module_name(path)] = deps - {_module_name(path)}
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, trail: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                pytest.fail(" -> ".join([*trail, node, nxt]))
            if nxt not in seen:
                visit(nxt, [*trail, node])
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node, [])
