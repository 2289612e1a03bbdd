"""The kept notebooks are the expected outputs: nbval fails for a case whose file changed."""

import os
import subprocess
import sys
from pathlib import Path

from conftest import copy_fixture_project, run_cli

CASE = "fx-cervix-calendar"
BEFORE, AFTER = "value: 9.0", "value: 47.3"  # SCCA two weeks before the surgery


def nbval(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-kernel-name", "caseseries", "-p", "no:cacheprovider",
         "-q", str(root / "reports/cases" / f"{CASE}.ipynb")],
        cwd=root, capture_output=True, text=True, timeout=300, env={**os.environ, "CASESERIES_ROOT": str(root)})


def test_nbval_fails_until_a_changed_case_is_re_rendered(tmp_path):
    project = copy_fixture_project(tmp_path)
    rendered = run_cli("render", CASE, root=project)
    assert rendered.returncode == 0, rendered.stderr
    assert nbval(project).returncode == 0

    case_file = project / "data/cases" / f"{CASE}.yaml"
    text = case_file.read_text()
    assert text.count(BEFORE) == 1
    case_file.write_text(text.replace(BEFORE, AFTER))
    out = nbval(project)
    assert out.returncode == 1
    assert "47.3" in out.stdout
