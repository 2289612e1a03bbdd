"""The series views read every date through the timeline (issue 11 §2): time 0, swimmer lanes, kinetics, comparison.

Invented cases in tests/fixtures/timeline/series-*.yaml, each with what it tests in its header;
the drug reference is built here. Expected values are worked out by hand from the files: days
between calendar dates, over 365.25 / 12 days per month. Figures are checked through the gids
of what they draw (``<patient>#<row>:<part>``), never through pixels.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from caseseries.views import series, series_plots
from caseseries.outputs import series_report
from caseseries.model.drugs import Drug, DrugSource
from caseseries.model.load import load_case

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "timeline"
MONTH = 365.25 / 12  # days (data/README.md)


def _drug(name: str, drug_class: str, group: str, target: str | None = None) -> Drug:
    return Drug(name=name, drug_class=drug_class, group=group, target=target,
                source=DrugSource(reference="invented for the tests"))


REFERENCE = {d.name: d for d in (
    _drug("pembrolizumab", "anti-PD-1 monoclonal antibody", "immune checkpoint inhibitor", "PD-1"),
    _drug("paclitaxel", "taxane", "taxane"),
    _drug("carboplatin", "platinum compound", "platinum compound"),
    _drug("cisplatin", "platinum compound", "platinum compound"),
)}


def case(name: str):
    return load_case(FIXTURES / f"series-{name}.yaml")


def all_cases() -> list:
    return [load_case(p) for p in sorted(FIXTURES.glob("series-*.yaml"))]


def months(first: date, second: date) -> float:
    """Months from first to second."""
    return (second - first).days / MONTH


def lane(c, align_on: str = "immunotherapy"):
    frame = series.swimmer_table([c], align_on, REFERENCE)
    return frame


def one(frame, **where):
    rows = frame
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, (where, rows)
    return rows.iloc[0]


def drawn(fig) -> dict[str, list]:
    """The figure's artists by gid."""
    out: dict[str, list] = {}
    for artist in fig.findobj(lambda a: a.get_gid() is not None):
        out.setdefault(artist.get_gid(), []).append(artist)
    return out


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------- the two defects of the issue


def test_a_diagnosis_before_a_drug_begun_an_unknown_time_later_is_not_drawn_at_time_0():
    c = case("dx-before-ici")
    t0 = series.alignment(c, reference=REFERENCE)
    assert t0.item == "pembro" and t0.point.open_end  # 'diagnosis + >0 months': no upper bound
    frame = lane(c)
    dx = one(frame, category="diagnosis")
    # By the dates alone the diagnosis lies in [-inf, +30 days] from time 0 (time 0 can be any day from
    # 2019-03-01 on); the case states that time 0 follows it, so it is at or before time 0, with no lower bound.
    assert dx.drawn == "open band" and math.isnan(dx.start)
    assert dx.open_before and not dx.open_after and math.isnan(dx.low) and dx.high == 0
    assert dx.bound <= 0
    # The recurrence (2020-01) is at most 2020-01-31 - 2019-03-01 = 336 days after time 0, with no lower bound.
    rec = one(frame, category="recurrence")
    assert rec.drawn == "open band" and rec.open_before
    assert rec.high == pytest.approx(months(date(2019, 3, 1), date(2020, 1, 31))) and rec.bound <= rec.high
    # A CT dated from the drug itself is 3 months after time 0, however open time 0's own date is.
    ct = one(frame, kind="response")
    assert ct.drawn == "point" and (ct.start, ct.low, ct.high) == pytest.approx((3.0, 3.0, 3.0))
    # The last contact (2021-06) can be any time up to 28 months after time 0: no follow-up line, and why.
    assert frame[frame.kind == "follow-up"].empty
    missing = one(series.unplaced_items([c], reference=REFERENCE), item="last contact: alive with disease")
    assert missing["why not drawn"].startswith("its time from time 0 is unknown: it is 2021-06, and time 0 is ")
    assert missing["date"] == "2021-06"
    # What is drawn: the diagnosis has no mark, only a band that stays left of time 0 and an arrow to the left.
    fig = series_plots.swimmer_figures(frame, "t")[0]
    gids = drawn(fig)
    key = f"{c.case_id}#{dx.name}"
    assert f"{key}:mark" not in gids
    band = gids[f"{key}:band"][0]
    assert band.get_x() + band.get_width() <= 1e-9
    arrow = gids[f"{key}:arrow"][0]
    assert arrow.xy[0] < arrow.xyann[0] == dx.bound
    assert f"{c.case_id}#{ct.name}:mark" in gids


def test_a_follow_up_of_more_than_2_years_from_diagnosis_is_not_drawn_24_months_from_the_drug():
    c = case("followup-from-dx")
    frame = lane(c)
    assert frame[frame.kind == "follow-up"].empty  # the old view drew it to +24 months
    missing = series.unplaced_items([c], reference=REFERENCE)
    why = one(missing, item="last contact: alive")["why not drawn"]
    assert why.startswith("its time from time 0 is unknown: it is more than 24 months after ")
    dx = one(frame, category="diagnosis")
    assert dx.drawn == "open band" and dx.high == 0 and dx.open_before
    assert one(frame, kind="response").start == pytest.approx(3.0)  # 'pembro + 3 months'
    # Aligned on the diagnosis, the same follow-up is more than 730.5 days = 24 months: drawn to 24, with an arrow.
    by_dx = lane(c, "diagnosis")
    follow = one(by_dx, kind="follow-up")
    assert follow.end == pytest.approx(24.0) and follow.end_kind == "open" and follow.end_open
    drug = one(by_dx, kind="therapy")  # 'on or after diagnosis': known only from 0 on
    assert drug.drawn == "open band" and drug.bound == 0 and drug.open_after


# ---------------------------------------------------------------- reported durations


def test_a_course_with_a_reported_duration_spans_its_reported_length():
    c = case("reported-course")
    frame = lane(c)
    ici = one(frame, kind="therapy", category="immunotherapy")
    assert ici.label == "pembrolizumab (30 months, as reported)"
    assert (ici.drawn, ici.start, ici.end, ici.end_kind, ici.end_open) == ("bar", 0.0, 30.0, "as reported", False)
    # The chemotherapy before it ends as stated: 2019-11 (drawn at its middle, 2019-11-15 12:00) from time 0
    # 2020-02 (drawn at 2020-02-15, the middle of a 29-day month).
    chemo = one(frame, kind="therapy", category="chemotherapy")
    assert chemo.end == pytest.approx(-(92 - 0.5) / MONTH)  # 2019-11-15 12:00 to 2020-02-15
    fig = series_plots.swimmer_figures(frame, "t")[0]
    gids = drawn(fig)
    bar = gids[f"{c.case_id}#{ici.name}:bar"][0]
    assert (bar.get_x(), bar.get_width()) == pytest.approx((0.0, 30.0))
    assert gids[f"{c.case_id}#{ici.name}:end"][0].get_xdata()[0] == pytest.approx(30.0)  # marked as reported
    assert f"{c.case_id}#{ici.name}:arrow" not in gids  # a stated length: no arrow
    row = series.comparison_table([c], REFERENCE).iloc[0]
    assert row["time on immunotherapy"] == "30 months, as reported (Abstract, ¶1)"
    assert row["overall survival from diagnosis"] == "> 48 months, as reported"
    assert row["durations as reported"] == "time on pembrolizumab: 30 months; overall survival: > 48 months (censored)"
    assert row["systemic regimens before immunotherapy"] == "1: paclitaxel + carboplatin (first line)"


def test_a_reported_more_than_duration_is_drawn_to_its_length_with_an_arrow():
    c = case("forms-calendar")
    ici = one(lane(c), kind="therapy", category="immunotherapy")
    assert ici.label == "pembrolizumab (> 12 months, as reported)"
    assert (ici.start, ici.end, ici.end_kind, ici.end_open) == (0.0, 12.0, "as reported", True)
    row = series.comparison_table([c], REFERENCE).iloc[0]
    assert row["time on immunotherapy"] == "> 12 months, as reported (Abstract, ¶1)"


# ---------------------------------------------------------------- kinetics


def test_a_marker_dated_after_x_is_at_or_after_x_in_the_kinetics():
    c = case("marker-after")
    t0 = date(2021, 3, 10)
    k = series.kinetics_table([c], reference=REFERENCE)
    assert list(k.value) == [12.0, 4.0, 1.0]
    before, after, on_drug = (k.iloc[i] for i in range(3))
    assert before.months == pytest.approx(-months(date(2020, 10, 29), t0), abs=0.005)  # surgery - 1 week
    surgery = one(lane(c), category="surgery")
    assert surgery.start == pytest.approx(-months(date(2020, 11, 5), t0))  # 125 days before time 0
    # 'surgery + >0 months': some time after the surgery, drawn at the surgery and never before it.
    assert after.months >= round(surgery.start, 2) and after.months == pytest.approx(surgery.start, abs=0.005)
    assert after.open_after and math.isnan(after.months_high) and after["months from time 0"] == "≥ -4.1"
    assert on_drug.months == pytest.approx(2.0, abs=0.005) and on_drug.times_uln == pytest.approx(1 / 1.5, abs=0.001)
    fig = series_plots.kinetics_figure(k)
    gids = drawn(fig)
    xs = list(gids[f"{c.case_id}:SCCA:values"][0].get_xdata())
    assert xs == pytest.approx([before.months, after.months, on_drug.months])
    assert xs[1] >= round(surgery.start, 2)
    arrow = gids[f"{c.case_id}:SCCA:{after.name}:arrow"][0]
    assert arrow.xyann[0] == pytest.approx(after.months) and arrow.xy[0] > arrow.xyann[0]  # toward later
    assert f"{c.case_id}:SCCA:{before.name}:arrow" not in gids


def test_markers_dated_from_time_0_or_after_it_are_never_before_it():
    k = series.kinetics_table([case("forms-calendar")], reference=REFERENCE).set_index("date")
    on = k[k["months from time 0"].str.startswith("≥")].iloc[0]  # 'on or after pembro'
    assert on.months >= 0 and on.open_after
    # 'pembro + 3 months' is 3 months after time 0 although time 0 itself is 2019-06..2019-09
    # ('recurrence + 1 month', the recurrence in mid 2019): by the dates alone it could be 0 to 7 months.
    exact = k[k["months from time 0"] == "+3.0"]
    assert len(exact) == 1 and exact.iloc[0].months_low == exact.iloc[0].months_high == 3.0
    notes = series.marker_notes([case("forms-calendar")], reference=REFERENCE)
    why = dict(zip(notes["as reported"], notes["why not plotted"]))
    assert why == {"within normal limits": "qualitative observation (no number in the source)",
                   "50 U/mL": "not on the time axis of time 0", "80 U/mL": "date not reported"}


# ---------------------------------------------------------------- the comparison table


def test_the_comparison_table_shows_dates_in_words_and_durations_as_labels():
    table = series.comparison_table(all_cases(), REFERENCE).set_index("patient")
    cells = " ".join(table.to_numpy().ravel())
    for stated in ("pembro +", "pembro -", "recurrence +", "ebrt +", "on or after declined", "unknown"):
        assert stated not in cells  # never a case-file form or an item id where a date belongs
    cal = table.loc["series-forms-calendar"]
    assert cal["radiotherapy"].startswith("IMRT (between 2018-04 and 2018-05): pelvis 45 Gy/25 F | HDR brachytherapy (")
    assert cal["initial stage"] == "FIGO 2018 IIB, clinical, early 2018"
    assert cal["status at last contact"] == "alive with disease, last contact 2022-03-15"
    # time 0 lies in 2019-06..2019-09: the two regimens begun before 2019-06 are before it, the cisplatin
    # rechallenge (after the progression in late 2020) is not
    assert cal["systemic regimens before immunotherapy"] == \
        "2: paclitaxel + carboplatin (concurrent and adjuvant); paclitaxel weekly (bridging)"
    assert cal["overall survival from diagnosis"] == "> 4 years, as reported"
    rel = table.loc["series-forms-relative"]
    # diagnosis 'more than 6 months before' the drug, death 20 months after it: more than 26 months
    assert rel["overall survival from diagnosis"] == "> 26 months (from the dates)"
    assert rel["time on immunotherapy"] == "6 months"  # 'pembro + 6 months'
    assert table.loc["series-marker-after", "time on immunotherapy"] == \
        f"> {months(date(2021, 3, 10), date(2021, 12, 1)):.1f} months, ongoing as of 2021-12-01"
    t = series.alignment_table(all_cases(), reference=REFERENCE).set_index("patient")
    assert t.loc["series-reported-course", "date"] == "2020-02"
    assert "unknown" not in " ".join(t["date"])


# ---------------------------------------------------------------- every date form, every view


def test_every_date_form_builds_every_table_and_figure_without_an_exception(capsys):
    cases = all_cases()
    assert cases, "the series-* fixtures of tests/fixtures/timeline are missing"
    for align_on in series.ALIGN_CHOICES:
        for subset in [cases] + [[c] for c in cases]:
            for name in series.SERIES_TABLES:
                series.series_table(subset, name, align_on, REFERENCE)
            lanes = series.swimmer_table(subset, align_on, REFERENCE)
            for fig in series_plots.swimmer_figures(lanes, "t"):
                gids = drawn(fig)
                for index, r in lanes.iterrows():  # a mark only where a date is bounded on both sides
                    assert (f"{r.patient}#{index}:mark" in gids) == (r.drawn == "point" and r.kind != "therapy")
            series_plots.kinetics_figure(series.kinetics_table(subset, align_on, REFERENCE))
            series_report.swimmer(subset, align_on, REFERENCE)
            series_report.kinetics(subset, align_on, REFERENCE)
            series_report.kinetics_values(subset, align_on, REFERENCE)
            series_report.unplaced(subset, align_on, REFERENCE)
            series_report.marker_notes(subset, align_on, REFERENCE)
            series_report.comparison(subset, REFERENCE)
            plt.close("all")
    capsys.readouterr()


def test_every_item_is_drawn_or_listed_with_a_reason():
    cases = all_cases()
    lanes = series.swimmer_table(cases, reference=REFERENCE)
    missing = series.unplaced_items(cases, reference=REFERENCE)
    for c in cases:
        items = (len(c.regimens) + len(c.radiotherapy)
                 + sum(e.kind in series.THERAPY_EVENT_KINDS + series.MARKED_EVENT_KINDS for e in c.events)
                 + sum(bool(i.category or i.response_as_worded) for i in c.imaging) + 1)  # + the last contact
        shown = (lanes.patient == c.case_id).sum() + (missing.patient == c.case_id).sum()
        assert shown == items, c.case_id
    points = lanes[lanes.drawn.isin(["point", "bar", "line"])]
    assert points.start.notna().all() and points.bound.isna().all()
    bands = lanes[lanes.drawn == "open band"]
    assert bands.start.isna().all() and bands.bound.notna().all()
    assert (bands.open_before ^ bands.open_after).all()  # one side known, exactly
    marks = points[points.drawn != "line"]  # a follow-up line's low..high is the span of its end, the last contact
    assert ((marks.start >= marks.low - 1e-9) & (marks.start <= marks.high + 1e-9)).all()
    assert set(missing["why not drawn"]) == {
        "date not reported", "not on the time axis of time 0",
        *(w for w in missing["why not drawn"] if w.startswith("its time from time 0 is unknown: it is "))}
    bars = lanes[lanes.drawn == "bar"]
    assert (bars.end.isna() | (bars.end >= bars.start)).all()  # nothing ends before it starts
