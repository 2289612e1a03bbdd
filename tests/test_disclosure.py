"""The teaching view: disclosure.case_as_of on the fixture cases (pure function, no render).

What each view shows is worked out by hand from the fixture case files in
tests/fixtures/project/data/cases (DISCLOSURE_RULE: a fact is shown once the last day
its date can mean has passed by the end of the as-of date).
"""

from __future__ import annotations

import json

import pytest

from caseseries.views import metrics
from caseseries.model.checks import case_problems
from caseseries.model.dates import parse_date
from caseseries.model.disclosure import (DISCLOSURE_RULE, FALLBACK_TITLE, WITHHELD, DisclosureError, as_of_label,
                                   as_of_point, as_of_words, fact_text, late_words, words,
                                   case_as_of, hidden_names)
from caseseries.model.case import Case, Marker, Stage
from caseseries.model.timeline import timeline
from conftest import DAYS_PER_MONTH

LATER_DRUGS = ("pembrolizumab", "paclitaxel", "carboplatin")  # of the cervix case, first given on 2020-10-05


@pytest.fixture
def cervix(cases):
    return cases["fx-cervix-calendar"]


@pytest.fixture
def lung(cases):
    return cases["fx-lung-egfr"]


@pytest.fixture
def relative(cases):
    return cases["fx-relative-axis"]


def ids(items) -> list[str]:
    return [i.id for i in items]


def prose(case) -> str:
    """Everything the view holds except its id, as one lower-case text."""
    return json.dumps(case.model_dump(mode="json", exclude={"case_id"}), ensure_ascii=False).lower()


# ---------------------------------------------------------------- later facts hidden


def test_cervix_at_2020_09_holds_nothing_later(cervix):
    view = case_as_of(cervix, "2020-09")
    assert ids(view.events) == ["last-screening", "symptom-onset", "first-visit", "diagnosis", "surgery",
                                "recurrence"]
    assert ids(view.regimens) == ["cis-weekly"] and view.regimens[0] == cervix.regimens[0]  # ended in 2019
    assert ids(view.radiotherapy) == ["pelvic-imrt", "vault-brachy"]
    assert ids(view.imaging) == ["mri-baseline", "pet-recurrence"]  # not the 2021 CTs, not the undated PET
    assert [str(m.date) for m in view.markers] == ["surgery - 2 weeks", "2019-08", "2020-09", "2020-09"]
    assert [b.name for b in view.diagnosis.biomarkers] == ["PD-L1", "MLH1", "PMS2"]  # tested 2020-09-20
    assert [a.term for a in view.adverse_events] == ["neutropenia"]
    assert ids(view.discrepancies) == ["cisplatin-cycles"]
    assert len(view.reference_limits) == 2
    assert view.outcome.durations == [] and view.outcome.status == "alive"
    assert str(view.outcome.last_contact) == "2020-09"


def test_cervix_at_2020_09_never_names_a_later_drug(cervix):
    text = prose(case_as_of(cervix, "2020-09"))
    assert not [d for d in LATER_DRUGS if d in text] and "immunotherapy" not in text
    assert all(d in prose(cervix) for d in LATER_DRUGS)  # the check can fail: the full case names them


def test_the_view_is_itself_a_valid_case(cervix, lung, relative):
    for case, as_of in ((cervix, "2020-09"), (cervix, "2021-01-10"), (cervix, "2021-03"), (lung, "2021-02-05"),
                        (lung, "2022-05-18"), (relative, "rit-start + 6 months")):
        view = case_as_of(case, as_of)
        assert case_problems(view) == [], (case.case_id, as_of)
        assert type(view).model_validate(view.model_dump(mode="json")) == view


def test_after_the_last_contact_the_outcome_is_shown(cervix):
    view = case_as_of(cervix, "2023-07")
    assert view.outcome == cervix.outcome and view.events == cervix.events and view.regimens == cervix.regimens
    assert view.markers == cervix.markers
    # an open date ('ct-response + >12 months') lies by the last contact (2023-06-30), passed by 2023-07;
    # an unknown one never lies before any date
    assert ids(view.imaging) == ["mri-baseline", "pet-recurrence", "ct-response", "ct-complete"]
    assert "ct-complete" not in ids(case_as_of(cervix, "2023-06-29").imaging)
    assert view.title == cervix.neutral_title


def test_undated_diagnostic_findings_wait_for_the_diagnosis(lung):
    before = case_as_of(lung, "2021-02-05")  # biopsy 2021-02-01, diagnosis 2021-02-08
    assert ids(before.events) == ["presentation", "lung-biopsy"]
    assert before.diagnosis.histology is None and before.diagnosis.nodes == [] and before.diagnosis.tumor_size == []
    assert len(before.diagnosis.biomarkers) == 3  # dated 2021-02-01: shown with their own date
    after = case_as_of(lung, "2021-02-08")
    assert after.diagnosis.histology == lung.diagnosis.histology and after.diagnosis.nodes == lung.diagnosis.nodes


def test_an_item_dated_from_a_later_item_is_withheld(lung):
    marker = Marker(analyte="CEA", date=parse_date("diagnosis - 1 week"), value=50, unit="ng/mL",
                    locator={"section": "invented for the test"})
    case = lung.model_copy(update={"markers": [marker, *lung.markers]})
    # 2021-02-01 is before 2021-02-05, but it is defined by the diagnosis of 2021-02-08, not yet known
    assert marker not in case_as_of(case, "2021-02-05").markers
    assert marker in case_as_of(case, "2021-02-08").markers


# ---------------------------------------------------------------- the month rule at the boundary


@pytest.mark.parametrize("as_of, shown", [
    ("2020-08", False), ("2020-09-01", False), ("2020-09-30", True), ("2020-09", True), ("2020", True),
])
def test_a_month_fact_is_shown_once_its_whole_month_has_passed(cervix, as_of, shown):
    assert ("recurrence" in ids(case_as_of(cervix, as_of).events)) is shown  # recurrence: 2020-09


@pytest.mark.parametrize("as_of, shown", [("2016-11", False), ("2016-12-30", False), ("2016-12", True),
                                          ("2017", True)])
def test_a_year_fact_is_shown_only_after_its_year(cervix, as_of, shown):
    assert ("last-screening" in ids(case_as_of(cervix, as_of).events)) is shown  # last screening: 2016


def test_the_rule_is_stated():
    assert "2023-09" in DISCLOSURE_RULE and "ongoing" in DISCLOSURE_RULE and "censored" in DISCLOSURE_RULE


# ---------------------------------------------------------------- durations censored at as_of


def test_a_course_that_ends_later_is_ongoing_at_as_of(cervix):
    view = case_as_of(cervix, "2021-03")  # maintenance from 2021-02, still given on 2023-06-30
    course = next(r for r in view.regimens if r.id == "pembro-maintenance")
    assert str(course.ongoing_as_of) == "2021-03" and course.end is None
    duration = metrics.regimen_duration(view, course)
    assert duration.at_least and 0 < duration.low < 1.5 and duration.label().startswith("> ")
    full = metrics.regimen_duration(cervix, next(r for r in cervix.regimens if r.id == "pembro-maintenance"))
    assert full.low > 27
    # chemo-io ends some day in 2021-01: on 2021-01-10 it is neither certainly ended nor certainly going on
    chemo = next(r for r in case_as_of(cervix, "2021-01-10").regimens if r.id == "chemo-io")
    assert chemo.end is None and chemo.ongoing_as_of is None and chemo.response is None and chemo.cycles_given is None
    # on 2020-12-31 its end (2021-01) certainly lies later: ongoing then
    assert str(next(r for r in case_as_of(cervix, "2020-12-31").regimens if r.id == "chemo-io").ongoing_as_of) \
        == "2020-12-31"


def test_a_course_without_a_stated_end_is_not_claimed_to_go_on(cervix):
    open_ended = cervix.model_copy(update={"regimens": [
        r.model_copy(update={"ongoing_as_of": None}) if r.id == "pembro-maintenance" else r for r in cervix.regimens]})
    course = next(r for r in case_as_of(open_ended, "2021-03").regimens if r.id == "pembro-maintenance")
    assert course.ongoing_as_of is None and course.end is None


def test_survival_is_censored_at_as_of(cervix):
    view = case_as_of(cervix, "2020-09")
    survival = metrics.overall_survival(view)
    # diagnosis 2019-03 (at the latest the 31st) to the as-of month 2020-09 (at the earliest the 1st): 520 days
    assert survival.at_least and survival.low == pytest.approx(520 / DAYS_PER_MONTH)
    assert metrics.overall_survival(cervix).low > 50
    assert view.outcome.durations == [] and cervix.outcome.durations


def test_a_radiotherapy_course_without_a_known_end_loses_its_response(lung):
    (course,) = case_as_of(lung, "2022-05-18").radiotherapy  # 2022-05-16 to 2022-05-20
    assert course.end is None and course.response is None and course.targets == lung.radiotherapy[0].targets
    (done,) = case_as_of(lung, "2022-05-20").radiotherapy
    assert done == lung.radiotherapy[0]


# ---------------------------------------------------------------- relative time


def test_relative_case_takes_an_offset_from_its_anchor(relative):
    view = case_as_of(relative, "rit-start + 6 months")
    assert ids(view.events) == ["rit-start"]  # the undated origin; 'more than 12 months' is later
    assert [str(m.date) for m in view.markers] == ["rit-start - 2 weeks", "rit-start + 3 months"]
    assert ids(view.radiotherapy) == ["neck-rt"] and str(view.radiotherapy[0].end) == "rit-start + 6 weeks"
    point = timeline(view).last_contact
    assert point.axis == "rit-start" and round(point.latest) == round(6 * DAYS_PER_MONTH)  # day 183
    assert view.outcome.status == "alive"  # alive at 6 months: progression-free for more than 12
    assert "last-known-progression-free" not in ids(case_as_of(relative, "rit-start + 13 months").events)
    assert as_of_label("rit-start + 6 months") == "rit-start+6months"


@pytest.mark.parametrize("case_id, as_of, message", [
    ("fx-relative-axis", "2023-09", "lies on the calendar time axis, but the dates of this case count from "
                                    "'rit-start' (write it as an offset, e.g. 'rit-start + 6 months')"),
    ("fx-relative-axis", "rit-start + >6 months", "expected an exact offset"),
    ("fx-relative-axis", "rit-start - 1 month", "is before the first dated fact of the case"),  # first: - 2 weeks
    ("fx-relative-axis", "crt + 1 month", "anchor 'crt' does not exist"),
    ("fx-cervix-calendar", "2020-13", "month 13 does not exist"),
    ("fx-cervix-calendar", "September 2020", "expected a date like 2019, 2019-04 or 2019-04-08"),
    ("fx-cervix-calendar", "unknown", "found 'unknown'"),
    ("fx-cervix-calendar", "2000", "2000 is before the first dated fact of the case"),  # first: 2016
])
def test_bad_as_of_is_refused_with_the_reason(cases, case_id, as_of, message):
    with pytest.raises(DisclosureError) as exc:
        case_as_of(cases[case_id], as_of)
    assert str(exc.value).startswith("as_of: ") and message in str(exc.value)


# ---------------------------------------------------------------- questions, title, citation


def test_questions_of_passed_decision_points_only_and_without_answers(cervix):
    assert all(q.answer is not None for q in cervix.questions)
    assert case_as_of(cervix, "2019-04-09").questions == []  # q-adjuvant is asked at the surgery, 2019-04-10
    early = case_as_of(cervix, "2019-04-10")
    assert ids(early.questions) == ["q-adjuvant"] and early.questions[0].answer is None
    later = case_as_of(cervix, "2020-09")  # q-recurrence: at the PET-CT of 2020-09-15
    assert ids(later.questions) == ["q-adjuvant", "q-recurrence"] and all(q.answer is None for q in later.questions)
    assert [q.question for q in later.questions] == [q.question for q in cervix.questions]


def test_title_and_citation_are_neutral(cervix):
    view = case_as_of(cervix, "2020-09")
    assert view.title == cervix.neutral_title != cervix.title
    assert view.source.citation == "Citation withheld until the reveal" and view.source.license is None
    untitled = cervix.model_copy(update={"neutral_title": None})
    assert case_as_of(untitled, "2020-09").title == FALLBACK_TITLE  # never the case id


@pytest.mark.parametrize("case_id, as_of", [("fx-relative-axis", "rit-start + 6 months"),  # a doi, no file
                                            ("fx-lung-egfr", "2021-06")])                  # a url, no file
def test_a_source_without_a_file_gives_a_view_too(cases, case_id, as_of):
    case = cases[case_id]
    assert case.source.file is None and not case.source.synthetic
    view = case_as_of(case, as_of)
    assert view.source.citation == "Citation withheld until the reveal" and case.source.citation not in prose(view)
    assert (view.source.doi, view.source.url) == (case.source.doi, case.source.url)
    assert case_problems(view) == []


def test_later_drug_names_in_earlier_text_are_withheld(cervix):
    note = next(d for d in case_as_of(cervix, "2020-09").discrepancies if d.id == "cisplatin-cycles").note
    assert "pembrolizumab" in next(d for d in cervix.discrepancies if d.id == "cisplatin-cycles").note
    assert WITHHELD in note and "pembrolizumab" not in note.lower()


def test_a_shown_drug_is_not_withheld_inside_a_hidden_name(cervix):
    view = case_as_of(cervix, "2021-01-15")  # chemo-io (with pembrolizumab) shown, the maintenance not yet
    assert hidden_names(cervix, view) == ["pembrolizumab maintenance"]
    assert "pembrolizumab" in [a.drug for r in view.regimens for a in r.agents]
    note = next(d for d in view.discrepancies if d.id == "cisplatin-cycles").note
    assert f"written during {WITHHELD}" in note and "maintenance" not in note


# ---------------------------------------------------------------- small invented cases

LOC = {"section": "Case presentation"}


def event(item_id: str, date: str, kind: str = "follow-up", **more) -> dict:
    return {"id": item_id, "kind": kind, "date": date, "label": item_id.replace("-", " "), "locator": LOC, **more}


def course(item_id: str, start: str, drug: str, **more) -> dict:
    return {"id": item_id, "name": more.pop("name", drug), "setting": "as stated", "modality": "chemotherapy",
            "agents": [{"drug": drug, "locator": LOC}], "start": start, "locator": LOC, **more}


def small_case(last_contact: str = "2021-12", **parts) -> Case:
    """An invented case with only the parts a test names; its last contact is in 2021-12 unless given."""
    return Case.model_validate({
        "case_id": "small", "title": "Small invented case", "neutral_title": "Small case",
        "source": {"citation": "Invented for the test", "patient": "the only patient", "synthetic": True},
        "outcome": {"status": "alive", "last_contact": last_contact, "locator": LOC}, **parts})


# ---------------------------------------------------------------- the as-of date: accepted or refused, and why


def test_unknown_as_of_is_refused_saying_a_date_is_expected(cervix):
    with pytest.raises(DisclosureError) as exc:
        case_as_of(cervix, " unknown ")
    assert str(exc.value) == "as_of: expected a date or an offset from an item of the case, found 'unknown'"


def test_an_open_as_of_is_refused_saying_which_dates_are_open(cervix):
    with pytest.raises(DisclosureError) as exc:
        case_as_of(cervix, "on or after 2020-01")
    assert str(exc.value) == ("as_of: expected an exact offset such as 'X + 6 months' or a date, found "
                              "'on or after 2020-01' (it has no stated first or last day: 'more than', 'on or after' "
                              "and 'on or before' dates, and offsets from them, are open)")


def test_an_offset_from_an_undated_item_of_a_calendar_case_is_refused_without_a_hint():
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis"),
                              event("io-start", "unknown", "immunotherapy")],
                      markers=[{"analyte": "SCCA", "date": "io-start + 3 months", "value": 2.0, "unit": "ng/mL",
                                "locator": LOC}])
    with pytest.raises(DisclosureError) as exc:
        case_as_of(case, "io-start + 1 month")
    assert str(exc.value) == ("as_of: io-start + 1 month lies on the 'io-start' time axis, but the dates of this case "
                              "count from the calendar")


def test_the_day_of_the_first_fact_is_an_as_of_date_that_shows_it():
    case = small_case(events=[event("visit", "2019-02-01", "presentation"), event("diagnosis", "2019-03", "diagnosis")])
    assert ids(case_as_of(case, "2019-02-01").events) == ["visit"]
    with pytest.raises(DisclosureError) as exc:
        case_as_of(case, "2019-01-31")
    assert str(exc.value) == ("as_of: 2019-01-31 is before the first dated fact of the case (2019-02-01), "
                              "nothing would be shown")


def test_a_case_whose_dates_all_lack_a_first_day_accepts_any_as_of_date():
    case = small_case(last_contact="on or before 2021-12",
                      events=[event("onset", "on or before 2019-01", "presentation")])
    assert ids(case_as_of(case, "2019-01").events) == ["onset"] and case_as_of(case, "1900").events == []


def test_the_as_of_label_is_the_date_as_the_case_file_states_it_without_spaces(cervix):
    assert as_of_label(" 2020-09 ") == "2020-09"
    assert as_of_label("rit-start + >6 months") == "rit-start+gt6months"
    assert as_of_label(as_of_point(cervix, "2020-09")) == "2020-09"


def test_a_view_says_the_as_of_date_its_story_is_cut_at(cervix, relative):
    assert as_of_words(case_as_of(cervix, "2020-09")) == "2020-09"
    assert as_of_words(case_as_of(relative, "rit-start + 6 months")) == \
        "6 months after local radiotherapy combined with immunotherapy begins"
    assert as_of_words(cervix) is None and as_of_words(case_as_of(cervix, "2023-07")) is None  # the whole story


# ---------------------------------------------------------------- the diagnosis


def test_after_the_diagnosis_later_stages_and_biomarkers_wait_for_their_own_dates(cervix):
    undated = cervix.diagnosis.stages[0].model_copy(update={"date": None, "value": "IB"})
    case = cervix.model_copy(update={"diagnosis": cervix.diagnosis.model_copy(
        update={"stages": [undated, *cervix.diagnosis.stages]})})
    view = case_as_of(case, "2019-03")  # diagnosis 2019-03; pathological stage 2019-04-10; biomarkers 2020-09-20
    assert [s.value for s in view.diagnosis.stages] == ["IB", "IB2"] and view.diagnosis.biomarkers == []
    assert view.diagnosis.histology == cervix.diagnosis.histology
    assert [s.value for s in case_as_of(case, "2019-04-10").diagnosis.stages] == ["IB", "IB2", "IIIC1p"]


def test_before_the_diagnosis_a_stage_already_dated_is_shown_without_the_findings(lung):
    stage = {"system": "AJCC 8", "value": "cT2a", "basis": "clinical", "date": "2021-02-01", "locator": LOC}
    case = lung.model_copy(update={"diagnosis": lung.diagnosis.model_copy(
        update={"stages": [Stage.model_validate(stage)]})})
    view = case_as_of(case, "2021-02-05")  # biopsy 2021-02-01, diagnosis 2021-02-08
    assert [s.value for s in view.diagnosis.stages] == ["cT2a"] and view.diagnosis.histology is None


def test_the_findings_come_with_the_earliest_diagnosis_event_whatever_the_file_order():
    case = small_case(events=[event("visit", "2019-02-01", "presentation"),
                              event("confirmed", "2019-05-20", "diagnosis"),
                              event("first-biopsy", "2019-03-10", "diagnosis")],
                      diagnosis={"histology": {"value": "squamous cell carcinoma", "locator": LOC}})
    assert case_as_of(case, "2019-03-10").diagnosis.histology.value == "squamous cell carcinoma"
    assert case_as_of(case, "2019-03-09").diagnosis.histology is None


def test_without_a_diagnosis_event_the_findings_come_with_the_first_dated_stage():
    stages = [{"system": "FIGO 2018", "value": "IB", "locator": LOC},
              {"system": "FIGO 2018", "value": "IB2", "date": "2019-03-12", "locator": LOC}]
    case = small_case(events=[event("visit", "2019-02-01", "presentation")],
                      diagnosis={"histology": {"value": "squamous cell carcinoma", "locator": LOC}, "stages": stages})
    before = case_as_of(case, "2019-03-11")
    assert before.diagnosis.histology is None and before.diagnosis.stages == []
    after = case_as_of(case, "2019-03-12")
    assert after.diagnosis.histology.value == "squamous cell carcinoma" and len(after.diagnosis.stages) == 2


# ---------------------------------------------------------------- courses, limits and events at the as-of date


def test_courses_already_started_are_shown_whatever_the_file_order():
    rt = {"id": "late-rt", "kind": "external beam", "start": "2021-03-01", "end": "2021-04-09", "locator": LOC}
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis")],
                      regimens=[course("second-line", "2021-03-01", "docetaxel"),
                                course("first-line", "2019-04-01", "cisplatin", end="2019-08-20")],
                      radiotherapy=[rt, {**rt, "id": "pelvic-rt", "start": "2019-04-01", "end": "2019-05-10"}])
    view = case_as_of(case, "2020-06")
    assert ids(view.regimens) == ["first-line"] and view.regimens[0] == case.regimens[1]
    assert ids(view.radiotherapy) == ["pelvic-rt"] and view.radiotherapy[0] == case.radiotherapy[1]


def test_a_course_ongoing_as_of_a_date_already_passed_is_shown_as_the_source_says():
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis")],
                      regimens=[course("maintenance", "2020-02-01", "pembrolizumab", ongoing_as_of="2020-05")])
    (shown,) = case_as_of(case, "2020-06").regimens  # the source's last word on it (2020-05) is known by then
    assert shown == case.regimens[0] and str(shown.ongoing_as_of) == "2020-05"


def test_on_the_day_a_reported_length_ends_a_course_is_no_longer_shown_as_going_on():
    duration = {"name": "time on pembrolizumab", "value": 12, "unit": "months", "of": "pembro", "locator": LOC}
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis")],
                      regimens=[course("pembro", "2019-11-05", "pembrolizumab")],
                      outcome={"status": "alive", "last_contact": "2021-12", "durations": [duration], "locator": LOC})
    assert str(case_as_of(case, "2020-11-04").regimens[0].ongoing_as_of) == "2020-11-04"  # ends 2020-11-05
    (ended,) = case_as_of(case, "2020-11-05").regimens
    assert ended.ongoing_as_of is None and ended.end is None


def test_a_reference_limit_is_shown_from_its_first_day_and_its_last_day_once_reached(cervix):
    # SCCA: 1.5 until 2020-01 (exclusive), 2.7 from 2020-01
    (early,) = case_as_of(cervix, "2019-06").reference_limits
    assert early.upper == 1.5 and early.valid_until is None
    assert case_as_of(cervix, "2020-01").reference_limits == cervix.reference_limits


def test_an_event_is_shown_without_an_end_not_yet_reached():
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis"),
                              event("admission", "2020-03-02", "adverse event", end="2020-07-20")])
    assert [str(e.end) for e in case_as_of(case, "2020-06").events] == ["None", "None"]
    assert case_as_of(case, "2020-07-20").events == case.events


def test_the_outcome_is_unknown_while_the_last_contact_may_already_have_come(cervix):
    # a last contact in 2023-06 may already have come by 2023-06-15; the stated 2023-06-30 certainly has not
    view = case_as_of(cervix.model_copy(update={"outcome": cervix.outcome.model_copy(
        update={"last_contact": parse_date("2023-06")})}), "2023-06-15")
    assert view.outcome.status == "unknown" and view.outcome.durations == []
    assert case_as_of(cervix, "2023-06-15").outcome.status == "alive"


# ---------------------------------------------------------------- dates of later items are restated


def test_a_past_fact_dated_from_a_later_item_is_shown_as_its_calendar_days(cervix):
    view = case_as_of(cervix, "2019-02")  # symptom onset: 'first-visit - 2 months', first visit 2019-03-04
    assert [(e.id, str(e.date)) for e in view.events] == [("last-screening", "2016"), ("symptom-onset", "2019-01-04")]
    assert "first-visit" not in prose(view)


def test_a_past_fact_dated_from_a_later_item_of_uncertain_date_is_shown_between_days():
    case = small_case(events=[event("first-visit", "2019-03", "presentation"),
                              event("symptom-onset", "first-visit - 2 months", "presentation"),
                              event("diagnosis", "2019-04-10", "diagnosis")])
    (onset,) = case_as_of(case, "2019-02").events
    assert str(onset.date) == "between 2019-01-01 and 2019-01-31"


def test_on_a_relative_axis_a_past_fact_dated_from_a_later_item_is_shown_as_days_from_time_zero():
    # response between 3 and 8 months (91.3 to 243.5 days); 2 months before it: days 30.4 to 182.6; 9 months
    # before it: days -182.6 to -30.4
    markers = [{"analyte": "SCCA", "date": date, "value": 2.0, "unit": "ng/mL", "locator": LOC}
               for date in ("response - 2 months", "response - 9 months")]
    case = small_case(last_contact="io-start + 12 months", markers=markers, events=[
        event("io-start", "unknown", "immunotherapy"),
        event("response", "between io-start + 3 months and io-start + 8 months", "response assessment")])
    view = case_as_of(case, "io-start + 6 months")
    assert [str(m.date) for m in view.markers] == ["between io-start + 30 days and io-start + 182 days",
                                                   "between io-start - 182 days and io-start - 30 days"]
    assert ids(view.events) == ["io-start"] and "response" not in prose(view)


# ---------------------------------------------------------------- placed before something shown


def test_an_open_date_is_shown_once_a_fact_stated_to_follow_it_is():
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis"),
                              event("recurrence", "on or after 2020-01", "recurrence"),  # up to the last contact
                              event("biopsy", "between recurrence and 2020-06", "biopsy")])
    assert ids(case_as_of(case, "2020-05").events) == ["diagnosis"]
    assert ids(case_as_of(case, "2020-06").events) == ["diagnosis", "recurrence", "biopsy"]


def test_a_fact_stated_to_come_before_a_shown_one_is_shown_with_it():
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis"),
                              event("recurrence", "on or after 2020-01", "recurrence"),
                              event("biopsy", "between recurrence and 2020-06", "biopsy"),
                              event("symptoms", "recurrence - 2 weeks", "presentation")])  # no last day of its own
    assert "symptoms" not in ids(case_as_of(case, "2020-05").events)
    assert [(e.id, str(e.date)) for e in case_as_of(case, "2020-06").events][-1] == ("symptoms", "recurrence - 2 weeks")


def test_a_fact_placed_before_a_later_item_waits_for_it_even_when_a_fact_after_it_is_shown():
    # 'between 2020-01 and surgery' certainly lies before the biopsy of 2020-06, but its days would give away
    # the date of the surgery (2020-09-15)
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis"),
                              event("recurrence", "between 2020-01 and surgery", "recurrence"),
                              event("biopsy", "between recurrence and 2020-06", "biopsy"),
                              event("surgery", "2020-09-15", "surgery")])
    view = case_as_of(case, "2020-06")
    assert ids(view.events) == ["diagnosis", "biopsy"] and "2020-09" not in prose(view)
    assert ids(case_as_of(case, "2020-09-15").events) == ["diagnosis", "recurrence", "biopsy", "surgery"]


def test_an_undated_item_of_a_calendar_case_and_what_counts_from_it_are_never_shown():
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis"),
                              event("io-start", "unknown", "immunotherapy")],
                      markers=[{"analyte": "SCCA", "date": "io-start + 3 months", "value": 2.0, "unit": "ng/mL",
                                "locator": LOC}])
    view = case_as_of(case, "2021-11")
    assert ids(view.events) == ["diagnosis"] and view.markers == []


# ---------------------------------------------------------------- discrepancies, names and notes


def test_a_discrepancy_is_shown_from_its_date_unless_its_words_belong_only_to_withheld_facts():
    def discrepancy(item_id, date, topic, *says):
        return {"id": item_id, "date": date, "topic": topic, "statements": [{"says": x, "locator": LOC} for x in says]}

    case = small_case(
        events=[event("diagnosis", "2019-03", "diagnosis")],
        regimens=[course("first-line", "2019-04-01", "cisplatin", end="2019-08-20", cycles_given=5)],
        imaging=[{"id": "ct-late", "date": "2021-06", "modality": "CT", "findings": "complete remission",
                  "locator": LOC}],
        discrepancies=[discrepancy("cycles", "2019-06", "cisplatin cycles", "five cycles", "six cycles"),
                       discrepancy("remission", "2019-07", "response to cisplatin", "partial", "complete remission"),
                       discrepancy("later", "2021-01", "cycles of cisplatin", "five", "six")])
    assert ids(case_as_of(case, "2020-06").discrepancies) == ["cycles"]  # 'remission' is only the 2021 CT's
    assert ids(case_as_of(case, "2021-06").discrepancies) == ["cycles", "remission", "later"]
    late = late_words(case, case_as_of(case, "2020-06"))
    assert {"complete", "remission"} <= late and not {"cisplatin", "diagnosis"} & late


def test_the_words_that_can_give_away_a_fact():
    # words of 4 letters or more that are not generic, numbers above 31 or with decimals
    assert words("On day 31 of 32, CA-125 was 2.5 and 7 cycles were given; the patient was in REMISSION") == \
        {"ca-125", "2.5", "32", "cycles", "remission"}


def test_the_text_of_a_fact_is_its_prose_and_numbers_without_ids_dates_notes_or_flags():
    text = fact_text({"id": "ct-late", "date": "2021-06", "findings": "complete remission", "sites": ["lung", "liver"],
                      "observed": True, "grade": None, "notes": "seen later", "locator": {"section": "Results"}})
    assert text.split() == ["complete", "remission", "lung", "liver"]


def test_an_unnamed_course_gives_no_name_to_withhold():
    later = course("second-line", "2021-03-01", "not stated")
    later["agents"][0]["group"] = "immune checkpoint inhibitor"
    del later["name"]
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis")],
                      regimens=[course("first-line", "2019-04-01", "cisplatin", end="2019-08-20"), later,
                                course("third-line", "2021-09-01", "docetaxel", name="Docetaxel weekly")])
    view = case_as_of(case, "2020-06")
    assert hidden_names(case, view) == ["Docetaxel weekly", "docetaxel"]


def test_a_name_shown_in_other_capitals_is_not_withheld():
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis")],
                      regimens=[course("first-line", "2019-04-01", "cisplatin", name="weekly cisplatin", end="2019-08"),
                                course("rechallenge", "2021-03-01", "cisplatin", name="Cisplatin")])
    view = case_as_of(case, "2020-06")
    assert hidden_names(case, view) == [] and view.regimens[0].name == "weekly cisplatin"


def test_a_later_drug_is_withheld_however_the_text_capitalises_it():
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis",
                                    detail="Docetaxel was discussed but deferred.")],
                      regimens=[course("second-line", "2021-03-01", "docetaxel")])
    (diagnosis,) = case_as_of(case, "2020-06").events
    assert diagnosis.detail == f"{WITHHELD} was discussed but deferred."


def test_every_note_of_the_case_file_waits_for_the_full_report(cervix):
    noted = cervix.model_copy(update={
        "source": cervix.source.model_copy(update={"notes": "source note"}),
        "patient": cervix.patient.model_copy(update={
            "sex": cervix.patient.sex.model_copy(update={"notes": "fact note"})}),
        "diagnosis": cervix.diagnosis.model_copy(update={"notes": "diagnosis note"}),
        "events": [e.model_copy(update={"notes": "event note"}) for e in cervix.events]})
    view = case_as_of(noted, "2020-09")
    assert not [n for n in ("source note", "fact note", "diagnosis note", "event note") if n in prose(view)]
    assert ids(view.events) == ids(case_as_of(cervix, "2020-09").events)


@pytest.mark.parametrize("protocol", ["crt-chemo", "cisplatin"])  # an id that is also a drug's name: not redacted
def test_a_course_shown_before_its_protocol_starts_does_not_link_to_it(protocol):
    rt = {"id": "pelvic-rt", "kind": "external beam", "regimen": protocol, "start": "2019-05-01", "end": "2019-06-14",
          "locator": LOC}
    case = small_case(events=[event("diagnosis", "2019-03", "diagnosis")],
                      regimens=[course(protocol, "2019-05-06", "cisplatin", end="2019-06-10",
                                       modality="chemoradiotherapy")],
                      radiotherapy=[rt])
    assert case_problems(case) == []
    before = case_as_of(case, "2019-05-03")  # the course has begun, the chemotherapy of its protocol not yet
    assert before.regimens == [] and [c.regimen for c in before.radiotherapy] == [None]
    assert case_problems(before) == [] and protocol not in before.model_dump_json()
    after = case_as_of(case, "2019-05-07")
    assert [c.regimen for c in after.radiotherapy] == [protocol] and case_problems(after) == []
