"""The teaching view: disclosure.case_as_of on the real case files (pure function, no render)."""

from __future__ import annotations

import json

import pytest

from caseseries import metrics
from caseseries.checks import case_problems
from caseseries.chronology import Chronology
from caseseries.dates import parse_date
from caseseries.disclosure import (DISCLOSURE_RULE, FALLBACK_TITLE, WITHHELD, DisclosureError, as_of_label,
                                   case_as_of, hidden_names)
from caseseries.load import find_case
from caseseries.model import Marker


@pytest.fixture(scope="module")
def soca():
    return find_case("socazolimab-xu2025")


@pytest.fixture(scope="module")
def tori():
    return find_case("toripalimab-iiic2p")


def ids(items) -> list[str]:
    return [i.id for i in items]


def prose(case) -> str:
    """Everything the view holds except its id, as one lower-case text."""
    return json.dumps(case.model_dump(mode="json", exclude={"case_id"}), ensure_ascii=False).lower()


# ---------------------------------------------------------------- later facts hidden


def test_socazolimab_at_2023_09_holds_nothing_later(soca):
    view = case_as_of(soca, "2023-09")
    assert ids(view.events) == ["presentation-2008", "diagnosis-2008", "surgery-2008", "presentation-2019",
                                "recurrence-2019", "progression-2023", "declined-2023"]
    assert ids(view.regimens) == ["pc-apatinib", "nabp-cis-bev"]
    assert ids(view.imaging) == ["ct-2019-08", "ct-2020-04", "pet-ct-2023-08", "ct-2023-08"]
    assert view.markers == [] and view.diagnosis.biomarkers == [] and view.adverse_events == []
    assert ids(view.discrepancies) == ["recurrence-after-chemoradiotherapy"]
    assert view.outcome.durations == [] and view.outcome.status == "alive"
    assert str(view.outcome.last_contact) == "2023-09"


def test_socazolimab_at_2023_09_never_names_the_drug(soca):
    view = case_as_of(soca, "2023-09")
    text = prose(view)
    assert "socazolimab" not in text and "pd-l1" not in text and "immunotherapy" not in text
    assert "socazolimab" in prose(soca)  # the check can fail: the full case names it


def test_the_view_is_itself_a_valid_case(soca, tori):
    for case, as_of in ((soca, "2023-09"), (soca, "2024-05-20"), (tori, "2019-04-04"), (tori, "2019-06")):
        view = case_as_of(case, as_of)
        assert case_problems(view) == [], as_of
        assert type(view).model_validate(view.model_dump(mode="json")) == view


def test_after_the_last_contact_the_outcome_is_shown(soca):
    view = case_as_of(soca, "2025-02")
    assert view.outcome == soca.outcome and view.events == soca.events and view.regimens == soca.regimens
    # open dates ('socazolimab + >0 months') never certainly lie before any date: still withheld
    assert [str(m.date) for m in view.markers] == ["2024"]
    assert view.title == soca.neutral_title and view.source.doi is None


def test_undated_diagnostic_findings_wait_for_the_diagnosis(tori):
    before = case_as_of(tori, "2018-11-27")  # admitted 2018-11-26; diagnosis dated 2018-11 (month)
    assert ids(before.events) == ["presentation"]
    assert before.diagnosis.histology is None and before.diagnosis.nodes == []
    after = case_as_of(tori, "2018-11")
    assert after.diagnosis.histology is not None and len(after.diagnosis.nodes) == len(tori.diagnosis.nodes)


def test_an_item_dated_from_a_later_item_is_withheld(tori):
    marker = Marker(analyte="SCCA", date=parse_date("surgery - 2 weeks"), value=60, unit="ng/ml",
                    locator={"section": "invented for the test"})
    case = tori.model_copy(update={"markers": [marker, *tori.markers]})
    # 2018-11-16 is before 2018-11-20, but it is defined by the surgery of 2018-11-30, not yet known
    assert marker not in case_as_of(case, "2018-11-20").markers
    assert marker in case_as_of(case, "2018-11-30").markers


# ---------------------------------------------------------------- the month rule at the boundary


@pytest.mark.parametrize("as_of, shown", [
    ("2023-07", False), ("2023-08-01", False), ("2023-08-31", True), ("2023-08", True), ("2023", True),
])
def test_a_month_fact_is_shown_once_its_whole_month_has_passed(soca, as_of, shown):
    assert ("progression-2023" in ids(case_as_of(soca, as_of).events)) is shown


@pytest.mark.parametrize("as_of, shown", [("2024-11", False), ("2024-12-30", False), ("2024-12", True)])
def test_a_year_fact_is_shown_only_after_its_year(soca, as_of, shown):
    year_marker = next(m for m in soca.markers if str(m.date) == "2024")
    assert (year_marker in case_as_of(soca, as_of).markers) is shown


def test_the_rule_is_stated():
    assert "2023-09" in DISCLOSURE_RULE and "ongoing" in DISCLOSURE_RULE and "censored" in DISCLOSURE_RULE


# ---------------------------------------------------------------- durations censored at as_of


def test_a_course_that_ends_later_is_ongoing_at_as_of(soca, tori):
    view = case_as_of(soca, "2024-06")  # socazolimab from 2024-05-20, still given on 2025-01-20
    course = next(r for r in view.regimens if r.id == "socazolimab")
    assert str(course.ongoing_as_of) == "2024-06" and course.response is None
    duration = metrics.regimen_duration(view, course)
    assert duration.at_least and 0 < duration.low < 1.5 and duration.label().startswith("> ")
    full = metrics.regimen_duration(soca, next(r for r in soca.regimens if r.id == "socazolimab"))
    assert full.low > 7
    # toripalimab's end is not stated: at 2019-06 it is neither ended nor claimed to go on
    toripalimab = next(r for r in case_as_of(tori, "2019-06").regimens if r.id == "toripalimab")
    assert toripalimab.ongoing_as_of is None and toripalimab.response is None
    tp = next(r for r in case_as_of(tori, "2019-04-10").regimens if r.id == "tp")
    # TP ends some day in April 2019: not certainly ended, nor certainly still going on, on 2019-04-10
    assert tp.end is None and tp.ongoing_as_of is None and tp.reason_stopped is None and tp.cycles_given is None


def test_survival_is_censored_at_as_of(tori):
    view = case_as_of(tori, "2019-06")
    survival = metrics.overall_survival(view)
    assert survival.at_least and 6 <= survival.low <= 7  # 2018-11 to 2019-06, not 72 months
    full = metrics.overall_survival(tori)
    assert full.low > 70
    assert view.outcome.durations == [] and tori.outcome.durations


def test_a_radiotherapy_course_without_a_known_end_loses_its_response(soca):
    (course,) = case_as_of(soca, "2023-09").radiotherapy
    assert course.response is None and course.targets == soca.radiotherapy[0].targets


# ---------------------------------------------------------------- relative time


def test_relative_case_takes_an_offset_from_its_anchor():
    bian = find_case("bian2024-p1")
    view = case_as_of(bian, "rit-start + 6 months")
    assert ids(view.events) == ["rit-start"]  # the undated origin; 'more than 12 months' is later
    point = Chronology(view).point(view.outcome.last_contact)
    assert point.axis == "rit-start" and round(point.latest) == 183
    assert view.outcome.status == "alive"  # alive at 6 months: progression-free for more than 12
    assert "last-known-progression-free" not in ids(case_as_of(bian, "rit-start + 13 months").events)
    assert as_of_label("rit-start + 6 months") == "rit-start+6months"


@pytest.mark.parametrize("case_id, as_of, message", [
    ("bian2024-p1", "2023-09", "lies on the calendar time axis, but the dates of this case count from 'rit-start' "
                               "(write it as an offset, e.g. 'rit-start + 6 months')"),
    ("bian2024-p1", "rit-start + >6 months", "expected an exact offset"),
    ("bian2024-p1", "rit-start - 1 month", "is before the first dated fact of the case"),
    ("bian2024-p1", "crt + 1 month", "anchor 'crt' does not exist"),
    ("socazolimab-xu2025", "2023-13", "month 13 does not exist"),
    ("socazolimab-xu2025", "September 2023", "expected a date like 2019, 2019-04 or 2019-04-08"),
    ("socazolimab-xu2025", "unknown", "found 'unknown'"),
    ("socazolimab-xu2025", "2000", "2000 is before the first dated fact of the case"),
])
def test_bad_as_of_is_refused_with_the_reason(case_id, as_of, message):
    with pytest.raises(DisclosureError) as exc:
        case_as_of(find_case(case_id), as_of)
    assert str(exc.value).startswith("as_of: ") and message in str(exc.value)


# ---------------------------------------------------------------- questions, title, citation


def test_questions_of_passed_decision_points_only_and_without_answers(tori):
    assert [q.answer is not None for q in tori.questions] == [True, True, True]
    assert case_as_of(tori, "2019-04-03").questions == []
    early = case_as_of(tori, "2019-04-04")
    assert ids(early.questions) == ["q-oligometastasis-radiotherapy", "q-radio-immunotherapy-combination"]
    assert all(q.answer is None for q in early.questions)
    assert [q.question for q in early.questions] == [q.question for q in tori.questions[:2]]
    later = case_as_of(tori, "2019-04")
    assert len(later.questions) == 3 and all(q.answer is None for q in later.questions)
    # the second-line question is asked before toripalimab appears
    assert "toripalimab" not in ids(later.regimens) and "toripalimab" not in prose(later)


def test_title_summary_and_citation_are_neutral(soca):
    view = case_as_of(soca, "2023-09")
    assert view.title == soca.neutral_title
    assert view.source.citation == "Citation withheld until the reveal" and view.source.doi is None
    assert view.source.license is None
    untitled = soca.model_copy(update={"neutral_title": None})
    assert case_as_of(untitled, "2023-09").title == FALLBACK_TITLE  # never the case id, which names the drug


def test_later_drug_names_in_earlier_text_are_withheld(tori):
    view = case_as_of(tori, "2019-04")
    note = next(d for d in view.discrepancies if d.id == "treatment-related-aes").note
    assert WITHHELD in note and "toripalimab" not in note.lower()
    earlier = case_as_of(tori, "2019-04-04")  # TP (nab-paclitaxel + cisplatin) starts on 8 April
    statement = next(d for d in earlier.discrepancies if d.id == "adjuvant-regimen").statements[2].says
    assert "nab-paclitaxel" not in statement and "cisplatin" not in statement and WITHHELD in statement
    # a drug of a shown regimen is never withheld, even as part of a longer name
    assert "paclitaxel" not in hidden_names(tori, earlier) and "paclitaxel liposome" in prose(earlier)
