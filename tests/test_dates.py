import pytest

from caseseries.model.dates import CalendarDate, DateError, Duration, RelativeDate, UnknownDate, between, parse_date
from caseseries.model.case import Case
from caseseries.model.timeline import When, timeline

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
