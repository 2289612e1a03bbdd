"""Properties of the one model of time over generated cases (hypothesis).

Cases are generated with every date form: calendar dates at three precisions, parts of
years, offsets (exact and open, forwards and backwards), bounds, undated anchors and
reported durations. Only cases that validate are kept; for those the timeline must
hold its promises, and every table and figure must build.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from caseseries.views import plots, tables  # noqa: E402
from caseseries.model.checks import case_problems  # noqa: E402
from caseseries.model.case import Case  # noqa: E402
from caseseries.model.timeline import dated_fields, timeline  # noqa: E402

LOC = {"section": "Case"}
UNITS = ["days", "weeks", "months", "years"]


@st.composite
def calendar_dates(draw):
    year = draw(st.integers(2000, 2024))
    form = draw(st.sampled_from(["year", "month", "day", "season"]))
    month, dom = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    return {"year": f"{year}", "month": f"{year}-{month:02d}", "day": f"{year}-{month:02d}-{dom:02d}",
            "season": f"{draw(st.sampled_from(['early', 'mid', 'late']))} {year}"}[form]


@st.composite
def dates(draw, earlier: list[str], allow_unknown: bool = True):
    """A date: calendar, or relative to items generated before (so no cycles)."""
    choices = ["calendar"] + (["offset", "open", "after", "between", "before"] if earlier else [])
    if allow_unknown:
        choices.append("unknown")
    kind = draw(st.sampled_from(choices))
    if kind == "calendar":
        return draw(calendar_dates())
    if kind == "unknown":
        return "unknown"
    anchor = draw(st.sampled_from(earlier))
    n = draw(st.integers(0, 30))
    unit = draw(st.sampled_from(UNITS))
    if kind == "offset":
        return f"{anchor} {draw(st.sampled_from(['+', '-']))} {n} {unit}"
    if kind == "open":
        return f"{anchor} + >{n} {unit}"
    if kind == "after":
        return f"on or after {anchor}"
    if kind == "before":
        return f"on or before {anchor}"
    other = draw(st.sampled_from(earlier))
    return f"between {anchor} and {other} + {n} {unit}"


@st.composite
def cases(draw) -> Case:
    ids: list[str] = []
    events, regimens, imaging, markers = [], [], [], []
    for i in range(draw(st.integers(1, 7))):
        kind = draw(st.sampled_from(["event", "regimen", "imaging", "marker"]))
        date = draw(dates(list(ids)))
        if kind == "event":
            events.append({"id": f"e{i}", "kind": draw(st.sampled_from(["diagnosis", "progression", "surgery"])),
                           "date": date, "label": f"event {i}", "locator": LOC})
            ids.append(f"e{i}")
        elif kind == "regimen":
            end = draw(st.one_of(st.none(), dates(ids + [f"r{i}"], allow_unknown=False)))
            ongoing = end is None and draw(st.booleans())
            regimens.append({"id": f"r{i}", "setting": "line", "start": date,
                             "modality": draw(st.sampled_from(["chemotherapy", "immunotherapy"])),
                             "agents": [{"drug": "cisplatin", "locator": LOC}], "locator": LOC,
                             **({"end": end} if end is not None else {}),
                             **({"ongoing_as_of": draw(dates(ids + [f"r{i}"], allow_unknown=False))} if ongoing else {})})
            ids.append(f"r{i}")
        elif kind == "imaging":
            imaging.append({"id": f"i{i}", "date": date, "modality": "CT", "findings": "f", "locator": LOC})
            ids.append(f"i{i}")
        else:
            markers.append({"analyte": "SCCA", "date": date, "locator": LOC,
                            **({"value": draw(st.floats(0.1, 100)), "unit": "ng/ml"} if draw(st.booleans())
                               else {"observation": "raised"})})
    durations = []
    for regimen in regimens:
        if "end" not in regimen and "ongoing_as_of" not in regimen and draw(st.booleans()):
            durations.append({"name": "time on it", "value": draw(st.integers(1, 60)), "of": regimen["id"],
                              "qualifier": draw(st.sampled_from(["=", ">"])), "locator": LOC})
    if ids and draw(st.booleans()):
        durations.append({"name": "overall survival", "value": draw(st.integers(1, 60)), "qualifier": ">",
                          "origin": draw(st.sampled_from(ids)), "locator": LOC})
    last = draw(st.one_of(calendar_dates(), st.just("2030"), dates(ids, allow_unknown=False)))
    data = {"case_id": "gen", "title": "Generated", "source": {"citation": "Generated", "synthetic": True,
                                                               "patient": "one"},
            "patient": {"age_at_diagnosis": {"value": 50, "locator": LOC}},
            "events": events, "regimens": regimens, "imaging": imaging, "markers": markers,
            "outcome": {"status": "alive", "last_contact": last, "durations": durations, "locator": LOC}}
    try:
        case = Case.model_validate(data)
    except ValidationError:
        assume(False)
    assume(not case_problems(case))
    return case


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                            HealthCheck.too_slow])


@SETTINGS
@given(cases())
def test_every_interval_is_ordered_and_its_position_inside_it(case):
    tl = timeline(case)
    for path, _ in dated_fields(case):
        w = tl.at(path)
        if w is None:
            continue
        assert w.earliest <= w.latest, (path, w)
        if w.position is not None:
            assert w.earliest <= w.position <= w.latest or math.isclose(w.position, w.earliest), (path, w)


@SETTINGS
@given(cases())
def test_an_item_after_x_never_sorts_or_draws_before_x(case):
    tl = timeline(case)
    order = {e.id: n for n, e in enumerate(tl.entries) if e.id}
    for e in tl.entries:
        for anchor in e.start.follows:
            anchor_when = tl.when(anchor, anchor)
            if anchor_when is None or anchor_when.axis != e.start.axis or anchor_when.position is None:
                continue
            assert e.start.position is not None, (e.id, anchor)
            assert e.start.position >= anchor_when.position, (e.id, anchor)
            if anchor in order and e.id:
                assert order[e.id] > order[anchor], (e.id, anchor)


@SETTINGS
@given(cases())
def test_durations_are_never_negative(case):
    tl = timeline(case)
    for field in ("events", "regimens"):
        for i in range(len(getattr(case, field))):
            span = tl.span(field, i)
            d = tl.duration(span.start, span.end)
            if d is not None:
                assert 0 <= d.low <= d.high, (field, i, d)
    d = tl.duration(tl.entries[0].start if tl.entries else None, tl.last_contact)
    assert d is None or 0 <= d.low <= d.high


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(cases())
def test_a_valid_case_builds_every_table_and_figure(case):
    for name in tables.TABLE_NAMES:
        tables.table(case, name)
    for time_axis in ("calendar", "months"):
        for build in (plots.timeline_figure, plots.marker_figure):
            fig = build(case, time_axis)
            if fig is not None:
                plt.close(fig)
