"""The package layout: layers import downwards only, no import cycles, modules stay short.

The import graph is read from the source with ``ast`` (every import statement, also inside
functions, except those under ``if TYPE_CHECKING:``), so a lazy import cannot hide a knot.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "planning"

#: Layers, lowest first (docs/architecture.md). A module may import its own subpackage and any
#: lower layer, never a higher one.
LAYERS: list[tuple[str, ...]] = [
    ("planning", "planning._errors", "planning._options", "planning.settings",
     "planning.vocabulary", "planning._templates"),
    ("planning.coords", "planning.schema", "planning.rules", "planning.validation"),
    ("planning.io",),
    ("planning.network",),
    ("planning.analysis",),
    ("planning.audit",),
    ("planning.siting", "planning.review"),
    ("planning.maps", "planning.sample", "planning.scenario"),
    ("planning.results",),
    ("planning.api",),
    ("planning.project",),
    ("planning.batch",),
    ("planning.serve",),
    ("planning.cli",),
]  # fmt: skip

#: Most lines a module may have (the guide says "under ~500").
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, known: set[str]) -> set[str]:
    """Planning modules imported anywhere in ``tree`` (TYPE_CHECKING blocks excluded)."""
    found: set[str] = set()
    package = (
        module
        if (PACKAGE.parent / module.replace(".", "/")).is_dir()
        else module.rpartition(".")[0]
    )

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "planning")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] == "planning":
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    found.add(sub if sub in known else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name != module}


def _graph() -> nx.DiGraph:
    modules = _modules()
    known = set(modules)
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for target in _imports(ast.parse(path.read_text(encoding="utf-8")), name, known):
            while target not in known and "." in target:
                target = target.rpartition(".")[0]
            graph.add_edge(name, target)
    return graph


def _layer_of(module: str) -> int:
    if module.endswith(".__main__"):  # ``python -m`` entry points are command line
        return len(LAYERS) - 1
    best, rank = -1, -1
    for index, names in enumerate(LAYERS):
        for prefix in names:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    assert rank >= 0, f"{module} is in no layer of LAYERS; add it"
    return rank


def _subpackage(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_no_import_cycles():
    graph = _graph()
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_layers_import_downwards_only():
    wrong = [
        f"{source} → {target}"
        for source, target in _graph().edges
        if target != "planning"
        and _subpackage(source) != _subpackage(target)
        and _layer_of(target) > _layer_of(source)
    ]
    assert not wrong, "upward imports: " + ", ".join(sorted(wrong))


@pytest.mark.parametrize("name", sorted(_modules()))
def test_module_is_short(name: str):
    lines = len(_modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by responsibility"


def test_the_graph_sees_lazy_imports():
    # A function-level import is an edge: the CLI's lazy import of the project module counts.
    graph = _graph()
    assert graph.has_edge("planning.cli.main", "planning.project")
    assert graph.has_edge("planning.api.analysis", "planning.audit")
