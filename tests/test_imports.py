"""The package's import graph: no circle, and no module imports one of a higher layer.

Data flows one way (YAML -> model -> timeline -> tables -> figures -> notebook -> HTML/exports);
the layers below say where each module stands. Every import counts, the ones inside functions too:
a lazy import is still a dependency. A new module must be given its layer here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "caseseries"

LAYERS = {
    # the case model: files and their errors, dates, the schema, the one model of time, loading and checks
    "model": ["paths", "yamlfile", "interrupts", "environment", "files", "messages", "dates", "model", "drugs",
              "timeline", "disclosure", "checks", "load", "schema", "skeleton", "synth"],
    # what is read off a case: tables, figures, metrics, the series, teaching stages, CARE, the exported formats
    "views": ["tables", "metrics", "timescale", "plots", "series", "series_plots", "care", "selfcheck", "stages",
              "api", "exports.dates", "exports.fhir", "exports.cbioportal", "exports.phenopacket"],
    # what is made of them: notebook sections, renders, kernels, decks, the index, files of exports, widgets
    "outputs": ["report", "series_report", "kernels", "render", "reveal", "slide_html", "slide_fit", "slides",
                "stagedeck", "index", "exports", "interactive", "plot"],
    "cli": ["cli", ""],  # "" is the package itself (caseseries/__init__.py)
}
RANK = {module: n for n, modules in enumerate(LAYERS.values()) for module in modules}


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


def test_every_module_has_a_layer():
    assert sorted(set(graph()) - set(RANK)) == [], "give each new module its layer in LAYERS"
    assert sorted(set(RANK) - set(graph())) == [], "LAYERS names modules that no longer exist"


def test_no_import_circle():
    assert circles(graph()) == []


def test_no_module_imports_a_higher_layer():
    layer = {m: name for name, modules in LAYERS.items() for m in modules}
    upward = [f"{m or 'caseseries'} ({layer[m]}) imports {d} ({layer[d]})"
              for m, deps in sorted(graph().items()) for d in sorted(deps) if RANK.get(d, -1) > RANK.get(m, 99)]
    assert upward == []


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
