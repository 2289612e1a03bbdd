"""Case figures (matplotlib/seaborn): the treatment timeline and the marker panels.

Dates are drawn at their precision: a month-level date is a bar across its month
(a pale whisker), not a sharp day; an open "more than" date ends in an arrow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from . import metrics  # noqa: E402
from .chronology import Chronology  # noqa: E402
from .dates import DAYS_PER_MONTH, TimePoint  # noqa: E402
from .model import Case  # noqa: E402
from .tables import LANES, lane_of_event, lane_of_regimen, reference_limit  # noqa: E402
from .timescale import TimeScale  # noqa: E402

PALETTE = dict(zip(LANES, sns.color_palette("colorblind", len(LANES))))
EVENT_MARKERS = {"recurrence": "X", "progression": "X", "death": "s", "diagnosis": "D", "surgery": "^",
                 "biopsy": "v", "treatment declined": "x", "last contact": ">", "follow-up": "o"}
TIME_AXES = ("calendar", "months")


def style() -> None:
    """One look for every figure; fixed so that re-renders give the same pixels."""
    sns.set_theme(context="notebook", style="whitegrid", font="DejaVu Sans")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "svg.hashsalt": "caseseries",
                         "axes.titleweight": "bold", "figure.max_open_warning": 0})


@dataclass
class Frame:
    """The case's time frame: which axis, where 0 is, and the compressed scale."""

    chrono: Chronology
    scale: TimeScale
    low: float
    high: float
    xlabel: str

    def x(self, day: float) -> float:
        return self.scale.x(day)


def case_frame(case: Case, time_axis: str = "calendar") -> Frame | None:
    """Fit the time frame to every placeable date of the case; None when nothing is placeable."""
    if time_axis not in TIME_AXES:
        raise ValueError(f"time_axis: expected one of {', '.join(TIME_AXES)}, found {time_axis!r}")
    chrono = Chronology(case)
    spans = [(p.earliest, p.latest) for p in _item_points(case, chrono) if p.axis == chrono.axis]
    if not spans:
        return None
    low = min(a for a, _ in spans)
    high = max(b if math.isfinite(b) else a for a, b in spans)
    calendar = chrono.axis == "calendar" and time_axis == "calendar"
    if chrono.axis == "calendar":
        dx = chrono.safe_point(metrics.diagnosis_date(case))
        origin = dx.earliest if dx is not None and dx.axis == "calendar" else low
        xlabel = "year" if calendar else "months from diagnosis"
    else:
        origin, xlabel = 0.0, f"months from {chrono.axis} (no calendar dates in the source)"
    scale = TimeScale.fit(spans, origin, calendar)
    return Frame(chrono, scale, low, high, xlabel)


def _item_points(case: Case, chrono: Chronology) -> list[TimePoint]:
    points = []
    for e in case.events:
        points += [chrono.safe_point(e.date, e.id), chrono.safe_point(e.end)]
    for r in case.regimens:
        points += [chrono.safe_point(r.start, r.id), chrono.safe_point(r.end), chrono.safe_point(r.ongoing_as_of)]
    for c in case.radiotherapy:
        points += [chrono.safe_point(c.start, c.id), chrono.safe_point(c.end)]
    points += [chrono.safe_point(i.date, i.id) for i in case.imaging]
    points += [chrono.safe_point(m.date) for m in case.markers]
    points.append(chrono.safe_point(case.outcome.last_contact))
    return [p for p in points if p is not None]


# ---------------------------------------------------------------- timeline


@dataclass(frozen=True)
class Course:
    lane: str
    label: str
    start: TimePoint
    end: TimePoint | None
    ongoing: bool


def courses(case: Case, chrono: Chronology) -> list[Course]:
    """Regimens and radiotherapy as bars; an end the source does not give stays None."""
    out = []
    for r in case.regimens:
        start = chrono.safe_point(r.start, r.id)
        end = chrono.safe_point(r.end if r.end is not None else r.ongoing_as_of)
        if start is not None:
            out.append(Course(lane_of_regimen(r.modality), r.name or " + ".join(a.drug for a in r.agents),
                              start, end, r.ongoing_as_of is not None))
    for c in case.radiotherapy:
        start = chrono.safe_point(c.start, c.id)
        if start is not None:
            out.append(Course("radiotherapy", c.technique or c.kind, start, chrono.safe_point(c.end), False))
    return out


def timeline_figure(case: Case, time_axis: str = "calendar") -> Figure | None:
    """Lanes by modality: bars for courses, markers for events; None when no date is placeable."""
    frame = case_frame(case, time_axis)
    if frame is None:
        return None
    style()
    chrono, x = frame.chrono, frame.x
    bars = [c for c in courses(case, chrono) if c.start.axis == chrono.axis]
    points = []  # (lane, kind, TimePoint, label)
    for e in case.events:
        p = chrono.safe_point(e.date, e.id)
        if p is not None and p.axis == chrono.axis:
            points.append((lane_of_event(e.kind), e.kind, p, e.label))
    for i in case.imaging:
        p = chrono.safe_point(i.date, i.id)
        if p is not None and p.axis == chrono.axis:
            points.append(("imaging", i.modality, p, i.category or ""))
    for m in case.markers:
        p = chrono.safe_point(m.date)
        if p is not None and p.axis == chrono.axis:
            points.append(("labs", m.analyte, p, ""))
    lanes = [lane for lane in LANES if any(b.lane == lane for b in bars) or any(pt[0] == lane for pt in points)]
    row = {lane: i for i, lane in enumerate(reversed(lanes))}

    fig, ax = plt.subplots(figsize=(11, 0.7 * len(lanes) + 1.8))
    seen: dict[str, int] = {}
    for b in bars:
        nth = seen[b.lane] = seen.get(b.lane, -1) + 1
        _draw_course(ax, b, row[b.lane], x, PALETTE[b.lane], above=nth % 2 == 0)
    for lane, kind, p, label in points:
        _draw_point(ax, p, row[lane], x, PALETTE[lane], EVENT_MARKERS.get(kind, "o"), label)
    last = chrono.safe_point(case.outcome.last_contact)
    if last is not None and last.axis == chrono.axis:
        ax.axvline(x(last.mid), color="0.3", linestyle="--", linewidth=1)
        ax.annotate(f"last contact: {case.outcome.status}", (x(last.mid), len(lanes) - 0.4),
                    ha="right", va="bottom", fontsize=8, color="0.3", xytext=(-3, 0), textcoords="offset points")
    _finish_axis(ax, frame)
    ax.set_yticks(range(len(lanes)), list(reversed(lanes)))
    ax.set_ylim(-0.6, len(lanes) - 0.2)
    ax.set_title("Treatment and disease timeline")
    fig.tight_layout()
    return fig


def _hi(p: TimePoint) -> float:
    """The latest day of a point, or its earliest when open ("more than")."""
    return p.latest if math.isfinite(p.latest) else p.earliest


def _draw_course(ax, course: Course, y: float, x, colour, above: bool = True) -> None:
    start, end = course.start, course.end
    offset = (0, 9) if above else (0, -17)
    if end is None:
        ax.plot([x(start.mid)], [y], marker="|", markersize=14, markeredgewidth=3, color=colour)
        ax.annotate(f"{course.label} (end not reported)", (x(start.earliest), y), xytext=offset,
                    textcoords="offset points", fontsize=8)
        return
    # Pale ends: the spread of imprecise start and end dates; solid: surely on treatment.
    for p in (start, end):
        if _hi(p) > p.earliest:
            ax.barh(y, x(_hi(p)) - x(p.earliest), left=x(p.earliest), height=0.5, color=colour, alpha=0.3)
    if x(end.earliest) > x(_hi(start)):
        ax.barh(y, x(end.earliest) - x(_hi(start)), left=x(_hi(start)), height=0.5, color=colour)
    elif _hi(end) == end.earliest == _hi(start):
        ax.plot([x(start.earliest)], [y], marker="|", markersize=14, markeredgewidth=3, color=colour)
    if course.ongoing:
        tip = x(_hi(end))
        ax.annotate("", xy=(tip + 3, y), xytext=(tip, y), arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 2})
    ax.annotate(course.label + (" (ongoing)" if course.ongoing else ""), (x(start.earliest), y),
                xytext=offset, textcoords="offset points", fontsize=8)


def _draw_point(ax, p: TimePoint, y: float, x, colour, marker: str, label: str) -> None:
    if p.is_open:
        ax.annotate("", xy=(x(p.earliest) + 4, y), xytext=(x(p.earliest), y),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.5})
        ax.plot([x(p.earliest)], [y], marker=marker, color=colour, markersize=8, linestyle="none")
        return
    if p.latest - p.earliest > 1:  # a month or a year: show the whole span it can mean
        ax.plot([x(p.earliest), x(p.latest)], [y, y], color=colour, alpha=0.35, linewidth=7, solid_capstyle="butt")
    ax.plot([x(p.mid)], [y], marker=marker, color=colour, markersize=8, linestyle="none",
            markeredgecolor="white", markeredgewidth=0.6)
    if label in ("CR", "PR", "SD", "PD"):
        ax.annotate(label, (x(p.mid), y), xytext=(0, -13), textcoords="offset points", fontsize=7, ha="center")


def _finish_axis(ax, frame: Frame) -> None:
    positions, labels = frame.scale.ticks(frame.low, frame.high)
    ax.set_xticks(positions, labels)
    pad = 2.0
    ax.set_xlim(frame.x(frame.low) - pad, frame.x(frame.high) + pad + 5)
    for br in frame.scale.breaks:
        half = frame.scale.gap_width / 2
        ax.axvspan(br.x - half, br.x + half, facecolor="none", edgecolor="0.75", hatch="//", linewidth=0, zorder=0)
        ax.annotate(f"{br.months / 12:.0f} years\nnot to scale", (br.x, 0.0), xycoords=("data", "axes fraction"),
                    ha="center", va="bottom", fontsize=7, color="0.35", annotation_clip=True)
    ax.set_xlabel(frame.xlabel)
    ax.grid(axis="y", visible=False)


# ---------------------------------------------------------------- markers


def marker_figure(case: Case, time_axis: str = "calendar") -> Figure | None:
    """One panel per analyte: values, the limit valid at each date, treatments shaded behind.

    Qualitative observations are labelled annotations, never points; an analyte with
    no number gets a short strip. The x range is the markers' period. None when the
    case has no placeable marker.
    """
    frame = case_frame(case, time_axis)
    if frame is None:
        return None
    chrono, x = frame.chrono, frame.x
    placed = [(chrono.safe_point(m.date), m) for m in case.markers]
    placed = [(p, m) for p, m in placed if p is not None and p.axis == chrono.axis]
    if not placed:
        return None
    style()
    analytes = list(dict.fromkeys(m.analyte for _, m in placed))
    numeric = {a: [(p, m) for p, m in placed if m.analyte == a and m.value is not None] for a in analytes}
    heights = [2.6 if numeric[a] else 1.1 for a in analytes]
    fig, axes = plt.subplots(len(analytes), 1, figsize=(11, sum(heights) + 0.9), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    low = min(p.earliest for p, _ in placed) - 3 * DAYS_PER_MONTH
    high = max(p.latest if math.isfinite(p.latest) else p.earliest + 4 * DAYS_PER_MONTH for p, _ in placed)
    high += 3 * DAYS_PER_MONTH
    shading = [c for c in courses(case, chrono) if c.start.axis == chrono.axis and c.end is not None]
    for ax, analyte in zip(axes[:, 0], analytes):
        for c in shading:
            right = c.end.latest if math.isfinite(c.end.latest) else c.end.earliest
            ax.axvspan(x(c.start.earliest), x(right), color=PALETTE[c.lane], alpha=0.15, linewidth=0)
        if numeric[analyte]:
            xs = [x(p.mid) for p, _ in numeric[analyte]]
            ys = [m.value for _, m in numeric[analyte]]
            sns.lineplot(x=xs, y=ys, ax=ax, marker="o", color="black", linewidth=1.2)
            for p, m in numeric[analyte]:
                if p.latest - p.earliest > 1:
                    ax.plot([x(p.earliest), x(p.latest)], [m.value] * 2, color="black", alpha=0.3, linewidth=5)
                ax.annotate(f"{m.value:g}", (x(p.mid), m.value), xytext=(4, 4), textcoords="offset points", fontsize=8)
            _draw_limits(ax, case, analyte, frame, low, high)
            ax.set_ylabel(numeric[analyte][0][1].unit)
            ax.set_ylim(bottom=0)
        else:
            ax.set_yticks([])
            ax.text(0.01, 0.08, "no numeric value in the source", transform=ax.transAxes, fontsize=8, color="0.4")
        qualitative = [(p, m) for p, m in placed if m.analyte == analyte and m.value is None]
        for i, (p, m) in enumerate(qualitative):
            if p.is_open:  # "some time after": an arrow from the earliest it can be
                ax.annotate("", xy=(x(p.earliest) + 4, 0.05), xytext=(x(p.earliest), 0.05),
                            xycoords=("data", "axes fraction"), arrowprops={"arrowstyle": "-|>", "color": "0.4"})
            else:
                ax.axvspan(x(p.earliest), x(p.latest), color="0.5", alpha=0.15, linewidth=0)
            right_half = x(p.mid) > (x(low) + x(high)) / 2
            ax.annotate(m.observation, (x(p.earliest), 0.92 - 0.3 * (i % 3)), xycoords=("data", "axes fraction"),
                        fontsize=8, ha="right" if right_half else "left", va="top",
                        xytext=(-3 if right_half else 3, 0), textcoords="offset points",
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.6", "lw": 0.5})
        ax.set_title(analyte, loc="left", fontsize=10)
    _finish_axis(axes[-1, 0], frame)
    axes[-1, 0].set_xlim(x(low), x(high))
    fig.tight_layout()
    return fig


def _draw_limits(ax, case: Case, analyte: str, frame: Frame, low: float, high: float) -> None:
    """The upper reference limit as a step: each limit over the period it was valid."""
    chrono, x = frame.chrono, frame.x
    for limit in case.reference_limits:
        if limit.analyte != analyte:
            continue
        start = chrono.safe_point(limit.valid_from)
        end = chrono.safe_point(limit.valid_until)
        left = x(start.earliest) if start is not None else x(low)
        right = x(end.earliest) if end is not None else x(high)
        ax.hlines(limit.upper, left, right, colors="firebrick", linestyles="--", linewidth=1.2)
        ax.annotate(f"< {limit.upper:g} {limit.unit}", (left, limit.upper), xytext=(2, 3),
                    textcoords="offset points", fontsize=7, color="firebrick")


def months(days: float) -> float:
    return days / DAYS_PER_MONTH


__all__ = ["timeline_figure", "marker_figure", "reference_limit", "TIME_AXES"]
