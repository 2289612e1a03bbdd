"""The drug reference: every agent of the cases is known, sourced, and an unknown one fails validation."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from caseseries import drugs
from caseseries.load import CaseFileError, load_case, load_cases
from conftest import MINIMAL, run_cli

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT.parent / "shared" / "sources"
LOC = "locator: {section: Case}"


def regimen(drug: str) -> str:
    return MINIMAL + f"""
regimens:
  - id: r1
    setting: first line
    modality: chemotherapy
    start: 2024-01
    {LOC}
    agents:
      - drug: {drug}
        {LOC}
"""


@pytest.fixture(scope="module")
def reference():
    return drugs.load_reference()


def test_every_drug_of_the_cases_is_in_the_reference_with_class_group_and_source(reference):
    named = {a.drug for case in load_cases() for r in case.regimens for a in r.agents}
    assert named == {"apatinib", "bevacizumab", "carboplatin", "cisplatin", "lobaplatin", "nab-paclitaxel",
                     "paclitaxel", "paclitaxel liposome", "socazolimab", "toripalimab"}
    for name in named:
        d = reference[name]
        assert d.drug_class and d.group in drugs.GROUP_KINDS and d.source.reference


def test_checkpoint_inhibitors_and_their_targets(reference):
    assert reference["socazolimab"].is_checkpoint_inhibitor and reference["socazolimab"].target == "PD-L1"
    assert reference["toripalimab"].is_checkpoint_inhibitor and reference["toripalimab"].target == "PD-1"
    assert reference["bevacizumab"].target == "VEGF" and reference["apatinib"].target == "VEGFR-2"
    assert reference["apatinib"].kind == "targeted therapy" and not reference["apatinib"].is_checkpoint_inhibitor
    assert {reference[n].group for n in ("paclitaxel", "nab-paclitaxel", "paclitaxel liposome")} == {"taxane"}
    assert {reference[n].group for n in ("cisplatin", "carboplatin", "lobaplatin")} == {"platinum compound"}


@pytest.mark.skipif(not SOURCES.is_dir(), reason="the source texts are not next to the project")
def test_drugs_sourced_from_a_case_quote_it_verbatim(reference):
    cited = [d for d in reference.values() if d.source.file]
    assert {d.name for d in cited} >= {"socazolimab", "toripalimab"}
    for d in cited:
        text = (SOURCES / d.source.file).read_text(encoding="utf-8")
        assert d.source.locator is not None and d.source.locator.quote in text, d.name


def test_unknown_drug_names_line_field_and_the_closest_known_names(case_file):
    path = case_file(regimen("cisplatine"))
    with pytest.raises(CaseFileError) as exc:
        load_case(path)
    [error] = exc.value.errors
    assert error.startswith(f"{path}:19: regimens[0].agents[0].drug: unknown drug 'cisplatine' (did you mean 'cisplatin'")
    assert "data/reference/drugs.yaml" in error


def test_a_drug_in_capitals_is_refused_with_its_lower_case_name(case_file):
    with pytest.raises(CaseFileError) as exc:
        load_case(case_file(regimen("Toripalimab")))
    assert "unknown drug 'Toripalimab' (did you mean 'toripalimab'?)" in exc.value.errors[0]


def test_known_drug_loads(case_file):
    case = load_case(case_file(regimen("lobaplatin")))
    assert case.regimens[0].agents[0].drug == "lobaplatin"


def project(tmp_path: Path, reference_text: str | None) -> Path:
    (tmp_path / "data/cases").mkdir(parents=True)
    (tmp_path / "data/cases/x.yaml").write_text(textwrap.dedent(regimen("cisplatin")).lstrip())
    if reference_text is not None:
        (tmp_path / "data/reference").mkdir()
        (tmp_path / "data/reference/drugs.yaml").write_text(textwrap.dedent(reference_text).lstrip())
    return tmp_path


def validate(root: Path) -> subprocess.CompletedProcess:
    return run_cli("validate", root=root)


def test_validate_exits_1_naming_the_unknown_drug(tmp_path):
    root = project(tmp_path, (ROOT / "data/reference/drugs.yaml").read_text())
    case = root / "data/cases/x.yaml"
    case.write_text(case.read_text().replace("drug: cisplatin", "drug: sintilimab"))
    out = validate(root)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "data/cases/x.yaml:19: regimens[0].agents[0].drug: unknown drug 'sintilimab'" in out.stderr
    assert out.stderr.strip().endswith("1 of 1 case files invalid")


def test_missing_reference_is_named(tmp_path):
    out = validate(project(tmp_path, None))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "data/reference/drugs.yaml: no such file" in out.stderr


def test_a_case_without_regimens_needs_no_reference(tmp_path):
    root = project(tmp_path, None)
    (root / "data/cases/x.yaml").write_text(textwrap.dedent(MINIMAL).lstrip())
    assert validate(root).returncode == 0


@pytest.mark.parametrize("entry, message", [
    ("  - name: cisplatin\n    class: platinum compound\n    group: platinum\n    source: {reference: ATC}\n",
     "drugs.yaml:4: drugs[0].group: expected one of 'immune checkpoint inhibitor'"),
    ("  - name: nivolumab\n    class: anti-PD-1 monoclonal antibody\n    group: immune checkpoint inhibitor\n"
     "    source: {reference: label}\n", "drugs.yaml:2: drugs[0]: target: missing (required for the group"),
    ("  - name: cisplatin\n    clas: platinum compound\n    group: platinum compound\n    source: {reference: ATC}\n",
     "drugs.yaml:3: drugs[0].clas: unknown key 'clas' (did you mean 'class'?)"),
    ("  - name: cisplatin\n    class: platinum compound\n    group: platinum compound\n    source: {reference: ATC}\n"
     "  - name: cisplatin\n    class: platinum compound\n    group: platinum compound\n    source: {reference: ATC}\n",
     "drugs.yaml:6: drugs[1].name: duplicate drug 'cisplatin'"),
    ("  - name: cisplatin\n    class: platinum compound\n    group: platinum compound\n"
     "    source: {reference: a review, quote: remembered words}\n",
     "drugs.yaml:5: drugs[0].source: quote: a verbatim quote needs the `file`"),
])
def test_a_broken_reference_names_its_line_and_field(tmp_path, entry, message):
    out = validate(project(tmp_path, "drugs:\n" + entry))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert message in out.stderr, out.stderr


def test_validate_does_not_import_pandas():
    code = ("import sys; from caseseries.cli import main; rc = main(['validate']); "
            "sys.exit(rc or ('pandas' in sys.modules and 'pandas imported'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "CASESERIES_ROOT": str(ROOT)})
    assert out.returncode == 0, out.stderr
