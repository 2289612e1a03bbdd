"""The drug reference: every agent of the cases is known, sourced, and an unknown one fails validation.

Behaviour on the fixture project's own reference (tests/fixtures/project/data/reference);
on data/cases and data/reference only what holds for any case and any entry.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from caseseries.model import drugs
from caseseries.model.load import CaseFileError, load_case, load_cases
from conftest import FIXTURE, MINIMAL, ROOT, run_cli

SOURCES = ROOT.parent / "shared" / "sources"
LOC = "locator: {section: Case}"
UNKNOWN = "examplumab"  # an invented name: in no drug reference, now or later


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


def assert_named_drugs_are_referenced(cases, reference) -> set[str]:
    named = {a.drug for case in cases for r in case.regimens for a in r.agents}
    for name in named:
        d = reference[name]
        assert d.drug_class and d.group in drugs.GROUP_KINDS and d.source.reference, name
    return named


def test_every_drug_of_the_published_cases_is_in_the_reference_with_class_group_and_source():
    assert_named_drugs_are_referenced(load_cases(), drugs.load_reference())


def test_every_drug_of_the_fixture_cases_is_in_the_fixture_reference(cases):
    named = assert_named_drugs_are_referenced(cases.all(), drugs.load_reference())
    assert named == {"cisplatin", "carboplatin", "paclitaxel", "pembrolizumab", "osimertinib", "pemetrexed"}
    assert UNKNOWN not in drugs.load_reference()


def test_checkpoint_inhibitors_targeted_agents_and_cytotoxics(fixture_root):
    reference = drugs.load_reference()
    assert reference["pembrolizumab"].is_checkpoint_inhibitor and reference["pembrolizumab"].target == "PD-1"
    assert reference["pembrolizumab"].kind == "immunotherapy"
    tki = reference["osimertinib"]
    assert tki.kind == "targeted therapy" and not tki.is_checkpoint_inhibitor and tki.target == "EGFR"
    assert {reference[n].group for n in ("cisplatin", "carboplatin")} == {"platinum compound"}
    assert reference["paclitaxel"].group == "taxane" and reference["pemetrexed"].group == "antimetabolite"
    assert all(reference[n].target is None for n in ("cisplatin", "carboplatin", "paclitaxel", "pemetrexed"))
    assert [d.name for d in drugs.checkpoint_inhibitors(["paclitaxel", "pembrolizumab", UNKNOWN], reference)] \
        == ["pembrolizumab"]


def unquoted(reference: drugs.Reference) -> list[str]:
    """Entries whose quote is not in the source text they cite."""
    return [d.name for d in reference.values() if d.source.file
            and (d.source.locator is None or d.source.locator.quote is None
                 or d.source.locator.quote not in (SOURCES / d.source.file).read_text(encoding="utf-8"))]


@pytest.mark.skipif(not SOURCES.is_dir(), reason="the source texts are not next to the project")
def test_drugs_sourced_from_a_case_quote_it_verbatim():
    reference = drugs.load_reference()
    cited = [d for d in reference.values() if d.source.file]
    if not cited:
        pytest.skip("no entry of data/reference/drugs.yaml cites a source text")
    assert unquoted(reference) == []
    # the check can fail: the same entry with words that are not in its text
    d = cited[0]
    changed = d.model_copy(update={"source": d.source.model_copy(update={
        "locator": d.source.locator.model_copy(update={"quote": "words that are in no source text"})})})
    assert unquoted({d.name: changed}) == [d.name]


def test_unknown_drug_names_line_field_and_the_closest_known_names(fixture_root, case_file):
    path = case_file(regimen("cisplatine"))
    with pytest.raises(CaseFileError) as exc:
        load_case(path)
    [error] = exc.value.errors
    assert error.startswith(f"{path}:19: regimens[0].agents[0].drug: unknown drug 'cisplatine' (did you mean 'cisplatin'")
    assert "data/reference/drugs.yaml" in error


def test_an_invented_drug_is_refused(fixture_root, case_file):
    with pytest.raises(CaseFileError) as exc:
        load_case(case_file(regimen(UNKNOWN)))
    assert f"regimens[0].agents[0].drug: unknown drug '{UNKNOWN}'" in exc.value.errors[0]


def test_a_drug_in_capitals_is_refused_with_its_lower_case_name(fixture_root, case_file):
    with pytest.raises(CaseFileError) as exc:
        load_case(case_file(regimen("Pemetrexed")))
    assert "unknown drug 'Pemetrexed' (did you mean 'pemetrexed'?)" in exc.value.errors[0]


def test_known_drug_loads(fixture_root, case_file):
    case = load_case(case_file(regimen("pemetrexed")))
    assert case.regimens[0].agents[0].drug == "pemetrexed"


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
    root = project(tmp_path, (FIXTURE / "data/reference/drugs.yaml").read_text())
    assert validate(root).returncode == 0  # cisplatin is known
    case = root / "data/cases/x.yaml"
    case.write_text(case.read_text().replace("drug: cisplatin", f"drug: {UNKNOWN}"))
    out = validate(root)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert f"data/cases/x.yaml:19: regimens[0].agents[0].drug: unknown drug '{UNKNOWN}'" in out.stderr
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


def test_a_reference_with_a_broken_entry_keeps_its_valid_entries(tmp_path):
    text = (FIXTURE / "data/reference/drugs.yaml").read_text().replace("group: antimetabolite", "group: antimetabolites")
    path = tmp_path / "drugs.yaml"
    path.write_text(text)
    read = drugs.read_reference(path)
    assert read.readable and read.broken == {"pemetrexed"}
    assert "pemetrexed" not in read.drugs and {"cisplatin", "osimertinib"} <= set(read.drugs)
    [error] = read.errors
    assert ": drugs[5].group: expected one of 'immune checkpoint inhibitor'" in error and "'antimetabolites'" in error
    with pytest.raises(CaseFileError) as exc:
        drugs.load_reference(path)
    assert exc.value.errors == [error]


def test_a_class_is_known_whole_or_by_its_parts_and_gives_its_group_and_target(fixture_root):
    reference = drugs.load_reference()
    assert [d.name for d in drugs.drugs_of_class("EGFR tyrosine kinase inhibitor", reference)] == ["osimertinib"]
    assert [d.name for d in drugs.drugs_of_class("Platinum compound", reference)] == ["carboplatin", "cisplatin"]
    assert drugs.class_group("folic acid analogue", reference) == "antimetabolite"
    assert drugs.class_group("taxane", reference) == "taxane" and drugs.class_group("alkylating agent", reference) \
        == "alkylating agent"  # a group's name, though no drug of the reference has it
    assert drugs.class_group("anti-CD20 monoclonal antibody", reference) is None
    assert drugs.known_groups(reference) == ["immune checkpoint inhibitor", "other targeted agent", "taxane",
                                             "platinum compound", "antimetabolite"]
