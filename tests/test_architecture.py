"""The house plan, checked: arrows point down (labs -> toolkit subpackages -> toolkit core),
the toolkit never imports a lab, and no modules import each other in a loop.

Imports are read from the source (``ast``), including those inside functions, so a lazy import
cannot hide an upward arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBPACKAGES = ("toolkit.grading", "toolkit.text", "toolkit.vision")
# ``python -m toolkit.grade`` / ``toolkit.submit``: the commands' short names, nothing else.
ENTRY_POINTS = {"toolkit.grade", "toolkit.submit"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports (``from toolkit.x import y`` counts ``toolkit.x.y``
    when that is a module, else ``toolkit.x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and _called_name(node) == "import_module" and node.args:
            found.add(_leading_text(node.args[0]).rstrip(".") or "?")  # importlib counts too
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [n if n in known else node.module for n in names]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] in ("toolkit", "labs"))
    return {n for n in found if n.split(".")[0] in ("toolkit", "labs")}


def _called_name(call: ast.Call) -> str:
    return getattr(call.func, "attr", None) or getattr(call.func, "id", "")


def _leading_text(node: ast.expr) -> str:
    """The literal start of a string or f-string argument (``f"labs.{lab}"`` -> ``labs.``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        return _leading_text(node.values[0])
    return ""


def project_graph() -> dict[str, set[str]]:
    files = [p for folder in ("toolkit", "labs") for p in (ROOT / folder).rglob("*.py")]
    known = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, known) for p in files}


def layer(module: str) -> int:
    if module.startswith("labs"):
        return 2
    return 1 if module.startswith(SUBPACKAGES) else 0


def test_arrows_point_down():
    graph = project_graph()
    upward = [f"{source} -> {target}" for source, targets in graph.items()
              if source not in ENTRY_POINTS for target in targets
              if layer(target) > layer(source)]
    assert upward == []


def test_no_import_loops():
    graph = project_graph()
    # A package's __init__ gathering its own modules' names is not a loop.
    edges = {source: {t for t in targets if not source.startswith(t + ".")
                      and not (t.startswith(source + ".") and source in graph)}
             for source, targets in graph.items()}
    loops, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                loops.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert loops == []
