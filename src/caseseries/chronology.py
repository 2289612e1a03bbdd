"""Placing a case's dates on a time axis: offsets resolved through their anchors."""

from __future__ import annotations

from functools import cached_property

from .dates import CALENDAR, CalendarDate, DateSpec, Duration, RelativeDate, TimePoint, UnknownDate, between, calendar_point
from .model import Case


class AnchorError(ValueError):
    """An offset whose anchor is missing, circular or itself unplaceable."""


class Chronology:
    """Resolves the dates of one case; anchors are ids of events, regimens, radiotherapy or imaging."""

    def __init__(self, case: Case):
        self.case = case
        self._resolving: set[str] = set()
        self._cache: dict[str, TimePoint] = {}

    @cached_property
    def anchors(self) -> dict[str, DateSpec]:
        """Every id that an offset may name, with the date it stands for (a course: its start)."""
        out: dict[str, DateSpec] = {}
        for e in self.case.events:
            out.setdefault(e.id, e.date)
        for r in self.case.regimens:
            out.setdefault(r.id, r.start)
        for c in self.case.radiotherapy:
            out.setdefault(c.id, c.start)
        for i in self.case.imaging:
            out.setdefault(i.id, i.date)
        return out

    def point(self, date: DateSpec) -> TimePoint | None:
        """Where a date lies; None for an unknown date that anchors nothing."""
        if isinstance(date, CalendarDate):
            return calendar_point(date)
        if isinstance(date, UnknownDate):
            return None
        return self._relative(date)

    def _relative(self, date: RelativeDate) -> TimePoint:
        anchor = date.anchor
        if anchor not in self.anchors:
            known = ", ".join(sorted(self.anchors)) or "none"
            raise AnchorError(f"anchor '{anchor}' does not exist (ids that can anchor: {known})")
        if anchor not in self._cache:
            if anchor in self._resolving:
                raise AnchorError(f"anchor '{anchor}' is defined through itself")
            self._resolving.add(anchor)
            try:
                spec = self.anchors[anchor]
                base = self.point(spec)
                if base is None:  # an undated anchor roots its own relative axis
                    base = TimePoint(anchor, 0.0, 0.0, "offset")
                self._cache[anchor] = base
            finally:
                self._resolving.discard(anchor)
        return self._cache[anchor].shifted(date.offset_days, date.at_least)

    def safe_point(self, date: DateSpec | None, item_id: str | None = None) -> TimePoint | None:
        """point(), but None instead of an error (tables of an already validated case).

        An undated item that anchors offsets is the origin of its own axis.
        """
        if date is None:
            return None
        if isinstance(date, UnknownDate) and item_id is not None and item_id in self.roots:
            return TimePoint(item_id, 0.0, 0.0, "anchor")
        try:
            return self.point(date)
        except AnchorError:
            return None

    @cached_property
    def roots(self) -> set[str]:
        """Undated ids that some offset names: each is the origin of a relative axis."""
        named = set()
        for date in self._all_dates():
            while isinstance(date, RelativeDate) and date.anchor in self.anchors and date.anchor not in named:
                named.add(date.anchor)
                date = self.anchors[date.anchor]
        return {a for a in named if isinstance(self.anchors[a], UnknownDate)}

    @cached_property
    def axis(self) -> str:
        """The case's main axis: calendar when any date is on it, else the root anchor's."""
        axes = [p.axis for p in self._all_points()]
        if CALENDAR in axes or not axes:
            return CALENDAR
        return max(set(axes), key=axes.count)

    def _all_dates(self) -> list[DateSpec]:
        c = self.case
        dates = [e.date for e in c.events] + [e.end for e in c.events if e.end is not None]
        for r in c.regimens:
            dates += [d for d in (r.start, r.end, r.ongoing_as_of) if d is not None]
        dates += [x for rt in c.radiotherapy for x in (rt.start, rt.end) if x is not None]
        dates += [i.date for i in c.imaging] + [m.date for m in c.markers] + [c.outcome.last_contact]
        dates += [a.date for a in c.adverse_events if a.date is not None]
        dates += [q.decision_point for q in c.questions]
        return dates

    def _all_points(self) -> list[TimePoint]:
        return [p for p in map(self.safe_point, self._all_dates()) if p is not None]

    def duration(self, start: DateSpec | None, end: DateSpec | None, censored: bool = False) -> Duration | None:
        a, b = self.safe_point(start), self.safe_point(end)
        if a is None or b is None:
            return None
        return between(a, b, censored)
