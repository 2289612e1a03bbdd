"""Rules across items of a case (model/checks.py): which rule fires for a given case, where, and what it says.

Each test builds a small case of its own (validated by the model, so it is one a case file could hold) and
reads ``case_problems``: a list of (path in the file, message). The drug rules run against a small reference
made here, whose classes, groups and targets the tests name: the loader's tests (test_load.py) check that
these problems reach the user as ``file:LINE: path: message``.
"""

from __future__ import annotations

import copy
import re

import pytest

from caseseries.model.case import Case
from caseseries.model.checks import case_problems
from caseseries.model.drugs import Drug, agent_info

LOC = {"section": "Case"}
BASE = {
    "case_id": "x",
    "title": "A small case",
    "source": {"citation": "Someone 2024", "doi": "10.1/x", "patient": "the only patient"},
    "outcome": {"status": "alive", "last_contact": "2024-05", "locator": LOC},
}
UNKNOWN_LAST_CONTACT = {"status": "alive", "last_contact": "unknown", "locator": LOC}


def make(**fields) -> Case:
    """The base case with these top-level fields set (replaced, not merged)."""
    return Case.model_validate({**copy.deepcopy(BASE), **fields})


def event(id: str, date: str, kind: str = "imaging", **more) -> dict:
    return {"id": id, "kind": kind, "date": date, "label": f"Event {id}", "locator": LOC, **more}


def agent(drug: str = "cisplatin", **more) -> dict:
    return {"drug": drug, "locator": LOC, **more}


def regimen(id: str, start: str, *agents: dict, modality: str = "chemotherapy", **more) -> dict:
    return {"id": id, "setting": "first line", "modality": modality, "start": start,
            "agents": list(agents) or [agent()], "locator": LOC, **more}


def course(id: str, start: str, **more) -> dict:
    return {"id": id, "kind": "external beam", "start": start, "locator": LOC, **more}


def scan(id: str, date: str) -> dict:
    return {"id": id, "date": date, "modality": "CT", "findings": "a mass", "locator": LOC}


def question(id: str, decision_point: str, text: str) -> dict:
    return {"id": id, "decision_point": decision_point, "question": text, "locator": LOC}


def discrepancy(id: str) -> dict:
    return {"id": id, "topic": "a count", "statements": [{"says": "two", "locator": LOC},
                                                          {"says": "three", "locator": LOC}]}


def duration(of: str | None = None, **more) -> dict:
    return {"name": "time on treatment", "value": 6, "locator": LOC, **({"of": of} if of else {}), **more}


def drug(name: str, drug_class: str, group: str, target: str | None = None) -> Drug:
    return Drug.model_validate({"name": name, "class": drug_class, "group": group, "target": target,
                                "source": {"reference": "test reference"}})


# The drug reference of these tests. Its groups, in the order of the group list: immune checkpoint inhibitor,
# immunostimulant, angiogenesis inhibitor, taxane, platinum compound, antimetabolite. No drug of the groups
# alkylating agent, topoisomerase inhibitor, other targeted agent or antibody-drug conjugate.
REFERENCE = {d.name: d for d in (
    drug("cisplatin", "platinum compound", "platinum compound"),
    drug("carboplatin", "platinum compound", "platinum compound"),
    drug("oxaliplatin", "platinum compound", "platinum compound"),
    drug("paclitaxel", "taxane", "taxane"),
    drug("pemetrexed", "folic acid analogue", "antimetabolite"),
    drug("pembrolizumab", "anti-PD-1 monoclonal antibody", "immune checkpoint inhibitor", "PD-1"),
    drug("nivolumab", "anti-PD-1 monoclonal antibody", "immune checkpoint inhibitor", "PD-1"),
    drug("atezolizumab", "anti-PD-L1 monoclonal antibody", "immune checkpoint inhibitor", "PD-L1"),
    drug("avelumab", "anti-PD-L1 monoclonal antibody", "immune checkpoint inhibitor", "PD-L1"),
    drug("bevacizumab", "anti-VEGF monoclonal antibody", "angiogenesis inhibitor", "VEGF"),
    drug("sargramostim", "granulocyte-macrophage colony-stimulating factor (GM-CSF)", "immunostimulant"),
)}
GROUPS_THERE = ("immune checkpoint inhibitor, immunostimulant, angiogenesis inhibitor, taxane, platinum compound, "
                "antimetabolite")
ADD_A_DRUG = ("Add it there with its class, group, target and source (data/reference/README.md says how), or, "
              "if the source does not name the drug, write `drug: not stated` with its class or group")


def problems(case: Case, **kwargs) -> list:
    return case_problems(case, **kwargs)


def drug_problems(*agents: dict, known=REFERENCE, broken=()) -> list:
    """The problems of a case whose one regimen gives these agents, checked against the reference."""
    return case_problems(make(regimens=[regimen("r1", "2024-01", *agents)]), known_drugs=known, broken_drugs=broken)


AGENT = ("regimens", 0, "agents", 0)


# ---------------------------------------------------------------- the case as a whole


def test_a_case_without_cross_item_problems_has_none():
    case = make(events=[event("dx", "2024-01", kind="diagnosis")], regimens=[regimen("r1", "dx + 1 month")],
                radiotherapy=[course("rt", "2024-03", end="2024-04", regimen="r1")])
    assert problems(case, file_stem="x", known_drugs=REFERENCE) == []


@pytest.mark.parametrize("stem, expected", [
    (None, []),  # no file: nothing to compare
    ("x", []),
    ("y", [(("case_id",), "expected the file name 'y', found 'x'")]),
])
def test_the_case_id_is_the_file_name(stem, expected):
    assert problems(make(), file_stem=stem) == expected


def test_a_duplicate_id_stops_the_date_checks_but_not_the_others():
    # a duplicate id makes every offset to it ambiguous: no date rule runs; the file name, the regimens of the
    # courses and the drugs are still checked
    case = make(events=[event("dx", "2024-01"), event("late", "2024-03", end="2024-02")],
                imaging=[scan("dx", "2024-01")], radiotherapy=[course("rt", "2024-01", regimen="r9")],
                regimens=[regimen("r1", "2024-01", agent("examplumab"))])
    found = problems(case, file_stem="y", known_drugs=REFERENCE)
    assert [path for path, _ in found] == [("case_id",), ("imaging", 0, "id"), ("radiotherapy", 0, "regimen"),
                                           ("regimens", 0, "agents", 0, "drug")]


def test_every_date_rule_runs_on_one_case():
    case = make(events=[event("dx", "2024-03", end="2024-02"), event("late", "2024-09")],
                outcome={**BASE["outcome"], "durations": [duration(of="nothing")]},
                source={**BASE["source"], "dates": {"received": "2024-02", "accepted": "2024-01"}},
                markers=[{"analyte": "CEA", "date": "missing + 1 month", "observation": "raised", "locator": LOC}])
    assert sorted(path for path, _ in problems(case)) == sorted([
        ("events", 0, "end"), ("events", 1, "date"), ("outcome", "durations", 0, "of"),
        ("source", "dates", "accepted"), ("markers", 0, "date")])


def test_the_drugs_are_checked_only_against_a_reference():
    case = make(regimens=[regimen("r1", "2024-01", agent("examplumab"))])
    assert problems(case) == []
    assert [path for path, _ in problems(case, known_drugs=REFERENCE)] == [("regimens", 0, "agents", 0, "drug")]


# ---------------------------------------------------------------- ids


@pytest.mark.parametrize("first, second", [
    ("events", "regimens"), ("regimens", "radiotherapy"), ("radiotherapy", "imaging"), ("imaging", "discrepancies"),
    ("discrepancies", "questions"), ("events", "events"),
])
def test_a_duplicate_id_names_where_it_was_first_used(first, second):
    items = {"events": lambda: event("dup", "2024-01"), "regimens": lambda: regimen("dup", "2024-01"),
             "radiotherapy": lambda: course("dup", "2024-01"), "imaging": lambda: scan("dup", "2024-01"),
             "discrepancies": lambda: discrepancy("dup"), "questions": lambda: question("dup", "2024-01", "What?")}
    fields = {first: [items[first]()]}
    fields.setdefault(second, []).append(items[second]())
    index = len(fields[second]) - 1
    assert problems(make(**fields)) == [((second, index, "id"), f"duplicate id 'dup' (first used at {first}[0].id)")]


def test_a_third_use_of_an_id_also_names_the_first():
    case = make(events=[event("a", "2024-01"), event("dup", "2024-01"), event("dup", "2024-02")],
                imaging=[scan("dup", "2024-01")])
    assert problems(case) == [(("events", 2, "id"), "duplicate id 'dup' (first used at events[1].id)"),
                              (("imaging", 0, "id"), "duplicate id 'dup' (first used at events[1].id)")]


# ---------------------------------------------------------------- dates that cannot be placed


def test_a_date_that_cannot_be_placed_is_reported_from_the_timeline():
    case = make(events=[event("fu", "rt-start + 12 months")])
    [(path, message)] = problems(case)
    assert path == ("events", 0, "date") and message.startswith("anchor 'rt-start' does not exist")


# ---------------------------------------------------------------- ends before starts


@pytest.mark.parametrize("field, item, start, end", [
    ("events", lambda **d: event("e", **d), "date", "end"),
    ("regimens", lambda **d: regimen("r", **d), "start", "end"),
    ("regimens", lambda **d: regimen("r", **d), "start", "ongoing_as_of"),
    ("radiotherapy", lambda **d: course("rt", **d), "start", "end"),
    ("reference_limits", lambda **d: {"analyte": "CEA", "upper": 5, "unit": "ng/mL", "locator": LOC, **d},
     "valid_from", "valid_until"),
])
def test_an_item_that_ends_before_it_starts_is_named_at_its_end(field, item, start, end):
    first = item(**{start: "2020-01", end: "2020-02"})  # in order
    if field != "reference_limits":
        first["id"] += "0"
    second = item(**{start: "2020-03", end: "2020-01"})
    assert problems(make(**{field: [first, second]})) == [
        ((field, 1, end), f"ends before it starts: {end} 2020-01 is before {start} 2020-03")]


@pytest.mark.parametrize("start, end", [
    ("2020-03", "2020-03"),      # the same day
    ("2020-03", "2020-03-01"),   # within the month it starts: not certainly before
    ("2020-03-15", "2020-03"),
    ("unknown", "2020-01"),      # an unknown start is never after anything
])
def test_an_end_that_may_be_on_or_after_the_start_is_no_problem(start, end):
    assert problems(make(events=[event("e", start, end=end)])) == []


# ---------------------------------------------------------------- the last contact


def test_what_lies_after_the_last_contact_is_named():
    case = make(events=[event("dx", "2024-01"), event("late", "2024-07")],
                reference_limits=[{"analyte": "CEA", "upper": 5, "unit": "ng/mL", "valid_from": "2020",
                                   "valid_until": "2030", "locator": LOC}],
                markers=[{"analyte": "CEA", "date": "2024-08", "value": 3, "unit": "ng/mL", "locator": LOC}],
                imaging=[scan("ct", "2024-06-02")])
    assert problems(case) == [(("events", 1, "date"), "is after the last contact (outcome.last_contact)"),
                              (("markers", 0, "date"), "is after the last contact (outcome.last_contact)"),
                              (("imaging", 0, "date"), "is after the last contact (outcome.last_contact)")]


def test_a_limit_a_question_or_a_duration_origin_may_lie_after_the_last_contact():
    # a reference limit is valid over a period, a question's decision point and a duration's origin are not
    # events of the story: none of them is held to the last contact
    case = make(reference_limits=[{"analyte": "CEA", "upper": 5, "unit": "ng/mL", "valid_from": "2025",
                                   "locator": LOC}],
                questions=[question("q", "2024-09", "What next?")],
                outcome={**BASE["outcome"], "durations": [duration(origin="2024-12", qualifier="about")]},
                markers=[{"analyte": "CEA", "date": "2024-08", "value": 3, "unit": "ng/mL", "locator": LOC}])
    assert [path for path, _ in problems(case)] == [("markers", 0, "date")]


@pytest.mark.parametrize("last_contact, late", [("unknown", "2030"), ("2024-05", "2024-05-31")])
def test_nothing_is_after_a_last_contact_that_is_unknown_or_may_be_later(last_contact, late):
    case = make(events=[event("late", late)], outcome={**BASE["outcome"], "last_contact": last_contact})
    assert problems(case) == []


# ---------------------------------------------------------------- reported durations


@pytest.mark.parametrize("of, ok", [
    (None, True), ("dx", True), ("r1", True), ("rt", True),
    ("ct", False),  # an imaging study has no length
    ("nothing", False),
])
def test_a_duration_is_of_an_event_regimen_or_course_of_the_case(of, ok):
    case = make(events=[event("dx", "2024-01")], regimens=[regimen("r1", "2024-01")],
                radiotherapy=[course("rt", "2024-02")], imaging=[scan("ct", "2024-01")],
                outcome={**BASE["outcome"], "durations": [duration(), duration(of)]})
    expected = [] if ok else [(("outcome", "durations", 1, "of"),
                               f"'{of}' is not the id of an event, regimen or radiotherapy course of this case")]
    assert problems(case) == expected


# ---------------------------------------------------------------- radiotherapy courses of a regimen


@pytest.mark.parametrize("regimens, named, expected", [
    (["r1"], "r1", None),
    (["r1"], "r11", "'r11' (did you mean 'r1'?) is not the id of a regimen of this case (regimens: r1)"),
    (["crt", "maintenance"], "chemo", "'chemo' is not the id of a regimen of this case (regimens: crt, maintenance)"),
    ([], "crt", "'crt' is not the id of a regimen of this case (regimens: none)"),
])
def test_a_course_names_a_regimen_of_the_case(regimens, named, expected):
    case = make(regimens=[regimen(r, "2024-01") for r in regimens],
                radiotherapy=[course("rt0", "2024-01"), course("rt1", "2024-01", regimen=named)])
    assert problems(case) == ([] if expected is None else [(("radiotherapy", 1, "regimen"), expected)])


# ---------------------------------------------------------------- the article's own dates


@pytest.mark.parametrize("dates, expected", [
    ({"received": "2020-03", "accepted": "2020-04", "published": "2024-06"}, []),
    ({"received": "2020-03", "accepted": "2020-03-10", "published": "2024-06"}, []),  # may be the same month
    ({"received": "2020-03", "accepted": "2020-01"}, [("accepted", "accepted 2020-01 is before received 2020-03")]),
    ({"received": "2024-07", "published": "2024-06"}, [("published", "published 2024-06 is before received 2024-07")]),
    ({"accepted": "2024-07", "published": "2024-06"}, [("published", "published 2024-06 is before accepted 2024-07")]),
    ({"received": "2024-07", "accepted": "2024-08", "published": "2024-06"},
     [("published", "published 2024-06 is before received 2024-07"),
      ("published", "published 2024-06 is before accepted 2024-08")]),
])
def test_the_article_dates_are_in_order(dates, expected):
    case = make(source={**BASE["source"], "dates": dates})
    assert problems(case) == [(("source", "dates", field), message) for field, message in expected]


def test_nothing_of_the_case_lies_after_the_publication():
    case = make(source={**BASE["source"], "dates": {"published": "2024-02"}},
                events=[event("dx", "2024-01"), event("late", "2024-03")],
                reference_limits=[{"analyte": "CEA", "upper": 5, "unit": "ng/mL", "valid_from": "2024-04",
                                   "valid_until": "2030", "locator": LOC}],  # an open period may end later
                markers=[{"analyte": "CEA", "date": "2024-05", "value": 3, "unit": "ng/mL", "locator": LOC}],
                outcome=UNKNOWN_LAST_CONTACT)
    message = "is after the publication of the source (source.dates.published 2024-02)"
    assert problems(case) == [(("events", 1, "date"), message), (("reference_limits", 0, "valid_from"), message),
                              (("markers", 0, "date"), message)]


def test_without_a_publication_date_only_the_order_of_the_others_is_checked():
    case = make(source={**BASE["source"], "dates": {"received": "2020-01", "accepted": "2020-02"}},
                events=[event("dx", "2024-01")])
    assert problems(case) == []


# ---------------------------------------------------------------- teaching questions


SPOILER = ("names {words}, which only a treatment after its decision point ({point}) uses ({item}): a spoiler in "
           "the teaching view; move the decision point to when that treatment is known, or word the question "
           "without it")


def story(*questions: dict, **fields) -> Case:
    """Diagnosis in January, pembrolizumab from March, stereotactic radiosurgery in April."""
    return make(events=[event("dx", "2024-01", kind="diagnosis")],
                regimens=[regimen("pembro", "2024-03", agent("pembrolizumab"), modality="immunotherapy")],
                radiotherapy=[course("srs", "2024-04", technique="stereotactic radiosurgery")],
                questions=list(questions), **fields)


@pytest.mark.parametrize("text, words, item", [
    ("Would you start pembrolizumab?", "'pembrolizumab'", "pembro"),
    ("Is immunotherapy with pembrolizumab an option?", "'immunotherapy', 'pembrolizumab'", "pembro"),
    ("Would you offer radiosurgery?", "'radiosurgery'", "srs"),
    ("Radiosurgery, or immunotherapy?", "'immunotherapy'", "pembro"),  # one line a question: the first course
    ("Is stereotactic treatment an option?", "'stereotactic'", "srs"),  # the course's technique
    ("Would external beam radiation help?", "'beam', 'external'", "srs"),  # the course's kind
])
def test_a_question_that_names_a_later_treatment_gives_it_away(text, words, item):
    case = story(question("q0", "dx", "What is the stage?"), question("q1", "dx", text))
    assert problems(case) == [(("questions", 1, "question"), SPOILER.format(words=words, point="dx", item=item))]


def test_every_question_is_checked():
    case = story(question("q0", "dx", "Would you start pembrolizumab?"), question("q1", "dx", "Radiosurgery?"))
    assert problems(case) == [
        (("questions", 0, "question"), SPOILER.format(words="'pembrolizumab'", point="dx", item="pembro")),
        (("questions", 1, "question"), SPOILER.format(words="'radiosurgery'", point="dx", item="srs"))]


def test_a_treatment_known_by_the_decision_point_may_be_named():
    assert problems(story(question("q", "2024-03-31", "Would you add radiosurgery to pembrolizumab?"))) == [
        (("questions", 0, "question"), SPOILER.format(words="'radiosurgery'", point="2024-03-31", item="srs"))]
    assert problems(story(question("q", "srs", "Would you add radiosurgery to pembrolizumab?"))) == []


def test_a_word_the_case_uses_before_the_decision_point_gives_nothing_away():
    # pembrolizumab was given before the decision point: naming it again tells the reader nothing new
    earlier = regimen("first", "2023-10", agent("pembrolizumab"), modality="immunotherapy", end="2023-12")
    later = regimen("pembro", "2024-03", agent("pembrolizumab"), modality="immunotherapy")
    case = make(events=[event("dx", "2024-01", kind="diagnosis")], regimens=[earlier, later],
                questions=[question("q", "dx", "Would you restart pembrolizumab?")])
    assert problems(case) == []
    # the full title gives the story away, and a teaching view does not show it: it hides nothing
    case = story(question("q", "dx", "Would you start pembrolizumab?"), title="Pembrolizumab in a small case")
    assert [path for path, _ in problems(case)] == [("questions", 0, "question")]


def test_a_question_whose_decision_point_cannot_be_an_as_of_date_is_left_to_the_date_checks():
    case = story(question("q0", "unknown", "Would you start pembrolizumab?"),
                 question("q1", "dx", "Would you start pembrolizumab?"))
    assert problems(case) == [(("questions", 1, "question"),
                               SPOILER.format(words="'pembrolizumab'", point="dx", item="pembro"))]


def test_questions_are_not_checked_while_a_date_cannot_be_placed():
    case = story(question("q", "dx", "Would you start pembrolizumab?"))
    broken = story(question("q", "dx", "Would you start pembrolizumab?"),
                   markers=[{"analyte": "CEA", "date": "nothing + 1 month", "observation": "raised", "locator": LOC}])
    assert [path for path, _ in problems(case)] == [("questions", 0, "question")]
    assert [path for path, _ in problems(broken)] == [("markers", 0, "date")]


def test_a_question_may_name_a_treatment_by_its_class_or_group():
    case = make(events=[event("dx", "2024-01", kind="diagnosis")],
                regimens=[regimen("r1", "2024-03", agent("not stated", group="immune checkpoint inhibitor"),
                                  agent("not stated", **{"class": "folic acid analogue"}), name="maintenance",
                                  modality="chemo-immunotherapy")],
                questions=[question("q", "dx", "A checkpoint inhibitor, or a folic analogue maintenance?")])
    assert problems(case) == [(("questions", 0, "question"), SPOILER.format(
        words="'analogue', 'checkpoint', 'folic', 'inhibitor', 'maintenance'", point="dx", item="r1"))]


# ---------------------------------------------------------------- named drugs


def test_a_drug_missing_from_the_reference_says_how_to_add_it():
    assert drug_problems(agent("examplumab")) == [
        (AGENT + ("drug",), f"unknown drug 'examplumab': not in data/reference/drugs.yaml. {ADD_A_DRUG}")]


def test_the_drug_problem_names_its_regimen_and_agent():
    case = make(regimens=[regimen("r1", "2024-01"), regimen("r2", "2024-02", agent("paclitaxel"), agent("cisplatine"))])
    [(path, message)] = problems(case, known_drugs=REFERENCE)
    assert path == ("regimens", 1, "agents", 1, "drug") and message.startswith("unknown drug 'cisplatine'")


@pytest.mark.parametrize("name, hint", [
    ("cisplatine", " (did you mean 'cisplatin'?)"),
    ("avolumab", " (did you mean 'avelumab' or 'nivolumab'?)"),
    ("xplatin", ""),  # like three drugs, none closely enough to be a typo
    ("Cisplatin", " (did you mean 'cisplatin'?)"),
])
def test_a_misspelt_drug_gets_the_names_spelt_alike(name, hint):
    assert drug_problems(agent(name)) == [
        (AGENT + ("drug",), f"unknown drug '{name}'{hint}: not in data/reference/drugs.yaml. {ADD_A_DRUG}")]


def test_a_drug_in_another_case_is_the_same_drug_whatever_class_the_case_gives():
    # only the case of the letters differs: the reference's cisplatin, even if the class given is another
    [(_, message)] = drug_problems(agent("Cisplatin", **{"class": "taxane"}))
    assert message.startswith("unknown drug 'Cisplatin' (did you mean 'cisplatin'?): not in "
                               "data/reference/drugs.yaml. Add it")


@pytest.mark.parametrize("written", ["Not stated", "NOT STATED"])
def test_not_stated_is_written_in_lower_case(written):
    assert drug_problems(agent(written, group="taxane")) == [
        (AGENT + ("drug",), f"unknown drug '{written}' (did you mean 'not stated'?): write it in lower case")]


@pytest.mark.parametrize("given, hint, peers", [
    ({"class": "anti-PD-1 monoclonal antibody"}, "nivolumab",
     "class 'anti-PD-1 monoclonal antibody': nivolumab, pembrolizumab"),
    ({"class": "anti-PD-L1 monoclonal antibody"}, None,  # spelt like nivolumab, but that is another class
     "class 'anti-PD-L1 monoclonal antibody': atezolizumab, avelumab"),
    ({"class": "GM-CSF"}, None, "class 'GM-CSF': sargramostim"),  # a form of the reference's class
    ({"class": "immune checkpoint inhibitor"}, "nivolumab",  # a group named as the class: the group's drugs
     "class 'immune checkpoint inhibitor': atezolizumab, avelumab, nivolumab, pembrolizumab"),
    ({"group": "immune checkpoint inhibitor"}, "nivolumab",
     "group 'immune checkpoint inhibitor': atezolizumab, avelumab, nivolumab, pembrolizumab"),
    ({"target": "pd-1"}, "nivolumab", "target 'pd-1': nivolumab, pembrolizumab"),
    ({"class": "immune checkpoint inhibitor", "target": "PD-L1"}, None,
     "class 'immune checkpoint inhibitor' and target 'PD-L1': atezolizumab, avelumab"),
    ({"group": "immune checkpoint inhibitor", "target": "pd-1"}, "nivolumab",
     "group 'immune checkpoint inhibitor' and target 'pd-1': nivolumab, pembrolizumab"),
    ({"class": "anti-PD-1 monoclonal antibody", "target": "PD-L1"}, None, None),
])
def test_an_unknown_drug_of_a_given_class_is_offered_only_the_drugs_of_that_class(given, hint, peers):
    [(path, message)] = drug_problems(agent("nivolumb", **given))
    did_you_mean = f" (did you mean '{hint}'?)" if hint else ""
    listed = f" (its drugs of {peers})" if peers else (
        " (no drug of class 'anti-PD-1 monoclonal antibody' and target 'PD-L1' in it yet)")
    assert (path, message) == (AGENT + ("drug",), f"unknown drug 'nivolumb'{did_you_mean}: not in "
                                                  f"data/reference/drugs.yaml{listed}. {ADD_A_DRUG}")


@pytest.mark.parametrize("given, what", [
    ({"class": "alkylating agent"}, "class 'alkylating agent'"),  # a group of the list, without drugs here
    ({"group": "topoisomerase inhibitor"}, "group 'topoisomerase inhibitor'"),
    ({"target": "CTLA-4"}, "target 'CTLA-4'"),
])
def test_an_unknown_drug_of_a_class_the_reference_lacks_says_so(given, what):
    [(_, message)] = drug_problems(agent("ipilimumab", **given))
    assert message == (f"unknown drug 'ipilimumab': not in data/reference/drugs.yaml (no drug of {what} in it yet). "
                       f"{ADD_A_DRUG}")


def test_a_drug_whose_reference_entry_is_broken_is_left_to_the_reference():
    assert drug_problems(agent("examplumab"), agent("carboplatin", group="taxane"), agent("cisplatine"),
                         broken={"examplumab", "carboplatin"}) == [
        (("regimens", 0, "agents", 2, "drug"), f"unknown drug 'cisplatine' (did you mean 'cisplatin'?): not in "
                                               f"data/reference/drugs.yaml. {ADD_A_DRUG}")]


@pytest.mark.parametrize("given", [{}, {"class": "interferon"}])
def test_a_misspelt_drug_gets_at_most_three_names(given):
    alfas = ("interferon alfa-2a", "interferon alfa-2b", "interferon alfa-n1", "interferon alfa-n3")
    reference = {n: drug(n, "interferon", "immunostimulant") for n in alfas}
    [(path, message)] = drug_problems(agent("interferon alfa", **given), known=reference)
    offered = re.search(r"\(did you mean (.*?)\?\)", message)[1].split(" or ")
    assert len(offered) == 3 and set(offered) < {f"'{n}'" for n in alfas}  # four alike: three of them
    listed = " (its drugs of class 'interferon': " + ", ".join(alfas) + ")" if given else ""
    assert message.endswith(f": not in data/reference/drugs.yaml{listed}. {ADD_A_DRUG}")


def test_a_list_of_names_checks_the_names_only():
    known = ["cisplatin", "paclitaxel"]
    assert drug_problems(agent("cisplatin", group="taxane"), agent("not stated", group="alkylating agent"),
                         known=known) == []
    # without classes to go by, a name is offered by its spelling alone, whatever class the case gives
    assert drug_problems(agent("not stated", group="taxane"), agent("cisplatine", **{"class": "taxane"}),
                         known=known) == [
        (("regimens", 0, "agents", 1, "drug"), f"unknown drug 'cisplatine' (did you mean 'cisplatin'?): not in "
                                               f"data/reference/drugs.yaml. {ADD_A_DRUG}")]


@pytest.mark.parametrize("given, expected", [
    ({"group": "platinum compound", "target": None}, []),
    ({"group": "taxane"}, [("group", "group 'taxane' disagrees with data/reference/drugs.yaml, where cisplatin is "
                                     "'platinum compound'")]),
    ({"target": "DNA"}, [("target", "target 'DNA' disagrees with data/reference/drugs.yaml, where cisplatin "
                                    "targets nothing (a cytotoxic)")]),
    ({"group": "taxane", "target": "DNA"},
     [("group", "group 'taxane' disagrees with data/reference/drugs.yaml, where cisplatin is 'platinum compound'"),
      ("target", "target 'DNA' disagrees with data/reference/drugs.yaml, where cisplatin targets nothing (a "
                 "cytotoxic)")]),
])
def test_a_named_drug_group_and_target_are_those_of_its_entry(given, expected):
    given = {k: v for k, v in given.items() if v is not None}
    assert drug_problems(agent("cisplatin", **given)) == [(AGENT + (f,), m) for f, m in expected]


@pytest.mark.parametrize("target, ok", [("PD-1", True), ("pd-1", True), ("PD-L1", False)])
def test_a_named_drug_target_is_compared_whatever_the_case_of_its_letters(target, ok):
    expected = [] if ok else [(AGENT + ("target",), f"target '{target}' disagrees with data/reference/drugs.yaml, "
                                                    "where pembrolizumab targets PD-1")]
    assert drug_problems(agent("pembrolizumab", target=target, group="immune checkpoint inhibitor")) == expected


# ---------------------------------------------------------------- unnamed agents (drug: not stated)


@pytest.mark.parametrize("given", [
    {"class": "platinum compound"},
    {"class": "Platinum  Compound"},  # any case and spacing
    {"class": "GM-CSF"},  # the part in brackets of a reference class
    {"class": "angiogenesis inhibitor"},  # a group of the reference named as the class
    {"class": "anti-PD-1 monoclonal antibody", "group": "immune checkpoint inhibitor", "target": "PD-1"},
    {"class": "anti-PD-L1 monoclonal antibody", "target": "PD-1"},  # the target of another drug of its group
    {"group": "taxane"},
    {"group": "taxane", "target": "tubulin"},  # no drug of the group names a target: nothing to compare
    {"group": "immune checkpoint inhibitor", "target": "PD-L1"},
])
def test_an_unnamed_agent_of_a_class_or_group_the_reference_knows_is_accepted(given):
    assert drug_problems(agent("not stated", **given)) == []


def test_an_unnamed_agent_is_not_checked_against_a_list_of_names():
    assert drug_problems(agent("not stated", group="alkylating agent"), known=["cisplatin"]) == []


@pytest.mark.parametrize("drug_class, hint", [
    ("vinca alkaloid", ""),
    ("taxanes", " (did you mean 'taxane'?)"),
    ("platinum-based", " (did you mean 'platinum compound'?)"),  # shares 'platinum', a word of 5 letters or more
    ("folic antagonist", " (did you mean 'folic acid analogue'?)"),  # 'folic': five letters are enough
    ("anti-tubulin drug", ""),  # 'anti' is too short to go by
    ("monoclonal antibody against CTLA-4",  # two spelt alike, and one more sharing its words
     " (did you mean 'anti-vegf monoclonal antibody' or 'anti-pd-1 monoclonal antibody' or "
     "'anti-pd-l1 monoclonal antibody'?)"),
    ("macrophage-stimulating antibody",  # at most three: one spelt alike, then two sharing a word
     " (did you mean 'granulocyte-macrophage colony-stimulating factor' or 'anti-pd-1 monoclonal antibody' or "
     "'anti-pd-l1 monoclonal antibody'?)"),
    ("checkpoint blocker", " (did you mean 'immune checkpoint inhibitor'?)"),  # a group is a class too
    ("PD-1 monoclonal inhibitor",  # two spelt alike at most: the third is a class sharing a word
     " (did you mean 'anti-pd-1 monoclonal antibody' or 'anti-pd-l1 monoclonal antibody' or "
     "'angiogenesis inhibitor'?)"),
])
def test_an_unnamed_agent_of_an_unknown_class_gets_the_classes_alike(drug_class, hint):
    assert drug_problems(agent("not stated", **{"class": drug_class})) == [
        (AGENT + ("class",), f"class '{drug_class}'{hint} is not a class of data/reference/drugs.yaml: give a class "
                             f"as it words it (the `class` of its entries), or the group (one of: {GROUPS_THERE})")]


def test_an_unnamed_agent_group_agrees_with_its_class():
    assert drug_problems(agent("not stated", group="taxane", target="PD-1",
                               **{"class": "anti-PD-1 monoclonal antibody"})) == [
        (AGENT + ("group",), "group 'taxane' disagrees with class 'anti-PD-1 monoclonal antibody', whose group in "
                             "data/reference/drugs.yaml is 'immune checkpoint inhibitor'")]


def test_an_unnamed_agent_group_must_have_drugs_in_the_reference():
    assert drug_problems(agent("not stated", group="alkylating agent", target="DNA")) == [
        (AGENT + ("group",), "group 'alkylating agent' has no drug in data/reference/drugs.yaml: give the class the "
                             f"source words, or add a drug of that group there first (its groups: {GROUPS_THERE})")]


@pytest.mark.parametrize("written", ["alkylating agent", "Alkylating  Agent"])
def test_an_unnamed_agent_class_that_is_a_group_without_drugs_is_refused_as_that_group_is(written):
    assert drug_problems(agent("not stated", **{"class": written})) == [
        (AGENT + ("class",), f"class '{written}' is the group 'alkylating agent', which has no drug in "
                             "data/reference/drugs.yaml: give a class as it words it (the `class` of its entries), "
                             f"or add a drug of that group there first (its groups: {GROUPS_THERE})")]


@pytest.mark.parametrize("given, target, hint", [
    ({"group": "immune checkpoint inhibitor"}, "PD1", " (did you mean 'PD-1'?)"),
    ({"group": "immune checkpoint inhibitor"}, "CTLA-4", ""),
    ({"class": "anti-PD-1 monoclonal antibody"}, "PD-L2", " (did you mean 'PD-L1'?)"),
])
def test_an_unnamed_agent_target_is_one_of_its_group(given, target, hint):
    assert drug_problems(agent("not stated", target=target, **given)) == [
        (AGENT + ("target",), f"target '{target}'{hint} is not a target of the group 'immune checkpoint inhibitor' "
                              "in data/reference/drugs.yaml (targets there: PD-1, PD-L1)")]


@pytest.mark.parametrize("target", ["PD-1", "pd-1", "Pd-1"])
def test_an_unnamed_agent_target_is_one_target_whatever_the_case_of_its_letters(target):
    # as for a named drug: accepted, and read as the reference writes it, so that the series groups them as one
    given = agent("not stated", group="immune checkpoint inhibitor", target=target)
    assert drug_problems(given) == []
    info = agent_info(make(regimens=[regimen("r1", "2024-01", given)]).regimens[0].agents[0], REFERENCE)
    assert (info.target, info.label) == ("PD-1", "immune checkpoint inhibitor (PD-1), drug not stated")
