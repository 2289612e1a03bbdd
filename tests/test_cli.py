"""The command line, run as a real process: exit codes, stdout, stderr, no tracebacks.

Behaviour is checked on the fixture project; on data/cases only what holds for any case:
every file is listed and valid.
"""

import csv
import io

from conftest import FIXTURE, FIXTURE_CASES, published_ids, run_cli


def test_list_prints_one_line_per_case_file():
    for root, ids in ((None, published_ids()), (FIXTURE, sorted(p.stem for p in FIXTURE_CASES.glob("*.yaml")))):
        out = run_cli("list") if root is None else run_cli("list", root=root)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert ids and [line.split("  ")[0] for line in lines] == ids
        assert all("  " in line and line.split("  ", 1)[1] for line in lines)


def test_validate_passes_on_every_published_case_file():
    out = run_cli("validate")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == f"{len(published_ids())} case files valid"  # then the next steps


def test_validate_counts_the_files_it_checked(cases):
    out = run_cli("validate", root=FIXTURE)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == f"{len(cases.ids)} case files valid"
    named = [str(cases.path("fx-lung-egfr")), str(cases.path("fx-relative-axis"))]
    some = run_cli("validate", *named, root=FIXTURE)
    assert some.returncode == 0 and some.stdout.splitlines()[0] == f"{len(named)} case files valid"


def test_validate_reports_every_error_on_stderr_and_exits_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("case_id: bad\ntitle: x\ncolour: red\n")
    out = run_cli("validate", str(bad))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert f"{bad}:3: colour: unknown key 'colour'" in out.stderr
    assert f"{bad}:1: source: missing (required)" in out.stderr
    assert f"{bad}:1: outcome: missing (required)" in out.stderr


def test_table_prints_csv_with_a_header():
    out = run_cli("table", "fx-cervix-calendar", "markers", root=FIXTURE)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith("analyte,date,precision,value,unit")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    # the case file: SCCA 9.0 ng/mL two weeks before the surgery, under the limit of 1.5 ng/mL valid until 2020-01
    first = rows[0]  # in time order: the earliest value
    assert first["analyte"] == "SCCA" and float(first["value"]) == 9.0 and first["unit"] == "ng/mL"
    assert first["reference"] == "< 1.5 ng/mL" and float(first["times_uln"]) == 9.0 / 1.5
    # a qualitative marker: no value, its words, empty cells (not "nan")
    words = next(r for r in rows if r["observation"])
    assert words["observation"] == "returned to the normal range" and words["value"] == "" and words["times_uln"] == ""


def test_table_markdown():
    out = run_cli("table", "fx-lung-egfr", "radiotherapy", "--format", "markdown", root=FIXTURE)
    assert out.returncode == 0, out.stderr
    n, total = 3, 24.0  # the case file: 24 Gy in 3 fractions, no dose per fraction given
    d = total / n
    bed = total * (1 + d / 10)  # 43.2 Gy
    assert f" {d:g} |" in out.stdout and f" {bed:.1f} |" in out.stdout
    assert "| right frontal metastasis |" in out.stdout


def test_unknown_case_suggests_the_closest():
    out = run_cli("table", "fx-lung", "markers", root=FIXTURE)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "no case 'fx-lung'" in out.stderr and "did you mean 'fx-lung-egfr'" in out.stderr
