"""The package's import graph: no circles, and no private name taken from another module.

Parsed from the source with `ast` (nothing is imported), so imports inside functions count too.
Every arrow points down: what two modules share lives in a module both import (a private module
such as `solvable._kernel`, whose names are public inside the package). A package's
``__init__`` re-exporting its submodules is the one upward-looking edge allowed, since no
submodule imports its own package's ``__init__``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "solvable"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _absolute(module: str, path: Path, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = module.split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _imports(module: str, path: Path):
    """(target module, imported name or None, is the name private) for every import, plus
    private attributes read through a module bound by ``from . import x as y``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _absolute(module, path, node.level, node.module)
            if not target.startswith("solvable"):
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}"
                if full in MODULES:                      # a submodule
                    found.append((full, None))
                    aliases[alias.asname or alias.name] = full
                else:
                    found.append((target, alias.name))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    found.append((alias.name, None))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases):
            found.append((aliases[node.value.id], node.attr))
    return found


def _private(name: str | None) -> bool:
    return name is not None and name.startswith("_") and not name.startswith("__")


def _graph():
    edges = {m: set() for m in MODULES}
    private = []
    for module, path in MODULES.items():
        for target, name in _imports(module, path):
            if target == module or target not in MODULES:
                continue
            if module.startswith(target + "."):      # a submodule naming its own package
                if name is not None and f"{target}.{name}" not in MODULES:
                    edges[module].add(target)        # ... for an object: a real dependency
                continue
            edges[module].add(target)
            if _private(name) and f"{target}.{name}" not in MODULES and name != "_config":
                private.append(f"{module} takes {target}.{name}")
    return edges, private


def _cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_checker_sees_a_circle_and_a_private_name():
    """The checker itself: a two-module circle is found, a chain is not."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert _private("_law") and not _private("law") and not _private("__version__")
    assert "solvable.selection" in MODULES and "solvable.pools" in MODULES


def test_no_import_circles():
    edges, _ = _graph()
    assert _cycles(edges) == []


def test_no_circles_between_top_level_units():
    """Packages seen as one unit each (`solvable.pools`, `solvable.smc`, `solvable.figures`):
    still no circle, so a newcomer can read the package folder by folder, bottom up."""
    edges, _ = _graph()

    def unit(module):
        return ".".join(module.split(".")[:2])

    units = {unit(m): set() for m in edges}
    for module, targets in edges.items():
        units[unit(module)] |= {unit(t) for t in targets if unit(t) != unit(module)}
    assert _cycles(units) == []


def test_no_private_name_imported_from_another_module():
    _, private = _graph()
    assert private == []


def test_the_simulator_module_has_its_own_name():
    """`solvable.simulate` is a function only; the simulator's module is `solvable.simulation`."""
    assert "solvable.simulation" in MODULES and "solvable.simulate" not in MODULES
    source = "\n".join(p.read_text(encoding="utf-8") for p in MODULES.values())
    assert "__class__ =" not in source          # no module swaps its own class


@pytest.mark.parametrize("module", ["solvable._kernel", "solvable._laws", "solvable._quadrature",
                                    "solvable._students", "solvable.smc._walk"])
def test_shared_private_modules_import_nothing_above_them(module):
    """The shared private modules sit below every public module that uses them."""
    edges, _ = _graph()
    public_users = {m for m, targets in edges.items() if module in targets}
    assert public_users, f"{module} is used by no module"

    def below(m, seen):
        for t in edges[m]:
            if t not in seen:
                seen.add(t)
                below(t, seen)
        return seen

    assert not (below(module, set()) & public_users)
