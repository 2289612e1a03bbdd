import datetime as dt

from caseseries.dates import DAYS_PER_MONTH
from caseseries.timescale import TimeScale


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
    scale = TimeScale.fit([(0, 400)], origin=0, calendar=False)
    _, labels = scale.ticks(0, 400)
    assert labels[:3] == ["0", "6", "12"]
