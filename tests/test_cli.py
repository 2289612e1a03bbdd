"""The command line, run as a real process: exit codes, stdout, stderr, no tracebacks."""

from pathlib import Path
from conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return run_cli(*args)


def test_list_prints_one_line_per_case():
    out = run("list")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert [line.split("  ")[0] for line in lines] == sorted(p.stem for p in (ROOT / "data/cases").glob("*.yaml"))
    assert all("  " in line and line.split("  ", 1)[1] for line in lines)


def test_validate_passes_on_the_published_cases():
    out = run("validate")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "4 case files valid"


def test_validate_reports_every_error_on_stderr_and_exits_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("case_id: bad\ntitle: x\ncolour: red\n")
    out = run("validate", str(bad))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert f"{bad}:3: colour: unknown key 'colour'" in out.stderr
    assert f"{bad}:1: source: missing (required)" in out.stderr
    assert f"{bad}:1: outcome: missing (required)" in out.stderr


def test_table_prints_csv_with_a_header():
    out = run("table", "toripalimab-iiic2p", "markers")
    assert out.returncode == 0
    header, *rows = out.stdout.splitlines()
    assert header.startswith("analyte,date,precision,value,unit")
    assert any(r.startswith("SCCA,2018-11") and ",61.1,ng/ml," in r and "< 1.5 ng/ml" in r for r in rows)


def test_table_markdown():
    out = run("table", "socazolimab-xu2025", "radiotherapy", "--format", "markdown")
    assert out.returncode == 0 and " 61.25 |" in out.stdout and " 76.3 |" in out.stdout


def test_unknown_case_suggests_the_closest():
    out = run("table", "toripalimab", "markers")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "no case 'toripalimab'" in out.stderr and "did you mean 'toripalimab-iiic2p'" in out.stderr
