"""The kept notebooks are the expected outputs: nbval fails for a case whose file changed."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = "toripalimab-iiic2p"


def nbval(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-kernel-name", "caseseries", "-p", "no:cacheprovider",
         "-q", str(root / "reports/cases" / f"{CASE}.ipynb")],
        cwd=root, capture_output=True, text=True, timeout=300, env={**os.environ, "CASESERIES_ROOT": str(root)})


def test_nbval_fails_until_a_changed_case_is_re_rendered(tmp_path):
    (tmp_path / "reports/cases").mkdir(parents=True)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "reports/cases" / f"{CASE}.ipynb", tmp_path / "reports/cases")
    assert nbval(tmp_path).returncode == 0

    case_file = tmp_path / "data/cases" / f"{CASE}.yaml"
    text = case_file.read_text()
    assert "value: 61.10" in text
    case_file.write_text(text.replace("value: 61.10", "value: 16.10", 1))
    out = nbval(tmp_path)
    assert out.returncode == 1
    assert "16.1" in out.stdout
