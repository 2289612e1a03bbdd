"""Dates at the precision a source gives them, and durations that keep that precision.

A case-file date is a calendar date at year, month or day precision (``2008``,
``2008-04``, ``2024-05-20``), an offset from another item of the same case
(``rit-start + 12 months``, ``rit-start + >12 months`` for "more than"), or
``unknown``. Each resolves to a :class:`TimePoint`: the earliest and latest day it
can mean, on the calendar axis or on the axis of an undated anchor.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass

DAYS_PER_MONTH = 365.25 / 12
CALENDAR = "calendar"

_ISO = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?$")
_OFFSET = re.compile(
    r"^(?P<anchor>[a-z][a-z0-9_-]*)"
    r"(?:\s*(?P<sign>[+-])\s*(?P<open>>)?\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>days?|weeks?|months?|years?))?$"
)
_UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": DAYS_PER_MONTH, "year": 365.25}

DATE_FORMS = "a date like 2019, 2019-04 or 2019-04-08, an offset like 'rt-start + 12 months', or 'unknown'"


class DateError(ValueError):
    """A date string that is not one of the accepted forms."""


@dataclass(frozen=True)
class CalendarDate:
    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def bounds(self) -> tuple[dt.date, dt.date]:
        """First and last calendar day this date can mean."""
        if self.day:
            d = dt.date(self.year, self.month, self.day)
            return d, d
        if self.month:
            last = calendar.monthrange(self.year, self.month)[1]
            return dt.date(self.year, self.month, 1), dt.date(self.year, self.month, last)
        return dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)

    def __str__(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"


@dataclass(frozen=True)
class RelativeDate:
    """An offset from another dated item of the same case, by its id."""

    anchor: str
    amount: float = 0.0
    unit: str = "month"
    at_least: bool = False  # "more than N": the offset is a lower bound

    @property
    def precision(self) -> str:
        return "offset"

    @property
    def offset_days(self) -> float:
        return self.amount * _UNIT_DAYS[self.unit]

    def __str__(self) -> str:
        if not self.amount and not self.at_least:
            return self.anchor
        sign = "-" if self.amount < 0 else "+"
        amount = abs(self.amount)
        n = int(amount) if amount == int(amount) else amount
        unit = self.unit if n == 1 else self.unit + "s"
        return f"{self.anchor} {sign} {'>' if self.at_least else ''}{n} {unit}"


@dataclass(frozen=True)
class UnknownDate:
    """A date the source does not give; such an item can still anchor offsets."""

    precision = "unknown"

    def __str__(self) -> str:
        return "unknown"


DateSpec = CalendarDate | RelativeDate | UnknownDate


def parse_date(value: object) -> DateSpec:
    """Parse a case-file date; raise DateError saying what was expected."""
    if isinstance(value, (CalendarDate, RelativeDate, UnknownDate)):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DateError(f"expected {DATE_FORMS}")
    text = str(value).strip()
    if text == "unknown":
        return UnknownDate()
    m = _ISO.match(text)
    if m:
        year, month, day = int(m["y"]), m["m"], m["d"]
        if month is not None and not 1 <= int(month) <= 12:
            raise DateError(f"month {month} does not exist; expected {DATE_FORMS}")
        if day is not None:
            try:
                dt.date(year, int(month), int(day))
            except ValueError:
                raise DateError(f"day {text} does not exist; expected {DATE_FORMS}") from None
        return CalendarDate(year, int(month) if month else None, int(day) if day else None)
    if re.match(r"^\d", text):
        raise DateError(f"expected {DATE_FORMS}")
    m = _OFFSET.match(text)
    if not m:
        raise DateError(f"expected {DATE_FORMS}")
    if m["n"] is None:
        return RelativeDate(m["anchor"])
    amount = float(m["n"]) * (-1 if m["sign"] == "-" else 1)
    return RelativeDate(m["anchor"], amount, m["unit"].rstrip("s"), bool(m["open"]))


@dataclass(frozen=True)
class TimePoint:
    """Where a date lies: an interval of days on an axis.

    On the calendar axis days are proleptic ordinals (``date.toordinal()``); on a
    relative axis they count from the undated anchor that roots it. ``latest`` is
    ``inf`` for an open "more than" offset.
    """

    axis: str
    earliest: float
    latest: float
    precision: str

    @property
    def is_calendar(self) -> bool:
        return self.axis == CALENDAR

    @property
    def is_open(self) -> bool:
        return math.isinf(self.latest)

    @property
    def mid(self) -> float:
        """A single position for sorting and drawing (the lower bound when open)."""
        return self.earliest if self.is_open else (self.earliest + self.latest) / 2

    def shifted(self, days: float, at_least: bool = False) -> "TimePoint":
        latest = math.inf if at_least else self.latest + days
        precision = "offset" if self.precision in ("day", "offset") else self.precision
        return TimePoint(self.axis, self.earliest + days, latest, precision)

    def as_date(self) -> dt.date | None:
        """The midpoint as a calendar date (for plotting), or None off the calendar."""
        if not self.is_calendar:
            return None
        return dt.date.fromordinal(int(round(self.mid)))


def calendar_point(date: CalendarDate) -> TimePoint:
    first, last = date.bounds()
    return TimePoint(CALENDAR, first.toordinal(), last.toordinal(), date.precision)


@dataclass(frozen=True)
class Duration:
    """A duration in months with the spread the dates' precision allows.

    ``at_least`` marks a censored duration: the true value is ``low`` or more.
    """

    low: float
    high: float
    at_least: bool = False

    @property
    def mid(self) -> float:
        return self.low if self.at_least or math.isinf(self.high) else (self.low + self.high) / 2

    @property
    def exact(self) -> bool:
        return not self.at_least and abs(self.high - self.low) < 1e-9

    def label(self, unit: str = "months") -> str:
        """How a reader sees it: '66 months (65–67)', '> 12 months', '3.2 months', '< 1 month'."""
        if not self.at_least and self.high < 1:
            return f"< 1 {unit.rstrip('s')}"
        if self.at_least:
            return f"> {_num(self.low)} {unit}"
        if self.exact or round(self.low) == round(self.high):
            return f"{_num(self.mid)} {unit}"
        # A spread of a month or more: whole months, with the range the dates allow.
        mid = round(self.mid)
        return f"{mid} {unit.rstrip('s') if mid == 1 else unit} ({round(self.low)}–{round(self.high)})"


def _num(x: float, digits: int = 1) -> str:
    if abs(x - round(x)) < 0.05:
        return str(int(round(x)))
    return f"{x:.{digits}f}"


def between(start: TimePoint, end: TimePoint, censored: bool = False) -> Duration | None:
    """Months from start to end, None when the two lie on different axes."""
    if start.axis != end.axis:
        return None
    low = max(end.earliest - start.latest, 0.0) / DAYS_PER_MONTH if not start.is_open else 0.0
    high = (end.latest - start.earliest) / DAYS_PER_MONTH
    at_least = censored or end.is_open
    if at_least:
        low = max(end.earliest - start.earliest, 0.0) / DAYS_PER_MONTH if start.is_open else low
    return Duration(low, high, at_least)


def definitely_before(a: TimePoint, b: TimePoint) -> bool:
    """True when every day a can mean lies before every day b can mean."""
    return a.axis == b.axis and a.latest < b.earliest
