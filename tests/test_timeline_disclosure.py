"""The teaching view read through the one model of time (issue 11 §2), on fixture cases of its own.

tests/fixtures/timeline/asof-relative.yaml has no calendar date (time 0 is `io-start`);
asof-calendar.yaml has bounded dates, a stated end, a reported length and an open date.
Expected values are worked out by hand in the comments (a month is 365.25/12 = 30.4375 days).
"""

from __future__ import annotations

import hashlib

import datetime as dt
import shutil
from pathlib import Path

import pytest

from caseseries.model.checks import case_problems
from caseseries.model.disclosure import DISCLOSURE_RULE, DisclosureError, as_of_point, case_as_of
from caseseries.model.load import load_case
from caseseries.model.case import Case
from caseseries.model.paths import project_root
from caseseries.outputs.render import teach_job
from caseseries.model.timeline import dated_fields, timeline
from conftest import run_cli

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "timeline"
MONTH = 365.25 / 12


@pytest.fixture(scope="module")
def rel() -> Case:
    return load_case(FIXTURES / "asof-relative.yaml")


@pytest.fixture(scope="module")
def cal() -> Case:
    return load_case(FIXTURES / "asof-calendar.yaml")


def ids(items) -> list[str]:
    return [i.id for i in items]


def day(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


def regimen(case: Case, regimen_id: str):
    return next(r for r in case.regimens if r.id == regimen_id)


def censored_span(view: Case, regimen_id: str):
    """The view's span of a regimen through the timeline, and its duration censored when ongoing."""
    tl = timeline(view)
    i = ids(view.regimens).index(regimen_id)
    span = tl.span("regimens", i)
    return span, tl.duration(span.start, span.end, censored=span.end_basis == "ongoing")


# ---------------------------------------------------------------- as of a relative date


def test_relative_case_as_of_six_months_after_its_origin(rel):
    view = case_as_of(rel, "io-start + 6 months")
    # relapse at -1 month and time 0 are known; the response (up to 8 months) is not
    assert ids(view.events) == ["relapse", "io-start"]
    assert ids(view.imaging) == ["ct-3m"]  # 3 months; ct-open ('ct-3m + >1 month') may be as late as 12 months
    assert [m.value for m in view.markers] == [2.5]  # 5 months shown, 7 months not
    assert [q.answer for q in view.questions] == [None] and ids(view.questions) == ["q-relapse"]
    assert str(view.outcome.last_contact) == "io-start + 6 months" and view.outcome.durations == []
    assert view.outcome.status == "alive"  # the last contact (12 months) is certainly later
    last = timeline(view).last_contact
    assert (last.axis, last.earliest, last.latest) == ("io-start", 6 * MONTH, 6 * MONTH)  # 182.625 days
    assert "io-start" not in view.outcome.status_as_worded  # words, not an id
    assert "6 months after immunotherapy begins" in view.outcome.status_as_worded
    assert case_problems(view) == []


def test_a_course_going_on_at_a_relative_as_of_is_censored_there(rel):
    view = case_as_of(rel, "io-start + 6 months")
    course = regimen(view, "pembro")  # io-start to io-start + 9 months
    assert course.end is None and str(course.ongoing_as_of) == "io-start + 6 months"
    assert course.response is None and course.reason_stopped is None and course.cycles_given is None
    span, duration = censored_span(view, "pembro")
    assert span.end_basis == "ongoing" and span.end.latest == 6 * MONTH
    assert duration.at_least and duration.low == pytest.approx(6.0) and duration.label() == "> 6 months"
    _, full = censored_span(rel, "pembro")
    assert not full.at_least and full.label() == "9 months"


def test_after_the_last_contact_the_relative_case_is_whole(rel):
    view = case_as_of(rel, "io-start + 12 months")
    assert view.events == rel.events and view.regimens == rel.regimens and view.imaging == rel.imaging
    assert view.outcome == rel.outcome


# ---------------------------------------------------------------- between X and Y


@pytest.mark.parametrize("as_of, shown", [
    ("2019-08-31", False), ("2019-09-15", False), ("2019-09-29", False),  # 'between tc and 2019-09': up to 09-30
    ("2019-09-30", True), ("2019-09", True),
])
def test_between_x_and_a_month_is_shown_once_the_months_last_day_has_passed(cal, as_of, shown):
    assert ("eval-tc" in ids(case_as_of(cal, as_of).imaging)) is shown


@pytest.mark.parametrize("as_of, shown", [("2019-10-03", False), ("2019-10-04", True)])
def test_between_x_and_an_item_is_shown_once_the_item_is(cal, as_of, shown):
    view = case_as_of(cal, as_of)  # 'between eval-tc and surgery'; surgery on 2019-10-04
    assert ("eval-pre-op" in ids(view.imaging)) is shown
    assert ("surgery" in ids(view.events)) is shown


@pytest.mark.parametrize("as_of, shown", [("io-start + 7 months", False), ("io-start + 8 months", True)])
def test_between_x_and_an_offset_on_a_relative_axis(rel, as_of, shown):
    # 'between ct-3m and io-start + 8 months': latest possible day 243.5
    assert ("response" in ids(case_as_of(rel, as_of).events)) is shown


# ---------------------------------------------------------------- courses censored at the as-of date


def test_a_course_with_a_later_stated_end_is_ongoing_and_censored(cal):
    view = case_as_of(cal, "2019-07-15")  # TC from 2019-04-01 to 2019-08-20
    course = regimen(view, "tc")
    assert course.end is None and str(course.ongoing_as_of) == "2019-07-15"
    assert course.response is None and course.reason_stopped is None and course.cycles_given is None
    span, duration = censored_span(view, "tc")
    assert span.end_basis == "ongoing"
    # 2019-04-01 to 2019-07-15: 30 + 31 + 30 + 14 = 105 days = 3.45 months, at least
    assert duration.at_least and duration.low == pytest.approx(105 / MONTH) and duration.label() == "> 3.4 months"
    ended = regimen(case_as_of(cal, "2019-08-20"), "tc")
    assert str(ended.end) == "2019-08-20" and ended.response == "partial response"
    # 2019-04-01 to 2019-08-20: 30 + 31 + 30 + 31 + 19 = 141 days = 4.6 months
    assert censored_span(case_as_of(cal, "2019-08-20"), "tc")[1].label() == "4.6 months"


def test_a_course_with_a_reported_length_is_ongoing_until_that_end(cal):
    # pembrolizumab from 2019-11-05 'given for 12 months': ends 2020-11-05 (of: pembro)
    view = case_as_of(cal, "2020-03")
    course = regimen(view, "pembro")
    assert course.end is None and str(course.ongoing_as_of) == "2020-03" and view.outcome.durations == []
    span, duration = censored_span(view, "pembro")
    # censored at the first day of 2020-03: 2019-11-05 to 2020-03-01 = 25 + 31 + 31 + 30 = 117 days = 3.8 months
    assert span.end_basis == "ongoing" and duration.at_least and duration.label() == "> 3.8 months"
    # once the reported end has passed, the course is not going on, and its end waits for the full report
    later = regimen(case_as_of(cal, "2020-11-15"), "pembro")
    assert later.end is None and later.ongoing_as_of is None
    assert censored_span(case_as_of(cal, "2020-11-15"), "pembro")[0].end_basis is None
    whole = case_as_of(cal, "2021-02")  # the last contact: the whole story, the reported length with it
    assert whole.outcome == cal.outcome and censored_span(whole, "pembro")[0].end_basis == "reported"


# ---------------------------------------------------------------- open ends (the current rule, issue 15 revisits it)


def test_an_open_date_waits_for_the_last_contact(cal, rel):
    marker = timeline(cal).at(("markers", 0, "date"))  # 'pembro + >2 months'
    assert marker.open_end and marker.earliest == day("2020-01-05") and marker.latest == day("2021-02-28")
    assert case_as_of(cal, "2021-01").markers == []
    assert case_as_of(cal, "2021-02-27").markers == []
    assert case_as_of(cal, "2021-02").markers == cal.markers
    assert "ct-open" not in ids(case_as_of(rel, "io-start + 11 months").imaging)


def test_the_rule_says_how_bounded_and_open_dates_count():
    assert "'between X and Y'" in DISCLOSURE_RULE and "as late as the last contact" in DISCLOSURE_RULE
    assert "ongoing" in DISCLOSURE_RULE and "censored" in DISCLOSURE_RULE and "reported length" in DISCLOSURE_RULE


# ---------------------------------------------------------------- the view is a case the timeline reads alike


@pytest.mark.parametrize("fixture, as_of", [
    ("rel", "io-start + 6 months"), ("rel", "io-start + 8 months"), ("rel", "io-start + 12 months"),
    ("cal", "2019-07-15"), ("cal", "2019-10-04"), ("cal", "2020-03"), ("cal", "2020-11-15"), ("cal", "2021-02"),
])
def test_every_date_of_the_view_resolves_as_in_the_case(request, fixture, as_of):
    case = request.getfixturevalue(fixture)
    view = case_as_of(case, as_of)
    assert case_problems(view) == [] and Case.model_validate(view.model_dump(mode="json")) == view
    full, mine = timeline(case), timeline(view)
    assert mine.axis == full.axis
    checked = 0
    for path, spec in dated_fields(view):
        owner = getattr(getattr(view, path[0])[path[1]], "id", None) if len(path) == 3 else None
        a, b = full.when(spec, owner), mine.when(spec, owner)
        assert b is not None and (a.axis, a.earliest, a.latest) == (b.axis, b.earliest, b.latest), (path, spec)
        checked += 1
    assert checked >= 4


# ---------------------------------------------------------------- bad as-of dates


@pytest.mark.parametrize("fixture, as_of, message", [
    ("rel", "2023-09", "2023-09 lies on the calendar time axis, but the dates of this case count from 'io-start' "
                       "(write it as an offset, e.g. 'io-start + 6 months')"),
    ("rel", "io-start + >6 months", "expected an exact offset such as 'X + 6 months' or a date"),
    ("rel", "io-start - 2 months", "is before the first dated fact of the case"),
    ("rel", "crt + 1 month", "anchor 'crt' does not exist"),
    ("cal", "2019-13", "month 13 does not exist"),
    ("cal", "September 2019", "expected a date like 2019, 2019-04 or 2019-04-08"),
    ("cal", "unknown", "found 'unknown'"),
    ("cal", "on or after 2020-01", "expected an exact offset"),
    ("cal", "2018", "2018 is before the first dated fact of the case (2019-03-12)"),
    ("cal", "surgery - 1 day", "counts from the surgery ('surgery'), which is not known by then"),
])
def test_a_bad_as_of_is_refused_with_the_reason(request, fixture, as_of, message):
    case = request.getfixturevalue(fixture)
    with pytest.raises(DisclosureError) as exc:
        case_as_of(case, as_of)
    assert str(exc.value).startswith("as_of: ") and message in str(exc.value)


def test_the_as_of_date_is_resolved_on_the_timeline(rel, cal):
    cut = as_of_point(rel, "io-start  +  6 months")
    assert (cut.axis, cut.latest, cut.stated) == ("io-start", 6 * MONTH, "io-start + 6 months")
    month = as_of_point(cal, "2019-09")
    assert (month.earliest, month.latest) == (day("2019-09-01"), day("2019-09-30"))
    season = as_of_point(cal, "late 2019")  # September to December
    assert (season.earliest, season.latest) == (day("2019-09-01"), day("2019-12-31"))


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch project with the two fixture cases and the fixture project's drug reference."""
    (tmp_path / "data" / "cases").mkdir(parents=True)
    for name in ("asof-relative", "asof-calendar"):
        shutil.copy(FIXTURES / f"{name}.yaml", tmp_path / "data" / "cases")
    shutil.copytree(HERE / "fixtures" / "project" / "data" / "reference", tmp_path / "data" / "reference")
    monkeypatch.setenv("CASESERIES_ROOT", str(tmp_path))
    project_root.cache_clear()
    yield tmp_path
    project_root.cache_clear()


def test_teach_job_takes_the_as_of_date_as_resolved(project):
    job = teach_job("asof-relative", "io-start  +  6 months", root=project)
    assert job.parameters == {"case_id": "asof-relative", "as_of": "io-start + 6 months"}
    assert job.name == f"case-{hashlib.sha256(b'asof-relative').hexdigest()[:8]}@day182"  # neutral: no id, no anchor
    assert job.title == "Relapsed cervical cancer (fixture case AR)"
    with pytest.raises(DisclosureError, match="lies on the calendar time axis"):
        teach_job("asof-relative", "2023-09", root=project)
    assert not (project / "reports").exists()


def test_teach_with_a_bad_as_of_exits_1_before_anything_runs(project):
    out = run_cli("teach", "asof-calendar", "2019-13", root=project)
    assert out.returncode == 1 and "caseseries teach: as_of: month 13 does not exist" in out.stderr
    assert "Traceback" not in out.stderr and "executing" not in out.stderr
    assert not (project / "reports").exists()
