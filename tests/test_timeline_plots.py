"""The case figures draw what the resolved timeline says: tested on the data drawn, not the pixels.

Fixture cases (invented) in tests/fixtures/timeline/plots-*.yaml. Every artist the
figures draw for an item carries the gid '<field>:<index>:<part>', so a test reads the
x of a mark, the span of a band or bar, the tip of an arrow. Expected x values are
worked out here from the dates: months (of 365.25/12 days) from the diagnosis, drawn
at its midpoint, or from the undated anchor of a relative case.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation

from caseseries.model.load import load_case
from caseseries.views.plots import caption, case_frame, marker_figure, timeline_figure

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "timeline"
DPM = 365.25 / 12
FORMS_ORIGIN = (dt.date(2018, 11, 1).toordinal() + dt.date(2018, 11, 30).toordinal()) / 2  # diagnosis 2018-11


def fixture(name: str):
    return load_case(FIXTURES / f"{name}.yaml")


def mid(first: dt.date, last: dt.date) -> float:
    return (first.toordinal() + last.toordinal()) / 2


def fx(day: float) -> float:
    """x of a day in plots-forms (no break in that case: checked by test_forms_has_no_break)."""
    return (day - FORMS_ORIGIN) / DPM


def found(fig, gid: str) -> list:
    return fig.findobj(lambda a: a.get_gid() == gid)


def one(fig, gid: str):
    hits = found(fig, gid)
    assert len(hits) == 1, f"{gid}: {len(hits)} artists"
    return hits[0]


def mark_x(fig, gid: str) -> float:
    [x] = one(fig, gid).get_xdata()
    return float(x)


def band(fig, gid: str) -> tuple[float, float]:
    xs = one(fig, gid).get_xdata()
    return float(xs[0]), float(xs[-1])


def arrow(fig, gid: str) -> tuple[float, float]:
    """(base x, tip x) of an arrow."""
    a = one(fig, gid)
    assert isinstance(a, Annotation) and a.arrow_patch is not None
    return float(a.xyann[0]), float(a.xy[0])


def label(fig, gid: str) -> str:
    return one(fig, gid).get_text()


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def forms():
    return fixture("plots-forms")


@pytest.fixture(scope="module")
def relative():
    return fixture("plots-relative")


# ---------------------------------------------------------------- every form draws


@pytest.mark.parametrize("name", ["plots-forms", "plots-relative", "plots-gap"])
@pytest.mark.parametrize("time_axis", ["calendar", "months"])
def test_every_figure_of_every_fixture_draws(name, time_axis):
    case = fixture(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        timeline = timeline_figure(case, time_axis)
        markers = marker_figure(case, time_axis)
        for fig in (timeline, markers):
            assert fig is not None
            fig.canvas.draw()  # layout and text placement run in full


def test_forms_has_no_break(forms):
    # The hand-computed x values below hold only without a compressed gap: the longest
    # stretch without a date is 2022-01 .. 2024-06, 29 months (< 48).
    assert case_frame(forms).scale.breaks == []


# ---------------------------------------------------------------- imprecise dates


def test_an_imprecise_date_is_a_band_with_its_mark_at_the_midpoint(forms):
    fig = timeline_figure(forms)
    # "early 2019": January to April.
    lo, hi = dt.date(2019, 1, 1), dt.date(2019, 4, 30)
    assert band(fig, "events:3:band") == pytest.approx((fx(lo.toordinal()), fx(hi.toordinal())))
    assert mark_x(fig, "events:3:mark") == pytest.approx(fx(mid(lo, hi)))
    # "between diagnosis and 2019-01": from the diagnosis' first day to the end of January.
    lo, hi = dt.date(2018, 11, 1), dt.date(2019, 1, 31)
    assert band(fig, "events:2:band") == pytest.approx((fx(lo.toordinal()), fx(hi.toordinal())))
    assert mark_x(fig, "events:2:mark") == pytest.approx(fx(mid(lo, hi)))
    # A day-precise or month date on the calendar: the diagnosis is 0 months from itself.
    assert mark_x(fig, "events:1:mark") == pytest.approx(0.0)


def test_a_numeric_marker_with_a_bounded_date_is_a_band_at_its_value(forms):
    fig = marker_figure(forms)
    lo, hi = dt.date(2019, 6, 1), dt.date(2019, 9, 30)  # "between 2019-06 and 2019-09"
    line = one(fig, "markers:2:band")
    assert tuple(line.get_xdata()) == pytest.approx((fx(lo.toordinal()), fx(hi.toordinal())))
    assert tuple(line.get_ydata()) == (1.0, 1.0)
    assert mark_x(fig, "markers:2:mark") == pytest.approx(fx(mid(lo, hi)))


def test_on_or_before_is_drawn_at_its_bound_with_an_arrow_to_earlier(forms):
    fig = timeline_figure(forms)
    bound = fx(dt.date(2018, 10, 31).toordinal())  # "on or before 2018-10": the last day it can be
    assert mark_x(fig, "events:0:mark") == pytest.approx(bound)
    base, tip = arrow(fig, "events:0:arrow-start")
    assert base == pytest.approx(bound) and tip < base
    assert fig.axes[0].get_xlim()[0] <= tip  # the arrow is inside the axes, not cut off
    assert not found(fig, "events:0:band")  # no earliest day: nothing to span
    # The same form on a qualitative marker, in the marker figure.
    fig = marker_figure(forms)
    base, tip = arrow(fig, "markers:3:arrow-start")
    assert base == pytest.approx(bound) and tip < base
    assert fig.axes[-1].get_xlim()[0] <= tip


def test_a_course_known_only_to_start_before_an_item_is_a_tick_at_its_bound_with_an_arrow_to_earlier():
    # crt: "on or before crt-fail", itself "on or before rit-0", the origin (x = 0); rt-local "on or after rit-0"
    fig = timeline_figure(fixture("plots-course-before"))
    assert mark_x(fig, "radiotherapy:1:tick") == pytest.approx(0.0)
    base, tip = arrow(fig, "radiotherapy:1:arrow-start")
    assert base == pytest.approx(0.0) and tip < base
    assert fig.axes[0].get_xlim()[0] <= tip  # inside the axes, not cut off
    assert not found(fig, "radiotherapy:1:arrow")  # nothing says when it ended: no arrow to later
    base, tip = arrow(fig, "radiotherapy:0:arrow")  # on or after the origin: an arrow to later only
    assert base == pytest.approx(0.0) and tip > base
    assert not found(fig, "radiotherapy:0:arrow-start")


def test_two_courses_that_would_read_the_same_are_told_apart_by_their_ids():
    fig = timeline_figure(fixture("plots-course-before"))  # two courses of radiotherapy, kind not stated
    labels = {gid: one(fig, f"radiotherapy:{i}:label").get_text() for i, gid in ((0, "rt-local"), (1, "crt"))}
    assert labels == {"rt-local": "radiotherapy (kind not stated) [rt-local] (end not reported)",
                      "crt": "radiotherapy (kind not stated) [crt] (end not reported)"}
    fig = timeline_figure(fixture("plots-forms"))  # courses that read differently keep their names alone
    assert not [t for t in fig.findobj(lambda a: str(a.get_gid()).endswith(":label")) if "[" in t.get_text()]


# ---------------------------------------------------------------- nothing before what it follows


def test_an_item_after_x_is_never_drawn_before_x(forms):
    fig = timeline_figure(forms)
    tc_start = fx(mid(dt.date(2019, 3, 1), dt.date(2019, 3, 31)))  # paclitaxel + carboplatin: 2019-03
    assert one(fig, "regimens:0:bar").get_x() == pytest.approx(tc_start)
    # imaging 'tc + >0 months': at or after the start it follows (its lower bound, 2019-03-01,
    # lies before the start's midpoint), and open: an arrow to later.
    assert mark_x(fig, "imaging:1:mark") >= tc_start - 1e-9
    assert mark_x(fig, "imaging:1:mark") == pytest.approx(tc_start)
    base, tip = arrow(fig, "imaging:1:arrow")
    assert base == pytest.approx(tc_start) and tip > base
    # Its response label sits under its own mark.
    assert label(fig, "imaging:1:label") == "PR"
    assert one(fig, "imaging:1:label").xy[0] == pytest.approx(tc_start)


def test_a_marker_after_x_is_never_drawn_before_x(forms, relative):
    fig = marker_figure(forms)
    shade = one(fig.axes[0], "regimens:0:shade")  # the course of paclitaxel + carboplatin behind the panel
    tc_start = fx(mid(dt.date(2019, 3, 1), dt.date(2019, 3, 31)))
    assert shade.get_x() == pytest.approx(tc_start)
    assert mark_x(fig, "markers:1:mark") >= tc_start - 1e-9
    assert arrow(fig, "markers:1:arrow")[1] > mark_x(fig, "markers:1:mark")
    # Relative axis: SCCA 'response + >0 months' after the response at 3 months.
    fig = marker_figure(relative)
    assert mark_x(fig, "markers:1:mark") >= 3.0 - 1e-9
    assert mark_x(fig, "markers:0:mark") == pytest.approx(0.0)


def test_an_end_never_stands_before_its_start(forms):
    # tc: 2019-03 to 'mid 2019' (May to August): the bar runs between the two midpoints.
    fig = timeline_figure(forms)
    bar = one(fig, "regimens:0:bar")
    start, end = mid(dt.date(2019, 3, 1), dt.date(2019, 3, 31)), mid(dt.date(2019, 5, 1), dt.date(2019, 8, 31))
    assert (bar.get_x(), bar.get_x() + bar.get_width()) == pytest.approx((fx(start), fx(end)))
    assert band(fig, "regimens:0:end-band") == pytest.approx((fx(dt.date(2019, 5, 1).toordinal()),
                                                              fx(dt.date(2019, 8, 31).toordinal())))


# ---------------------------------------------------------------- course ends


def test_a_reported_duration_is_a_full_bar_labelled_as_reported(forms):
    fig = timeline_figure(forms)
    bar = one(fig, "regimens:1:bar")
    assert isinstance(bar, Rectangle)
    # Toripalimab from 2019-05 (drawn at 2019-05-16) for 65 months, as reported: to 2024-10 (at 2024-10-16).
    start, end = dt.date(2019, 5, 16).toordinal(), dt.date(2024, 10, 16).toordinal()
    assert bar.get_x() == pytest.approx(fx(start))
    assert bar.get_width() == pytest.approx((end - start) / DPM)
    assert bar.get_width() == pytest.approx(65, abs=0.1)
    assert label(fig, "regimens:1:label") == "toripalimab (65 months, as reported)"
    assert not found(fig, "regimens:1:tick")
    assert not found(fig, "regimens:1:arrow")  # an exact figure: the course ended there
    assert bar.get_hatch() == ".."  # marked as the authors' figure


def test_a_course_with_no_end_is_a_start_mark_only(forms):
    fig = timeline_figure(forms)
    tick = one(fig, "radiotherapy:0:tick")
    assert tuple(tick.get_xdata()) == pytest.approx((fx(mid(dt.date(2019, 2, 1), dt.date(2019, 2, 28))),))
    assert not found(fig, "radiotherapy:0:bar") and not found(fig, "radiotherapy:0:arrow")
    assert label(fig, "radiotherapy:0:label") == "IMRT (end not reported)"


def test_an_ongoing_course_ends_in_an_arrow(forms):
    fig = timeline_figure(forms)
    bar = one(fig, "regimens:2:bar")  # apatinib, 2024-06, ongoing as of 2024-11
    right = fx(mid(dt.date(2024, 11, 1), dt.date(2024, 11, 30)))
    assert bar.get_x() + bar.get_width() == pytest.approx(right)
    base, tip = arrow(fig, "regimens:2:arrow")
    assert base == pytest.approx(right) and tip > base
    assert label(fig, "regimens:2:label") == "apatinib (ongoing)"


def test_a_more_than_duration_is_a_bar_to_its_bound_then_an_arrow(relative):
    fig = timeline_figure(relative)
    bar = one(fig, "regimens:0:bar")  # toripalimab from time 0, "more than 6 months" as reported
    assert (bar.get_x(), bar.get_width()) == pytest.approx((0.0, 6.0))
    base, tip = arrow(fig, "regimens:0:arrow")
    assert base == pytest.approx(6.0) and tip > base
    assert label(fig, "regimens:0:label") == "toripalimab (> 6 months, as reported)"
    # Radiotherapy from time 0 for 6 weeks: 42 days.
    rt = one(fig, "radiotherapy:0:bar")
    assert rt.get_width() == pytest.approx(42 / DPM)


# ---------------------------------------------------------------- axes


def test_a_relative_case_is_drawn_in_months_from_its_anchor(relative):
    fig = timeline_figure(relative)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("months from time 0: radioimmunotherapy begins")
    assert "rit-start" not in ax.get_xlabel()
    assert mark_x(fig, "events:1:mark") == pytest.approx(0.0)  # the anchor itself
    assert mark_x(fig, "events:2:mark") == pytest.approx(3.0)  # rit-start + 3 months
    assert mark_x(fig, "events:3:mark") == pytest.approx(12.0)  # rit-start + >12 months ...
    assert arrow(fig, "events:3:arrow")[1] > 12.0  # ... and more
    assert [t.get_text() for t in ax.get_xticklabels()][:3] == ["0", "3", "6"]


def test_items_on_another_axis_are_left_out_and_named_in_the_caption(forms):
    fig = timeline_figure(forms)
    # events 4 and 5 and marker 5 count from an undated outside chemoradiotherapy; imaging 3 has no date.
    for gid in ("events:4:", "events:5:", "markers:5:", "imaging:3:"):
        assert not fig.findobj(lambda a, g=gid: (a.get_gid() or "").startswith(g)), gid
    text = one(fig, "caption").get_text().replace("\n", " ")
    assert text == fig.alt_text == caption(forms)
    assert ("Not drawn (on a time axis of their own, counted from chemoradiotherapy given elsewhere, whose date is "
            "not reported): Chemoradiotherapy given elsewhere; CA125: 80 U/ml; Response to the outside "
            "chemoradiotherapy.") in text
    assert "Not drawn (date not reported): MRI: Pelvic MRI with no date given." in text
    # The marker figure names only the markers it leaves out.
    markers = marker_figure(forms)
    text = markers.alt_text
    assert "CA125: 80 U/ml" in text and "Response to the outside" not in text and "MRI" not in text


def test_a_case_with_everything_placed_has_no_caption():
    case = fixture("plots-gap")
    fig = timeline_figure(case)
    assert fig.alt_text == "" and not found(fig, "caption")


def test_an_unplaced_item_of_a_relative_case_is_named(relative):
    fig = timeline_figure(relative)
    assert fig.alt_text == "Not drawn (date not reported): Chemoradiotherapy failed."


# ---------------------------------------------------------------- compressed gaps


def test_a_quiet_gap_is_compressed_and_no_position_falls_in_a_break():
    case = fixture("plots-gap")
    frame = case_frame(case)
    fig = timeline_figure(case)
    breaks = [(br.x - frame.scale.gap_width / 2, br.x + frame.scale.gap_width / 2) for br in frame.scale.breaks]
    # 2008-05 .. 2019-08 holds one mark, the midpoint of "between surgery and recurrence":
    # the quiet years on each side of it are compressed, two breaks.
    assert len(breaks) == 2
    mark = mark_x(fig, "imaging:0:mark")
    position = mid(dt.date(2008, 5, 1), dt.date(2019, 8, 31))
    assert mark == pytest.approx(frame.x(position))
    assert not any(a <= mark <= b for a, b in breaks)
    assert mark_x(fig, "events:1:mark") < breaks[0][0] < mark < breaks[1][0] < mark_x(fig, "events:2:mark")
    lo, hi = band(fig, "imaging:0:band")  # the band spans the two breaks
    assert lo < breaks[0][0] and hi > breaks[1][1]
    # The whole case, 2008-04 .. 2020-06 (146 months), is drawn in far fewer.
    assert frame.x(frame.high) - frame.x(frame.low) < 60
    # The marker figure uses the same positions: the observation 'normal' at the same x.
    markers = marker_figure(case)
    assert mark_x(markers, "markers:0:mark") == pytest.approx(mark)
    assert not any(a <= mark_x(markers, "markers:1:mark") <= b for a, b in breaks)


# ---------------------------------------------------------------- any case


def drawn_start(fig, entry) -> float | None:
    """x where the figure draws an entry's start: its mark, its course's bar or tick; None if not drawn."""
    prefix = f"{entry.field}:{entry.index}"
    for part in ("mark", "bar", "tick"):
        hits = found(fig, f"{prefix}:{part}")
        if hits:
            a = hits[0]
            return float(a.get_x()) if isinstance(a, Rectangle) else float(a.get_xdata()[0])
    return None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), number=st.integers(1, 50))
def test_on_generated_cases_nothing_is_drawn_before_what_it_follows(seed, number):
    from caseseries.model.case import Case
    from caseseries.model.synth import case_dict
    from caseseries.model.timeline import timeline

    case = Case.model_validate(case_dict(seed, number))
    tl = timeline(case)
    by_id = {e.id: e for e in tl.entries if e.id is not None}
    for make in (timeline_figure, marker_figure):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fig = make(case)
        if fig is None:
            continue
        for e in tl.entries:
            x = drawn_start(fig, e)
            if x is None:
                continue
            for anchor in e.start.follows:
                before = by_id.get(anchor)
                ax_ = drawn_start(fig, before) if before is not None else None
                if ax_ is not None:
                    assert x >= ax_ - 1e-9, f"{case.case_id}: {e.field}[{e.index}] drawn before {anchor}"
            bar = found(fig, f"{e.field}:{e.index}:bar")
            if bar and isinstance(bar[0], Rectangle):
                assert bar[0].get_width() >= 0
        plt.close(fig)
