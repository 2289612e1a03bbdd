"""Case figures (matplotlib/seaborn): the treatment timeline and the marker panels.

Every position comes from the case's resolved timeline (:mod:`caseseries.model.timeline`);
nothing here resolves a date. A date is drawn as the interval it can mean: a pale
band over [earliest, latest] with its mark at ``When.position`` (never before what it
follows). An open end ("more than", "after X", a course still going on) ends in an
arrow. A course whose end is a duration the authors report is a full bar to that end,
labelled with the figure as reported. Items on another time axis than the case's main
one (or with no date at all) are left out and named in the figure's caption.

Artists carry a gid ``<field>:<index>:<part>`` (parts: mark, band, bar, tick, arrow,
label) so that tests read the data drawn rather than the pixels.
"""

from __future__ import annotations

import functools
import io
import math
import textwrap
from collections import Counter
from dataclasses import dataclass, replace

import matplotlib
import matplotlib.text
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.transforms import Affine2D, Bbox, IdentityTransform  # noqa: E402

from caseseries.model import drugs  # noqa: E402
from caseseries.model.dates import DAYS_PER_MONTH  # noqa: E402
from caseseries.model.disclosure import as_of_words  # noqa: E402
from caseseries.model.case import Case, course_name  # noqa: E402
from caseseries.views.tables import LANES, course_label, lane_of_event, lane_of_regimen, reference_limit  # noqa: E402
from caseseries.model.timeline import CALENDAR, Entry, Timeline, When, timeline  # noqa: E402
from caseseries.views.timescale import TimeScale  # noqa: E402

PALETTE = dict(zip(LANES, sns.color_palette("colorblind", len(LANES))))
EVENT_MARKERS = {"recurrence": "X", "progression": "P", "death": "s", "diagnosis": "D", "surgery": "^",
                 "biopsy": "v", "treatment declined": "x", "last contact": ">", "follow-up": "o"}
TIME_AXES = ("calendar", "months")
LOG_RATIO = 20.0  # a marker panel whose values and limit span this factor or more is drawn on a log scale
DRAWN = ("events", "regimens", "radiotherapy", "imaging", "markers")  # what the timeline figure shows


def style() -> None:
    """One look for every figure; fixed so that re-renders give the same pixels."""
    sns.set_theme(context="notebook", style="whitegrid", font="DejaVu Sans")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "svg.hashsalt": "caseseries",
                         "axes.titleweight": "bold", "figure.max_open_warning": 0})


@dataclass
class Frame:
    """The case's time frame: its timeline, the main axis, where 0 is, and the compressed scale."""

    tl: Timeline
    scale: TimeScale
    low: float
    high: float
    xlabel: str
    open_start: bool = False  # some date has no earliest day: its arrow points left of the earliest mark

    @property
    def axis(self) -> str:
        return self.tl.axis

    def x(self, day: float) -> float:
        return self.scale.x(day)

    @property
    def arrow(self) -> float:
        """Length of an open end's arrow in x units (months): 3% of the frame, 1 to 3 months."""
        return max(1.0, min(3.0, 0.03 * (self.x(self.high) - self.x(self.low))))

    def on_axis(self, when: When | None) -> bool:
        return when is not None and when.axis == self.tl.axis and when.position is not None


def _finite(value: float) -> bool:
    return value is not None and math.isfinite(value)


def _extent(w: When) -> tuple[float, float, float]:
    """What of a date the frame must show: (lowest, highest, position); an open end counts to its position."""
    lo = w.earliest if _finite(w.earliest) else w.position
    hi = w.latest if _finite(w.latest) and not w.open_end else w.position
    return lo, max(hi, w.position), w.position


def _frame_whens(tl: Timeline, fields: tuple[str, ...] = DRAWN) -> list[When]:
    out = []
    for e in tl.entries:
        if e.field in fields:
            out.append(e.start)
            if e.end is not None:
                out.append(e.end)
    if tl.last_contact is not None:
        out.append(tl.last_contact)
    return [w for w in out if w.axis == tl.axis and w.position is not None]


def case_frame(case: Case, time_axis: str = "calendar") -> Frame | None:
    """Fit the time frame to every placed date of the case's main axis; None when nothing is placed."""
    if time_axis not in TIME_AXES:
        raise ValueError(f"time_axis: expected one of {', '.join(TIME_AXES)}, found {time_axis!r}")
    tl = timeline(case)
    whens = _frame_whens(tl)
    spans = [_extent(w) for w in whens]
    if not spans:
        return None
    low = min(lo for lo, _, _ in spans)
    high = max(hi for _, hi, _ in spans)
    calendar = tl.axis == CALENDAR and time_axis == "calendar"
    if tl.axis == CALENDAR:
        dx = _diagnosis(tl)
        origin = dx.position if dx is not None else low
        xlabel = "year" if calendar else "months from diagnosis" if dx is not None else "months"
    else:
        origin = 0.0
        xlabel = f"months from time 0: {tl.name_of(tl.axis)} (no calendar date in the source)"
    scale = TimeScale.fit(spans, origin, calendar)
    return Frame(tl, scale, low, high, xlabel, any(not _finite(w.earliest) for w in whens))


def _diagnosis(tl: Timeline) -> When | None:
    """The first diagnosis event on the main axis, else the first dated stage."""
    for e in tl.entries:
        if e.field == "events" and e.item.kind == "diagnosis" and e.start.axis == tl.axis \
                and e.start.position is not None:
            return e.start
    stages = [tl.at(("diagnosis", "stages", i, "date")) for i in range(len(tl.case.diagnosis.stages))]
    stages = [w for w in stages if w is not None and w.axis == tl.axis and w.position is not None]
    return min(stages, key=tl.order_key) if stages else None


# ---------------------------------------------------------------- what is not drawn


def item_name(field: str, item, case: Case | None = None, reference=None) -> str:
    """How a figure names an item: its label, regimen name (agents by the drug reference), technique or kind
    (', part of <regimen>' for a course of a regimen, given the case), imaging finding, analyte."""
    if field == "events":
        return item.label
    if field == "regimens":
        return drugs.regimen_name(item, drugs.view_reference(reference))
    if field == "radiotherapy":
        return course_name(item) if case is None else course_label(case, item, reference, short=True)
    if field == "imaging":
        what = item.modality if item.modality != "not stated" else "imaging"
        return f"{what}: {_short(item.findings)}"
    if field == "markers":
        return f"{item.analyte}: {item.value:g} {item.unit}" if item.value is not None else \
            f"{item.analyte}: {_short(item.observation)}"
    return _short(str(getattr(item, "term", item)))


def not_placed(case: Case, fields: tuple[str, ...] = DRAWN) -> list[tuple[str, str]]:
    """The items a figure of these lists leaves out, each as (name, why): no date, or another time axis."""
    tl = timeline(case)
    out = []
    for e in tl.entries:
        if e.field in fields and (e.start.axis != tl.axis or e.start.position is None):
            if e.start.axis == tl.axis:
                why = "date not bounded"
            elif e.start.axis != CALENDAR:
                why = (f"on a time axis of their own, counted from {tl.name_of(e.start.axis)}, "
                       "whose date is not reported")
            else:
                why = f"dated on the calendar, with no link to {tl.name_of(tl.axis)}"
            out.append((item_name(e.field, e.item, case), why))
    for field, _, item in tl.unplaced:
        if field in fields:
            out.append((item_name(field, item, case), "date not reported"))
    last = tl.last_contact
    if "events" in fields and last is not None and last.axis != tl.axis:
        out.append((f"last contact ({last.words})", "on another time axis"))
    return out


def caption(case: Case, fields: tuple[str, ...] = DRAWN) -> str:
    """The figure's caption and alt text: what cannot be placed on its time axis, by reason ('' when all is drawn)."""
    groups: dict[str, list[str]] = {}
    for name, why in not_placed(case, fields):
        groups.setdefault(why, []).append(name)
    if not groups:
        return ""
    return " ".join(f"Not drawn ({why}): {'; '.join(names)}." for why, names in groups.items())


def _add_caption(fig: Figure, text: str) -> float:
    """Write the caption under the axes; return the share of the figure's height it takes."""
    fig.alt_text = text
    if not text:
        return 0.0
    lines = textwrap.wrap(text, 150)
    fig.text(0.01, 0.01, "\n".join(lines), fontsize=8, color="0.3", ha="left", va="bottom", gid="caption")
    return (0.17 * len(lines) + 0.1) / fig.get_figheight()


# ---------------------------------------------------------------- drawing dates


def _gid(entry: Entry, part: str) -> str:
    return f"{entry.field}:{entry.index}:{part}"


def _arrow(ax, frame: Frame, x0: float, y: float, colour, gid: str, direction: int = 1, lw: float = 1.5,
           y_coords: str = "data"):
    """An open end: an arrow from x0 pointing right (later) or left (earlier)."""
    return ax.annotate("", xy=(x0 + direction * frame.arrow, y), xytext=(x0, y),
                       xycoords=("data", y_coords), textcoords=("data", y_coords),
                       arrowprops={"arrowstyle": "-|>", "color": colour, "lw": lw, "shrinkA": 0, "shrinkB": 0,
                                   "mutation_scale": 12},
                       gid=gid)


def _band(ax, frame: Frame, w: When, y: float, colour, gid: str, lw: float = 7, alpha: float = 0.35) -> None:
    """The interval a date can mean as a pale band; an open end stops at the position (the arrow goes on)."""
    lo, hi, _ = _extent(w)
    if hi - lo > 1:
        ax.plot([frame.x(lo), frame.x(hi)], [y, y], color=colour, alpha=alpha, linewidth=lw, solid_capstyle="butt",
                gid=gid)


LINE_MARKERS = ("x", "+", "|", "_", "1", "2", "3", "4")  # drawn by their edge alone


def _edge(marker: str, colour):
    """A filled mark gets a white rim; a mark of lines only ('x') is its edge, in its colour."""
    return colour if marker in LINE_MARKERS else "white"


def _edge_width(marker: str) -> float:
    return 2.0 if marker in LINE_MARKERS else 0.6


def _draw_when(ax, frame: Frame, w: When, y: float, colour, marker: str, gid: str, size: float = 8) -> None:
    """A dated point: pale band over what it can mean, the mark at its position, arrows for open sides."""
    _band(ax, frame, w, y, colour, f"{gid}:band")
    px = frame.x(w.position)
    ax.plot([px], [y], marker=marker, color=colour, markersize=size, linestyle="none",
            markeredgecolor=_edge(marker, colour), markeredgewidth=_edge_width(marker), gid=f"{gid}:mark", zorder=3)
    if w.open_end:
        _arrow(ax, frame, px, y, colour, f"{gid}:arrow")
    if not _finite(w.earliest):
        _arrow(ax, frame, px, y, colour, f"{gid}:arrow-start", direction=-1)


@dataclass
class _Label:
    x: float
    y: float
    text: str
    gid: str
    slots: tuple[str, ...] = ("above", "below", "above2", "above-left", "below-left")
    fontsize: float = 8
    optional: bool = False  # left out (alone) rather than drawn over another label or outside the axes


def _place_labels(fig: Figure, ax, labels: list[_Label], fixed: list = (), placed: list | None = None) -> bool:
    """Put each label in the first slot around its mark that overlaps no label placed before it.

    Slots are offsets in points scaled to the lane pitch: above or below the bar, or one
    row higher; '-left' variants end at the mark. When every slot collides, the one with
    the least overlap (and least outside the axes) wins. An optional label that finds no
    free slot is left out (False when any was left out); the legend still names its mark.
    A label's text is measured once, and only its chosen slot becomes an annotation (_slot_boxes).
    """
    renderer = fig.canvas.get_renderer()
    offsets = _slot_offsets(fig, ax)
    placed = [a.get_window_extent(renderer) for a in fixed] if placed is None else placed
    frame_box = ax.get_window_extent(renderer)
    complete = True
    for label in labels:
        best = None
        for slot, box in _slot_boxes(fig, ax, label, offsets, renderer):
            box = box.padded(4, 1)  # a gap between neighbours
            score = sum(_overlap(box, other) for other in placed) + box.width * box.height - _overlap(box, frame_box)
            if best is None or score < best[0]:
                best = (score, slot, box)
            if score <= 0:
                break
        if label.optional and best[0] > 0:
            complete = False
            continue
        dx, dy, ha, va = offsets[best[1]]
        ax.annotate(label.text, (label.x, label.y), xytext=(dx, dy), textcoords="offset points",
                    fontsize=label.fontsize, ha=ha, va=va, gid=label.gid)
        placed.append(best[2])
    return complete


def _slot_offsets(fig: Figure, ax) -> dict[str, tuple[float, float, str, str]]:
    """Each slot around a mark as (dx, dy) in points and the alignment (ha, va) of a label there."""
    y0, y1 = ax.transData.transform([(0, 0), (0, 1)])[:, 1]
    pitch = abs(y1 - y0) * 72 / fig.dpi  # points between lanes
    half = 0.2 * pitch + 3
    return {"above": (0, half, "left", "bottom"), "below": (0, -half, "left", "top"),
            "above2": (0, half + 11, "left", "bottom"), "above-left": (0, half, "right", "bottom"),
            "below-left": (0, -half, "right", "top"), "under": (0, -9, "center", "top"),
            "right": (7, 0, "left", "center"), "left": (-7, 0, "right", "center")}


_SHARE = {"left": 0.0, "bottom": 0.0, "center": 0.5, "right": 1.0, "top": 1.0}  # of a text's box before its anchor


def _slot_boxes(fig: Figure, ax, label: _Label, offsets: dict, renderer):
    """Each slot of the label, one by one, with the window extent an annotation of the label would have there, to the
    last bit: the text's box aligned at the mark's pixel moved by the slot's offset in points; the unit box for a mark
    outside the axes (matplotlib's extent of an annotation it would not draw)."""
    mark = ax.transData.transform((float(label.x), float(label.y)))
    if not ax.contains_point(mark):
        yield from ((slot, Bbox.unit()) for slot in label.slots)
        return
    width, height = _text_size(fig, label, renderer)
    to_pixels = Affine2D().scale(fig.dpi / 72).translate(*mark)
    for slot in label.slots:
        dx, dy, ha, va = offsets[slot]
        x, y = to_pixels.transform((dx, dy))
        left, bottom = -width * _SHARE[ha], -height * _SHARE[va]  # exact, as matplotlib's offsets 0, w/2, w
        yield slot, Bbox([[left, bottom], [left + width, bottom + height]]).translated(x, y)


def _text_size(fig: Figure, label: _Label, renderer) -> tuple[float, float]:
    """Width and height of a label's text in display units: its box drawn at the origin, left and bottom aligned."""
    text = matplotlib.text.Text(0, 0, label.text, fontsize=label.fontsize, ha="left", va="bottom",
                                transform=IdentityTransform(), figure=fig)
    box = text.get_window_extent(renderer)
    return box.x1, box.y1


def _overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


# ---------------------------------------------------------------- timeline


@dataclass(frozen=True)
class Course:
    """A regimen or radiotherapy course as drawn: lane, label, start, end and where the end comes from."""

    entry: Entry
    lane: str
    name: str

    @property
    def start(self) -> When:
        return self.entry.start

    @property
    def end(self) -> When | None:
        """The end on the start's axis, or None when none is stated, ongoing or reported."""
        end = self.entry.end
        return end if end is not None and end.axis == self.start.axis and end.position is not None else None

    @property
    def end_basis(self) -> str | None:
        return self.entry.end_basis if self.end is not None else None

    @property
    def label(self) -> str:
        if self.end_basis == "reported":
            return f"{self.name} ({self.end.stated}, as reported)"
        if self.end_basis == "ongoing":
            return f"{self.name} (ongoing)"
        if self.end is None:
            return f"{self.name} (end not reported)"
        return self.name


def courses(case: Case) -> list[Course]:
    """Regimens and radiotherapy courses placed on the case's main axis, in display order."""
    tl = timeline(case)
    out = []
    for e in tl.entries:
        if e.start.axis != tl.axis or e.start.position is None:
            continue
        if e.field == "regimens":
            out.append(Course(e, lane_of_regimen(e.item.modality), item_name("regimens", e.item, case)))
        elif e.field == "radiotherapy":
            out.append(Course(e, "radiotherapy", item_name("radiotherapy", e.item, case)))
    names = Counter(c.name for c in out)  # two courses that would read the same are told apart by their ids
    return [replace(c, name=f"{c.name} [{c.entry.id}]") if names[c.name] > 1 and c.entry.id else c for c in out]


def _points(tl: Timeline) -> list[tuple[Entry, str, str, str]]:
    """Events, imaging and markers on the main axis: (entry, lane, marker, label)."""
    out = []
    for e in tl.entries:
        if e.start.axis != tl.axis or e.start.position is None:
            continue
        if e.field == "events":
            out.append((e, lane_of_event(e.item.kind), EVENT_MARKERS.get(e.item.kind, "o"), ""))
        elif e.field == "imaging":
            out.append((e, "imaging", "o", e.item.category or ""))
        elif e.field == "markers":
            out.append((e, "labs", "o", ""))
    return out


def _mark_name(e: Entry) -> str:
    """What a point mark of the timeline is, as its legend names it."""
    if e.field == "events":
        return e.item.kind
    if e.field == "imaging":
        return "imaging (response under it)"
    return "tumour marker value"


def timeline_figure(case: Case, time_axis: str = "calendar") -> Figure | None:
    """Lanes by modality: bars for courses, marks for events; None when no date is placed."""
    frame = case_frame(case, time_axis)
    if frame is None:
        return None
    style()
    tl, x = frame.tl, frame.x
    bars = courses(case)
    points = _points(tl)
    lanes = [lane for lane in LANES if any(b.lane == lane for b in bars) or any(p[1] == lane for p in points)]
    row = {lane: i for i, lane in enumerate(reversed(lanes))}

    fig, ax = plt.subplots(figsize=(11, 0.85 * len(lanes) + 1.8))
    labels: list[_Label] = []
    for b in bars:
        labels.append(_draw_course(ax, frame, b, row[b.lane], PALETTE[b.lane]))
    kinds: dict[str, tuple[str, object]] = {}  # legend: what a mark is -> (shape, colour) as drawn
    categories: dict[tuple[int, float], list[tuple[str, str, float]]] = {}
    for e, lane, marker, label in points:
        _draw_point(ax, frame, e, row[lane], PALETTE[lane], marker)
        if label in ("CR", "PR", "SD", "PD"):  # responses at one position read in stated order: "PR → SD"
            px = x(e.start.position)
            categories.setdefault((row[lane], round(px, 3)), []).append((label, _gid(e, "label"), px))
        kinds.setdefault(_mark_name(e), (marker, PALETTE[lane]))
    fixed = []
    last = tl.last_contact
    if frame.on_axis(last):
        lx = x(last.position)
        ax.axvline(lx, color="0.3", linestyle="--", linewidth=1, gid="last-contact")
        cut = as_of_words(case)  # a teaching view: the line is the as-of date, not a last contact
        words = f"as of {cut}" if cut else "last contact" + (" (this or later)" if last.open_end else "") + \
            f": {case.outcome.status}"
        fixed.append(ax.annotate(words, (lx, len(lanes) - 0.4), ha="right",
                                 va="bottom", fontsize=8, color="0.3", xytext=(-3, 0), textcoords="offset points"))
    fixed += _finish_axis(ax, frame)
    ax.set_yticks(range(len(lanes)), list(reversed(lanes)))
    ax.set_ylim(-0.6, len(lanes) - 0.2)
    ax.set_title("Treatment and disease timeline")
    if kinds:
        handles = [Line2D([], [], marker=m, linestyle="none", color=c, markersize=7, markeredgecolor=_edge(m, c),
                          markeredgewidth=_edge_width(m), label=k) for k, (m, c) in kinds.items()]
        if any(hi - lo > 1 for lo, hi, _ in (_extent(e.start) for e, _, _, _ in points)):  # a band is drawn
            handles.append(Line2D([], [], color="0.5", alpha=0.35, linewidth=7, solid_capstyle="butt",
                                  label="span an imprecise\ndate can mean"))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False,
                  title="marks", title_fontsize=8)
    bottom = _add_caption(fig, caption(case))
    lay_out(fig, bottom)
    thin_tick_labels(fig, ax)
    for (y, _), found in categories.items():
        labels.append(_Label(found[0][2], y, " → ".join(t for t, _, _ in found), found[0][1], ("under", "above"), 7))
    # Event labels where there is room for them (a busy cluster keeps its symbols only).
    renderer = fig.canvas.get_renderer()
    placed = [a.get_window_extent(renderer) for a in fixed]
    _place_labels(fig, ax, labels, placed=placed)
    # Short event labels where each has room (one that has none keeps its symbol, which the legend names).
    _place_labels(fig, ax, [_Label(x(e.start.position), row[lane], _short(e.item.label, 32), _gid(e, "label"),
                                   ("above", "above-left", "below", "below-left"), 7, optional=True)
                            for e, lane, _, _ in points if e.field == "events"], placed=placed)
    return fig


def _draw_course(ax, frame: Frame, course: Course, y: float, colour) -> _Label:
    """A course: pale bands over its imprecise start and end, a solid bar between their positions.

    No end: a start tick only, "(end not reported)". Ongoing or open end: an arrow past
    the end; a start known on one side only: an arrow before it. A reported duration: a full
    bar to the end it gives, dotted. Returns its label.
    """
    entry, start, end, x = course.entry, course.start, course.end, frame.x
    sx = x(start.position)
    _band(ax, frame, start, y, colour, _gid(entry, "start-band"), lw=10, alpha=0.3)
    if start.open_start:  # known only to start on or before a date: an arrow to earlier, as a point has
        _arrow(ax, frame, sx, y, colour, _gid(entry, "arrow-start"), direction=-1)
    if end is None:
        ax.plot([sx], [y], marker="|", markersize=14, markeredgewidth=3, color=colour, linestyle="none",
                gid=_gid(entry, "tick"))
        if start.open_end:
            _arrow(ax, frame, sx, y, colour, _gid(entry, "arrow"))
    else:
        ex = x(max(end.position, start.position))  # an end never stands before its start
        _band(ax, frame, end, y, colour, _gid(entry, "end-band"), lw=10, alpha=0.3)
        if ex - sx > 0.05:
            [bar] = ax.barh(y, ex - sx, left=sx, height=0.4, color=colour)
            bar.set_gid(_gid(entry, "bar"))
            if course.end_basis == "reported":
                bar.set_hatch("..")
                bar.set_edgecolor("white")
        else:
            ax.plot([sx], [y], marker="|", markersize=14, markeredgewidth=3, color=colour, linestyle="none",
                    gid=_gid(entry, "tick"))
        if course.end_basis == "ongoing" or end.open_end:
            _arrow(ax, frame, ex, y, colour, _gid(entry, "arrow"), lw=2)
    return _Label(sx, y, course.label, _gid(entry, "label"))


def _draw_point(ax, frame: Frame, entry: Entry, y: float, colour, marker: str) -> None:
    _draw_when(ax, frame, entry.start, y, colour, marker, f"{entry.field}:{entry.index}")
    end = entry.end
    if end is not None and end.axis == entry.start.axis and end.position is not None:
        sx, ex = frame.x(entry.start.position), frame.x(max(end.position, entry.start.position))
        ax.plot([sx, ex], [y, y], color=colour, linewidth=2, gid=_gid(entry, "bar"))
        if end.open_end:
            _arrow(ax, frame, ex, y, colour, _gid(entry, "arrow"))


def _finish_axis(ax, frame: Frame, low: float | None = None, high: float | None = None) -> list:
    """Ticks, limits and the compressed gaps with their notes (returned, so that labels keep clear of them)."""
    low = frame.low if low is None else low
    high = frame.high if high is None else high
    positions, labels = frame.scale.ticks(low, high)
    ax.set_xticks(positions, labels)
    pad = 2.0
    left = pad + (frame.arrow + 1 if frame.open_start else 0)  # room for "on or before" arrows
    ax.set_xlim(frame.x(low) - left, frame.x(high) + pad + frame.arrow + 1)
    notes = []
    for br in frame.scale.breaks:
        half = frame.scale.gap_width / 2
        ax.axvspan(br.x - half, br.x + half, facecolor="none", edgecolor="0.75", hatch="//", linewidth=0, zorder=0,
                   gid="break")
        notes.append(ax.annotate(f"{br.months / 12:.0f} years\nnot to scale", (br.x, 0.0),
                                 xycoords=("data", "axes fraction"),
                                 ha="center", va="bottom", fontsize=8, color="0.3", annotation_clip=True))
    ax.set_xlabel(frame.xlabel)
    ax.grid(axis="y", visible=False)
    return notes


def lay_out(fig: Figure, bottom: float) -> None:
    """``fig.tight_layout(rect=(0, bottom, 1, 1))`` with each Axes measured once: given a rect, tight_layout
    measures every Axes a second time with nothing changed since the first, for the same boxes (a fifth of a
    figure's build)."""
    for ax in fig.axes:
        ax.get_tightbbox = functools.cache(ax.get_tightbbox)
    try:
        fig.tight_layout(rect=(0, bottom, 1, 1))
    finally:
        for ax in fig.axes:
            del ax.get_tightbbox


def thin_tick_labels(fig: Figure, ax) -> None:
    """Blank x tick labels that would overlap once laid out, evenly: every k-th label from the first year
    ('2020'), with the smallest k that leaves no overlap (quarters become half-years, then years); a label
    blanked that stands well clear of every kept one (the first tick after a break) comes back."""
    renderer = fig.canvas.get_renderer()
    lo, hi = sorted(ax.get_xlim())
    positions = list(ax.get_xticks())
    texts = [t.get_text() for t in ax.get_xticklabels()]
    boxes = {i: t.get_window_extent(renderer).padded(3) for i, t in enumerate(ax.get_xticklabels())
             if t.get_text() and lo <= positions[i] <= hi}
    shown = sorted(boxes)
    if not any(_overlap(boxes[i], boxes[j]) for i, j in zip(shown, shown[1:])):
        return
    anchor = next((n for n, i in enumerate(shown) if "-" not in texts[i].lstrip("-\u2212")), 0)
    for k in (2, 3, 4, 6, 12, 24):
        kept = [i for n, i in enumerate(shown) if (n - anchor) % k == 0]
        if not any(_overlap(boxes[i], boxes[j]) for i, j in zip(kept, kept[1:])):
            break
    for i in shown:
        if i not in kept and not any(_overlap(boxes[i].padded(boxes[i].width), boxes[j]) for j in kept):
            kept.append(i)
    ax.set_xticks(positions, [texts[i] if i in kept else "" for i in range(len(texts))])


# ---------------------------------------------------------------- markers


def marker_figure(case: Case, time_axis: str = "calendar") -> Figure | None:
    """One panel per analyte (in the order the case file names them): values, the limit valid at each
    date, treatments shaded behind.

    Qualitative observations are labelled annotations, never points; an analyte with
    no number gets a short strip. The x range is the markers' period. None when the
    case has no marker placed on its main axis.
    """
    frame = case_frame(case, time_axis)
    if frame is None:
        return None
    tl, x = frame.tl, frame.x
    placed = [e for e in tl.entries if e.field == "markers" and frame.on_axis(e.start)]
    if not placed:
        return None
    style()
    analytes = [a for a in dict.fromkeys(m.analyte for m in case.markers) if any(e.item.analyte == a for e in placed)]
    numeric = {a: [e for e in placed if e.item.analyte == a and e.item.value is not None] for a in analytes}
    words = [a for a in analytes if not numeric[a]]  # analytes the source gives in words only: one strip
    analytes = [a for a in analytes if numeric[a]]
    heights = [2.6] * len(analytes) + ([0.7 * len(words) + 0.5] if words else [])
    text = caption(case, ("markers",))
    fig, axes = plt.subplots(len(heights), 1, figsize=(11, sum(heights) + 0.9), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    extents = [_extent(e.start) for e in placed]
    low = min(lo for lo, _, _ in extents) - 3 * DAYS_PER_MONTH
    high = max(hi for _, hi, _ in extents) + 3 * DAYS_PER_MONTH
    if any(not _finite(e.start.earliest) for e in placed):
        low -= frame.arrow * DAYS_PER_MONTH  # room for "on or before" arrows
    shading = [c for c in courses(case) if c.end is not None and c.end.position >= low and c.start.position <= high]
    for ax in axes[:, 0]:
        for c in shading:
            left, right = x(c.start.position), x(max(c.end.position, c.start.position))
            ax.axvspan(left, right, color=PALETTE[c.lane], alpha=0.15, linewidth=0, gid=_gid(c.entry, "shade"),
                       label=c.label)
    for ax, analyte in zip(axes[:, 0], analytes):
        values = numeric[analyte]
        qualitative = [e for e in placed if e.item.analyte == analyte and e.item.value is None]
        if values:
            xs = [x(e.start.position) for e in values]
            ys = [e.item.value for e in values]
            ax.plot(xs, ys, color="black", linewidth=1.2, gid=f"{analyte}:line")
            for e in values:
                w, gid = e.start, f"markers:{e.index}"
                _band(ax, frame, w, e.item.value, "black", f"{gid}:band", lw=5, alpha=0.3)
                ax.plot([x(w.position)], [e.item.value], marker="o", color="black", markersize=6, linestyle="none",
                        gid=f"{gid}:mark", zorder=3)
                if w.open_end:
                    _arrow(ax, frame, x(w.position), e.item.value, "black", f"{gid}:arrow", lw=1)
                ax.annotate(f"{e.item.value:g}", (x(w.position), e.item.value), xytext=(4, 4),
                            textcoords="offset points", fontsize=8)
            _draw_limits(ax, case, analyte, frame, low, high)
            ax.set_ylabel(values[0].item.unit)
            limits = [lim.upper for lim in case.reference_limits if lim.analyte == analyte]
            top = max(ys + limits)
            positive = [v for v in ys + limits if v > 0]
            if len(positive) == len(ys + limits) and top / min(positive) >= LOG_RATIO:
                # 61.1 → 2.2 → 5.2 ng/ml: on a linear axis the rise from 2.2 to 5.2 is flat.
                ax.set_yscale("log")
                ax.set_ylim(min(positive) / 1.6, top * (6 if qualitative else 2.2))
                log_ticks(ax.yaxis)
            else:
                # Headroom for the value labels, and for the strip of observations along the top.
                ax.set_ylim(0, top * (1.4 if qualitative else 1.12) if top > 0 else 1)
        for i, e in enumerate(qualitative):
            _draw_observation(ax, frame, e, i, right_half=x(e.start.position) > (x(low) + x(high)) / 2)
        ax.set_title(analyte, loc="left", fontsize=10)
    labels: list[_Label] = []
    if words:  # one row per analyte, its observations as labelled marks
        ax = axes[-1, 0]
        row = {a: len(words) - 1 - i for i, a in enumerate(words)}
        for e in placed:
            if e.item.analyte in row:
                labels.append(_draw_word_mark(ax, frame, e, row[e.item.analyte]))
        ax.set_yticks(range(len(words)), list(reversed(words)), fontsize=9)
        ax.set_ylim(-0.6, len(words) - 0.4)
        ax.grid(axis="y", visible=False)
        ax.set_title("in words only (no number in the source)", loc="left", fontsize=10)
    notes = _finish_axis(axes[-1, 0], frame, low, high)
    axes[-1, 0].set_xlim(x(low), x(high))
    if shading:
        axes[0, 0].legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False,
                          ncols=min(3, len(shading)), title=None)
    bottom = _add_caption(fig, text)
    lay_out(fig, bottom)
    thin_tick_labels(fig, axes[-1, 0])
    if labels:
        renderer = fig.canvas.get_renderer()
        _place_labels(fig, axes[-1, 0], labels, placed=[a.get_window_extent(renderer) for a in notes])
    return fig


def _draw_word_mark(ax, frame: Frame, entry: Entry, y: float) -> _Label:
    """An observation in words on its analyte's row: a pale band over when it can be, a mark at its
    position, arrows for open sides; its words are placed beside it once the layout is known."""
    w, gid = entry.start, f"markers:{entry.index}"
    _draw_when(ax, frame, w, y, "0.25", "v", gid, size=7)
    return _Label(frame.x(w.position), y, _short(entry.item.observation, 70), f"{gid}:label",
                  ("above", "above-left", "above2", "below"), 8)


def log_ticks(axis, suffix: str = "") -> None:
    """Clean ticks on a log axis: 1, 2, 5, 10, 20, 50 … (no minor labels piling up)."""
    axis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_minor_locator(matplotlib.ticker.LogLocator(base=10, subs=(3.0, 4.0, 6.0, 7.0, 8.0, 9.0)))
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}{suffix}"))
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def _draw_observation(ax, frame: Frame, entry: Entry, i: int, right_half: bool) -> None:
    """A qualitative observation, in a strip along the top of its panel (clear of any values):
    a pale span over when it can be, a mark at its position, arrows for open sides, its words below."""
    w, gid, x = entry.start, f"markers:{entry.index}", frame.x
    lo, hi, pos = _extent(w)
    if hi - lo > 1:
        ax.axvspan(x(lo), x(hi), ymin=0.89, ymax=1.0, color="0.35", alpha=0.25, linewidth=0, gid=f"{gid}:band")
    ax.plot([x(pos)], [0.945], marker="v", color="0.2", markersize=6, linestyle="none",
            transform=ax.get_xaxis_transform(), gid=f"{gid}:mark", zorder=3)
    if w.open_end:
        _arrow(ax, frame, x(pos), 0.945, "0.2", f"{gid}:arrow", y_coords="axes fraction")
    if not _finite(w.earliest):
        _arrow(ax, frame, x(pos), 0.945, "0.2", f"{gid}:arrow-start", direction=-1, y_coords="axes fraction")
    ax.annotate(entry.item.observation, (x(pos), 0.84 - 0.25 * (i % 3)), xycoords=("data", "axes fraction"),
                fontsize=8, ha="right" if right_half else "left", va="top",
                xytext=(-3 if right_half else 3, 0), textcoords="offset points", gid=f"{gid}:label",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.6", "lw": 0.5})


def _draw_limits(ax, case: Case, analyte: str, frame: Frame, low: float, high: float) -> None:
    """The upper reference limit as a step: each limit over the period it was valid."""
    tl, x = frame.tl, frame.x
    for i, limit in enumerate(case.reference_limits):
        if limit.analyte != analyte:
            continue
        start = tl.at(("reference_limits", i, "valid_from"))
        end = tl.at(("reference_limits", i, "valid_until"))
        left = max(x(start.position), x(low)) if frame.on_axis(start) else x(low)
        right = min(x(end.position), x(high)) if frame.on_axis(end) else x(high)
        if right <= left:
            continue  # valid only outside the markers' period
        ax.hlines(limit.upper, left, right, colors="firebrick", linestyles="--", linewidth=1.2,
                  gid=f"reference_limits:{i}:line")
        ax.annotate(f"< {limit.upper:g} {limit.unit}", (left, limit.upper), xytext=(2, 3),
                    textcoords="offset points", fontsize=7, color="firebrick")


def _short(text: str, width: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def months(days: float) -> float:
    return days / DAYS_PER_MONTH


# ---------------------------------------------------------------- export

SVG_FONTS = ("DejaVu Sans", "Bitstream Vera Sans", "Liberation Sans", "Arial", "Helvetica")  # none wider than the first
SVG_RC = {"svg.hashsalt": "caseseries", "svg.fonttype": "none", "font.sans-serif": list(SVG_FONTS)}


def tight_box(fig: Figure) -> Bbox:
    """The area savefig(bbox_inches="tight") keeps, in inches, laid out once: the PNG and the SVG of a figure given
    it skip a layout pass each (a draw and a measure of every text; 13-18% of the figures' export time).

    Measured without the draw savefig does first: get_tightbbox updates what it measures itself (ticks,
    title position, annotation positions), and the figures are already laid out by tight_layout. The
    same bytes for each of 522 figures (every case, fixture and 120 synthetic cases, both axes, the
    series), 5% faster."""
    fig.set_layout_engine(None)  # tight_layout() left a placeholder, which makes every savefig lay out again
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(matplotlib.rcParams["savefig.pad_inches"])


def png_bytes(fig: Figure, box: Bbox | None = None) -> bytes:
    """The figure as PNG with no software version in it: the same figure gives the same bytes. ``box``: from
    :func:`tight_box`, else the tight box is measured here."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches=box or "tight")
    return buffer.getvalue()


def svg_text(fig: Figure, box: Bbox | None = None) -> str:
    """The figure as SVG, byte-identical for the same figure: ids hashed with a fixed salt, no date or creator.

    Text stays text (smaller, sharp, readable by tools) in DejaVu Sans, the font it was laid out in, then
    fonts no wider for a viewer without it. Sets the family of the figure's DejaVu Sans texts to sans-serif
    (under SVG_RC that is still DejaVu Sans): call it after any other export of the figure.
    """
    with matplotlib.rc_context(SVG_RC):
        for text in fig.findobj(matplotlib.text.Text):
            if text.get_fontfamily() in ([SVG_FONTS[0]], ["sans-serif"]):
                text.set_fontfamily("sans-serif")
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches=box or "tight")
    return buffer.getvalue()


__all__ = ["timeline_figure", "marker_figure", "reference_limit", "caption", "not_placed", "TIME_AXES", "png_bytes",
           "svg_text"]
