"""Case-file dates as the source words them, and durations that keep their precision.

A date is a calendar date at year, month or day precision (``2008``, ``2008-04``,
``2024-05-20``), an approximate part of a year (``early 2023``), an offset from
another item of the same case (``rit-start + 12 months``, ``+ >12 months`` for "more
than"), a bound (``between X and Y``, ``on or before X``, ``on or after X``) or
``unknown``. Parsing only: ``timeline.py`` resolves them to days.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass

DAYS_PER_MONTH = 365.25 / 12

_ISO = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?$")
_OFFSET = re.compile(
    r"^(?P<anchor>[a-z][a-z0-9_-]*)"
    r"(?:\s*(?P<sign>[+-])\s*(?P<open>>)?\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>days?|weeks?|months?|years?))?$"
)
UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": DAYS_PER_MONTH, "year": 365.25}

DATE_FORMS = ("a date like 2019, 2019-04 or 2019-04-08, 'early 2019' / 'mid 2019' / 'late 2019', "
              "an offset like 'rt-start + 12 months' or 'rt-start + >12 months', "
              "'between X and Y', 'on or before X', 'on or after X' (X, Y: a date or an item id, with or without an offset), "
              "or 'unknown'")
# Years a case-file date may name: anything else is a typo, and would break the arithmetic of time.
YEARS = (1800, 2200)
# The parts of a year that reports word as early, mid and late: four months each.
SEASONS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}
_SEASON = re.compile(r"^(?P<part>early|mid|late)\s+(?P<y>\d{4})$")
_BOUND = re.compile(r"^(?:(?P<between>between)\s+(?P<a>.+?)\s+and\s+(?P<b>.+)|(?P<rel>on or before|on or after|before|after)\s+(?P<x>.+))$")


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
class Season:
    """An approximate part of a year as reports word it: 'early 2023' is January to April."""

    year: int
    part: str

    precision = "part of year"

    def bounds(self) -> tuple[dt.date, dt.date]:
        first, last = SEASONS[self.part]
        return dt.date(self.year, first, 1), dt.date(self.year, last, calendar.monthrange(self.year, last)[1])

    def __str__(self) -> str:
        return f"{self.part} {self.year:04d}"


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
        return self.amount * UNIT_DAYS[self.unit]

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


Reference = CalendarDate | Season | RelativeDate


@dataclass(frozen=True)
class Bounded:
    """A date known only to lie after one reference, before another, or between two."""

    after: Reference | None = None
    before: Reference | None = None

    precision = "bounded"

    def __str__(self) -> str:
        if self.after is not None and self.before is not None:
            return f"between {self.after} and {self.before}"
        if self.after is not None:
            return f"on or after {self.after}"
        return f"on or before {self.before}"


DateSpec = CalendarDate | Season | RelativeDate | Bounded | UnknownDate


def parse_date(value: object) -> DateSpec:
    """Parse a case-file date; raise DateError saying what was expected."""
    if isinstance(value, (CalendarDate, Season, RelativeDate, Bounded, UnknownDate)):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DateError(f"expected {DATE_FORMS}")
    text = " ".join(str(value).split())
    if text == "unknown":
        return UnknownDate()
    m = _BOUND.match(text)
    if m:
        if m["between"]:
            after, before = _reference(m["a"]), _reference(m["b"])
            if after == before:
                raise DateError(f"'{text}': the two bounds are the same")
            return Bounded(after, before)
        ref = _reference(m["x"])
        return Bounded(after=ref) if m["rel"].endswith("after") else Bounded(before=ref)
    return _reference(text)


def _reference(text: str) -> Reference:
    """A calendar date, part of a year or offset: what a bound can name."""
    m = _SEASON.match(text)
    if m:
        if not YEARS[0] <= int(m["y"]) <= YEARS[1]:
            raise DateError(f"year {m['y']} is outside the years a date may name ({YEARS[0]}–{YEARS[1]})")
        return Season(int(m["y"]), m["part"])
    m = _ISO.match(text)
    if m:
        year, month, day = int(m["y"]), m["m"], m["d"]
        if not YEARS[0] <= year <= YEARS[1]:
            raise DateError(f"year {m['y']} is outside the years a date may name ({YEARS[0]}–{YEARS[1]})")
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
    if not m or m["anchor"] in ("between", "after", "before", "on", "early", "mid", "late", "unknown"):
        raise DateError(f"expected {DATE_FORMS}")
    if m["n"] is None:
        return RelativeDate(m["anchor"])
    amount = float(m["n"]) * (-1 if m["sign"] == "-" else 1)
    unit = m["unit"].rstrip("s")
    if abs(amount) * UNIT_DAYS[unit] > (YEARS[1] - YEARS[0]) * 365.25:
        raise DateError(f"an offset of {m['n']} {m['unit']} is longer than the years dates may span "
                        f"({YEARS[0]}–{YEARS[1]})")
    return RelativeDate(m["anchor"], amount, unit, bool(m["open"]))


@dataclass(frozen=True)
class Duration:
    """A duration in months with the spread the dates' precision allows.

    ``at_least`` marks a censored duration: the true value is ``low`` or more;
    ``reported`` marks the authors' own figure, shown as such.
    """

    low: float
    high: float
    at_least: bool = False
    reported: bool = False

    @property
    def mid(self) -> float:
        return self.low if self.at_least or math.isinf(self.high) else (self.low + self.high) / 2

    @property
    def exact(self) -> bool:
        return not self.at_least and abs(self.high - self.low) < 1e-9

    def label(self, unit: str = "months") -> str:
        """How a reader sees it: '66 months (65–67)', '> 12 months', '< 1 month', '> 72 months, as reported'."""
        return self._label(unit) + (", as reported" if self.reported else "")

    def _label(self, unit: str) -> str:
        if not self.at_least and self.high < 1:
            return f"< 1 {unit.rstrip('s')}"
        if self.at_least:
            return f"> {_count(self.low, unit)}"
        if self.exact or round(self.low) == round(self.high):
            return _count(self.mid, unit)
        # A spread of a month or more: whole months, with the range the dates allow.
        return f"{_count(round(self.mid), unit)} ({round(self.low)}–{round(self.high)})"


def _count(n: float, unit: str) -> str:
    """'1 month', '2.5 months': the number and its unit, singular for exactly one."""
    number = _num(n)
    return f"{number} {unit.rstrip('s') if number == '1' else unit}"


def _num(x: float, digits: int = 1) -> str:
    if abs(x - round(x)) < 0.05:
        return str(int(round(x)))
    return f"{x:.{digits}f}"


def between(start, end, censored: bool = False) -> Duration | None:
    """Months from start to end (intervals of days with ``axis``, ``earliest``, ``latest``).

    None when the two lie on different axes. The shortest span is from the start's
    latest day to the end's earliest; an end with no stated upper bound, or a
    censored one, makes the duration "at least" that.
    """
    if start is None or end is None or start.axis != end.axis:
        return None
    low = end.earliest - start.latest
    low = 0.0 if math.isnan(low) or low < 0 else low / DAYS_PER_MONTH
    high = end.latest - start.earliest
    high = math.inf if math.isnan(high) else max(high, 0.0) / DAYS_PER_MONTH
    open_end = getattr(end, "open_end", math.isinf(end.latest))
    return Duration(low, high, censored or open_end or math.isinf(high))
