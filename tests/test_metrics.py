"""Derived figures: durations at the dates' precision, doses by the linear-quadratic model.

Expected durations are counted in days by hand from the fixture case files or the cases the
tests build (a month is 365.25/12 days, data/README.md); a month-precision date spans its whole month.
"""

import math
from datetime import date

import pytest

from caseseries.views import metrics
from caseseries.model.timeline import timeline
from caseseries.model.case import Case, Locator, RadiotherapyTarget, ReportedDuration
from caseseries.model.dates import parse_date
from conftest import DAYS_PER_MONTH

LOC = Locator(section="test")


def target(**kw):
    return RadiotherapyTarget(name="t", locator=LOC, **kw)


def months(a: date, b: date) -> float:
    return (b - a).days / DAYS_PER_MONTH


def test_bed_and_eqd2_by_the_linear_quadratic_model():
    # 61.25 Gy in 25 fractions: d = 2.45 Gy, BED = 61.25 (1 + 0.245) = 76.256, EQD2 = BED / 1.2 = 63.547
    assert metrics.bed(target(total_dose_gy=61.25, fractions=25)) == pytest.approx(76.26, abs=0.01)
    assert metrics.eqd2(target(total_dose_gy=61.25, fractions=25)) == pytest.approx(63.55, abs=0.01)


def test_cumulative_dose_from_dose_per_fraction_and_fractions():
    brachy = target(dose_per_fraction_gy=7, fractions=2)
    assert metrics.total_dose(brachy) == 14
    assert metrics.bed(brachy) == pytest.approx(14 * 1.7)


def test_no_bed_without_fractions():
    assert metrics.bed(target(total_dose_gy=60.2)) is None


def test_time_on_immunotherapy_is_censored_while_ongoing(cases):
    case = cases["fx-cervix-calendar"]
    d = metrics.time_on_immunotherapy(case)
    # first immunotherapy dose 2020-10-05 (chemo-io), maintenance still given on 2023-06-30
    expected = months(date(2020, 10, 5), date(2023, 6, 30))
    assert d.at_least and d.low == pytest.approx(expected)
    assert d.label() == f"> {expected:.1f} months"


def test_overall_survival_is_censored_when_alive_from_the_last_day_of_the_diagnosis_month(cases):
    case = cases["fx-cervix-calendar"]
    os_ = metrics.overall_survival(case)
    # diagnosis 2019-03 (at the latest the 31st) to the last contact 2023-06-30, alive
    expected = months(date(2019, 3, 31), date(2023, 6, 30))
    assert os_.at_least and os_.low == pytest.approx(expected) and 50 < expected < 51


def test_overall_survival_is_exact_when_dead_between_two_day_dates(cases):
    case = cases["fx-lung-egfr"]
    os_ = metrics.overall_survival(case)
    expected = months(date(2021, 2, 8), date(2023, 1, 17))  # diagnosis to death, 708 days
    assert not os_.at_least and os_.exact and os_.low == pytest.approx(expected)
    assert os_.label() == f"{expected:.1f} months"


def test_time_to_first_recurrence_keeps_the_spread_of_two_month_dates(cases):
    case = cases["fx-cervix-calendar"]
    d = metrics.time_to_first_recurrence(case)
    low = months(date(2019, 3, 31), date(2020, 9, 1))   # diagnosis 2019-03, recurrence 2020-09
    high = months(date(2019, 3, 1), date(2020, 9, 30))
    assert d.low == pytest.approx(low) and d.high == pytest.approx(high) and not d.at_least
    assert d.label() == f"{round((low + high) / 2)} months ({round(low)}–{round(high)})"


def test_regimen_duration_from_start_to_end(cases):
    case = cases["fx-lung-egfr"]
    chemo = next(r for r in case.regimens if r.id == "carbo-pem")
    d = metrics.regimen_duration(case, chemo)
    assert d.exact and d.low == pytest.approx(months(date(2022, 6, 1), date(2022, 8, 10)))
    span = timeline(case).span("regimens", case.regimens.index(chemo))
    assert span.end_basis == "stated" and timeline(case).duration(span.start, span.end) == d


def test_age_at_first_immunotherapy(cases):
    case = cases["fx-cervix-calendar"]
    start = metrics.immunotherapy_regimens(case)[0].start
    low, high = metrics.age_at(case, start)
    # 48 at a diagnosis in 2019-03; first immunotherapy 2020-10-05
    assert low == pytest.approx(48 + months(date(2019, 3, 31), date(2020, 10, 5)) / 12)
    assert high == pytest.approx(49 + months(date(2019, 3, 1), date(2020, 10, 5)) / 12)
    assert metrics.age_label((low, high)) == "49–50 years"  # 48 + 18.2/12 = 49.5 to 49 + 19.2/12 = 50.6


def test_no_immunotherapy_figure_without_an_immunotherapy_regimen(cases):
    case = cases["fx-lung-egfr"]
    assert metrics.immunotherapy_regimens(case) == [] and metrics.time_on_immunotherapy(case) is None


def test_relative_cases_have_no_calendar_metric(cases):
    case = cases["fx-relative-axis"]
    assert metrics.overall_survival(case) is None
    assert metrics.age_at(case, case.outcome.last_contact) is None


# ---------------------------------------------------------------- invented cases built in the test

def build(events=(), regimens=(), stages=(), age=None, status="alive", last_contact="2024-06-30", durations=()):
    """A case from compact parts: events (kind, id, date), regimens as dicts, stage dates, reported durations."""
    loc = {"section": "Results"}
    return Case.model_validate({
        "case_id": "m", "title": "M", "source": {"citation": "Invented", "synthetic": True, "patient": "one"},
        "patient": {} if age is None else {"age_at_diagnosis": {"value": age, "locator": loc}},
        "diagnosis": {"stages": [{"system": "FIGO 2018", "value": "IIIB", "locator": loc,
                                  **({"date": d} if d else {})} for d in stages]},
        "events": [{"kind": k, "id": i, "label": i, "date": d, "locator": loc} for k, i, d in events],
        "regimens": [{"setting": "first line", "modality": "immunotherapy",
                      "agents": [{"drug": "pembrolizumab", "locator": loc}], "locator": loc, **r} for r in regimens],
        "outcome": {"status": status, "last_contact": last_contact, "locator": loc,
                    "durations": [{"locator": loc, **d} for d in durations]},
    })


def reported(value, unit="months", qualifier="="):
    return ReportedDuration(name="time on it", value=value, unit=unit, qualifier=qualifier, locator=LOC)


def named(case, name):
    return next(m for m in metrics.case_metrics(case) if m.name == name)


DX = ("diagnosis", "dx", "2019-03-01")


# ---------------------------------------------------------------- doses

def test_no_total_dose_from_a_dose_per_fraction_or_a_number_of_fractions_alone():
    assert metrics.total_dose(target(dose_per_fraction_gy=2)) is None
    assert metrics.total_dose(target(fractions=25)) is None


def test_eqd2_uses_the_alpha_beta_it_is_given_and_is_absent_without_fractions():
    # α/β 3: d = 2.45, BED = 61.25 (1 + 2.45/3) = 111.27, EQD2 = BED / (1 + 2/3) = 66.76
    assert metrics.eqd2(target(total_dose_gy=61.25, fractions=25), alpha_beta=3) == pytest.approx(66.76, abs=0.01)
    assert metrics.eqd2(target(total_dose_gy=60.2)) is None


# ---------------------------------------------------------------- key dates

def test_the_first_relapse_is_the_earliest_in_time_not_in_the_file():
    case = build(events=[DX, ("recurrence", "rec", "2021-05-10"), ("progression", "prog", "2020-09-15")], age=50)
    assert metrics.first_event(case, *metrics.RELAPSE).id == "prog"
    assert metrics.first_event_when(case, *metrics.RELAPSE).earliest_date == date(2020, 9, 15)
    d = metrics.time_to_first_recurrence(case)
    assert d.exact and d.low == pytest.approx(months(date(2019, 3, 1), date(2020, 9, 15)))
    m = named(case, "time from diagnosis to first recurrence or progression")
    assert m.label == d.label() and m.basis == "diagnosis to the first recurrence or progression event"
    # 50 at diagnosis, 18.5 months before the progression: 51.5 to 52.5
    assert named(case, "age at first recurrence or progression").label == "51–52 years"


def test_a_case_without_the_event_kind_has_no_first_event():
    case = build(events=[DX])
    assert metrics.first_event(case, "recurrence") is None
    assert metrics.first_event(case, "diagnosis").id == "dx"
    assert metrics.time_to_first_recurrence(case) is None
    assert named(build(events=[DX], age=50), "age at first recurrence or progression").label is None


def test_the_diagnosis_is_the_first_dated_stage_when_no_event_gives_it():
    case = build(stages=[None, "2019-03-10"], last_contact="2020-03-10", status="dead")
    assert metrics.diagnosis_date(case) == parse_date("2019-03-10")
    assert metrics.diagnosis_when(case).earliest_date == date(2019, 3, 10)
    assert metrics.overall_survival(case).low == pytest.approx(months(date(2019, 3, 10), date(2020, 3, 10)))


def test_a_diagnosis_event_comes_before_the_stages_and_neither_gives_none():
    assert metrics.diagnosis_date(build(events=[DX], stages=["2019-01"])) == parse_date("2019-03-01")
    assert metrics.diagnosis_date(build(stages=[None])) is None
    assert metrics.diagnosis_when(build()) is None


# ---------------------------------------------------------------- the authors' figures

@pytest.mark.parametrize("value, unit, qualifier, months_, label", [
    (10, "weeks", "=", 70 / DAYS_PER_MONTH, "10 weeks, as reported"),
    (1, "years", "=", 12, "1 year, as reported"),
    (2, "years", "about", 24, "about 2 years, as reported"),
    (3, "days", ">", 3 / DAYS_PER_MONTH, "> 3 days, as reported"),
])
def test_a_reported_duration_in_months_and_in_the_authors_words(value, unit, qualifier, months_, label):
    d = reported(value, unit, qualifier)
    assert metrics.reported_as_duration(d).low == pytest.approx(months_)
    assert metrics.reported_label(d) == label


@pytest.mark.parametrize("qualifier", [">", "≥"])
def test_more_than_n_reported_is_censored_with_no_upper_bound(qualifier):
    d = metrics.reported_as_duration(reported(72, qualifier=qualifier))
    assert d.at_least and math.isinf(d.high) and d.low == 72
    assert d.label() == "> 72 months, as reported"
    assert metrics.reported_label(reported(72, qualifier=qualifier)) == f"{qualifier} 72 months, as reported"


def test_a_reported_duration_is_found_only_for_the_item_it_is_of():
    case = build(events=[DX], regimens=[{"id": "io", "start": "2019-05-06"}, {"id": "chemo", "start": "2019-04-01",
                                                                             "end": "2019-04-20"}],
                 durations=[{"name": "follow-up", "value": 5, "unit": "years", "origin": "dx"},
                            {"name": "time on io", "value": 2, "unit": "years", "of": "io"}])
    assert metrics.reported_of(case, "io").name == "time on io"
    assert metrics.reported_of(case, "chemo") is None and metrics.reported_of(case, None) is None


# ---------------------------------------------------------------- time on immunotherapy and on each regimen

def test_time_on_immunotherapy_runs_from_the_earliest_start_to_the_latest_end_whatever_the_file_order():
    case = build(regimens=[{"id": "io-late", "start": "2021-01-10", "end": "2021-06-10"},
                           {"id": "io-early", "start": "2020-01-10", "end": "2020-06-10"}])
    d = metrics.time_on_immunotherapy(case)
    assert d.exact and d.low == pytest.approx(months(date(2020, 1, 10), date(2021, 6, 10)))
    m = named(case, "time on immunotherapy")
    assert m.label == d.label() and m.text is None
    assert m.basis == "first immunotherapy start to end, censored when ongoing; not computable when one has no end"


def test_time_on_immunotherapy_is_censored_at_the_latest_ongoing_date():
    case = build(regimens=[{"id": "io-a", "start": "2020-01-10", "ongoing_as_of": "2022-03-01"},
                           {"id": "io-b", "start": "2021-01-10", "ongoing_as_of": "2021-06-01"}])
    d = metrics.time_on_immunotherapy(case)
    assert d.at_least and d.low == pytest.approx(months(date(2020, 1, 10), date(2022, 3, 1)))


def test_one_course_the_authors_give_the_length_of_shows_their_figure():
    case = build(events=[DX], regimens=[{"id": "io", "start": "2019-05-06"}],
                 durations=[{"name": "follow-up", "value": 5, "unit": "years", "origin": "dx"},
                            {"name": "time on io", "value": 2, "unit": "years", "of": "io"}])
    d = metrics.time_on_immunotherapy(case)
    assert d.reported and d.low == 24
    m = named(case, "time on immunotherapy")
    assert m.label == "2 years, as reported"
    assert m.basis == "first immunotherapy start to end, as reported by the authors (Results)"
    r = metrics.regimen_metric(case, case.regimens[0])
    assert r.label == "2 years, as reported" and r.duration.low == 24
    assert r.basis == "regimen io: start to end as reported by the authors (Results)"


def test_an_end_from_a_duration_counted_from_the_diagnosis_is_a_date_not_the_length_of_the_course():
    # 12 months from the diagnosis (2019-03-01) ends the course on 2020-03-01: 2019-05-06 to then, from the dates
    case = build(events=[DX], regimens=[{"id": "io", "start": "2019-05-06"}],
                 durations=[{"name": "time to the end of io", "value": 12, "of": "io", "origin": "dx"}])
    d = metrics.regimen_duration(case, case.regimens[0])
    assert not d.reported and d.low == pytest.approx(months(date(2019, 5, 6), date(2020, 3, 1)))
    r = metrics.regimen_metric(case, case.regimens[0])
    assert r.text is None and r.label == d.label() and "as reported" not in r.label
    assert r.basis == "regimen io: start to end (end from a duration the authors report)"


def test_a_regimen_metric_says_when_it_is_censored():
    case = build(regimens=[{"id": "io", "name": "pembrolizumab", "start": "2020-01-10", "ongoing_as_of": "2021-01-10"},
                           {"id": "chemo", "modality": "chemotherapy", "start": "2019-10-01", "end": "2019-12-01"}])
    io, chemo = (metrics.regimen_metric(case, r) for r in case.regimens)
    assert io.name == "time on pembrolizumab" and io.basis == "regimen io: start to end, censored (ongoing)"
    assert io.label == "> 12 months"  # 366 days
    assert chemo.name == "time on chemo" and chemo.basis == "regimen chemo: start to end"


def test_a_regimen_equal_to_one_of_the_case_gives_the_same_duration():
    case = build(regimens=[{"id": "a", "start": "2020-01-10", "end": "2020-02-10"},
                           {"id": "b", "start": "2020-03-10", "end": "2020-06-10"}])
    again = build(regimens=[{"id": "a", "start": "2020-01-10", "end": "2020-02-10"},
                            {"id": "b", "start": "2020-03-10", "end": "2020-06-10"}])
    assert again.regimens[1] is not case.regimens[1]
    assert metrics.regimen_duration(case, again.regimens[1]) == metrics.regimen_duration(case, case.regimens[1])


# ---------------------------------------------------------------- overall survival and ages

def test_overall_survival_metric_says_whether_it_is_censored():
    dead = build(events=[DX], status="dead", last_contact="2020-03-01")
    alive = build(events=[DX], last_contact="2020-03-01")
    assert named(dead, "overall survival from diagnosis").basis == "diagnosis to last contact"
    assert named(dead, "overall survival from diagnosis").label == "12 months"
    assert named(alive, "overall survival from diagnosis").basis == \
        "diagnosis to last contact, censored (alive at last contact)"
    assert named(alive, "overall survival from diagnosis").label == "> 12 months"


def test_overall_survival_reported_from_the_diagnosis_is_the_authors_figure():
    case = build(events=[DX], durations=[{"name": "follow-up", "value": 5, "unit": "years", "origin": "dx"}])
    m = named(case, "overall survival from diagnosis")
    assert m.label == "5 years, as reported" and m.duration.low == 60 and m.duration.reported
    assert m.basis == "reported by the authors (Results): diagnosis to last contact"


def test_the_age_at_a_day_precision_diagnosis_is_the_stated_age():
    case = build(events=[DX], age=47)
    assert metrics.age_at(case, "2019-03-01") == (47, 48)
    assert metrics.age_label(metrics.age_at(case, "2019-03-01")) == "47 years"


def test_no_age_without_a_diagnosis_date():
    assert metrics.age_at(build(age=47), "2020-01-01") is None
    assert named(build(age=47), "age at last contact").label is None


def test_every_age_metric_says_how_it_is_counted():
    case = build(events=[DX], regimens=[{"id": "io", "start": "2020-03-01", "end": "2020-06-01"}], age=47,
                 last_contact="2021-03-01")
    ages = [m for m in metrics.case_metrics(case) if m.name.startswith("age at")]
    assert [m.name for m in ages] == ["age at first recurrence or progression", "age at first immunotherapy",
                                      "age at last contact"]
    assert {m.basis for m in ages} == {"age at diagnosis plus the interval"}
    # 366 and 731 days after a diagnosis at 47: a day more than one and two years
    assert [m.label for m in ages] == [None, "48–49 years", "49–50 years"]
