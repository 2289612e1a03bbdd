"""The package's import graph: no circle, and no module imports one of a higher layer.

Data flows one way (YAML -> model -> timeline -> tables -> figures -> notebook -> HTML/exports);
the subpackages model/, views/ and outputs/ are those layers, the command line stands on top.
Every import counts, the ones inside functions too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "caseseries"

LAYERS = ("model", "views", "outputs")  # the subpackages, lowest first; the command line stands on top
TOP = {"cli", "entry", "__main__", ""}  # the command line, its console script, and the package itself (caseseries/__init__.py)


def layer_of(module: str) -> int:
    """The rank of a module's layer: the subpackage it is in, or the top for the command line."""
    first = module.split(".")[0]
    return LAYERS.index(first) if first in LAYERS else len(LAYERS)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The caseseries modules a file imports (relative or absolute, at the top or inside a function); from a
    package, the modules named (``from . import drugs``), else the package."""
    here = module_name(path).split(".") if module_name(path) else []
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = (node.module or "").split(".")
            if node.level:
                target = package[:len(package) - node.level + 1] + (module if node.module else [])
            elif module[0] == "caseseries":
                target = module[1:]
            else:
                continue
            named = {".".join(target + [a.name]) for a in node.names} & modules
            found |= named or {".".join(target)}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".", 1)[1] if "." in a.name else "" for a in node.names
                      if a.name.split(".")[0] == "caseseries"}
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in imports_of(path, set(modules)) if m in modules and m != name}
            for name, path in modules.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                out.append(sorted(part))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_every_module_is_in_a_layer():
    """A module sits in model/, views/ or outputs/; only the command line stands beside them."""
    loose = sorted(m for m in graph() if m.split(".")[0] not in LAYERS and m not in TOP)
    assert loose == [], "move each module into the subpackage of its layer"


def test_no_import_circle():
    assert circles(graph()) == []


def test_no_module_imports_a_higher_layer():
    upward = [f"{m or 'caseseries'} imports {d or 'caseseries'}"
              for m, deps in sorted(graph().items()) for d in sorted(deps) if layer_of(d) > layer_of(m)]
    assert upward == []


def test_the_layer_check_sees_an_upward_import(tmp_path, monkeypatch):
    """A model module that imports from outputs/ is reported, lazily inside a function too."""
    package = tmp_path / "caseseries"
    for layer in LAYERS:
        (package / layer).mkdir(parents=True)
        (package / layer / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "model" / "dates.py").write_text("def f():\n    from caseseries.outputs import render\n")
    (package / "outputs" / "render.py").write_text("from ..model.dates import f\n")
    (package / "views" / "tables.py").write_text("from caseseries.model import dates\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", package)
    edges = graph()
    assert [(m, d) for m, deps in edges.items() for d in deps if layer_of(d) > layer_of(m)] == \
        [("model.dates", "outputs.render")]
    assert circles(edges) == [["model.dates", "outputs.render"]]


@pytest.mark.parametrize("edges, expected", [
    ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_circle_finder_finds_circles(edges, expected):
    assert circles(edges) == expected


def test_lazy_and_relative_imports_are_seen(tmp_path, monkeypatch):
    package = tmp_path / "caseseries"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .a import x\n")
    (package / "a.py").write_text("def f():\n    from .sub import b\n    import caseseries.sub.c\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("from .. import a\nfrom ..a import y\n")
    (package / "sub" / "c.py").write_text("from caseseries import a\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", package)
    assert graph() == {"": {"a"}, "a": {"sub.b", "sub.c"}, "sub": set(), "sub.b": {"a"}, "sub.c": {"a"}}
