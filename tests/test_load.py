"""Each class of bad input gives one clear line: file:LINE: path: what was found and expected.

Drug names are checked against the fixture project's drug reference (tests/fixtures/project).
"""

import pytest

from caseseries.model.load import CaseFileError, load_case, load_cases
from conftest import MINIMAL

LOC = "locator: {section: Case}"
pytestmark = pytest.mark.usefixtures("fixture_root")


def errors_of(path):
    with pytest.raises(CaseFileError) as exc:
        load_case(path)
    return exc.value.errors


def test_minimal_case_loads(case_file):
    case = load_case(case_file(MINIMAL))
    assert case.case_id == "x" and case.events == []


def test_unknown_key_names_line_and_suggests(case_file):
    path = case_file(MINIMAL + "evnets: []\n")
    [error] = errors_of(path)
    assert error.endswith("x.yaml:11: evnets: unknown key 'evnets' (did you mean 'events'?)")


def test_negative_dose(case_file):
    path = case_file(MINIMAL + f"""
regimens:
  - id: r1
    setting: first line
    modality: chemotherapy
    start: 2024-01
    {LOC}
    agents:
      - drug: cisplatin
        dose: -5
        unit: mg/m2
        {LOC}
""")
    [error] = errors_of(path)
    assert error.endswith("x.yaml:20: regimens[0].agents[0].dose: expected a positive number, found '-5'")


def test_wrong_type(case_file):
    path = case_file(MINIMAL + f"""
radiotherapy:
  - id: rt
    kind: external beam
    start: 2024-01
    {LOC}
    targets:
      - name: pelvis
        total_dose_gy: 45
        fractions: many
        {LOC}
""")
    [error] = errors_of(path)
    assert error.endswith("radiotherapy[0].targets[0].fractions: expected a whole number, found 'many'")


def test_impossible_date(case_file):
    path = case_file(MINIMAL + f"""
events:
  - id: dx
    kind: diagnosis
    date: 2019-13
    label: Diagnosis
    {LOC}
""")
    [error] = errors_of(path)
    assert "x.yaml:15: events[0].date: month 13 does not exist" in error
    assert "found '2019-13'" in error


def test_end_before_start(case_file):
    path = case_file(MINIMAL + f"""
regimens:
  - id: r1
    setting: first line
    modality: chemotherapy
    start: 2020-03
    end: 2020-01
    {LOC}
    agents:
      - drug: cisplatin
        {LOC}
""")
    [error] = errors_of(path)
    assert error.endswith("x.yaml:17: regimens[0].end: ends before it starts: end 2020-01 is before start 2020-03")


def test_event_after_last_contact(case_file):
    path = case_file(MINIMAL + f"""
events:
  - id: late
    kind: imaging
    date: 2024-07-01
    label: CT
    {LOC}
""")
    [error] = errors_of(path)
    assert error.endswith("x.yaml:15: events[0].date: is after the last contact (outcome.last_contact)")


def test_unit_outside_the_allowed_list(case_file):
    path = case_file(MINIMAL + f"""
regimens:
  - id: r1
    setting: first line
    modality: immunotherapy
    start: 2024-01
    {LOC}
    agents:
      - drug: pembrolizumab
        dose: 200
        unit: mg/dl
        {LOC}
""")
    [error] = errors_of(path)
    assert "regimens[0].agents[0].unit: expected one of 'mg', 'mg/m2'" in error and "found 'mg/dl'" in error


def test_duplicate_ids(case_file):
    path = case_file(MINIMAL + f"""
events:
  - id: dx
    kind: diagnosis
    date: 2019
    label: Diagnosis
    {LOC}
imaging:
  - id: dx
    date: 2019
    modality: CT
    findings: mass
    {LOC}
""")
    [error] = errors_of(path)
    assert error.endswith("x.yaml:19: imaging[0].id: duplicate id 'dx' (first used at events[0].id)")


def test_missing_anchor(case_file):
    path = case_file(MINIMAL + f"""
events:
  - id: fu
    kind: follow-up
    date: rt-start + 12 months
    label: Follow-up
    {LOC}
""")
    [error] = errors_of(path)
    assert "x.yaml:15: events[0].date: anchor 'rt-start' does not exist (ids that can anchor: fu)" in error


def test_missing_locator(case_file):
    path = case_file(MINIMAL + """
events:
  - id: dx
    kind: diagnosis
    date: 2019
    label: Diagnosis
""")
    [error] = errors_of(path)
    assert error.endswith("x.yaml:13: events[0].locator: missing (required)")


def test_case_id_must_match_file_name(case_file):
    [error] = errors_of(case_file(MINIMAL, name="y"))
    assert error.endswith("y.yaml:1: case_id: expected the file name 'y', found 'x'")


def test_every_error_of_a_file_is_reported(case_file):
    path = case_file(MINIMAL.replace("status: alive", "status: alive-ish") + "colour: red\n")
    errors = errors_of(path)
    assert len(errors) == 2
    assert any("outcome.status: expected one of" in e for e in errors)
    assert any("unknown key 'colour'" in e for e in errors)


def test_invalid_yaml_names_the_line(case_file):
    [error] = errors_of(case_file(MINIMAL + "events: [\n"))
    assert "x.yaml:" in error and "not valid YAML" in error


def test_duplicate_yaml_key(case_file):
    [error] = errors_of(case_file(MINIMAL + "title: again\n"))
    assert error.endswith("x.yaml:11: duplicate key 'title'")


def test_nothing_is_executed_from_yaml(case_file):
    path = case_file(MINIMAL + "neutral_title: !!python/object/apply:os.system ['echo pwned']\n")
    [error] = errors_of(path)
    assert "not valid YAML" in error


def test_not_a_mapping(case_file):
    [error] = errors_of(case_file("- just\n- a list\n"))
    assert error.endswith("x.yaml:1: expected a mapping of case fields, found list")


def test_load_cases_collects_the_errors_of_every_file(case_file, tmp_path):
    case_file(MINIMAL.replace("case_id: x", "case_id: wrong"), name="a")
    case_file(MINIMAL.replace("case_id: x", "case_id: other"), name="b")
    with pytest.raises(CaseFileError) as exc:
        load_cases(cases_dir=tmp_path)
    assert len(exc.value.errors) == 2
