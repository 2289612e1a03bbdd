"""Shared fixtures: the real case files and a factory for broken copies."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "data" / "cases"


def run_cli(*args: str, root: Path = ROOT, timeout: int = 300) -> subprocess.CompletedProcess:
    """`caseseries ARGS` as a real process, in and for the project at root (CASESERIES_ROOT)."""
    return subprocess.run([sys.executable, "-m", "caseseries.cli", *args], cwd=root, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "CASESERIES_ROOT": str(root)})


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.fixture
def case_file(tmp_path):
    """Write YAML text to tmp/<case_id>.yaml and return its path."""

    def write(text: str, name: str = "x") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write


MINIMAL = """
case_id: x
title: A minimal case
source:
  citation: Someone 2024
  doi: 10.1/x
  patient: the only patient
outcome:
  status: alive
  last_contact: 2024-05
  locator: {section: Case}
"""
