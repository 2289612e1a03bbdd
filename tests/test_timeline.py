"""The one model of time: resolution of every date form, stated order, reported durations, errors."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from caseseries.model.checks import case_problems
from caseseries.model.dates import Bounded, CalendarDate, DateError, RelativeDate, Season, parse_date
from caseseries.model.case import Case
from caseseries.model.timeline import dated_fields, timeline


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


def test_an_offset_in_months_or_years_moves_by_calendar_months():
    tl = timeline(make_case(events=[("x", "2019-09-10"), ("m", "x + 5 months"), ("y", "x + 1 year")]))
    assert tl.at(("events", 1, "date")).earliest == day("2020-02-10")
    assert tl.at(("events", 2, "date")).earliest == day("2020-09-10")
