"""The x axis of case figures: months on the case's axis, long empty stretches compressed.

A case can span 17 years with an 11-year quiet gap; drawn to scale, its treatment
years would be a sliver. Gaps longer than ``min_gap`` months are shrunk to
``gap_width`` months and marked as breaks.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from .dates import DAYS_PER_MONTH


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
    def fit(cls, spans: list[tuple[float, float]], origin: float, calendar: bool,
            min_gap: float = 48.0, gap_width: float = 4.0) -> "TimeScale":
        """Compress every empty stretch longer than min_gap months between the given spans."""
        finite = sorted((a, b if math.isfinite(b) else a) for a, b in spans)
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
        """Tick positions and labels: years on the calendar, else months from the origin."""
        positions, labels = [], []
        if self.calendar:
            first = dt.date.fromordinal(int(low_day)).year
            last = dt.date.fromordinal(int(high_day)).year + 1
            years = [y for y in range(first, last + 1)
                     if low_day - 200 <= dt.date(y, 1, 1).toordinal() <= high_day + 200
                     and not self.hidden(dt.date(y, 1, 1).toordinal())]
            step = 1 if len(years) <= 10 else 2 if len(years) <= 20 else 5
            for year in years:
                if year % step == 0 or year == years[0]:
                    positions.append(self.x(dt.date(year, 1, 1).toordinal()))
                    labels.append(str(year))
            return positions, labels
        low = math.floor((low_day - self.origin) / DAYS_PER_MONTH / 6) * 6
        high = math.ceil((high_day - self.origin) / DAYS_PER_MONTH / 6) * 6
        step = 6 if high - low <= 48 else 12 if high - low <= 120 else 24
        for m in range(int(low), int(high) + 1, step):
            day = self.origin + m * DAYS_PER_MONTH
            if not self.hidden(day):
                positions.append(self.x(day))
                labels.append(str(m))
        return positions, labels
