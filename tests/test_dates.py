import datetime as dt
import math
from types import SimpleNamespace

import pytest

from caseseries.model.dates import CalendarDate, DateError, Duration, RelativeDate, UnknownDate, between, parse_date
from caseseries.model.case import Case
from caseseries.model.timeline import When, timeline
from conftest import DAYS_PER_MONTH

_CASE = Case.model_validate({"case_id": "d", "title": "D", "source": {"citation": "Invented", "synthetic": True,
                                                                     "patient": "one"},
                             "outcome": {"status": "alive", "last_contact": "2030", "locator": {"section": "C"}}})


def point(text: str) -> When:
    """A date resolved by the timeline of a case with no items."""
    return timeline(_CASE).resolve(text)


@pytest.mark.parametrize("text, expected, precision", [
    ("2008", CalendarDate(2008), "year"),
    (2008, CalendarDate(2008), "year"),
    ("2008-04", CalendarDate(2008, 4), "month"),
    ("2024-05-20", CalendarDate(2024, 5, 20), "day"),
])
def test_calendar_dates_keep_their_precision(text, expected, precision):
    date = parse_date(text)
    assert date == expected
    assert date.precision == precision
    assert str(date) == str(text)


@pytest.mark.parametrize("text, expected", [
    ("rit-start + 12 months", RelativeDate("rit-start", 12, "month")),
    ("rit-start+12 months", RelativeDate("rit-start", 12, "month")),
    ("surgery - 2 weeks", RelativeDate("surgery", -2, "week")),
    ("rit-start + >12 months", RelativeDate("rit-start", 12, "month", at_least=True)),
    ("rit-start", RelativeDate("rit-start")),
])
def test_offsets(text, expected):
    assert parse_date(text) == expected


def test_offsets_print_back_as_written():
    assert str(parse_date("rit-start + >12 months")) == "rit-start + >12 months"
    assert str(parse_date("surgery - 1 week")) == "surgery - 1 week"


def test_unknown():
    assert isinstance(parse_date("unknown"), UnknownDate)


@pytest.mark.parametrize("text, words", [
    ("2019-13", "month 13 does not exist"),
    ("2019-02-30", "day 2019-02-30 does not exist"),
    ("19-04", "expected a date like"),
    ("April 2019", "expected a date like"),
    ("x + 3 fortnights", "expected a date like"),
])
def test_impossible_or_malformed_dates_are_refused(text, words):
    with pytest.raises(DateError, match=words):
        parse_date(text)


def test_month_precision_spans_the_whole_month():
    p = point("2019-02")
    assert p.latest - p.earliest == 27


def test_two_month_dates_give_months_with_uncertainty_not_days():
    d = between(point("2019-05"), point("2024-11"))
    assert 65 <= d.low < 65.2 and 66.9 < d.high <= 67.1
    assert d.label() == "66 months (65–67)"


def test_day_dates_give_an_exact_duration():
    d = between(point("2024-05-20"), point("2025-01-20"))
    assert d.exact and d.label() == "8 months"


def test_censored_duration_reads_more_than():
    d = between(point("2024-05-20"), point("2025-01-20"), censored=True)
    assert d.at_least and d.label() == "> 8 months"


def test_reported_duration_says_so():
    d = between(point("2019-05"), point("2024-10"))
    assert d.__class__(d.low, d.high, reported=True).label().endswith(", as reported")


def test_overlapping_month_and_day_are_not_ordered():
    month, day = point("2019-04"), point("2019-04-08")
    assert not month.certainly_before(day) and not day.certainly_before(month)


def test_different_axes_give_no_duration():
    a = point("2019")
    b = When("rit-start", 0, 0, "anchor", "unknown", "time 0", 0.0)
    assert between(a, b) is None


def test_less_than_a_month():
    d = between(point("2019-04-08"), point("2019-04"))
    assert d.label() == "< 1 month"


@pytest.mark.parametrize("duration, label", [
    (Duration(1.0, 1.0), "1 month"),
    (Duration(1.0, 1.0, at_least=True), "> 1 month"),
    (Duration(2.5, 2.5), "2.5 months"),
    (Duration(0.5, 1.6), "1 month (0–2)"),
    (Duration(12.0, 12.0, reported=True), "12 months, as reported"),
])
def test_one_month_is_singular_in_every_form(duration, label):
    assert duration.label() == label


# ---------------------------------------------------------------- what parse_date refuses, and why


@pytest.mark.parametrize("value", [dt.date(2024, 5, 20), 2008.0, None, True])
def test_a_date_that_is_not_text_or_a_year_number_is_refused_saying_what_is_expected(value):
    # a case file's dates are read as text (a YAML date object would lose its precision)
    with pytest.raises(DateError, match="expected a date like 2019, 2019-04 or 2019-04-08"):
        parse_date(value)


@pytest.mark.parametrize("text", ["1800", "2200", "early 1800", "late 2200", "2200-12-31"])
def test_the_first_and_last_years_a_date_may_name_are_accepted(text):
    assert str(parse_date(text)) == text


@pytest.mark.parametrize("text, year", [("1799", "1799"), ("2201-01", "2201"), ("early 1799", "1799"),
                                        ("late 2201", "2201"), ("between 2019 and 2201", "2201")])
def test_a_year_outside_the_years_a_date_may_name_is_refused_naming_it(text, year):
    with pytest.raises(DateError) as exc:
        parse_date(text)
    assert str(exc.value) == f"year {year} is outside the years a date may name (1800–2200)"


def test_a_between_with_the_same_two_bounds_is_refused():
    with pytest.raises(DateError, match="'between 2019-04 and 2019-04': the two bounds are the same"):
        parse_date("between  2019-04 and 2019-04")


@pytest.mark.parametrize("text", ["between", "after", "before", "on", "early", "mid", "late",
                                  "on + 2 months", "early + 1 month", "unknown + 3 weeks"])
def test_the_words_of_a_date_form_are_never_read_as_an_item_id(text):
    with pytest.raises(DateError, match="expected a date like"):
        parse_date(text)


@pytest.mark.parametrize("text", ["surgery + 400 years", "surgery - 400 years", "surgery + 146100 days"])
def test_an_offset_as_long_as_the_years_dates_may_span_is_accepted(text):
    assert str(parse_date(text)) == text


@pytest.mark.parametrize("text, length", [("surgery + 401 years", "401 years"),
                                          ("surgery - 4812 months", "4812 months"),
                                          ("surgery + 146101 days", "146101 days")])
def test_an_offset_longer_than_the_years_dates_may_span_is_refused_naming_it(text, length):
    with pytest.raises(DateError) as exc:
        parse_date(text)
    assert str(exc.value) == f"an offset of {length} is longer than the years dates may span (1800–2200)"


# ---------------------------------------------------------------- offsets as the view states them


@pytest.mark.parametrize("text", ["surgery + 0.5 months", "surgery + 2.5 weeks", "surgery - 1.5 years",
                                  "surgery + >0 days", "surgery + 1 day", "surgery - 3 days"])
def test_offsets_with_fractions_or_an_open_zero_print_back_as_written(text):
    assert str(parse_date(text)) == text


# ---------------------------------------------------------------- durations


def test_a_spread_under_a_month_that_rounds_to_one_whole_month_count_reads_as_its_middle():
    assert Duration(2.2, 2.4).label() == "2.3 months"
    assert Duration(6.6, 7.4).label() == "7 months"


def test_an_end_that_may_fall_before_the_start_gives_a_shortest_duration_of_zero_not_less():
    d = between(point("2019-04-08"), point("2019-04"))  # the end's month begins a week before the start
    assert d.low == 0.0 and d.high == pytest.approx(22 / DAYS_PER_MONTH)


def test_a_start_a_fraction_of_a_day_before_the_end_gives_that_fraction(cases):
    tl = timeline(cases["fx-relative-axis"])
    d = between(tl.resolve("rit-start + 1 month"), tl.resolve("rit-start + 31 days"))
    assert d.low == pytest.approx((31 - DAYS_PER_MONTH) / DAYS_PER_MONTH) and d.low > 0


def test_an_interval_without_an_open_end_flag_is_censored_only_when_it_has_no_last_day():
    # between() takes any interval of days with axis, earliest and latest
    start = SimpleNamespace(axis="calendar", earliest=0.0, latest=0.0)
    closed = between(start, SimpleNamespace(axis="calendar", earliest=61.0, latest=61.0))
    assert not closed.at_least and closed.label() == "2 months"
    unbounded = between(start, SimpleNamespace(axis="calendar", earliest=61.0, latest=math.inf))
    assert unbounded.at_least and unbounded.label() == "> 2 months"
