"""Derived figures: durations at the dates' precision, doses by the linear-quadratic model."""

import pytest

from caseseries import find_case, metrics
from caseseries.chronology import Chronology
from caseseries.model import Locator, RadiotherapyTarget

LOC = Locator(section="test")


def target(**kw):
    return RadiotherapyTarget(name="t", locator=LOC, **kw)


def test_bed_of_61_25_gy_in_25_fractions_is_76_3():
    assert metrics.bed(target(total_dose_gy=61.25, fractions=25)) == pytest.approx(76.26, abs=0.01)
    assert metrics.eqd2(target(total_dose_gy=61.25, fractions=25)) == pytest.approx(63.55, abs=0.01)


def test_cumulative_dose_from_dose_per_fraction_and_fractions():
    brachy = target(dose_per_fraction_gy=7, fractions=2)
    assert metrics.total_dose(brachy) == 14
    assert metrics.bed(brachy) == pytest.approx(14 * 1.7)


def test_no_bed_without_fractions():
    assert metrics.bed(target(total_dose_gy=60.2)) is None


def test_toripalimab_from_may_2019_to_november_2024_is_about_65_to_66_months():
    case = find_case("toripalimab-iiic2p")
    [tori] = metrics.immunotherapy_regimens(case)
    d = Chronology(case).duration(tori.start, case.outcome.last_contact)
    assert 65 <= d.low < 65.2 and round(d.mid) == 66 and d.high < 67.1


def test_overall_survival_is_censored_when_alive():
    case = find_case("toripalimab-iiic2p")
    os_ = metrics.overall_survival(case)
    assert os_.at_least and 71 < os_.low < 72 and os_.label() == "> 71.1 months"


def test_time_on_socazolimab_is_censored_at_the_last_status():
    case = find_case("socazolimab-xu2025")
    d = metrics.time_on_immunotherapy(case)
    assert d.at_least and d.label() == "> 8 months"


def test_time_from_diagnosis_to_first_recurrence_spans_eleven_years():
    case = find_case("socazolimab-xu2025")
    d = metrics.time_to_first_recurrence(case)
    assert 135 < d.low and d.high < 138


def test_age_at_first_immunotherapy():
    case = find_case("socazolimab-xu2025")
    assert metrics.age_label(metrics.age_at(case, metrics.immunotherapy_regimens(case)[0].start)) == "62–63 years"


def test_relative_cases_have_no_calendar_metric():
    case = find_case("bian2024-p1")
    assert metrics.overall_survival(case) is None
    assert metrics.age_at(case, case.outcome.last_contact) is None
