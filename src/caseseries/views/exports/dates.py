"""Dates for the exports, read from the timeline's resolved :class:`~caseseries.model.timeline.When` (never parsed here).

A date that the timeline resolves to exactly one day, one calendar month or one calendar
year keeps that precision (FHIR's partial dateTime ``2018-11``); a date known only as an
interval (a part of a year, a bound, an offset of uncertain length) is an interval of
days; an open date, or one off the calendar (an offset from an undated anchor), has no
calendar form and is left out by the exports with a note in words.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math

from caseseries.model.timeline import When


def _bounds(w: When | None) -> tuple[dt.date, dt.date] | None:
    """First and last day of a closed calendar date; None when open, unbounded or off the calendar."""
    if w is None or not w.is_calendar or w.open_end or w.open_start:
        return None
    if math.isinf(w.earliest) or math.isinf(w.latest):
        return None
    return w.earliest_date, w.latest_date


def partial_date(w: When | None) -> str | None:
    """``2018-11-30``, ``2018-11`` or ``2018`` when the date is exactly one day, month or year; else None."""
    b = _bounds(w)
    if b is None:
        return None
    first, last = b
    if first == last:
        return first.isoformat()
    if first.day == 1 and (first.year, first.month) == (last.year, last.month) \
            and last.day == calendar.monthrange(last.year, last.month)[1]:
        return f"{first:%Y-%m}"
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year:
        return f"{first.year:04d}"
    return None


def day_interval(w: When | None) -> tuple[dt.date, dt.date] | None:
    """The first and last day a closed calendar date can mean (for a Period or an interval); None otherwise."""
    return _bounds(w)


def words(w: When | None) -> str:
    """The date as a clinician reads it, with the form the case file states."""
    if w is None:
        return "date not reported"
    return w.words if w.words == w.stated else f"{w.words} (stated '{w.stated}')"
