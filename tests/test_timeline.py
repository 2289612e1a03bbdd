"""The one model of time: resolution of every date form, stated order, reported durations, errors."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from caseseries.model.checks import case_problems
from caseseries.model.dates import Bounded, CalendarDate, DateError, RelativeDate, Season, parse_date
from caseseries.model.case import Case
from caseseries.model.timeline import TimelineError, anchors_of, dated_fields, precedes, timeline


def day(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


def make_case(events=(), regimens=(), radiotherapy=(), imaging=(), markers=(), last_contact="2025-01",
              durations=()) -> Case:
    loc = {"section": "Case"}
    return Case.model_validate({
        "case_id": "t", "title": "T", "source": {"citation": "Invented", "synthetic": True, "patient": "one"},
        "events": [{"kind": "follow-up", "label": e[0], "id": e[0], "date": e[1], "locator": loc} for e in events],
        "regimens": [{"id": r[0], "setting": "first line", "modality": r[3] if len(r) > 3 else "chemotherapy",
                      "start": r[1], **({"end": r[2]} if r[2] else {}),
                      "agents": [{"drug": "cisplatin", "locator": loc}], "locator": loc} for r in regimens],
        "radiotherapy": [{"id": c[0], "kind": "external beam", "start": c[1], "locator": loc} for c in radiotherapy],
        "imaging": [{"id": i[0], "date": i[1], "modality": "CT", "findings": "f", "locator": loc} for i in imaging],
        "markers": [{"analyte": "SCCA", "date": m, "observation": "up", "locator": loc} for m in markers],
        "outcome": {"status": "alive", "last_contact": last_contact, "locator": loc,
                    "durations": [{"locator": loc, **d} for d in durations]},
    })


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize("text, expected", [
    ("early 2023", Season(2023, "early")),
    ("late  2023", Season(2023, "late")),
    ("between a and b", Bounded(RelativeDate("a"), RelativeDate("b"))),
    ("between 2019-09 and b + 2 months", Bounded(CalendarDate(2019, 9), RelativeDate("b", 2, "month"))),
    ("on or before 2020-03", Bounded(before=CalendarDate(2020, 3))),
    ("on or after x + >1 week", Bounded(after=RelativeDate("x", 1, "week", True))),
    ("after surgery", Bounded(after=RelativeDate("surgery"))),
    ("before surgery", Bounded(before=RelativeDate("surgery"))),
])
def test_new_forms_parse_and_print_back(text, expected):
    parsed = parse_date(text)
    assert parsed == expected
    assert parse_date(str(parsed)) == parsed


@pytest.mark.parametrize("text", ["between a", "between a and a", "spring 2023", "early 23", "0000-01", "on or about x"])
def test_malformed_new_forms_are_refused(text):
    with pytest.raises(DateError):
        parse_date(text)


# ---------------------------------------------------------------- resolution


def test_seasons_span_four_months():
    tl = timeline(make_case(events=[("a", "early 2023"), ("b", "late 2023")]))
    a, b = tl.at(("events", 0, "date")), tl.at(("events", 1, "date"))
    assert (a.earliest, a.latest) == (day("2023-01-01"), day("2023-04-30"))
    assert (b.earliest, b.latest) == (day("2023-09-01"), day("2023-12-31"))
    assert a.words == "early 2023"


def test_month_offsets_move_by_calendar_months():
    tl = timeline(make_case(regimens=[("io", "2019-05", None)], events=[("x", "io + 65 months")]))
    x = tl.at(("events", 0, "date"))
    assert (x.earliest, x.latest) == (day("2024-10-01"), day("2024-10-31"))
    assert x.words.startswith("2024-10 (65 months after the start of")


def test_between_takes_the_lower_bound_of_one_and_the_upper_of_the_other():
    tl = timeline(make_case(regimens=[("r1", "2019-09", None), ("r2", "2020-03", "2020-04")],
                            imaging=[("pr", "between r1 and r2")]))
    pr = tl.at(("imaging", 0, "date"))
    assert (pr.earliest, pr.latest) == (day("2019-09-01"), day("2020-03-31"))
    assert pr.words.startswith("between 2019-09 and 2020-03 (after the start of")
    assert not pr.open_end


def test_an_item_after_x_is_never_listed_or_drawn_before_x():
    # X is a whole month; "X + >0 months" may be its first day, but stands after X.
    tl = timeline(make_case(events=[("later", "x + >0 months"), ("x", "2019-09")]))
    order = [e.id for e in tl.entries]
    assert order.index("x") < order.index("later")
    x, later = tl.at(("events", 1, "date")), tl.at(("events", 0, "date"))
    assert later.position >= x.position
    assert later.open_end and later.words == "after 2019-09 (after the follow-up)"


def test_open_ends_are_capped_by_the_last_contact_and_stay_open():
    tl = timeline(make_case(events=[("x", "2019-09"), ("y", "on or after x")], last_contact="2021-02-10"))
    y = tl.at(("events", 1, "date"))
    assert y.latest == day("2021-02-10") and y.open_end
    assert tl.duration(tl.at(("events", 0, "date")), y).at_least


def test_on_or_before_has_no_lower_bound_and_is_drawn_at_its_upper_bound():
    tl = timeline(make_case(events=[("y", "on or before 2020-03")]))
    y = tl.at(("events", 0, "date"))
    assert math.isinf(y.earliest) and y.latest == day("2020-03-31") and y.position == y.latest
    assert y.words == "on or before 2020-03"


def test_reported_duration_gives_the_end_of_a_course():
    tl = timeline(make_case(regimens=[("io", "2019-05", None, "immunotherapy")], last_contact="2024-11",
                            durations=[{"name": "time on io", "value": 65, "of": "io"}]))
    span = tl.span("regimens", 0)
    assert span.end_basis == "reported" and span.end.reported
    assert (span.end.earliest, span.end.latest) == (day("2024-10-01"), day("2024-10-31"))
    assert "as reported" in span.end.words
    d = tl.duration(span.start, span.end)
    assert round(d.low) == 64 and round(d.high) == 66 and not d.at_least


def test_reported_follow_up_bounds_the_last_contact_and_contradiction_is_a_problem():
    ok = make_case(events=[("dx", "2018-11")], last_contact="2024",
                   durations=[{"name": "overall survival", "value": 72, "qualifier": ">", "origin": "dx"}])
    assert timeline(ok).last_contact.earliest == day("2024-11-01")
    bad = make_case(events=[("dx", "2018-11")], last_contact="2020",
                    durations=[{"name": "overall survival", "value": 72, "qualifier": ">", "origin": "dx"}])
    assert any(path == ("outcome", "durations", 0, "value") for path, _ in case_problems(bad))


def test_undated_anchor_roots_its_own_axis_with_words_in_months():
    tl = timeline(make_case(events=[("start", "unknown"), ("pfs", "start + >12 months")],
                            last_contact="start + >12 months"))
    assert tl.axis == "start" and tl.roots == {"start"}
    pfs = tl.at(("events", 1, "date"))
    assert pfs.words == "more than 12 months after start"
    assert tl.at(("events", 0, "date")).position == 0


@pytest.mark.parametrize("date, words", [
    ("b + 1 month", "offset cycle"),
    ("nowhere + 1 month", "anchor 'nowhere' does not exist"),
])
def test_cycles_and_missing_anchors_are_problems_naming_the_field(date, words):
    case = make_case(events=[("a", date), ("b", "a + 1 month")])
    problems = case_problems(case)
    assert any(path == ("events", 0, "date") and words in message for path, message in problems), problems


def test_cycle_message_names_the_chain():
    problems = dict(case_problems(make_case(events=[("a", "b + 1 month"), ("b", "a + 1 month")])))
    assert problems[("events", 0, "date")] == "offset cycle a -> b -> a"


def test_between_in_the_wrong_order_is_a_problem():
    problems = dict(case_problems(make_case(events=[("x", "between 2020-05 and 2020-01")])))
    assert "is after" in problems[("events", 0, "date")]


def test_a_chain_of_3000_offsets_written_in_reverse_resolves():
    n = 3000
    events = [(f"e{i}", f"e{i + 1} - 1 day") for i in range(n)] + [(f"e{n}", "2020-01-15")]
    case = make_case(events=events, last_contact="2030")
    assert case_problems(case) == []
    e0 = timeline(case).at(("events", 0, "date"))
    assert e0.earliest == e0.latest == day("2020-01-15") - n


def test_every_dated_field_is_listed_once():
    case = make_case(events=[("a", "2020")], regimens=[("r", "2020-02", "2020-05")], markers=["2020-03"])
    paths = [p for p, _ in dated_fields(case)]
    assert len(paths) == len(set(paths))
    assert ("regimens", 0, "end") in paths and ("markers", 0, "date") in paths


def test_publication_bounds_an_open_last_contact():
    case = make_case(events=[("x", "2019-09"), ("y", "x + >6 months")], last_contact="x + >12 months")
    data = case.model_dump()
    data["source"]["dates"] = {"published": "2022-03"}
    tl = timeline(Case.model_validate(data))
    assert tl.last_contact.latest == day("2022-03-31") and tl.last_contact.open_end
    assert tl.at(("events", 1, "date")).latest == day("2022-03-31")


@pytest.mark.parametrize("offset, days", [("1 day", 1), ("2 weeks", 14), ("3 days", 3), ("10 weeks", 70)])
def test_an_offset_in_days_or_weeks_moves_a_dated_item_by_that_many_days(offset, days):
    tl = timeline(make_case(events=[("x", "2019-09-10"), ("y", f"x + {offset}"), ("z", f"x - {offset}")]))
    x, y, z = (tl.at(("events", n, "date")) for n in range(3))
    assert (y.earliest - x.earliest, y.latest - x.latest) == (days, days)
    assert (x.earliest - z.earliest, x.latest - z.latest) == (days, days)


def test_a_plain_reference_to_an_item_has_the_precision_of_its_date():
    tl = timeline(make_case(events=[("x", "2019-09"), ("d", "2019-09-10"), ("y", "x"), ("z", "d"), ("w", "y"),
                                    ("o", "x + 1 month")]))
    assert [tl.at(("events", n, "date")).precision for n in range(2, 6)] == ["month", "day", "month", "offset"]
    assert tl.when("d").precision == "day"


def test_an_offset_in_months_or_years_moves_by_calendar_months():
    tl = timeline(make_case(events=[("x", "2019-09-10"), ("m", "x + 5 months"), ("y", "x + 1 year")]))
    assert tl.at(("events", 1, "date")).earliest == day("2020-02-10")
    assert tl.at(("events", 2, "date")).earliest == day("2020-09-10")


# ---------------------------------------------------------------- the words a clinician reads, form by form
#
# One calendar case: 'dx' (a follow-up visit) on 2019-09-10, 'm' in 2019-09, 'y' in 2019, 'e' early 2020
# (January to April), 'span' between 2019 and 2020 (two whole years), 'k' between 2019-09-10 and 2019-09-20,
# 'kk' between 2019-10-25 and 2019-11-05, 'p' on or before 2020-03, 'q' on or after 2019-09, 'u' on or
# before q (no bound either way), and the course 'r' (cisplatin) from 2019-10.

def words_case() -> Case:
    """Built afresh in each test: timeline() keeps one timeline per case object, and a test must compute its own."""
    return make_case(events=[("dx", "2019-09-10"), ("m", "2019-09"), ("y", "2019"), ("e", "early 2020"),
                             ("span", "between 2019 and 2020"), ("k", "between 2019-09-10 and 2019-09-20"),
                             ("kk", "between 2019-10-25 and 2019-11-05"), ("p", "on or before 2020-03"),
                             ("q", "on or after 2019-09"), ("u", "on or before q")],
                     regimens=[("r", "2019-10", None)], last_contact="2030")



@pytest.mark.parametrize("stated, words", [
    # an exact offset: the interval it means, then the offset as stated (one week, two weeks)
    ("dx + 2 weeks", "2019-09-24 (2 weeks after the follow-up)"),
    ("dx - 1 week", "2019-09-03 (1 week before the follow-up)"),
    ("dx", "2019-09-10"),  # the item itself: its date, nothing more
    ("m + 1 month", "2019-10 (1 month after the follow-up)"),
    # a year moved by a month is eleven whole months and one of the next year, not a year
    ("y + 1 month", "2019-02 to 2020-01 (1 month after the follow-up)"),
    ("y + 12 months", "2020 (12 months after the follow-up)"),
    ("e + 2 months", "2020-03 to 2020-06 (2 months after the follow-up)"),  # same year, not January to December
    ("e + 12 months", "2021-01 to 2021-04 (12 months after the follow-up)"),  # from January, not to December
    ("span + 12 months", "2020-01 to 2021-12 (12 months after the follow-up)"),  # January to December, two years
    ("k + 1 month", "2019-10 (1 month after the follow-up)"),  # 10 to 20 October: within one month
    ("kk + 1 day", "2019-10-26 to 2019-11-06 (1 day after the follow-up)"),  # twelve days, but two months
    ("p + 1 month", "on or before 2020-04 (1 month after the follow-up)"),  # no lower bound
    ("q + 1 month", "after 2019-10 (1 month after the follow-up)"),  # no upper bound
    ("u + 1 month", "an unknown date (1 month after the follow-up)"),  # neither
    # 'more than': after (or before) the exact offset, at its first (or last) day
    ("dx + >1 month", "after 2019-10-10 (more than 1 month after the follow-up)"),
    ("m + >1 month", "after 2019-10 (more than 1 month after the follow-up)"),
    ("y + >1 month", "after 2019-02 (more than 1 month after the follow-up)"),  # 2019-02 to 2020-01: its start
    ("m - >2 months", "before 2019-07 (more than 2 months before the follow-up)"),
    ("y - >1 month", "before 2019-11 (more than 1 month before the follow-up)"),  # 2018-12 to 2019-11: its end
    ("p - >1 month", "before 2020-02 (more than 1 month before the follow-up)"),
    ("q + >1 month", "after 2019-10 (more than 1 month after the follow-up)"),
    ("u + >1 month", "after an unknown date (more than 1 month after the follow-up)"),
    # bounds: a whole year from its start or to its end, other dates as stated or resolved
    ("between 2019 and 2021", "between the start of 2019 and the end of 2021"),
    ("on or after 2019", "on or after the start of 2019"),
    ("on or before 2019", "on or before the end of 2019"),
    ("on or before 2019-03", "on or before 2019-03"),
    ("on or after early 2019", "on or after early 2019"),
    ("between y and 2020-03", "between 2019 and 2020-03 (after the follow-up)"),
    ("on or before dx", "on or before 2019-09-10 (before the follow-up)"),
    ("on or after r", "on or after 2019-10 (after the start of cisplatin)"),
    ("between dx + 1 week and r + 1 month", "between 2019-09-17 and 2019-11 (after the follow-up, before the start of cisplatin)"),
    ("between 2018 and y + 1 month", "between the start of 2018 and 2020-01 (before the follow-up)"),  # its last month
    ("between y + 1 month and 2021", "between 2019-02 and the end of 2021 (after the follow-up)"),  # its first month
])
def test_a_calendar_date_reads_as_the_interval_it_means_and_the_offset_it_states(stated, words):
    assert timeline(words_case()).resolve(stated).words == words


@pytest.mark.parametrize("stated, earliest, latest, open_start, open_end", [
    ("dx + 2 weeks", "2019-09-24", "2019-09-24", False, False),
    ("m - >2 months", None, "2019-07-30", True, False),  # 30 September less two months at the latest; no first day
    ("m + >1 month", "2019-10-01", "2030-12-31", False, True),  # capped by the last contact, still open
    ("p + 1 month", None, "2020-04-30", True, False),
    ("q - 1 month", "2019-08-01", "2030-12-31", False, True),
    ("between 2019-09 and r", "2019-09-01", "2019-10-31", False, False),
    ("on or before dx", None, "2019-09-10", True, False),
    ("on or after dx", "2019-09-10", "2030-12-31", False, True),
    ("between p and q", None, "2030-12-31", True, True),
    ("between dx and 2019-09-10", "2019-09-10", "2019-09-10", False, False),  # the same day: a valid bound
])
def test_a_stated_date_resolves_to_its_first_and_last_possible_day(stated, earliest, latest, open_start, open_end):
    w = timeline(words_case()).resolve(stated)
    assert w.earliest == (-math.inf if earliest is None else day(earliest))
    assert w.latest == day(latest)
    assert (w.open_start, w.open_end) == (open_start, open_end)


def relative_case(events, last_contact) -> Case:
    """Events (id, date, label) of a case with no calendar date: each undated one named by an offset roots an axis."""
    loc = {"section": "Case"}
    return Case.model_validate({
        "case_id": "r", "title": "R", "source": {"citation": "Invented", "synthetic": True, "patient": "one"},
        "events": [{"kind": "follow-up", "id": e[0], "date": e[1], "label": e[2] if len(e) > 2 else e[0],
                    "locator": loc} for e in events],
        "outcome": {"status": "alive", "last_contact": last_contact, "locator": loc},
    })


# Time 0 is 'io' (undated, "Immunotherapy begins"); 'a' is 1 month after it, 'b' 3 months before, 'w' 1 to 2
# months after, 'n' 3 to 5 months before, 't' has no bound either way. A month is 365.25/12 = 30.4375 days.
def relative() -> Case:
    return relative_case([("io", "unknown", "Immunotherapy begins"), ("pd", "unknown", "PD-L1 testing"),
                          ("z", "unknown", "X"), ("a", "io + 1 month"), ("b", "io - 3 months"),
                          ("w", "between io + 1 month and io + 2 months"),
                          ("n", "between io - 5 months and io - 3 months"), ("t", "on or before io + >1 month"),
                          ("pdx", "pd + 1 week"), ("zx", "z + 1 day")], last_contact="io + 24 months")


@pytest.mark.parametrize("stated, words", [
    ("io", "the date of immunotherapy begins (not reported)"),  # the origin's label, in a sentence
    ("on or before io", "on or before immunotherapy begins"),  # a bound that is an item: its name, once
    ("between b and io", "between the follow-up and immunotherapy begins"),
    ("between b + 1 month and io", "between 2 months before immunotherapy begins and immunotherapy begins "
                                   "(after the follow-up)"),
    ("io + 2 weeks", "2 weeks after immunotherapy begins"),  # from the origin: as stated
    ("io - 1 month", "1 month before immunotherapy begins"),
    ("io + >2 months", "more than 2 months after immunotherapy begins"),
    ("io - >2 months", "more than 2 months before immunotherapy begins"),
    ("a", "at the follow-up"),  # another item, no offset: named, not placed in months
    ("a + >0 days", "after the follow-up"),
    # from another item: months from the origin (1 + 2 = 3; -3 - 1 = -4; -3 + 2 = -1; 1 + 10/30.4375 = 1.33)
    ("a + 2 months", "3 months after immunotherapy begins"),
    ("b - 1 month", "4 months before immunotherapy begins"),
    ("b + 2 months", "1 month before immunotherapy begins"),
    ("a + 10 days", "1.3 months after immunotherapy begins"),
    ("a - 0.5 months", "0.5 months after immunotherapy begins"),
    ("b + >1 month", "later than 2 months before immunotherapy begins"),  # -3 + 1 = -2, no upper bound
    ("b + >3 months", "after immunotherapy begins"),  # -3 + 3 = 0
    ("b + >3.5 months", "more than 0.5 months after immunotherapy begins"),
    ("a - >0.5 months", "no later than 0.5 months after immunotherapy begins"),  # no lower bound
    ("b - >1 month", "more than 4 months before immunotherapy begins"),
    ("w + 1 month", "2–3 months from immunotherapy begins"),  # 1..2 moved by 1
    ("n + 1 month", "2–4 months before immunotherapy begins"),  # -5..-3 moved by 1
    ("t + 1 month", "at an unknown time relative to immunotherapy begins"),
    ("pd - >1 week", "more than 0.2 months before PD-L1 testing"),  # an acronym keeps its capitals; 7/30.4 = 0.23
    ("z + 1 day", "1 day after X"),  # a one-letter label as it is
])
def test_a_relative_date_reads_in_months_from_the_origin_of_its_axis(stated, words):
    assert timeline(relative()).resolve(stated).words == words


@pytest.mark.parametrize("stated, earliest, latest", [
    ("a + 2 months", 3 * 30.4375, 3 * 30.4375),  # days from the origin, not calendar months
    ("b - 1 week", -3 * 30.4375 - 7, -3 * 30.4375 - 7),
    ("w + 1 month", 2 * 30.4375, 3 * 30.4375),
    ("n - >1 month", -math.inf, -4 * 30.4375),
    ("between a and b + 6 months", 30.4375, 3 * 30.4375),
])
def test_a_relative_date_resolves_to_days_from_its_origin(stated, earliest, latest):
    w = timeline(relative()).resolve(stated)
    assert w.axis == "io" and w.earliest == pytest.approx(earliest) and w.latest == pytest.approx(latest)


def test_an_undated_origin_is_day_0_of_its_own_axis():
    tl = timeline(relative())
    io = tl.at(("events", 0, "date"))
    assert (io.axis, io.earliest, io.latest, io.position) == ("io", 0.0, 0.0, 0.0)
    assert (io.precision, io.stated) == ("anchor", "unknown")
    assert io.words == "date not reported (the origin of this case's time axis)"
    assert tl.roots == {"io", "pd", "z"} and tl.axis == "io"  # the most used origin is the case's axis
    assert tl.at(("events", 8, "date")).axis == "pd"


# ---------------------------------------------------------------- durations the authors report


@pytest.mark.parametrize("qualifier, value, unit, start, words, stated, earliest, latest, position", [
    # 2019-05 + 65 months = 2024-10, drawn at the middle of that month
    ("=", 65, "months", "2019-05", "2024-10 (65 months after 2019-05, as reported)", "65 months",
     "2024-10-01", "2024-10-31", 739175.0),  # (2024-10-01 + 2024-10-31) / 2 = day 739175
    ("about", 65, "months", "2019-05", "2024-10 (about 65 months after 2019-05, as reported)", "about 65 months",
     "2024-10-01", "2024-10-31", 739175.0),
    # "more than": from 2024-10 on, open, up to the last contact (2025-03), drawn at its first day
    (">", 65, "months", "2019-05", "after 2024-10 (> 65 months after 2019-05, as reported)", "> 65 months",
     "2024-10-01", "2025-03-31", 739160.0),
    ("≥", 65, "months", "2019-05", "after 2024-10 (≥ 65 months after 2019-05, as reported)", "≥ 65 months",
     "2024-10-01", "2025-03-31", 739160.0),
    ("=", 10, "weeks", "2019-05-06", "2019-07-15 (10 weeks after 2019-05-06, as reported)", "10 weeks",
     "2019-07-15", "2019-07-15", 737255.0),  # 70 days after 6 May
])
def test_a_reported_length_gives_the_end_of_a_course_in_the_authors_words(qualifier, value, unit, start, words,
                                                                          stated, earliest, latest, position):
    tl = timeline(make_case(regimens=[("io", start, None, "immunotherapy")], last_contact="2025-03",
                            durations=[{"name": "time on io", "value": value, "unit": unit, "of": "io",
                                        "qualifier": qualifier}]))
    end = tl.span("regimens", 0).end
    assert (end.words, end.stated, end.precision) == (words, stated, "reported")
    assert (end.earliest, end.latest, end.position) == (day(earliest), day(latest), position)
    assert end.reported and end.open_end is (qualifier in (">", "≥")) and not end.open_start
    assert end.depth == 1 and end.follows == ()  # one step after its start, which names no item


def test_a_reported_length_on_a_relative_axis_reads_without_a_calendar_date():
    tl = timeline(make_case(events=[("start", "unknown")], regimens=[("io", "start + 1 month", None)],
                            last_contact="start + 24 months",
                            durations=[{"name": "time on io", "value": 2, "of": "io"}]))
    end = tl.span("regimens", 0).end
    assert end.words == "(2 months after 1 month after start, as reported)"
    assert end.axis == "start" and end.earliest == end.latest == end.position == pytest.approx(3 * 30.4375)


def test_a_reported_length_ends_a_course_only_when_its_origin_can_be_placed():
    # a duration of an item with no start and no origin gives no end
    case = make_case(events=[("dx", "2019-09")], regimens=[("io", "2019-05", None)],
                     durations=[{"name": "time on io", "value": 2, "of": "io", "origin": "dx"},
                                {"name": "follow-up", "value": 1, "of": "nothing"}])
    tl = timeline(case)
    end = tl.span("regimens", 0).end
    assert (end.earliest, end.latest) == (day("2019-11-01"), day("2019-11-30"))  # from its origin: 2019-09 + 2
    assert tl.duration_origin(case.outcome.durations[1]) is None


# ---------------------------------------------------------------- the last contact and the follow-up the authors report


def follow_up(last_contact: str, *durations: dict, events=(("dx", "2018-11"),)) -> Case:
    return make_case(events=list(events), last_contact=last_contact,
                     durations=[{"name": "overall survival", "origin": "dx", **d} for d in durations])


def test_an_exact_reported_follow_up_narrows_the_last_contact_to_its_month_and_says_so():
    # 2018-11 + 72 months = 2024-11: the last contact 'in 2024' was in 2024-11
    tl = timeline(follow_up("2024", {"value": 72}))
    lc = tl.last_contact
    assert (lc.earliest, lc.latest) == (day("2024-11-01"), day("2024-11-30"))
    assert lc.words == "2024 (on or after 2024-11 by the reported follow-up)"
    assert lc.position == (day("2024-11-01") + day("2024-11-30")) / 2 and not lc.open_end
    assert case_problems(follow_up("2024", {"value": 72})) == []


@pytest.mark.parametrize("qualifier", [">", "≥"])
def test_a_reported_follow_up_of_more_than_n_months_sets_only_the_first_day_of_the_last_contact(qualifier):
    lc = timeline(follow_up("2024", {"value": 72, "qualifier": qualifier})).last_contact
    assert (lc.earliest, lc.latest) == (day("2024-11-01"), day("2024-12-31"))


def test_an_approximate_or_item_follow_up_leaves_the_last_contact_as_stated():
    case = make_case(events=[("dx", "2018-11")], regimens=[("r", "2018-12", None)], last_contact="2024",
                     durations=[{"name": "os", "value": 72, "qualifier": "about", "origin": "dx"},
                                {"name": "on r", "value": 2, "of": "r", "origin": "dx"}])
    lc = timeline(case).last_contact
    assert (lc.earliest, lc.latest, lc.words) == (day("2024-01-01"), day("2024-12-31"), "2024")
    assert not [p for p, _ in case_problems(case) if p[:2] == ("outcome", "durations")]


def test_every_reported_follow_up_narrows_the_last_contact_even_after_one_that_cannot():
    case = follow_up("2024", {"value": 72, "qualifier": "about"}, {"value": 3, "origin": "start"},
                     {"value": 60}, {"value": 60, "qualifier": ">"}, {"value": 72},
                     events=[("dx", "2018-11"), ("start", "unknown")])
    tl = timeline(case)
    # about: skipped; 'start' has no calendar date: skipped; 60 months = 2023-11, before 2024: a problem;
    # '> 60 months' (from 2023-11) and 72 months (2024-11) both apply
    assert (tl.last_contact.earliest, tl.last_contact.latest) == (day("2024-11-01"), day("2024-11-30"))
    assert tl.problems == [(("outcome", "durations", 2, "value"),
                            "60 months from dx does not reach the last contact (2024)")]


@pytest.mark.parametrize("duration, message", [
    ({"value": 72}, "72 months from dx does not reach the last contact (2020)"),
    ({"value": 72, "qualifier": ">"}, ">72 months from dx does not reach the last contact (2020)"),
])
def test_a_reported_follow_up_past_the_last_contact_is_a_problem_in_the_authors_terms(duration, message):
    assert timeline(follow_up("2020", duration)).problems == [(("outcome", "durations", 0, "value"), message)]


def test_a_reported_follow_up_that_lands_on_the_last_contact_day_is_no_problem():
    tl = timeline(follow_up("2024-11-15", {"value": 72}, events=[("dx", "2018-11-15")]))
    assert tl.problems == [] and tl.last_contact.earliest == tl.last_contact.latest == day("2024-11-15")


def test_a_last_contact_no_follow_up_narrows_reads_as_stated():
    lc = timeline(make_case(events=[("dx", "2018-11")], last_contact="2025-01")).last_contact
    assert (lc.words, lc.earliest, lc.latest) == ("2025-01", day("2025-01-01"), day("2025-01-31"))


def published(case: Case, date: str) -> Case:
    data = case.model_dump()
    data["source"]["dates"] = {"published": date}
    return Case.model_validate(data)


@pytest.mark.parametrize("durations, words", [
    ((), "2024 (on or before 2024-12-15 by the publication of the source)"),  # no follow-up reported: not named
    (({"value": 72, "qualifier": ">"},),
     "2024 (on or after 2024-11 by the reported follow-up; on or before 2024-12-15 by the publication of the source)"),
])
def test_a_last_contact_narrowed_by_the_publication_says_so_and_names_only_a_reported_follow_up(durations, words):
    lc = timeline(published(follow_up("2024", *durations), "2024-12-15")).last_contact
    assert lc.words == words and lc.latest == day("2024-12-15")


def test_a_relative_last_contact_is_narrowed_in_days_without_a_calendar_month():
    tl = timeline(make_case(events=[("start", "unknown")], last_contact="start + >12 months",
                            durations=[{"name": "pfs", "value": 24, "qualifier": ">", "origin": "start"}]))
    lc = tl.last_contact
    assert lc.words == "more than 12 months after start"
    assert lc.earliest == lc.position == pytest.approx(24 * 30.4375) and lc.open_end and math.isinf(lc.latest)


def test_a_last_contact_bounded_by_the_publication_is_drawn_at_its_first_day():
    case = make_case(events=[("x", "2019-09")], last_contact="x + >12 months")
    data = case.model_dump()
    data["source"]["dates"] = {"published": "2022-03"}
    lc = timeline(Case.model_validate(data)).last_contact
    assert lc.open_end and lc.position == lc.earliest == day("2020-09-01") and lc.latest == day("2022-03-31")


# ---------------------------------------------------------------- where an item is drawn, and in what order


def test_an_item_stated_to_come_before_another_is_drawn_no_later_than_it():
    # x is some day of 2019-09 (drawn at its middle, the 15th-16th), but y lies between x and 2019-09-10,
    # and a marker between x and 2019-09-12: x is drawn on 2019-09-10 at the latest
    case = make_case(events=[("x", "2019-09"), ("y", "between x and 2019-09-10")], markers=["between x and 2019-09-12"])
    tl = timeline(case)
    assert tl.follower_limit("x") == day("2019-09-10") and tl.follower_limit("y") == math.inf
    assert tl.follower_limit(None) == math.inf
    assert tl.at(("events", 0, "date")).position == day("2019-09-10")
    # an exact offset from x is drawn at x's drawing point moved by the offset: as far from x's drawn day as
    # the middle of what it can mean is from x's middle
    o = tl.when("x + 1 month")
    x_mid = (day("2019-09-01") + day("2019-09-30")) / 2
    o_mid = (day("2019-10-01") + day("2019-10-30")) / 2  # 1 and 30 September, each a month later
    assert o.position == day("2019-09-10") + (o_mid - x_mid)


def test_a_bound_stated_by_a_later_item_passes_back_along_a_chain():
    # b is on or after a; a marker lies between b and 2019-09-10: b, and so a, are drawn by 2019-09-10
    tl = timeline(make_case(events=[("a", "2019-09"), ("b", "on or after a")],
                            markers=["nowhere + 1 month", "between b and 2019-09-10"]))
    assert tl.follower_limit("b") == tl.follower_limit("a") == day("2019-09-10")
    assert tl.at(("events", 0, "date")).position == day("2019-09-10")


def test_an_item_bounded_after_one_drawn_late_is_drawn_in_the_middle_of_what_is_left():
    # a on 2019-09-20; x between a and 09-30 (drawn at its middle, the 25th); y between x and 09-30 could be
    # drawn at its middle (the 25th) too, beside x: it is drawn half-way from x to its last possible day,
    # here 09-26, since z (between y and 09-26) follows it
    tl = timeline(make_case(events=[("a", "2019-09-20"), ("x", "between a and 2019-09-30"),
                                    ("y", "between x and 2019-09-30"), ("z", "between y and 2019-09-26")]))
    a, x, y, z = (tl.at(("events", i, "date")) for i in range(4))
    assert x.position == day("2019-09-25")
    assert y.position == (day("2019-09-25") + day("2019-09-26")) / 2
    assert (a.depth, x.depth, y.depth, z.depth) == (0, 1, 2, 3)  # each one step after what it follows
    assert (x.follows, y.follows, z.follows) == (("a",), ("x",), ("y",))
    assert [e.id for e in tl.entries] == ["a", "x", "y", "z"]


def test_an_item_stated_before_one_drawn_at_the_same_place_is_listed_before_it():
    # c on or before b, b on or before a (the undated origin): each is drawn at the last day it can be, a's,
    # and listed one step before what it is stated to precede, so the order read is the order stated
    tl = timeline(make_case(events=[("a", "unknown"), ("d", "on or after a"), ("b", "on or before a"),
                                    ("c", "on or before b")]))
    a, d, b, c = (tl.at(("events", i, "date")) for i in range(4))
    assert a.position == b.position == c.position == d.position == 0
    assert (c.depth, b.depth, a.depth, d.depth) == (-2, -1, 0, 1)
    assert [e.id for e in tl.entries] == ["c", "b", "a", "d"]


def test_an_item_stated_before_one_drawn_earlier_keeps_its_place():
    # 'before x + 0.5 months' places nothing before x (precedes()): drawn at its last day, after x; an item
    # drawn before what it precedes (x - 1 month) needs no step: both keep the order of their positions
    tl = timeline(make_case(events=[("x", "2019-05-10"), ("y", "before x + 0.5 months"), ("w", "x - 1 month")]))
    x, y, w = (tl.at(("events", i, "date")) for i in range(3))
    assert (x.depth, y.depth, w.depth) == (0, 0, 0)
    assert [e.id for e in tl.entries] == ["w", "x", "y"]


def test_dates_on_the_case_axis_sort_before_those_of_an_undated_origin_and_unplaced_last():
    tl = timeline(make_case(events=[("late", "2030"), ("start", "unknown"), ("rel", "start + 1 month")]))
    late, rel = tl.at(("events", 0, "date")), tl.at(("events", 2, "date"))
    assert tl.axis == "calendar" and rel.axis == "start"
    assert sorted([None, rel, late], key=tl.order_key) == [late, rel, None]


@pytest.mark.parametrize("spec, before", [
    ("x - 1 month", ("x",)), ("x + 1 month", ()), ("x", ()), ("x + >1 week", ()),
    ("before x", ("x",)), ("before x - 2 weeks", ("x",)), ("before x + 0.5 months", ()), ("before x + >0 days", ()),
    ("between a and b", ("b",)), ("after x", ()), ("2019", ()),
])
def test_an_item_is_stated_to_lie_before_its_upper_bound_or_the_anchor_of_a_negative_offset(spec, before):
    assert precedes(parse_date(spec)) == before


@pytest.mark.parametrize("spec, ids", [
    ("between a and b", ("a", "b")), ("after a", ("a",)), ("before b + 1 month", ("b",)), ("x - 1 day", ("x",)),
    ("between 2019 and b", ("b",)), ("2019", ()), ("unknown", ()),
])
def test_a_date_counts_from_the_items_it_names(spec, ids):
    assert anchors_of(parse_date(spec)) == ids


def test_the_timeline_of_a_case_is_built_once_per_case_object():
    case = make_case(events=[("x", "2019")])
    tl = timeline(case)
    assert timeline(case) is tl and timeline(case) is tl
    assert timeline(case.model_copy()) is not tl  # another object, maybe changed: its own timeline


# ---------------------------------------------------------------- how an item is named in a date's words


@pytest.mark.parametrize("kind, name", [
    ("chemotherapy", "the start of chemotherapy"), ("lab", "the laboratory test"),
    ("treatment declined", "the refusal of treatment"), ("surgery", "the surgery"), ("recurrence", "the recurrence"),
])
def test_an_event_is_named_by_its_kind(kind, name):
    case = make_case(events=[("x", "2019-09")])
    case = case.model_copy(update={"events": [case.events[0].model_copy(update={"kind": kind})]})
    assert timeline(case).name_of("x") == name
    assert timeline(case).name_of("nowhere") == "nowhere"  # not an item: its id as written


FIFTY = "a" * 48 + " b"  # 50 characters: shown whole


@pytest.mark.parametrize("modality, findings, response, name", [
    ("CT", "new lung nodules", None, "the CT showing new lung nodules"),
    ("not stated", "new lung nodules", None, "the imaging showing new lung nodules"),
    ("CT", "new lung nodules", "partial response", "the CT showing partial response"),
    ("CT", FIFTY, None, f"the CT showing {FIFTY}"),
    ("CT", FIFTY + "c", None, "the CT showing " + "a" * 48 + "…"),  # 51: cut at 49, the space dropped
    ("CT", "x" * 60, None, "the CT showing " + "x" * 49 + "…"),
])
def test_an_imaging_study_is_named_by_what_it_showed_in_at_most_50_characters(modality, findings, response, name):
    case = make_case(imaging=[("ct", "2019-09")], events=[("e", "ct + 1 month")])
    study = case.imaging[0].model_copy(update={"modality": modality, "findings": findings,
                                                 "response_as_worded": response})
    case = case.model_copy(update={"imaging": [study]})
    assert timeline(case).name_of("ct") == name
    assert timeline(case).at(("events", 0, "date")).words == f"2019-10 (1 month after {name})"


# ---------------------------------------------------------------- what cannot be placed, and why


def test_every_item_in_or_after_a_cycle_names_the_cycle_from_itself():
    # a is bounded by b, b is an offset from a; c counts from a; e and f are a cycle, reached first from g
    case = make_case(events=[("a", "between b and 2020"), ("b", "a + 1 month"), ("c", "a + 1 month"),
                             ("g", "e + 1 day"), ("e", "f + 1 day"), ("f", "e + 1 day"), ("ok", "2019")])
    problems = dict(timeline(case).problems)
    assert problems[("events", 0, "date")] == "offset cycle a -> b -> a"
    assert problems[("events", 1, "date")] == "offset cycle b -> a -> b"
    assert problems[("events", 2, "date")] == "anchor 'a' cannot be placed: offset cycle a -> b -> a"
    assert problems[("events", 4, "date")] == "offset cycle e -> f -> e"
    assert problems[("events", 5, "date")] == "offset cycle f -> e -> f"
    assert ("events", 6, "date") not in problems and timeline(case).at(("events", 6, "date")).words == "2019"


@pytest.mark.parametrize("events, stated, message", [
    ([], "x + 1 month", "anchor 'x' does not exist (ids that can anchor: none)"),
    ([("b", "2019"), ("a", "2019")], "x + 1 month", "anchor 'x' does not exist (ids that can anchor: a, b)"),
    ([("bad", "between 2020-05 and 2020-01")], "bad + 1 month",
     "anchor 'bad' cannot be placed (its own date has a problem)"),
    ([("start", "unknown"), ("x", "start + 1 day")], "between start and 2020",
     "'between start and 2020': start and 2020 lie on different time axes (one has no calendar date)"),
    ([], "unknown", "'unknown' cannot be placed in time"),
])
def test_a_date_that_cannot_be_placed_says_why(events, stated, message):
    with pytest.raises(TimelineError) as exc:
        timeline(make_case(events=events)).resolve(stated)
    assert str(exc.value) == message


def test_a_problem_is_reported_for_every_field_whatever_comes_before_it():
    case = make_case(events=[("bad", "between 2020-05 and 2020-01"), ("start", "unknown"), ("x", "nowhere + 1 day"),
                             ("ok", "2019-09"), ("after", "ok + 1 month")], last_contact="nowhere + 1 month")
    tl = timeline(case)
    assert {p for p, _ in tl.problems} == {("events", 0, "date"), ("events", 2, "date"), ("outcome", "last_contact")}
    assert tl.at(("events", 4, "date")).words == "2019-10 (1 month after the follow-up)"
    assert tl.last_contact is None


def test_the_publication_caps_open_calendar_dates_when_the_last_contact_has_no_calendar_date():
    case = make_case(events=[("start", "unknown"), ("x", "2019-09"), ("y", "x + >6 months")],
                     last_contact="start + >12 months")
    data = case.model_dump()
    data["source"]["dates"] = {"published": "2022-03"}
    y = timeline(Case.model_validate(data)).at(("events", 2, "date"))
    assert y.earliest == day("2020-03-01") and y.latest == day("2022-03-31") and y.open_end


@pytest.mark.parametrize("stated, earliest, latest", [
    ("dx + 0.5 months", "2019-09-25", "2019-09-26"),  # 15.2 days: from the 25th to the 26th
    ("dx - 0.5 months", "2019-08-25", "2019-08-26"),
    ("dx + 1.5 years", "2021-03-10", "2021-03-10"),  # 18 whole months
])
def test_a_fractional_offset_on_the_calendar_covers_whole_days(stated, earliest, latest):
    w = timeline(words_case()).resolve(stated)
    assert (w.earliest, w.latest) == (day(earliest), day(latest))


@pytest.mark.parametrize("stated, open_start, open_end", [
    ("p + >1 month", True, True),  # no first day (p has none) and no last day
    ("q - >1 month", True, True),
    ("p - 1 month", True, False),
])
def test_an_offset_keeps_the_open_ends_of_its_anchor(stated, open_start, open_end):
    w = timeline(words_case()).resolve(stated)
    assert (w.open_start, w.open_end) == (open_start, open_end)


def test_a_relative_day_has_no_calendar_date():
    w = timeline(relative()).resolve("a + 2 months")
    assert w.earliest_date is None and w.latest_date is None and w.point_date is None
    c = timeline(words_case()).resolve("dx")
    assert c.earliest_date == c.latest_date == c.point_date == dt.date(2019, 9, 10)


def test_the_dated_fields_of_the_diagnosis_and_reported_durations_are_listed_by_path():
    case = make_case(events=[("dx", "2019-09")], last_contact="2024",
                     durations=[{"name": "os", "value": 12}, {"name": "pfs", "value": 6, "origin": "dx"}])
    loc = {"section": "Case"}
    diagnosis = case.diagnosis.model_validate({"stages": [
        {"system": "FIGO 2018", "value": "IB1", "locator": loc},
        {"system": "FIGO 2018", "value": "IIIC1", "date": "2019-10", "locator": loc}]})
    fields = dict(dated_fields(case.model_copy(update={"diagnosis": diagnosis})))
    assert str(fields[("diagnosis", "stages", 1, "date")]) == "2019-10"
    assert ("diagnosis", "stages", 0, "date") not in fields  # undated: nothing to place
    assert str(fields[("outcome", "durations", 1, "origin")]) == "dx"
    assert ("outcome", "durations", 0, "origin") not in fields
    assert str(fields[("outcome", "last_contact")]) == "2024"
