"""The x axis of case figures: months on the case's axis, long empty stretches compressed.

A case can span 17 years with an 11-year quiet gap; drawn to scale, its treatment
years would be a sliver. Gaps longer than ``min_gap`` months are shrunk to
``gap_width`` months and marked as breaks.

What keeps a stretch from being quiet is a date drawn there: the interval a date can
mean when it is short (a month, a year), but only the position of a long one (a
response "between 2010 and 2019" is a band across the break with its mark at its
position, and that position is never hidden inside a break). A course's bar does
not fill a gap: a five-year maintenance course is drawn across the break.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from caseseries.model.dates import DAYS_PER_MONTH


@dataclass(frozen=True)
class Break:
    x: float          # where the compressed gap is drawn
    months: float     # how long the real gap is


@dataclass
class TimeScale:
    """Maps a day on the case axis to x (months from ``origin``, minus compressed gaps)."""

    origin: float
    gaps: list[tuple[float, float]] = field(default_factory=list)  # (first day, last day) compressed
    gap_width: float = 4.0
    calendar: bool = True

    @classmethod
    def fit(cls, spans: list[tuple[float, ...]], origin: float, calendar: bool,
            min_gap: float = 48.0, gap_width: float = 4.0, max_band: float = 13.0) -> "TimeScale":
        """Compress every empty stretch longer than min_gap months between the given spans.

        A span is (earliest, latest) or (earliest, latest, position): a span longer than
        ``max_band`` months with a position keeps only its position to scale. Unbounded
        sides fall back on the position (or the other side).
        """
        finite = sorted(_kept(span, max_band) for span in spans if _kept(span, max_band) is not None)
        gaps, reach = [], None
        for a, b in finite:
            if reach is not None and (a - reach) / DAYS_PER_MONTH > min_gap:
                pad = 3 * DAYS_PER_MONTH
                gaps.append((reach + pad, a - pad))
            reach = b if reach is None else max(reach, b)
        return cls(origin, gaps, gap_width, calendar)

    def x(self, day: float) -> float:
        if not math.isfinite(day):
            return day
        months = (day - self.origin) / DAYS_PER_MONTH
        for first, last in self.gaps:
            span = (last - first) / DAYS_PER_MONTH
            if day >= last:
                months -= span - self.gap_width
            elif day > first:
                months -= (day - first) / DAYS_PER_MONTH * (1 - self.gap_width / span)
        return months

    @property
    def breaks(self) -> list[Break]:
        return [Break(self.x(first) + self.gap_width / 2, (last - first) / DAYS_PER_MONTH) for first, last in self.gaps]

    def hidden(self, day: float) -> bool:
        return any(first < day < last for first, last in self.gaps)

    def ticks(self, low_day: float, high_day: float) -> tuple[list[float], list[str]]:
        """Tick positions and labels: years on the calendar, else months from the origin.

        A calendar frame drawn shorter than 30 months is ticked every three months
        ("2024-07"), shorter than 9 months every month (months from the origin: every month up to
        6 months); every stretch between breaks gets at least one tick, so that a
        cluster before an 11-year break still says when it is.
        """
        if not (math.isfinite(low_day) and math.isfinite(high_day)) or high_day < low_day:
            return [], []
        ticks = self._calendar_ticks(low_day, high_day) if self.calendar else self._month_ticks(low_day, high_day)
        for first, last in self._segments(low_day, high_day):
            if not any(first - 1 <= day <= last + 1 for day, _ in ticks):
                ticks.append(self._segment_tick(first, last))
        ticks.sort()
        return [self.x(day) for day, _ in ticks], [label for _, label in ticks]

    def _calendar_ticks(self, low_day: float, high_day: float) -> list[tuple[float, str]]:
        shown = self.x(high_day) - self.x(low_day)
        if shown > 30:
            ticks = self._year_ticks(low_day, high_day)
            if _inside(ticks, low_day, high_day) >= 3:
                return ticks
        # Every quarter (every month when under 9 months are drawn, or when quarters give fewer than
        # three labels) from the one before the frame to the one after (the axes show a margin).
        for every in ((1,) if shown <= 9 else (3, 1)):
            ticks = self._months_of_year(low_day, high_day, every)
            if _inside(ticks, low_day, high_day) >= 3:
                break
        return ticks

    def _months_of_year(self, low_day: float, high_day: float, every: int) -> list[tuple[float, str]]:
        first = dt.date.fromordinal(max(1, int(low_day - 2 * DAYS_PER_MONTH)))
        out, (y, m) = [], (first.year, first.month)
        end = dt.date.fromordinal(min(int(high_day) + 92, dt.date.max.toordinal()))
        while (y, m) <= (end.year, end.month) and y <= dt.MAXYEAR:
            day = dt.date(y, m, 1).toordinal()
            if (m - 1) % every == 0 and not self.hidden(day):
                out.append((day, f"{y}" if m == 1 else f"{y}-{m:02d}"))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def _year_ticks(self, low_day: float, high_day: float) -> list[tuple[float, str]]:
        first = dt.date.fromordinal(max(1, int(low_day - 2 * DAYS_PER_MONTH)))
        last = dt.date.fromordinal(max(1, int(high_day)))
        years = [y for y in range(first.year, min(last.year + 1, dt.MAXYEAR) + 1)
                 if low_day - 2 * DAYS_PER_MONTH <= dt.date(y, 1, 1).toordinal() <= high_day + 200
                 and not self.hidden(dt.date(y, 1, 1).toordinal())]
        step = 1 if len(years) <= 10 else 2 if len(years) <= 20 else 5
        return [(dt.date(y, 1, 1).toordinal(), str(y)) for y in years if y % step == 0 or y == years[0]]

    def _month_ticks(self, low_day: float, high_day: float) -> list[tuple[float, str]]:
        low = (low_day - self.origin) / DAYS_PER_MONTH
        high = (high_day - self.origin) / DAYS_PER_MONTH
        shown = self.x(high_day) - self.x(low_day)
        steps = (1, 3, 6, 12, 24)
        first = 0 if shown <= 6 else 1 if shown <= 18 else 2 if shown <= 48 else 3 if shown <= 120 else 4
        for step in reversed(steps[:first + 1]):  # finer when a step gives fewer than three labels
            out = []
            for m in range(math.floor(low / step) * step, math.ceil(high / step) * step + 1, step):
                day = self.origin + m * DAYS_PER_MONTH
                if not self.hidden(day):
                    out.append((day, str(m)))
            if _inside(out, low_day, high_day) >= 3:
                break
        return out

    def _segments(self, low_day: float, high_day: float) -> list[tuple[float, float]]:
        """The stretches drawn to scale between breaks."""
        out, start = [], low_day
        for first, last in sorted(self.gaps):
            out.append((start, first))
            start = last
        out.append((start, high_day))
        return [(a, b) for a, b in out if b >= a]

    def _segment_tick(self, first: float, last: float) -> tuple[float, str]:
        if self.calendar:
            d = dt.date.fromordinal(max(1, int(first)))
            return d.replace(day=1).toordinal(), f"{d.year}-{d.month:02d}"
        m = round((first - self.origin) / DAYS_PER_MONTH)
        return self.origin + m * DAYS_PER_MONTH, str(m)


def _inside(ticks: list[tuple[float, str]], low_day: float, high_day: float) -> int:
    return sum(low_day <= day <= high_day for day, _ in ticks)


def _kept(span: tuple[float, ...], max_band: float) -> tuple[float, float] | None:
    """The part of a span that must stay to scale; None when nothing of it is finite."""
    a, b = span[0], span[1]
    at = span[2] if len(span) > 2 and span[2] is not None and math.isfinite(span[2]) else None
    a = a if math.isfinite(a) else at if at is not None else b
    b = b if math.isfinite(b) else at if at is not None else a
    if not (math.isfinite(a) and math.isfinite(b)):
        return None
    if at is not None and (b - a) / DAYS_PER_MONTH > max_band:
        return at, at
    return a, b
