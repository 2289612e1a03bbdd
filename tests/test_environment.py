"""The conda file and the pip lock must pin the same packages at the same versions."""

from pathlib import Path

import yaml

from caseseries.model.environment import environment_yml, lock_pins

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_pins_exactly_the_lock():
    lock = lock_pins((ROOT / "requirements.lock").read_text())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    conda_pins = lock_pins("\n".join(p for p in pip if "==" in p))
    assert conda_pins == lock, "environment.yml disagrees with requirements.lock: run `make lock`"
    assert "python=3.11" in env["dependencies"]


def test_environment_yml_is_what_make_lock_writes():
    lock = lock_pins((ROOT / "requirements.lock").read_text())
    assert (ROOT / "environment.yml").read_text() == environment_yml(lock)


def declared() -> list[str]:
    """The distributions pyproject.toml names: dependencies and every optional group (normalised names)."""
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for group in project["optional-dependencies"].values() for r in group]
    return [re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", r).group(0)).lower() for r in requirements]


def test_lock_pins_every_declared_dependency():
    lock = lock_pins((ROOT / "requirements.lock").read_text())
    assert [name for name in declared() if name not in lock] == [], "run `make lock`"
    assert len(declared()) >= 20  # the test reads the real file


def test_every_package_the_code_imports_is_declared():
    """A module of a distribution that is only there because another one needs it may go with its next version."""
    import ast
    import importlib.metadata
    import re
    import sys

    names = set()
    for path in (ROOT / "src" / "caseseries").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module.split(".")[0])
    third_party = sorted(n for n in names - set(sys.stdlib_module_names) if n != "caseseries")
    assert "pandas" in third_party and "yaml" in third_party
    distributions = importlib.metadata.packages_distributions()
    undeclared = {name: distributions.get(name) for name in third_party
                  if not {re.sub(r"[-_.]+", "-", d).lower() for d in distributions.get(name, [])} & set(declared())}
    assert undeclared == {}, "declare these in pyproject.toml's dependencies, then `make lock`"
