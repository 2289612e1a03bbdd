"""Scratch copies of the project, so that benchmarks never write into the checkout.

A copy holds the working tree as it is (uncommitted work included) minus the
environment, git, caches and rendered HTML. `with_venv=True` links the checkout's
.venv into the copy; make is then run with STAMP pointing at a fresh file of the
copy, so that make can never decide to rebuild (and write into) the shared .venv.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = {".venv", "node_modules", ".git", ".pytest_cache", "__pycache__", ".ipynb_checkpoints", "results", "build",
        ".snakemake"}
STAMP = ".bench-stamp"


def _ignore(folder: str, names: list[str]) -> set[str]:
    skipped = {n for n in names if n in SKIP or n.endswith(".egg-info")}
    if Path(folder).parent.name == "reports":
        skipped |= {n for n in names if n.endswith(".html")}
    return skipped


def copy_project(with_venv: bool, prefix: str = "caseseries-bench-") -> Path:
    """A fresh copy of the checkout in a temporary folder, node_modules linked (and .venv with with_venv); the
    caller removes it."""
    root = Path(tempfile.mkdtemp(prefix=prefix)) / "project"
    shutil.copytree(ROOT, root, ignore=_ignore, symlinks=True)
    if (ROOT / "node_modules").is_dir():  # reveal.js for the decks, as `npm ci` installed it (make bench does)
        (root / "node_modules").symlink_to(ROOT / "node_modules")
    if with_venv:
        (root / ".venv").symlink_to(ROOT / ".venv")
        (root / STAMP).touch()
    return root


def make_args(root: Path) -> list[str]:
    """`make` for a copy that shares the checkout's .venv: the stamp is the copy's own file."""
    return ["make", "--no-print-directory", f"STAMP={STAMP}"] if (root / STAMP).exists() else ["make"]


def clean_reports(root: Path) -> None:
    """Remove every rendered notebook and HTML of a copy: the next `make reports` starts from clean."""
    for path in (root / "reports").rglob("*"):
        if path.suffix in (".ipynb", ".html") and path.is_file():
            path.unlink()


def remove(root: Path) -> None:
    shutil.rmtree(root.parent, ignore_errors=True)
