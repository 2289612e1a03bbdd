import datetime as dt

from caseseries.model.dates import DAYS_PER_MONTH
from caseseries.views.timescale import TimeScale


def day(y, m=1, d=1):
    return dt.date(y, m, d).toordinal()


def test_long_quiet_gap_is_compressed_and_marked():
    spans = [(day(2008, 4), day(2008, 5, 31)), (day(2019, 8), day(2025, 1, 20))]
    scale = TimeScale.fit(spans, origin=day(2008, 4), calendar=True)
    [br] = scale.breaks
    assert 125 < br.months < 134  # the 11-year gap less 3 months of margin at each side
    drawn = scale.x(day(2025, 1, 20)) - scale.x(day(2008, 4))
    assert drawn < 80  # 17 years drawn in under 7 years of width


def test_short_gaps_stay_to_scale():
    spans = [(day(2018, 11), day(2019, 5)), (day(2021, 1), day(2021, 2))]
    scale = TimeScale.fit(spans, origin=day(2018, 11), calendar=True)
    assert scale.breaks == []
    assert abs(scale.x(day(2021, 1)) - (day(2021, 1) - day(2018, 11)) / DAYS_PER_MONTH) < 1e-9


def test_x_is_monotonic_across_a_gap():
    scale = TimeScale.fit([(0, 10), (5000, 5010)], origin=0, calendar=False)
    xs = [scale.x(d) for d in range(0, 5011, 50)]
    assert xs == sorted(xs)


def test_relative_ticks_are_months_from_origin():
    # 400 days = 13.1 months drawn: a tick every 3 months, from 0 up to the next multiple past the end.
    scale = TimeScale.fit([(0, 400)], origin=0, calendar=False)
    positions, labels = scale.ticks(0, 400)
    assert labels == ["0", "3", "6", "9", "12", "15"]
    assert positions[1] == 3.0
    # 1200 days = 39.4 months: every 6 months.
    scale = TimeScale.fit([(0, 1200)], origin=0, calendar=False)
    assert scale.ticks(0, 1200)[1] == ["0", "6", "12", "18", "24", "30", "36", "42"]


def test_a_long_band_keeps_only_its_position_to_scale():
    # A response "between 2008-05 and 2019-08": a 135-month band with its mark at the midpoint
    # (2014-01-01). Only the mark must stay to scale, so the quiet years on each side of it are
    # compressed, and the mark itself lies in no break.
    mark = day(2014, 1, 1)
    spans = [(day(2008, 5), day(2008, 5, 31)), (day(2008, 5), day(2019, 8, 31), mark), (day(2019, 8), day(2019, 8, 31))]
    scale = TimeScale.fit(spans, origin=day(2008, 5), calendar=True)
    assert len(scale.breaks) == 2
    assert not scale.hidden(mark)
    assert scale.x(day(2008, 5, 31)) < scale.x(mark) < scale.x(day(2019, 8))
    # The same band without a position would fill the whole stretch: nothing compressed.
    assert TimeScale.fit(spans[:1] + [spans[1][:2]] + spans[2:], origin=day(2008, 5), calendar=True).breaks == []


def test_unbounded_sides_fall_back_on_the_position():
    # "on or before 2010-03" (no earliest) and "after 2020-01" (no latest): each counts at its position.
    inf = float("inf")
    scale = TimeScale.fit([(-inf, day(2010, 3, 31), day(2010, 3, 31)), (day(2020, 1), inf, day(2020, 1))],
                          origin=day(2010, 3, 31), calendar=True)
    [br] = scale.breaks
    assert 110 < br.months < 115  # 117.1 months between the two, less 3 months of margin at each side
    assert scale.ticks(-inf, day(2020, 1)) == ([], [])


def test_every_stretch_between_breaks_is_ticked():
    # A cluster in 2008-04..05 before an 11-year break: no new year starts in it, so it gets
    # a tick of its own at its first month; the years after the break are ticked as usual.
    spans = [(day(2008, 4), day(2008, 5, 31)), (day(2019, 8), day(2025, 1, 20))]
    scale = TimeScale.fit(spans, origin=day(2008, 4), calendar=True)
    positions, labels = scale.ticks(day(2008, 4), day(2025, 1, 20))
    assert labels[0] == "2008-04" and positions[0] == 0.0
    assert labels[1:] == ["2020", "2021", "2022", "2023", "2024", "2025"]


def test_a_short_calendar_frame_is_ticked_every_three_months():
    scale = TimeScale.fit([(day(2024, 3, 1), day(2025, 4, 20))], origin=day(2024, 3, 1), calendar=True)
    _, labels = scale.ticks(day(2024, 3, 1), day(2025, 4, 20))
    # 2024-03-01 .. 2025-04-20, and the quarter starts in the axes' margins: up to 2 months before
    # (2024-01-01 is 60 days before) and 3 months after (2025-07-01).
    assert labels == ["2024", "2024-04", "2024-07", "2024-10", "2025", "2025-04", "2025-07"]
