"""The format says what real case reports say (issue 12, section 2).

Unnamed agents (class or group only), cytokines and their units, regimens that combine
radiotherapy with drugs, radiotherapy whose kind or dose is not given, the article's own
dates, notes on any item, every error of a file and of the drug reference in one run, and
cases of other cancers. The complete invented cases are in tests/fixtures/format/ and are
checked against the project's own drug reference (data/reference/drugs.yaml), since adding
their drugs there is part of the format; the README's examples of these forms are checked
too. On data/cases only what holds for any case.
"""

from __future__ import annotations

import re
import textwrap
import typing
from pathlib import Path

import pytest
import yaml
from conftest import CASES, MINIMAL, ROOT

from caseseries.model import drugs, case as model
from caseseries.model.load import CaseFileError, check_case_file, load_case, load_cases, validate_files
from caseseries.model.paths import project_root

FORMAT = Path(__file__).resolve().parent / "fixtures" / "format"
LOC = "locator: {section: Case}"


def errors_of(path) -> list[str]:
    with pytest.raises(CaseFileError) as exc:
        load_case(path)
    return exc.value.errors


def with_regimen(*agents: str, modality: str = "chemotherapy", extra: str = "") -> str:
    """MINIMAL plus one regimen whose agents are the given YAML blocks (each without its locator)."""
    items = "".join(f"      - {textwrap.indent(a.strip(), '        ').lstrip()}\n        {LOC}\n" for a in agents)
    return MINIMAL + f"""
regimens:
  - id: r1
    setting: first line
    modality: {modality}
    start: 2024-01
    {LOC}
    agents:
{items}""" + extra


@pytest.fixture(scope="module")
def reference():
    return drugs.load_reference(drugs.reference_path(ROOT))


@pytest.fixture(scope="module")
def fixtures():
    return {p.stem: load_case(p) for p in sorted(FORMAT.glob("*.yaml"))}


# ------------------------------------------------------------------ the fixture cases of other cancers


def test_the_format_fixtures_validate_against_the_project_reference():
    paths = sorted(FORMAT.glob("*.yaml"))
    assert [p.stem for p in paths] == ["fmt-lung-adenocarcinoma", "fmt-melanoma-ipi-nivo", "fmt-radio-immunotherapy"]
    result = validate_files(paths)
    assert result.ok, "\n".join(result.lines())
    assert result.reference is not None and result.reference.path == drugs.reference_path(ROOT)


def test_a_lung_adenocarcinoma_with_egfr_alk_pd_l1_a_tki_and_cea(fixtures, reference):
    case = fixtures["fmt-lung-adenocarcinoma"]
    assert {b.name for b in case.diagnosis.biomarkers} == {"EGFR", "ALK", "PD-L1"}
    assert case.diagnosis.stages[0].system == "AJCC 8th"
    pd_l1 = next(b for b in case.diagnosis.biomarkers if b.name == "PD-L1")
    assert pd_l1.score_type is None and "TPS or a CPS" in model.notes_of(pd_l1)[0]  # an ambiguity: a note
    tki = case.regimens[0].agents[0]
    info = drugs.agent_info(tki, reference)
    assert (info.name, info.group, info.target, info.kind) == ("osimertinib", "other targeted agent", "EGFR",
                                                             "targeted therapy")
    assert {m.analyte for m in case.markers} == {"CEA"}
    platinum = drugs.agent_info(case.regimens[1].agents[0], reference)
    assert not platinum.named and platinum.group == "platinum compound" and platinum.kind == "chemotherapy"
    assert platinum.label == "platinum compound, drug not stated"


def test_a_melanoma_on_ipilimumab_and_nivolumab_with_immune_related_adverse_events(fixtures, reference):
    case = fixtures["fmt-melanoma-ipi-nivo"]
    first = case.regimens[0]
    assert [(a.drug, a.dose, a.unit) for a in first.agents] == [("ipilimumab", 3, "mg/kg"), ("nivolumab", 1, "mg/kg")]
    assert [i.target for i in drugs.checkpoint_agents(first.agents, reference)] == ["CTLA-4", "PD-1"]
    assert all(drugs.is_immunotherapy(r, reference) for r in case.regimens)
    assert {a.term for a in case.adverse_events if a.observed} == {"immune-related colitis", "hypophysitis"}
    assert [m.analyte for m in case.markers] == ["LDH", "LDH"]


def test_radio_immunotherapy_with_gm_csf_il2_and_an_unnamed_pd1_inhibitor(fixtures, reference):
    case = fixtures["fmt-radio-immunotherapy"]
    crt, rit = case.regimens
    assert (crt.modality, rit.modality) == ("chemoradiotherapy", "radio-immunotherapy")
    assert [(a.drug, a.dose, a.unit) for a in rit.agents] == [
        ("sargramostim", 200, "ug"), ("aldesleukin", 2, "MIU"), ("not stated", None, None)]
    gm_csf, il2, unnamed = (drugs.agent_info(a, reference) for a in rit.agents)
    assert gm_csf.group == il2.group == "immunostimulant" and gm_csf.kind == "immunotherapy"
    assert not gm_csf.is_checkpoint_inhibitor
    assert unnamed.is_checkpoint_inhibitor and unnamed.target == "PD-1" and unnamed.kind == "immunotherapy"
    assert unnamed.label == "immune checkpoint inhibitor (PD-1), drug not stated"
    assert [i.label for i in drugs.checkpoint_agents(rit.agents, reference)] == [unnamed.label]
    assert drugs.is_immunotherapy(rit, reference) and not drugs.is_immunotherapy(crt, reference)
    assert drugs.regimen_therapies(rit, reference) == {"radiotherapy", "immunotherapy"}
    assert drugs.regimen_therapies(crt, reference) == {"radiotherapy", "chemotherapy"}
    courses = {c.regimen: c for c in case.radiotherapy}
    assert set(courses) == {"crt", "rit"}
    dose_free = courses["rit"]
    assert dose_free.kind == "not stated" and dose_free.technique is None
    assert [(t.total_dose_gy, t.dose_per_fraction_gy) for t in dose_free.targets] == [(None, None)]


def test_the_fixture_agents_name_only_drugs_of_the_reference(fixtures, reference):
    named = {a.drug for c in fixtures.values() for r in c.regimens for a in r.agents if a.named}
    assert named == {"osimertinib", "ipilimumab", "nivolumab", "sargramostim", "aldesleukin"}
    for name in named:
        entry = reference[name]
        assert entry.source.reference and (entry.source.url or entry.source.file), name
        assert entry.source.quote is None and (entry.source.locator is None or entry.source.file), name


# ------------------------------------------------------------------ 1. agents given by class or group


@pytest.mark.parametrize("agent, group, target", [
    ("drug: not stated\nclass: platinum compound", "platinum compound", None),
    ("drug: not stated\nclass: Platinum Compound", "platinum compound", None),  # any case
    ("drug: not stated\ngroup: immune checkpoint inhibitor", "immune checkpoint inhibitor", None),
    ("drug: not stated\ngroup: immune checkpoint inhibitor\ntarget: PD-1", "immune checkpoint inhibitor", "PD-1"),
    ("drug: not stated\nclass: anti-PD-1 monoclonal antibody", "immune checkpoint inhibitor", "PD-1"),  # the class's
    ("drug: not stated\nclass: GM-CSF", "immunostimulant", None),  # the part in brackets of a reference class
])
def test_an_unnamed_agent_counts_by_the_group_its_class_or_group_gives(case_file, reference, agent, group, target):
    case = load_case(case_file(with_regimen(agent)))
    info = drugs.agent_info(case.regimens[0].agents[0], reference)
    assert (info.name, info.group, info.target) == (None, group, target)
    assert drugs.agent_group(case.regimens[0].agents[0], reference) == group
    assert drugs.agent_target(case.regimens[0].agents[0], reference) == target
    assert drugs.is_checkpoint_inhibitor(case.regimens[0].agents[0], reference) == (group == drugs.CHECKPOINT_INHIBITOR)


def test_an_unnamed_checkpoint_inhibitor_makes_its_regimen_immunotherapy_whatever_its_modality(case_file, reference):
    case = load_case(case_file(with_regimen("drug: not stated\ngroup: immune checkpoint inhibitor")))
    regimen = case.regimens[0]
    assert regimen.modality == "chemotherapy" and drugs.is_immunotherapy(regimen, reference)


@pytest.mark.parametrize("agent, where, message", [
    ("drug: not stated", "regimens[0].agents[0]", "needs the class or group the source gives"),
    ("drug: not stated\nclass: platinum-based", "regimens[0].agents[0].class",
     "class 'platinum-based' (did you mean 'platinum compound'?) is not a class of data/reference/drugs.yaml"),
    ("drug: not stated\ngroup: alkylating agent", "regimens[0].agents[0].group",
     "group 'alkylating agent' has no drug in data/reference/drugs.yaml"),
    ("drug: not stated\ngroup: checkpoint inhibitor", "regimens[0].agents[0].group", "expected one of"),
    ("drug: not stated\ngroup: immune checkpoint inhibitor\ntarget: PD1", "regimens[0].agents[0].target",
     "target 'PD1' (did you mean 'PD-1'?) is not a target of the group 'immune checkpoint inhibitor'"),
    ("drug: not stated\nclass: platinum compound\ngroup: taxane", "regimens[0].agents[0].group",
     "group 'taxane' disagrees with class 'platinum compound'"),
    ("drug: cisplatin\ngroup: taxane", "regimens[0].agents[0].group",
     "group 'taxane' disagrees with data/reference/drugs.yaml, where cisplatin is 'platinum compound'"),
    ("drug: nivolumab\ntarget: PD-L1", "regimens[0].agents[0].target",
     "target 'PD-L1' disagrees with data/reference/drugs.yaml, where nivolumab targets PD-1"),
    ("drug: Not stated\nclass: taxane", "regimens[0].agents[0].drug", "(did you mean 'not stated'?)"),
])
def test_an_agent_the_reference_cannot_place_is_refused_with_its_line(case_file, agent, where, message):
    path = case_file(with_regimen(agent))
    [error] = errors_of(path)
    assert re.match(rf"{re.escape(str(path))}:\d+: {re.escape(where)}: ", error), error
    assert message in error, error
    line = int(error.split(":")[1])
    field = where.rsplit(".", 1)[-1]
    text = path.read_text().split("\n")[line - 1]
    assert text.strip().startswith(("- drug:", f"{field}:")), (line, text)


# ------------------------------------------------------------------ 2. cytokines, units, suggestions


@pytest.mark.parametrize("written, stored", [
    ("µg", "ug"), ("μg", "ug"), ("mcg", "ug"), ("ug", "ug"), ("µg/m²", "ug/m2"), ("µg/kg", "ug/kg"),
    ("IU", "IU"), ("IU/kg", "IU/kg"), ("MIU", "MIU"), ("MIU/m²", "MIU/m2"), ("mg/kg", "mg/kg"), ("mg/m²", "mg/m2"),
])
def test_cytokine_and_per_kg_units_are_accepted_and_stored_in_ascii(case_file, written, stored):
    case = load_case(case_file(with_regimen(f"drug: sargramostim\ndose: 250\nunit: {written}", modality="immunotherapy")))
    assert case.regimens[0].agents[0].unit == stored
    assert set(model.UNITS) >= {"ug", "ug/m2", "ug/kg", "IU", "MIU", "mg/kg"}


def test_a_unit_outside_the_list_names_every_allowed_unit(case_file):
    [error] = errors_of(case_file(with_regimen("drug: aldesleukin\ndose: 600000\nunit: IU/m3")))
    assert "regimens[0].agents[0].unit: expected one of 'mg', 'mg/m2'" in error
    assert "'ug/kg', 'IU', 'IU/kg', 'MIU' or 'MIU/m2', found 'IU/m3'" in error


def test_the_reference_has_cytokines_in_a_group_of_their_own_with_a_cited_source(reference):
    for name in ("sargramostim", "molgramostim", "aldesleukin"):
        entry = reference[name]
        assert entry.group == "immunostimulant" and entry.kind == "immunotherapy", name
        assert not entry.is_checkpoint_inhibitor and "WHO ATC" in entry.source.reference, name
    assert reference["sargramostim"].drug_class == reference["molgramostim"].drug_class
    assert "GM-CSF" in reference["sargramostim"].drug_class and "IL-2" in reference["aldesleukin"].drug_class
    assert {reference[n].target for n in ("ipilimumab", "nivolumab", "osimertinib")} == {"CTLA-4", "PD-1", "EGFR"}


def test_an_unknown_drug_with_its_class_is_offered_only_drugs_of_that_class(case_file):
    [error] = errors_of(case_file(with_regimen("drug: tislelizumab\nclass: anti-PD-1 monoclonal antibody")))
    assert "unknown drug 'tislelizumab': not in data/reference/drugs.yaml" in error
    assert "(its drugs of class 'anti-PD-1 monoclonal antibody': nivolumab, pembrolizumab, toripalimab)" in error
    assert "did you mean" not in error  # toripalimab is another drug, whatever the spelling
    # a name spelt like a drug of another class: that drug is not offered when the class is known
    [error] = errors_of(case_file(with_regimen("drug: bevacizumap\nclass: anti-PD-1 monoclonal antibody")))
    assert "bevacizumab" not in error and "its drugs of class 'anti-PD-1 monoclonal antibody'" in error
    [error] = errors_of(case_file(with_regimen("drug: bevacizumap")))  # no class: the typo is offered
    assert "(did you mean 'bevacizumab'?)" in error
    # a typo within the class is offered
    [error] = errors_of(case_file(with_regimen("drug: nivolumb\ngroup: immune checkpoint inhibitor")))
    assert "(did you mean 'nivolumab'?)" in error and "its drugs of group 'immune checkpoint inhibitor'" in error


def test_an_unknown_drug_says_how_to_add_it_with_its_source(case_file):
    [error] = errors_of(case_file(with_regimen("drug: tislelizumab")))
    assert "did you mean" not in error  # no drug of the reference is spelt like it
    assert "Add it there with its class, group, target and source (data/reference/README.md says how)" in error
    assert "write `drug: not stated` with its class or group" in error
    [error] = errors_of(case_file(with_regimen("drug: relatlimab\nclass: anti-LAG-3 monoclonal antibody")))
    assert "(no drug of class 'anti-LAG-3 monoclonal antibody' in it yet)" in error


# ------------------------------------------------------------------ 3. and 4. radiotherapy with drugs, without dose


COURSE = """
radiotherapy:
  - id: rt
    kind: {kind}
    start: 2024-02{regimen}
    {targets}
    {locator}
"""


def course(kind="not stated", regimen="", targets="targets: [{name: neck lymph nodes, " + LOC + "}]",
           locator=LOC) -> str:
    return COURSE.format(kind=kind, regimen=f"\n    regimen: {regimen}" if regimen else "", targets=targets,
                         locator=locator)


@pytest.mark.parametrize("modality", ["radio-immunotherapy", "chemoradiotherapy", "radio-chemo-immunotherapy"])
def test_a_regimen_with_radiotherapy_and_the_course_that_names_it(case_file, modality):
    case = load_case(case_file(with_regimen("drug: cisplatin", modality=modality, extra=course(regimen="r1"))))
    assert case.radiotherapy[0].regimen == "r1" and "radiotherapy" in model.modality_parts(modality)


def test_a_course_names_a_regimen_that_exists(case_file):
    path = case_file(with_regimen("drug: cisplatin", modality="chemoradiotherapy", extra=course(regimen="r11")))
    line = path.read_text().split("\n").index("    regimen: r11") + 1
    [error] = errors_of(path)
    assert error == (f"{path}:{line}: radiotherapy[0].regimen: 'r11' (did you mean 'r1'?) is not the id of a "
                     "regimen of this case (regimens: r1)")


def test_kind_technique_and_dose_not_stated_and_no_targets_are_allowed(case_file):
    case = load_case(case_file(MINIMAL + course()))
    assert case.radiotherapy[0].kind == "not stated" and case.radiotherapy[0].targets[0].total_dose_gy is None
    case = load_case(case_file(MINIMAL + course(kind="external beam", targets="targets: []")))
    assert case.radiotherapy[0].targets == []
    [error] = errors_of(case_file(MINIMAL + course(locator="")))
    assert error.endswith("radiotherapy[0].locator: missing (required)")


def test_a_stated_dose_per_fraction_must_still_match(case_file):
    targets = f"targets: [{{name: neck, total_dose_gy: 50, fractions: 25, dose_per_fraction_gy: 2.5, {LOC}}}]"
    [error] = errors_of(case_file(MINIMAL + course(targets=targets)))
    assert "dose_per_fraction_gy: 2.5 Gy does not match 50.0 Gy in 25 fractions" in error


# ------------------------------------------------------------------ 5. the article's own dates


def with_dates(dates: str, extra: str = "") -> str:
    return MINIMAL.replace("  patient: the only patient\n",
                           f"  patient: the only patient\n  dates: {dates}\n"
                           "  last_follow_up_as_stated: \"By May 2024\"\n") + extra


def test_source_dates_are_read_at_their_precision(case_file):
    case = load_case(case_file(with_dates("{received: 2024-06-03, accepted: 2024-08, published: 2024-09-15}")))
    dates = case.source.dates
    assert (str(dates.received), str(dates.accepted), str(dates.published)) == ("2024-06-03", "2024-08", "2024-09-15")
    assert case.source.last_follow_up_as_stated == "By May 2024"


@pytest.mark.parametrize("dates, where, message", [
    ("{received: 2024-06, accepted: 2024-05-30}", "source.dates.accepted", "accepted 2024-05-30 is before received 2024-06"),
    ("{received: 2024-06, published: 2024}", None, None),  # 2024 may be after June: not certainly before
    ("{accepted: 2024-07, published: 2024-06-30}", "source.dates.published", "published 2024-06-30 is before accepted 2024-07"),
    ("{published: surgery + 2 months}", "source.dates.published", "expected a calendar date like 2024, 2024-03"),
    ("{published: early 2024}", "source.dates.published", "expected a calendar date"),
    ("{}", "source.dates", "expected at least one of received, accepted or published"),
    ("{published: 2024-06-31}", "source.dates.published", "day 2024-06-31 does not exist"),
])
def test_source_dates_are_calendar_dates_in_order(case_file, dates, where, message):
    path = case_file(with_dates(dates))
    if where is None:
        load_case(path)
        return
    [error] = errors_of(path)
    assert f"x.yaml:7: {where}: " in error, error  # the line of `dates:`
    assert message in error, error


def test_nothing_of_the_case_may_lie_after_the_publication(case_file):
    event = f"""
events:
  - id: fu
    kind: follow-up
    date: 2024-05-20
    label: Follow-up
    {LOC}
"""
    path = case_file(with_dates("{published: 2024-05-10}", event))
    errors = errors_of(path)
    assert [e.split(": ", 2)[1:] for e in errors] == [
        ["events[0].date", "is after the publication of the source (source.dates.published 2024-05-10)"]]
    # the last contact, May 2024, may be on or before the 10th: only what is certainly after is refused
    errors = errors_of(case_file(with_dates("{published: 2024-04}")))
    assert [e.split(": ", 2)[1] for e in errors] == ["outcome.last_contact"]
    load_case(case_file(with_dates("{published: 2024-06}", event)))


# ------------------------------------------------------------------ 6. notes


def models_with_a_locator() -> list[type]:
    found, todo = {}, [model.Case]
    while todo:
        cls = todo.pop()
        for info in cls.model_fields.values():
            for arg in _types(info.annotation):
                if isinstance(arg, type) and issubclass(arg, model.Strict) and arg.__name__ not in found:
                    found[arg.__name__] = arg
                    todo.append(arg)
    return sorted(found.values(), key=lambda c: c.__name__)


def _types(annotation):
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _types(arg)


def test_every_item_and_the_source_take_notes():
    with_notes = {c.__name__ for c in models_with_a_locator() if "notes" in c.model_fields}
    items = {c.__name__ for c in models_with_a_locator() if "locator" in c.model_fields} - {"Statement"}
    assert items <= with_notes
    assert {"Source", "Patient", "Diagnosis", "Event", "Regimen", "Agent", "RadiotherapyCourse", "RadiotherapyTarget",
            "Marker", "Imaging", "AdverseEvent", "Biomarker", "Stage", "Outcome", "Discrepancy"} <= with_notes


def test_notes_are_text_or_a_list_of_text(case_file):
    text = MINIMAL.replace("  locator: {section: Case}\n", "  notes: [first reading, second reading]\n"
                           "  locator: {section: Case}\n")
    case = load_case(case_file(text.replace("  patient: the only patient\n",
                                            "  patient: the only patient\n  notes: Abstract only.\n")))
    assert model.notes_of(case.outcome) == ["first reading", "second reading"]
    assert model.notes_of(case.source) == ["Abstract only."] and model.notes_of(case.patient) == []
    for bad in ("3", "[]", "[a, 3]", "{a: b}"):
        [error] = errors_of(case_file(MINIMAL.replace("  locator: {section: Case}\n",
                                                      f"  notes: {bad}\n  locator: {{section: Case}}\n")))
        assert "outcome.notes: expected text or a list of text" in error, error


def test_no_case_file_leaves_a_reading_to_a_comment_the_reader_cannot_see():
    """What the reader needs is in notes: no value of a published case points to a YAML comment."""
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        values = [v for v in _leaves(data) if isinstance(v, str)]
        assert not [v for v in values if "see comment" in v], path.name


def _leaves(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    else:
        yield node


# ------------------------------------------------------------------ 7. every error in one run


def test_a_model_error_an_unknown_drug_and_a_bad_date_come_in_one_run_in_line_order(case_file):
    path = case_file(with_regimen("drug: examplumab", "drug: cisplatin\ndose: -5\nunit: mg", extra=f"""
events:
  - id: dx
    kind: diagnosis
    date: 2024-02
    end: 2024-01
    label: Diagnosis
    {LOC}
""").replace("  status: alive\n", "  status: alive-ish\n"))
    errors = errors_of(path)
    assert [e.split(": ", 2)[1] for e in errors] == [
        "outcome.status", "regimens[0].agents[0].drug", "regimens[0].agents[1].dose", "events[0].end"]
    assert "unknown drug 'examplumab'" in errors[1] and "ends before it starts" in errors[3]
    lines = [int(e.split(":")[1]) for e in errors]
    assert lines == sorted(lines)


def test_a_refused_field_hides_nothing_else_and_nothing_about_it_is_invented(case_file):
    """A refused field is stood in for: the item still anchors offsets, and its other checks run."""
    path = case_file(MINIMAL + f"""
events:
  - id: dx
    kind: diagnosys
    date: 2024-01
    label: Diagnosis
    {LOC}
  - id: fu
    kind: follow-up
    date: dx + 2 months
    end: 2024-02
    label: Follow-up
    {LOC}
""")
    errors = errors_of(path)
    assert len(errors) == 2, errors
    assert "events[0].kind: expected one of" in errors[0]
    assert "events[1].end: ends before it starts" in errors[1]


def test_a_refused_item_is_set_aside_and_offsets_from_it_are_not_reported_missing(case_file):
    path = case_file(MINIMAL + f"""
regimens:
  - id: r1
    setting: first line
    modality: chemotherapy
    start: 2024-01
    end: 2024-03
    ongoing_as_of: 2024-04
    {LOC}
    agents:
      - drug: cisplatin
        {LOC}
imaging:
  - id: ct
    date: r1 + 1 month
    modality: CT
    findings: smaller
    {LOC}
events:
  - id: late
    kind: imaging
    date: 2024-07
    label: CT
    {LOC}
""")
    errors = errors_of(path)
    assert [e.split(": ", 2)[1] for e in errors] == ["regimens[0]", "events[0].date"], errors
    assert "give end or ongoing_as_of, not both" in errors[0]  # and no "anchor 'r1' does not exist" for ct


def test_a_case_id_that_is_not_the_file_name_hides_no_date_error(case_file):
    path = case_file(MINIMAL.replace("case_id: x", "case_id: y") + f"""
events:
  - id: late
    kind: imaging
    date: 2024-07
    label: CT
    {LOC}
""")
    assert [e.split(": ", 2)[1] for e in errors_of(path)] == ["case_id", "events[0].date"]


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A scratch project (data/cases, data/reference) that in-process code reads, run from its root."""
    (tmp_path / "data/cases").mkdir(parents=True)
    (tmp_path / "data/reference").mkdir()
    monkeypatch.setenv("CASESERIES_ROOT", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    project_root.cache_clear()
    yield tmp_path
    project_root.cache_clear()


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_a_broken_reference_is_reported_once_in_its_own_file_and_the_cases_are_still_checked(scratch):
    reference = (ROOT / "data/reference/drugs.yaml").read_text(encoding="utf-8")
    broken = reference.replace("  - name: carboplatin\n    class: platinum compound\n    group: platinum compound\n",
                               "  - name: carboplatin\n    class: platinum compound\n    group: platinum\n")
    assert broken != reference
    write(scratch / "data/reference/drugs.yaml", broken)
    line = broken.split("\n").index("    group: platinum") + 1
    write(scratch / "data/cases/x.yaml", with_regimen("drug: carboplatin", "drug: examplumab", extra=f"""
events:
  - id: dx
    kind: diagnosis
    date: 2024-02
    end: 2024-01
    label: Diagnosis
    {LOC}
"""))
    write(scratch / "data/cases/y.yaml", with_regimen("drug: cisplatin").replace("case_id: x", "case_id: y"))
    write(scratch / "data/cases/z.yaml", with_regimen("drug: carboplatin").replace("case_id: x", "case_id: z"))
    result = validate_files(sorted((scratch / "data/cases").glob("*.yaml")))
    lines = result.lines()
    assert lines[0] == (f"data/reference/drugs.yaml:{line}: drugs[3].group: expected one of 'immune checkpoint "
                        "inhibitor', 'immunostimulant', 'angiogenesis inhibitor', 'antibody-drug conjugate', 'other "
                        "targeted agent', 'taxane', 'platinum compound', 'antimetabolite', 'topoisomerase inhibitor' "
                        "or 'alkylating agent', found 'platinum'")
    assert sum(x.startswith("data/reference/") for x in lines) == 2 and lines[-2:] == ["data/reference/drugs.yaml invalid",
                                                                         "1 of 3 case files invalid"]
    x_errors = [x for x in lines if x.startswith("data/cases/x.yaml")]
    assert [e.split(": ", 2)[1] for e in x_errors] == ["regimens[0].agents[1].drug", "events[0].end"]
    assert not any("'carboplatin'" in e for e in lines)  # its entry's error is the reference's, said once
    assert not result.ok and set(result.errors) == {scratch / "data/cases/x.yaml"}
    # loading for a view: the reference's errors come with the case's, once for many files
    with pytest.raises(CaseFileError) as exc:
        load_cases()
    assert sum(e.startswith("data/reference/drugs.yaml:") for e in exc.value.errors) == 1


@pytest.mark.parametrize("text, message", [
    (None, "data/reference/drugs.yaml: no such file"),
    ("drugs: [\n", "data/reference/drugs.yaml:2: not valid YAML"),
    ("drugs: 3\n", "data/reference/drugs.yaml:1: drugs: expected a list"),
])
def test_an_unreadable_reference_is_reported_once_and_the_cases_are_still_checked(scratch, text, message):
    if text is not None:
        (scratch / "data/reference/drugs.yaml").write_text(text, encoding="utf-8")
    write(scratch / "data/cases/x.yaml", with_regimen("drug: cisplatin").replace("start: 2024-01", "start: 2025-01"))
    lines = validate_files([scratch / "data/cases/x.yaml"]).lines()
    assert lines[0].startswith(message), lines
    assert "regimens[0].start: is after the last contact" in lines[1]
    assert lines[-2:] == ["data/reference/drugs.yaml invalid", "1 of 1 case files invalid"]


def test_a_case_without_agents_does_not_read_the_reference(scratch):
    write(scratch / "data/cases/x.yaml", MINIMAL)
    result = validate_files([scratch / "data/cases/x.yaml"])
    assert result.ok and result.reference is None and result.lines() == []
    _, errors, reference = check_case_file(scratch / "data/cases/x.yaml")
    assert errors == [] and reference is None


# ------------------------------------------------------------------ the README's examples of these forms


def readme_forms() -> list[str]:
    text = (ROOT / "data/README.md").read_text(encoding="utf-8")
    section = text.split("## What case reports say: less common forms", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", section, re.S)


@pytest.mark.parametrize("n", range(len(readme_forms())))
def test_each_example_of_the_less_common_forms_validates(n, case_file):
    base = yaml.safe_load(MINIMAL.replace("2024-05", "2024-01"))
    form = yaml.load(readme_forms()[n], Loader=_DatesAsText)
    for key, value in form.items():
        base[key] = value
    path = case_file(yaml.safe_dump(base, allow_unicode=True, sort_keys=False))
    load_case(path)


class _DatesAsText(yaml.SafeLoader):
    pass


_DatesAsText.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def test_the_readme_shows_each_form():
    forms = "\n".join(readme_forms())
    for words in ("drug: not stated", "class: platinum compound", "group: immune checkpoint inhibitor",
                  "unit: µg", "unit: MIU", "unit: mg/kg", "modality: radio-immunotherapy", "regimen: rit",
                  "kind: not stated", "dates: {received:", "last_follow_up_as_stated", "notes:"):
        assert words in forms, words

