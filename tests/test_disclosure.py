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
                                   case_as_of, hidden_names)
from caseseries.model.case import Marker
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
