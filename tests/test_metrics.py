"""Derived figures: durations at the dates' precision, doses by the linear-quadratic model.

Expected durations are counted in days by hand from the fixture case files (a month is
365.25/12 days, data/README.md); a month-precision date spans its whole month.
"""

from datetime import date

import pytest

from caseseries.views import metrics
from caseseries.model.timeline import timeline
from caseseries.model.case import Locator, RadiotherapyTarget
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
