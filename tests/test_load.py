"""Each class of bad input gives one clear line: file:LINE: path: what was found and expected.

Drug names are checked against the fixture project's drug reference (tests/fixtures/project).
"""

from pathlib import Path

import pytest

from caseseries.model import drugs
from caseseries.model.load import CaseFileError, case_paths, check_case_file, find_case, load_case, load_cases, validate_files
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


def test_a_file_that_cannot_be_read_is_named_once_in_the_words_of_the_yaml_reader(tmp_path):
    # a missing file is the loader's own line; a folder or a symlink to itself is a YamlError on line 1
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    assert errors_of(tmp_path / "missing.yaml") == [f"{tmp_path / 'missing.yaml'}: no such file"]
    assert errors_of(tmp_path / "folder.yaml") == [f"{tmp_path / 'folder.yaml'}:1: is a folder, not a case file (a case "
                                                   "file is a YAML text file): rename or move it"]
    [error] = errors_of(tmp_path / "loop.yaml")
    assert error.startswith(f"{tmp_path / 'loop.yaml'}:1: cannot read the file: ")


def test_load_cases_collects_the_errors_of_every_file(case_file, tmp_path):
    case_file(MINIMAL.replace("case_id: x", "case_id: wrong"), name="a")
    case_file(MINIMAL.replace("case_id: x", "case_id: other"), name="b")
    with pytest.raises(CaseFileError) as exc:
        load_cases(cases_dir=tmp_path)
    assert len(exc.value.errors) == 2


# ---------------------------------------------------------------- every error of a file in one run


def lines_of(path, reference=None) -> list[str]:
    """The errors of one file as `LINE: path: message` (the file's name taken off)."""
    case, errors, _ = check_case_file(path, reference)
    assert (case is None) == bool(errors)  # a file with errors gives no case
    return [e.removeprefix(f"{path}:") for e in errors]


EVENT = """  - id: {id}
    kind: {kind}
    date: {date}
    label: {label}
    locator: {locator}
"""


def events(*items: dict) -> str:
    """An events list: each item a dict of the fields that differ from an imaging event dated 2024-01."""
    base = {"id": "e", "kind": "imaging", "date": "2024-01", "label": "CT", "locator": "{section: Case}"}
    return "events:\n" + "".join(EVENT.format(**{**base, **item}) for item in items)


AFTER_LAST_CONTACT = "is after the last contact (outcome.last_contact)"
def regimen(id: str, start: str, end: str, drug: str = "cisplatin") -> str:
    return f"""
  - id: {id}
    setting: first line
    modality: chemotherapy
    start: {start}
    end: {end}
    {LOC}
    agents:
      - drug: {drug}
        {LOC}
"""


def test_the_errors_of_a_file_come_in_the_order_of_its_lines(case_file):
    # a rule's error (line 14) comes before the model's (an unknown key, line 17): line order, not by kind
    path = case_file(MINIMAL + events({"date": "2024-07"}) + "titel: again\n")
    assert lines_of(path) == [f"14: events[0].date: {AFTER_LAST_CONTACT}",
                              "17: titel: unknown key 'titel' (did you mean 'title'?)"]


@pytest.mark.parametrize("field, bad, message", [
    ("kind", "scan", "expected one of 'presentation', "),
    ("label", "[CT]", "expected text, found a list"),
    ("label", "''", "expected non-empty text, found ''"),
    ("locator", "Case", "expected a mapping of fields, found 'Case'"),
])
def test_a_refused_required_field_is_stood_in_for_and_the_item_still_checked(case_file, field, bad, message):
    # the event keeps its place: its date after the last contact is still reported, with the refused field
    path = case_file(MINIMAL + events({"id": "dx", "date": "2024-01"}, {"date": "2024-07", field: bad}))
    line = {"kind": 18, "label": 20, "locator": 21}[field]
    errors = sorted(lines_of(path), key=lambda e: e.startswith(f"{line}:"))  # the refused field's error last
    assert errors[0] == f"19: events[1].date: {AFTER_LAST_CONTACT}"
    assert errors[1].startswith(f"{line}: events[1].{field}: {message}") and len(errors) == 2


def test_a_refused_optional_field_is_left_out_and_the_rest_of_its_item_checked(case_file):
    # cycle_days is refused and left out; start and end, after it in the file, are still read and checked
    path = case_file(MINIMAL + f"""
regimens:
  - id: r1
    setting: first line
    modality: chemotherapy
    cycle_days: -21
    start: 2024-03
    end: 2024-02
    {LOC}
    agents:
      - drug: cisplatin
        {LOC}
""")
    assert lines_of(path) == ["16: regimens[0].cycle_days: expected a positive number, found '-21'",
                              "18: regimens[0].end: ends before it starts: end 2024-02 is before start 2024-03"]


def test_a_refused_date_hides_nothing_that_counts_from_it(case_file):
    # dx stands in as 'unknown': what counts from dx cannot be placed, and is not reported for that; dx itself
    # is still an item of the case (its end is checked), and a problem naming another item is still reported
    path = case_file(MINIMAL + events({"id": "dx", "date": "2024-13", "label": "Diagnosis\n    end: 2024-09"},
                                      {"id": "fu", "date": "between dx and 2024-04"},
                                      {"id": "late", "date": "2024-07"}) + f"""radiotherapy:
  - id: rt
    kind: external beam
    start: 2024-01
    regimen: late
    {LOC}
""")
    errors = lines_of(path)
    assert [e.split(": ", 2)[:2] for e in errors] == [["14", "events[0].date"], ["16", "events[0].end"],
                                                      ["25", "events[2].date"], ["32", "radiotherapy[0].regimen"]]
    assert "month 13 does not exist" in errors[0] and errors[1].endswith(AFTER_LAST_CONTACT)
    assert errors[2].endswith(AFTER_LAST_CONTACT) and "'late' is not the id of a regimen" in errors[3]


def test_a_refused_id_hides_nothing_that_names_it(case_file):
    long_id = "a" * 65  # an id of more than 64 characters is refused
    path = case_file(MINIMAL + events({"id": long_id}, {"id": "fu", "date": f"{long_id} + 1 month"},
                                      {"id": "late", "date": "2024-07"}))
    errors = lines_of(path)
    assert [e.split(": ", 2)[:2] for e in errors] == [["12", "events[0].id"], ["24", "events[2].date"]]


def test_an_item_stood_in_for_hides_no_error_that_only_lists_it_among_the_ids_there_are(case_file):
    # dx and r1 have refused dates: they are still listed among the ids an anchor or a course could name,
    # and the errors that list them, about other ids, are the file's own
    path = case_file(MINIMAL + events({"id": "dx", "date": "2024-13"}, {"id": "fu", "date": "nowhere + 1 month"})
                     + "regimens:" + regimen("r1", "2024-13", "unknown") + f"""radiotherapy:
  - id: rt
    kind: external beam
    start: 2024-01
    regimen: r9
    {LOC}
""")
    errors = lines_of(path)
    assert [e.split(": ", 2)[:2] for e in errors] == [["14", "events[0].date"], ["19", "events[1].date"],
                                                      ["26", "regimens[0].start"], ["36", "radiotherapy[0].regimen"]]
    assert errors[1].endswith("anchor 'nowhere' does not exist (ids that can anchor: dx, fu, r1, rt)")
    assert errors[3].endswith("'r9' is not the id of a regimen of this case (regimens: r1)")


def test_two_refused_ids_stand_in_as_two_ids(case_file):
    # were they one id, the case would have a duplicate id, and no date would be checked
    path = case_file(MINIMAL + events({"id": "Dx"}, {"id": "Fu"}, {"id": "x", "date": "2024-07"}))
    errors = lines_of(path)
    assert [e.split(": ", 2)[:2] for e in errors] == [["12", "events[0].id"], ["17", "events[1].id"],
                                                      ["24", "events[2].date"]]


def test_a_list_written_as_one_item_is_left_out_and_hides_nothing_that_names_its_item(case_file):
    path = case_file(MINIMAL + f"""imaging:
  id: ct
  date: 2024-01
  modality: CT
  findings: a mass
  {LOC}
""" + events({"id": "fu", "date": "ct + 1 month"}, {"id": "late", "date": "2024-07"}))
    assert lines_of(path) == ["11: imaging: expected a list, found a mapping", f"25: events[1].date: {AFTER_LAST_CONTACT}"]


def test_a_refused_kind_of_radiotherapy_reads_as_not_stated_and_gives_nothing_away(case_file):
    # the course stands in as of a kind not stated: a question naming external beam is no spoiler of it
    path = case_file(MINIMAL + events({"id": "dx", "kind": "diagnosis"}) + f"""radiotherapy:
  - id: rt
    kind: photon
    start: 2024-03
    {LOC}
questions:
  - id: q
    decision_point: dx
    question: Would external beam radiotherapy help?
    {LOC}
""")
    [error] = lines_of(path)
    assert error.startswith("19: radiotherapy[0].kind: expected one of 'external beam', 'brachytherapy', ")


def test_a_refused_number_without_a_stand_in_leaves_its_item_out(case_file):
    path = case_file(MINIMAL + f"""reference_limits:
  - analyte: CEA
    upper: high
    unit: ng/mL
    {LOC}
""" + events({"date": "2024-07"}))
    assert lines_of(path) == ["13: reference_limits[0].upper: expected a number, found 'high'",
                              f"19: events[0].date: {AFTER_LAST_CONTACT}"]


def test_an_item_set_aside_is_named_by_its_place_in_the_file_and_hides_what_names_it(case_file):
    # r1 has no agents: it is set aside, so r2 is the first regimen the rules see; r2's error still names
    # regimens[1], and what names r1 (a course, a duration) is not reported as a missing regimen or item
    path = case_file(MINIMAL.replace("  locator: {section: Case}\n", f"""  durations:
    - name: time on treatment
      value: 1
      of: r1
      {LOC}
  {LOC}
""") + f"""
regimens:
  - id: r1
    setting: first line
    modality: chemotherapy
    start: 2024-01
    {LOC}
""" + regimen("r2", "2024-03", "2024-02") + f"""
radiotherapy:
  - id: rt
    kind: external beam
    start: 2024-01
    regimen: r1
    {LOC}
  - id: rt2
    kind: external beam
    start: 2024-01
    regimen: r9
    {LOC}
""")
    assert lines_of(path) == [
        "18: regimens[0].agents: missing (required)",
        "28: regimens[1].end: ends before it starts: end 2024-02 is before start 2024-03",
        "43: radiotherapy[1].regimen: 'r9' is not the id of a regimen of this case (regimens: r2)"]


def test_two_errors_in_an_item_set_aside_still_let_the_rest_be_checked(case_file):
    # no agents (the regimen is set aside) and a bad start (inside what is set aside): the event is still checked
    path = case_file(MINIMAL + f"""
regimens:
  - id: r1
    setting: first line
    modality: chemotherapy
    start: 2024-13
    {LOC}
""" + events({"date": "2024-07"}))
    errors = lines_of(path)
    assert [e.split(": ", 2)[:2] for e in errors] == [["13", "regimens[0].agents"], ["16", "regimens[0].start"],
                                                      ["21", "events[0].date"]]


def test_a_list_item_refused_in_a_list_of_numbers_is_left_out(case_file):
    path = case_file(MINIMAL + f"""
diagnosis:
  tumor_size:
    - dimensions_cm: [3, -1, 2]
      method: CT
      {LOC}
""" + events({"date": "2024-07"}))
    errors = lines_of(path)
    assert errors[0].startswith("14: diagnosis.tumor_size[0].dimensions_cm[1]: expected a positive number")
    assert errors[1:] == [f"20: events[0].date: {AFTER_LAST_CONTACT}"]


def test_a_source_without_an_address_is_reported_and_the_rest_still_checked(case_file):
    path = case_file(MINIMAL.replace("  doi: 10.1/x\n", "") + events({"date": "2024-07"}))
    assert lines_of(path) == ["3: source: expected at least one of doi, url or file",
                              f"13: events[0].date: {AFTER_LAST_CONTACT}"]


def test_a_refused_patient_fact_is_reported_and_the_rest_still_checked(case_file):
    path = case_file(MINIMAL + f"""
patient:
  sex:
    value: yes
    {LOC}
""" + events({"date": "2024-07"}))
    errors = lines_of(path)
    assert [e.split(": ", 2)[:2] for e in errors] == [["14", "patient.sex.value"], ["19", "events[0].date"]]


def test_without_an_outcome_nothing_across_items_can_be_checked(case_file):
    # no stand-in for a whole outcome (nor its last contact): only the model's errors
    path = case_file(MINIMAL.split("outcome:")[0] + events({"date": "2024-03", "label": "CT\n    end: 2024-01"}))
    assert lines_of(path) == ["1: outcome: missing (required)"]


@pytest.mark.parametrize("stem", ["X", "x"])
def test_a_case_id_refused_is_reported_once_and_the_rest_still_checked(case_file, stem):
    # whatever the file's name, the refused id is not compared with it
    path = case_file(MINIMAL.replace("case_id: x", "case_id: X") + events({"date": "2024-07"}), name=stem)
    errors = lines_of(path)
    assert errors[0].startswith("1: case_id: expected an id of lower-case letters")
    assert errors[1:] == [f"14: events[0].date: {AFTER_LAST_CONTACT}"]


# ---------------------------------------------------------------- the drug reference a file is checked against


def reference_of(*names: str, errors=(), broken=(), readable=True) -> drugs.ReferenceRead:
    """A drug reference in memory: cytotoxics of these names, and errors of its own."""
    entries = {n: drugs.Drug.model_validate({"name": n, "class": "platinum compound", "group": "platinum compound",
                                             "source": {"reference": "test"}}) for n in names}
    return drugs.ReferenceRead(Path("ref/drugs.yaml"), entries, list(errors), frozenset(broken), readable)


def with_drug(drug: str) -> str:
    return MINIMAL + "regimens:" + regimen("r1", "2024-01", "2024-02", drug)


def test_a_case_without_regimens_reads_no_drug_reference(case_file):
    case, errors, reference = check_case_file(case_file(MINIMAL))
    assert case.case_id == "x" and errors == [] and reference is None


def test_a_case_with_regimens_reads_the_project_drug_reference(case_file, fixture_root):
    case, errors, reference = check_case_file(case_file(with_drug("examplumab")))
    assert case is None and reference.path == fixture_root / "data/reference/drugs.yaml"
    assert [e.split(": ", 2)[1] for e in errors] == ["regimens[0].agents[0].drug"]


def test_the_reference_given_is_the_one_used(case_file):
    given = reference_of("examplumab")
    case, errors, reference = check_case_file(case_file(with_drug("examplumab")), given)
    assert errors == [] and case.regimens[0].agents[0].drug == "examplumab" and reference is given
    assert load_case(case_file(with_drug("examplumab")), given).case_id == "x"


def test_the_errors_of_the_reference_come_after_the_file_s_own(case_file):
    given = reference_of("cisplatin", errors=["ref/drugs.yaml:3: drugs[0].group: missing (required)"])
    path = case_file(with_drug("cisplatine"))
    errors = errors_of_with(path, given)
    assert [e.split(": ", 2)[1] for e in errors] == ["regimens[0].agents[0].drug", "drugs[0].group"]
    assert errors[1] == "ref/drugs.yaml:3: drugs[0].group: missing (required)"


def errors_of_with(path, reference):
    with pytest.raises(CaseFileError) as exc:
        load_case(path, reference)
    return exc.value.errors


def test_an_unreadable_reference_checks_no_drug_name(case_file):
    given = reference_of(errors=["ref/drugs.yaml: no such file"], readable=False)
    assert errors_of_with(case_file(with_drug("examplumab")), given) == ["ref/drugs.yaml: no such file"]


def test_a_drug_whose_reference_entry_is_broken_is_reported_with_the_reference_only(case_file):
    given = reference_of("cisplatin", errors=["ref/drugs.yaml:9: drugs[1].group: missing (required)"],
                         broken={"examplumab"})
    assert errors_of_with(case_file(with_drug("examplumab")), given) == [
        "ref/drugs.yaml:9: drugs[1].group: missing (required)"]


# ---------------------------------------------------------------- many files


def test_validate_reports_the_reference_once_then_each_file_then_the_count(case_file, tmp_path, monkeypatch):
    good = case_file(with_drug("cisplatin"), name="x")
    bad = case_file(with_drug("examplumab").replace("case_id: x", "case_id: y"), name="y")
    worse = case_file(with_drug("examplumab").replace("case_id: x", "case_id: z"), name="z")
    broken = reference_of("cisplatin", errors=["ref/drugs.yaml:9: drugs[1].group: missing (required)"])
    reads = []
    monkeypatch.setattr(drugs, "read_reference", lambda: reads.append(1) or broken)
    result = validate_files([str(bad), good, worse])
    assert result.paths == [bad, good, worse] and result.reference is broken and len(reads) == 1  # read once
    assert list(result.errors) == [bad, worse] and list(result.cases) == [good]
    assert result.cases[good].case_id == "x" and not result.ok
    unknown = "regimens[0].agents[0].drug: unknown drug 'examplumab'"
    lines = result.lines()
    assert lines[0] == "ref/drugs.yaml:9: drugs[1].group: missing (required)"
    assert lines[1].startswith(f"{bad}:19: {unknown}") and lines[2].startswith(f"{worse}:19: {unknown}")
    assert lines[3:] == ["ref/drugs.yaml invalid", "2 of 3 case files invalid"]


def test_validate_counts_the_invalid_files_when_the_reference_is_sound(case_file):
    good = case_file(MINIMAL, name="x")
    bad = case_file(MINIMAL, name="y")
    result = validate_files([good, bad])
    assert result.reference is None and result.reference_errors == []
    assert result.lines() == [f"{bad}:1: case_id: expected the file name 'y', found 'x'", "1 of 2 case files invalid"]
    assert validate_files([good]).lines() == [] and validate_files([good]).ok


def test_the_case_files_are_those_named_a_folder_giving_its_yaml_files(case_file, tmp_path):
    folder = tmp_path / "more"
    folder.mkdir()
    for name in ("b", "a"):
        (folder / f"{name}.yaml").write_text(MINIMAL, encoding="utf-8")
    (folder / "notes.txt").write_text("not a case", encoding="utf-8")
    single = case_file(MINIMAL)
    assert case_paths([str(single), folder]) == [single, folder / "a.yaml", folder / "b.yaml"]
    assert case_paths(None, folder) == [folder / "a.yaml", folder / "b.yaml"]


def test_load_cases_loads_the_files_named_only(case_file, cases):
    assert [c.case_id for c in load_cases([case_file(MINIMAL)])] == ["x"]
    assert [c.case_id for c in load_cases()] == cases.ids  # none named: every case of data/cases


def test_find_case_loads_a_case_by_its_id_from_data_cases_or_the_folder_given(cases, case_file, tmp_path):
    assert find_case("fx-lung-egfr").title == cases["fx-lung-egfr"].title
    case_file(MINIMAL)
    assert find_case("x", cases_dir=tmp_path).title == "A minimal case"


@pytest.mark.parametrize("case_id, suggestion", [
    ("fx-lung", " (did you mean 'fx-lung-egfr'?)"),
    ("melanoma", ""),
])
def test_an_unknown_case_id_names_the_ids_that_exist(case_id, suggestion):
    with pytest.raises(CaseFileError) as exc:
        find_case(case_id)
    assert exc.value.errors == [f"no case '{case_id}' in tests/fixtures/project/data/cases{suggestion}; known: "
                                "fx-cervix-calendar, fx-lung-egfr, fx-relative-axis"]
