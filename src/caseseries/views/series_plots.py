"""Series figures: the swimmer plot and the aligned marker kinetics, drawn from the series tables.

Both take the DataFrames of ``series.py`` (months from each patient's time 0), never the
case model, so what is drawn is exactly what the tables list. The swimmer plot splits
into pages of ``per_page`` lanes (legible at 50 patients, usable at 200); history long
before time 0 is drawn on a compressed scale so that decades of follow-up do not squeeze
the treatment months into a sliver.

Nothing here places a date: a row drawn as a point has its mark at ``start`` and the
span its date can mean (``low``..``high``) as a pale bar; a row known on one side only
(``drawn == "open band"``) has no mark at any point, only a band from its bound with an
arrow toward the open side; a course whose length the authors report is a bar to that
end, marked as reported; an open end (ongoing, "more than", a censored follow-up) ends in
an arrow.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from caseseries.model.case import modality_parts  # noqa: E402
from caseseries.views.plots import PALETTE, lay_out, log_ticks, style  # noqa: E402

LINEAR_BEFORE = 24.0   # months before time 0 drawn to scale; earlier history is compressed
COMPRESSION = 12.0     # months: the larger, the gentler the compression
PER_PAGE = 50
LABEL_LANES = 15       # bars carry their names when a page has at most this many lanes

EVENT_STYLE = {  # kind -> (marker, colour, legend label)
    "diagnosis": ("D", "0.35", "diagnosis"),
    "surgery": ("^", "0.15", "surgery"),
    "treatment declined": ("x", "0.35", "treatment declined"),
    "recurrence": ("X", "#d62728", "recurrence or progression"),
    "progression": ("X", "#d62728", "recurrence or progression"),
    "death": ("s", "black", "death"),
}
RESPONSE_COLOURS = {"CR": "#1a9641", "PR": "#a6d96a", "SD": "#fdae61", "PD": "#d7191c"}


# ---------------------------------------------------------------- the compressed time axis


def _forward(x):
    x = np.asarray(x, dtype=float)
    far = -LINEAR_BEFORE - x
    return np.where(x >= -LINEAR_BEFORE, x, -LINEAR_BEFORE - COMPRESSION * np.log1p(np.clip(far, 0, None) / COMPRESSION))


def _inverse(y):
    y = np.asarray(y, dtype=float)
    far = -LINEAR_BEFORE - y
    return np.where(y >= -LINEAR_BEFORE, y, -LINEAR_BEFORE - COMPRESSION * np.expm1(np.clip(far, 0, None) / COMPRESSION))


COMPRESSED_YEARS = (3, 5, 10, 15, 20, 30, 40, 50)  # ticks on the compressed part, in whole years before time 0


def _ticks(low: float, high: float) -> list[float]:
    """Round months: every 6 or 12 on the linear part; on the compressed part whole years (3, 5, 10, 15,
    20 … years before time 0, labelled '−5 y'), each at least 6 drawn months from the previous one."""
    span = high - max(low, -LINEAR_BEFORE)
    step = 6 if span <= 48 else 12 if span <= 120 else 24 if span <= 240 else 60
    ticks = [float(m) for m in range(int(math.floor(max(low, -LINEAR_BEFORE) / step) * step), int(high) + 1, step)]
    reach = float(_forward(-LINEAR_BEFORE))
    for years in COMPRESSED_YEARS:
        m = -12.0 * years
        if m < low - 1e-9:
            break
        if reach - float(_forward(m)) >= 6:  # at least 6 drawn months from the tick to its right
            ticks.append(m)
            reach = float(_forward(m))
    return sorted(set(t for t in ticks if low - 1e-9 <= t <= high + 1e-9))


def _tick_label(v: float, _=None) -> str:
    if v < -LINEAR_BEFORE:
        return f"{v / 12:+.0f} y".replace("-", "\u2212")
    return f"{v:+.0f}".replace("-", "\u2212") if v else "0"


# ---------------------------------------------------------------- swimmer


def _reach(frame: pd.DataFrame) -> pd.Series:
    """How far right each row reaches (its end, start or bound), for ordering lanes."""
    return frame[["start", "bound", "end"]].max(axis=1, skipna=True).fillna(0.0)


def lane_order(frame: pd.DataFrame) -> list[str]:
    """Patients grouped by the target of their checkpoint inhibitor, longest follow-up after time 0 first."""
    groups = frame.groupby("patient", sort=True)["group"].first()
    reach = frame.assign(reach=_reach(frame)).groupby("patient")["reach"].max()
    last_group = groups.str.contains("not reported") | groups.str.contains("not stated")
    keys = sorted(groups.index, key=lambda p: (bool(last_group[p]), groups[p], -reach[p], p))
    return keys


def _range(frame: pd.DataFrame) -> tuple[float, float]:
    """The months every page shows: every start, end and bound, the spans of imprecise dates, and time 0."""
    values = pd.concat([frame[c] for c in ("start", "bound", "end", "low", "high")]).dropna()
    low = min(values.min() if len(values) else 0.0, 0.0)
    high = max(values.max() if len(values) else 0.0, 6.0)
    return float(low), float(high)


def swimmer_figures(frame: pd.DataFrame, title: str = "", per_page: int = PER_PAGE) -> list[Figure]:
    """One figure per page of lanes, all on the same x range so that pages compare.

    Artists carry a gid ``<patient>#<row>:<part>`` (row: the frame's index; parts: bar, stub, mark, span,
    band, open-mark, arrow, line, end; ``bar:<therapy>`` for each colour of a bar of two therapies) so that
    tests read what is drawn, not the pixels, and each SVG id names one element.
    """
    if frame.empty:
        return []
    style()
    order = lane_order(frame)
    low, high = _range(frame)
    pages = [order[i:i + per_page] for i in range(0, len(order), per_page)]
    return [_swimmer_page(frame, lanes, low, high, title, n, len(pages)) for n, lanes in enumerate(pages, 1)]


def _swimmer_page(frame: pd.DataFrame, lanes: list[str], low: float, high: float, title: str,
                  page: int, pages: int) -> Figure:
    n = len(lanes)
    fig, ax = plt.subplots(figsize=(11.5, 0.46 * n + 3.2))
    ax.set_xscale("function", functions=(_forward, _inverse))
    labels = n <= LABEL_LANES
    row = {p: n - 1 - i for i, p in enumerate(lanes)}
    arrow = max(1.5, 0.025 * (high - max(low, -LINEAR_BEFORE)))
    responses: list[tuple] = []  # (row, y): response categories, placed once the layout is known
    linked: list[tuple] = []  # radiotherapy courses of a regimen: labelled 'part of …' once the layout is known
    by_patient: dict[str, list] = {}
    for r in frame[frame["patient"].isin(lanes)].itertuples():  # once: a frame per lane costs a scan per lane
        by_patient.setdefault(r.patient, []).append(r)
    for patient in lanes:
        y = row[patient]
        lane = by_patient.get(patient, [])
        for r in lane:
            if r.kind == "follow-up":
                _follow_up(ax, r, y, arrow)
        therapy = [r for r in lane if r.kind == "therapy"]
        named = [r.Index for r in sorted(therapy, key=_by_start)
                 if "immunotherapy" in _parts(r.category)][:1]  # only the first: more names would collide
        for r in therapy:
            if r.drawn == "open band":
                _open_band(ax, r, y, arrow, labels and r.Index in named)
            else:
                _bar(ax, r, y, arrow, labels and r.Index in named, labels)
            if labels and isinstance(getattr(r, "part_of", None), str) and r.part_of:
                linked.append((r, y, arrow))
        for r in (r for r in lane if r.kind in ("event", "response")):
            if r.drawn == "open band":
                _open_band(ax, r, y, arrow, False)
            else:
                _marker(ax, r, y)
                if r.kind == "response" and r.category in RESPONSE_COLOURS:
                    responses.append((r, y))
    _group_headers(ax, frame, lanes, row, low)
    ax.axvline(0, color="0.2", linewidth=1)
    left = low - (4 if low >= -LINEAR_BEFORE else 20)
    ax.set_xlim(left, high + 3 * arrow)
    xlabel = "months from time 0 (each patient's alignment event)"
    if low < -LINEAR_BEFORE:
        ax.axvspan(left, -LINEAR_BEFORE, color="0.93", zorder=0, linewidth=0)
        xlabel += f"\ngrey: earlier than {LINEAR_BEFORE:.0f} months, on a compressed scale in years (y)"
    ax.set_xticks(_ticks(low, high))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_tick_label))
    ax.set_yticks(range(n), list(reversed(lanes)), fontsize=9 if n <= 60 else 7)
    ax.set_ylim(-0.7, n - 0.3)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(xlabel)
    suffix = f" (page {page} of {pages})" if pages > 1 else ""
    ax.set_title((title or "Swimmer plot") + suffix, loc="left", fontsize=11)
    if n > LABEL_LANES:  # a tall page: months on top too
        ax.tick_params(axis="x", labeltop=True, top=True)
    legend_inches = 1.2
    _swimmer_legend(fig, frame)
    lay_out(fig, legend_inches / fig.get_figheight())
    _place_responses(fig, ax, responses)
    _place_part_of(fig, ax, linked)
    return fig


def _by_start(r) -> tuple:
    """Rows by start, those without one last (as pandas sorts NaN)."""
    return (True, 0.0) if _missing(r.start) else (False, r.start)


RESPONSE_SLOTS = ((0, 5, "center", "bottom"), (5, 5, "left", "bottom"), (-5, 5, "right", "bottom"),
                  (0, -5, "center", "top"), (5, -5, "left", "top"), (-5, -5, "right", "top"))


def _place_responses(fig, ax, responses: list[tuple]) -> None:
    """Each response category (CR, PR, SD, PD) in 8 pt beside its mark: above, above right or left, below …,
    in the first place that covers no other label; left out where there is none (the mark's colour, in the
    legend, still says it, and the swimmer table lists it)."""
    if not responses:
        return
    renderer = fig.canvas.get_renderer()
    placed = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
    frame = ax.get_window_extent(renderer)
    for r, y in sorted(responses, key=lambda item: (-item[1], item[0].start)):
        _place(RESPONSE_SLOTS, renderer, frame, placed, lambda dx, dy, ha, va, r=r, y=y: ax.annotate(
            r.category, (r.start, y + 0.11), xytext=(dx, dy), textcoords="offset points", fontsize=8,
            fontweight="bold", ha=ha, va=va, color="0.15", zorder=6, gid=_gid(r, "response")))


def _place(slots, renderer, frame, placed: list, annotate) -> None:
    """Keep the first of the label's slots that lies inside the axes and overlaps no placed label, else none."""
    for dx, dy, ha, va in slots:
        text = annotate(dx, dy, ha, va)
        box = text.get_window_extent(renderer).padded(1)
        inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        if inside and not any(box.overlaps(other) for other in placed):
            placed.append(box)
            return
        text.remove()


def _gid(r, part: str) -> str:
    return f"{r.patient}#{r.Index}:{part}"


def _each(kind: str, part: str, parts: list[str]) -> str:
    """The gid part of one colour of a bar or stub: 'bar', or 'bar:targeted-therapy' when the bar has several
    (an id holds no space)."""
    return kind if len(parts) == 1 else f"{kind}:{part.replace(' ', '-')}"


def _parts(category: str) -> list[str]:
    """The colours of a therapy bar: the therapies its modality combines ('radio-immunotherapy': radiotherapy
    and immunotherapy), a radiotherapy course's own, or grey."""
    if category == "brachytherapy":
        return ["radiotherapy"]
    return [p for p in modality_parts(category) if p in PALETTE] or ["disease status"]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _bar(ax, r, y: float, arrow: float, name: bool, labels: bool) -> None:
    """A therapy phase: systemic therapy in the upper half of the lane, radiotherapy in the lower half."""
    radio = r.category in ("radiotherapy", "brachytherapy")
    bottom, height = (y - 0.34, 0.18) if radio else (y - 0.08, 0.38)
    parts = _parts(r.category)
    start = r.start
    if r.end_kind == "not reported" or _missing(r.end):
        # End not given: a start tick and a short hatched stub, never an invented end.
        for k, part in enumerate(parts):
            h = height / len(parts)
            ax.bar(start, h, width=1.2, bottom=bottom + k * h, align="edge", color="white",
                   edgecolor=PALETTE[part], hatch="////", linewidth=0.8, zorder=3,
                   gid=_gid(r, _each("stub", part, parts)))
        ax.plot([start, start], [bottom, bottom + height], color=PALETTE[parts[0]], linewidth=2, zorder=4)
        end = start + 1.2
    else:
        end = max(r.end, start + 0.25)  # a single day stays visible
        reported = r.end_kind == "as reported"
        for k, part in enumerate(parts):
            h = height / len(parts)
            ax.bar(start, h, width=end - start, bottom=bottom + k * h, align="edge",
                   color=PALETTE[part], alpha=0.45 if reported else 0.9, linewidth=1.2 if reported else 0,
                   edgecolor=PALETTE[part], linestyle="--", zorder=3, gid=_gid(r, _each("bar", part, parts)))
        if reported:  # the end is the authors' figure: say so where the bar ends
            ax.plot([end, end], [bottom - 0.04, bottom + height + 0.04], color="0.2", linewidth=1.2, zorder=4,
                    gid=_gid(r, "end"))
            if labels and not name:  # a named bar says it in its label
                ax.annotate("as reported", (end, bottom + height), xytext=(2, 1.5), textcoords="offset points",
                            fontsize=6.5, color="0.25", va="bottom", zorder=5, clip_on=True)
        if r.end_open:
            ax.annotate("", xy=(end + arrow, bottom + height / 2), xytext=(end, bottom + height / 2),
                        arrowprops={"arrowstyle": "-|>", "color": PALETTE[parts[-1]], "lw": 1.6}, zorder=4,
                        gid=_gid(r, "arrow"))
    if name:
        ax.annotate(r.label, (start, bottom + height), xytext=(1, 1.5), textcoords="offset points", fontsize=7,
                    color="0.2", va="bottom", zorder=5, clip_on=True)


def _course_right(r, arrow: float) -> float:
    """Where a therapy row's drawing ends on the right: its stub, bar (and arrow), or open band."""
    if r.drawn == "open band":
        return max(r.bound, r.bound - 2 * arrow if r.open_before else r.bound + 2 * arrow)
    if r.end_kind == "not reported" or _missing(r.end):
        return r.start + 1.2
    return max(r.end, r.start + 0.25) + (arrow if r.end_open else 0.0)


def _place_part_of(fig, ax, linked: list[tuple]) -> None:
    """'part of <regimen>' beside each radiotherapy course that is part of a regimen (radio-immunotherapy,
    chemoradiotherapy): right of the course at its level, else under it; left out where it would cover
    another label (the swimmer table and the reports name the regimen in full)."""
    if not linked:
        return
    renderer = fig.canvas.get_renderer()
    placed = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
    placed += [p.get_window_extent(renderer) for p in ax.patches if "#" in (p.get_gid() or "")]  # bars, stubs
    frame = ax.get_window_extent(renderer)
    todo = list(linked)
    for slot in ("right", "under"):  # every course tries the right first, then what is left goes under
        left = []
        for r, y, arrow in todo:
            if slot == "right":
                xy, offset, va = (_course_right(r, arrow), y - 0.25), (3, 0), "center"
            else:
                xy, offset, va = (r.bound if r.drawn == "open band" else r.start, y - 0.34), (1, -1.5), "top"
            text = ax.annotate(f"part of {r.part_of}", xy, xytext=offset, textcoords="offset points", fontsize=6.5,
                               color="0.25", va=va, zorder=5, clip_on=True, gid=_gid(r, "part-of"))
            box = text.get_window_extent(renderer).padded(1)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in placed):
                placed.append(box)
            else:
                text.remove()
                left.append((r, y, arrow))
        todo = left


def _colour(r) -> str:
    if r.kind == "event":
        return EVENT_STYLE[r.category][1]
    if r.kind == "response":
        return RESPONSE_COLOURS.get(r.category, "0.35")
    return PALETTE[_parts(r.category)[0]]


def _open_band(ax, r, y: float, arrow: float, name: bool) -> None:
    """A date known on one side only: no point; a band from its bound toward the open side, ending in an arrow."""
    before = bool(r.open_before)
    bound = r.bound
    tip = bound - 2 * arrow if before else bound + 2 * arrow
    colour = _colour(r)
    level = y - 0.25 if r.kind == "therapy" and r.category in ("radiotherapy", "brachytherapy") else y + 0.11
    ax.bar(min(bound, tip), 0.16, width=abs(tip - bound), bottom=level - 0.08, align="edge", color=colour,
           alpha=0.25, hatch="...", edgecolor=colour, linewidth=0, zorder=3, gid=_gid(r, "band"))
    ax.plot([bound, bound], [level - 0.1, level + 0.1], color=colour, linewidth=1.5, zorder=4, gid=_gid(r, "bound"))
    ax.annotate("", xy=(tip, level), xytext=(bound, level),
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.2}, zorder=4, gid=_gid(r, "arrow"))
    if r.kind in ("event", "response"):  # what it is, hollow and off any point, inside the band
        marker = EVENT_STYLE[r.category][0] if r.kind == "event" else "o"
        ax.plot([(bound + tip) / 2], [level], marker=marker, markersize=5, color=colour, markerfacecolor="white",
                markeredgecolor=colour, linestyle="none", zorder=5, gid=_gid(r, "open-mark"))
    if name:
        ax.annotate(r.label, (min(bound, tip), level + 0.1), xytext=(1, 1.5), textcoords="offset points",
                    fontsize=7, color="0.2", va="bottom", zorder=5, clip_on=True)


def _follow_up(ax, r, y: float, arrow: float) -> None:
    ax.plot([r.start, r.end], [y, y], color="0.55", linewidth=1, zorder=1, gid=_gid(r, "line"))
    if r.end_open:
        ax.annotate("", xy=(r.end + arrow, y), xytext=(r.end, y),
                    arrowprops={"arrowstyle": "-|>", "color": "0.45", "lw": 1.2}, zorder=2, gid=_gid(r, "arrow"))
    else:
        ax.plot([r.end], [y], marker="|", color="0.3", markersize=10, zorder=2, gid=_gid(r, "end"))


def _marker(ax, r, y: float) -> None:
    if r.kind == "event":
        marker, colour, _ = EVENT_STYLE[r.category]
        face = colour
    elif r.category in RESPONSE_COLOURS:
        marker, colour, face = "o", "0.15", RESPONSE_COLOURS[r.category]
    else:
        marker, colour, face = "o", "0.15", "white"
    if not _missing(r.low) and not _missing(r.high) and r.high - r.low > 0.05:  # the span its date can mean
        ax.plot([r.low, r.high], [y + 0.11, y + 0.11], color=colour if colour != "0.15" else "0.5", alpha=0.35,
                linewidth=4, solid_capstyle="butt", zorder=5, gid=_gid(r, "span"))
    ax.plot([r.start], [y + 0.11], marker=marker, markersize=7, color=colour, markerfacecolor=face,
            markeredgecolor="0.15" if marker not in ("x", "X") else colour, markeredgewidth=0.8,
            linestyle="none", zorder=6, gid=_gid(r, "mark"))


def _group_headers(ax, frame: pd.DataFrame, lanes: list[str], row: dict, low: float) -> None:
    groups = frame.groupby("patient")["group"].first()
    previous = None
    for patient in lanes:
        g = groups[patient]
        if g != previous:
            y = row[patient]
            if previous is not None:
                ax.axhline(y + 0.5, color="0.6", linewidth=0.8, linestyle=":")
            ax.annotate(g, (0.0, y + 0.5), xycoords=("axes fraction", "data"), xytext=(-6, 0),
                        textcoords="offset points", fontsize=8, fontweight="bold", color="0.25", va="center",
                        ha="right", annotation_clip=False)
            previous = g


def _swimmer_legend(fig, frame: pd.DataFrame) -> None:
    therapy = frame[frame["kind"] == "therapy"]
    shown = [p for p in PALETTE if any(p in _parts(c) for c in therapy["category"])]
    handles = [Patch(facecolor=PALETTE[p], label=p) for p in shown]
    kinds = set(therapy["end_kind"])
    if "not reported" in kinds:
        handles.append(Patch(facecolor="white", edgecolor="0.3", hatch="////", label="end not reported"))
    if "as reported" in kinds:
        handles.append(Patch(facecolor="0.8", edgecolor="0.3", linestyle="--",
                             label="length as the authors report it (end marked |)"))
    handles.append(Line2D([], [], color="0.45", marker=">", markersize=6, label="ongoing / 'more than': goes on"))
    handles.append(Line2D([], [], color="0.55", linewidth=1, label="follow-up to last contact"))
    if (frame["drawn"] == "point").any():
        handles.append(Line2D([], [], color="0.5", alpha=0.35, linewidth=4,
                              label="span an imprecise date can mean"))
    if (frame["drawn"] == "open band").any():
        handles.append(Patch(facecolor="0.85", edgecolor="0.5", hatch="...",
                             label="date known on one side only: band from that bound, arrow to the unknown side"))
    events = frame[frame["kind"] == "event"]["category"]
    seen = set()
    for kind in EVENT_STYLE:
        marker, colour, label = EVENT_STYLE[kind]
        if kind in set(events) and label not in seen:
            seen.add(label)
            handles.append(Line2D([], [], color=colour, marker=marker, linestyle="none", markersize=7,
                                  markeredgecolor="0.15" if marker not in ("x", "X") else colour, label=label))
    responses = set(frame[frame["kind"] == "response"]["category"])
    for cat, colour in RESPONSE_COLOURS.items():
        if cat in responses:
            handles.append(Line2D([], [], marker="o", color="0.15", markerfacecolor=colour, linestyle="none",
                                  markersize=7, label=f"{cat} (as stated)"))
    if "as worded" in responses:
        handles.append(Line2D([], [], marker="o", color="0.15", markerfacecolor="white", linestyle="none",
                              markersize=7, label="response in words, no category"))
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=8, frameon=False)


# ---------------------------------------------------------------- kinetics


def kinetics_figure(frame: pd.DataFrame, title: str = "") -> Figure | None:
    """× ULN on a log scale, one panel per analyte, one line per patient; None when nothing is numeric.

    x is the kinetics table's ``months`` (from the timeline; a value dated after X never before X), with
    the span its date can mean as a pale bar and an arrow toward an open side. The line of values has the
    gid ``<patient>:<analyte>:values``, each arrow ``<patient>:<analyte>:<row>:arrow``.
    """
    data = frame[frame["times_uln"].notna()]
    if data.empty:
        return None
    style()
    analytes = sorted(data["analyte"].unique())
    patients = sorted(data["patient"].unique())
    # Past a dozen patients distinct colours repeat and a legend covers the panel: draw every
    # line in one translucent colour instead and leave the names to the kinetics table.
    crowded = len(patients) > 12
    colours = ({p: (0.2, 0.3, 0.6) for p in patients} if crowded
               else dict(zip(patients, sns.color_palette("colorblind", len(patients)))))
    cols = min(len(analytes), 2)
    rows = math.ceil(len(analytes) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(11 if cols == 2 else 9, 3.8 * rows + 0.8), squeeze=False)
    annotate = len(patients) <= 8
    reach = pd.concat([data["months"], data["months_low"], data["months_high"], pd.Series([0.0])]).dropna()
    arrow = max(0.5, 0.05 * (reach.max() - reach.min()))
    values_of: dict = {}
    for ax, analyte in zip(axes.ravel(), analytes):
        panel = data[data["analyte"] == analyte]
        values = values_of.setdefault(analyte, [])
        by_patient = dict(tuple(panel.groupby("patient", sort=False)))  # each patient's rows, in the panel's order
        for patient in patients:
            if patient not in by_patient:
                continue
            line = by_patient[patient].sort_values("months")
            low = line["months_low"].fillna(line["months"])
            high = line["months_high"].fillna(line["months"])
            ax.hlines(line["times_uln"], low, high, colors=[colours[patient]], alpha=0.12 if crowded else 0.3,
                      linewidth=4, zorder=2, gid=f"{patient}:{analyte}:spans")
            ax.plot(line["months"], line["times_uln"], color=colours[patient], marker="o",
                    markersize=3 if crowded else 5, linewidth=0.8 if crowded else 1.4,
                    alpha=0.35 if crowded else 1.0, label=patient, zorder=3, gid=f"{patient}:{analyte}:values")
            for r in line.itertuples():  # a date known on one side only: an arrow toward the open side
                if r.open_before or r.open_after:
                    sign = -1 if r.open_before else 1
                    ax.annotate("", xy=(r.months + sign * arrow, r.times_uln), xytext=(r.months, r.times_uln),
                                arrowprops={"arrowstyle": "-|>", "color": colours[patient], "lw": 1.2,
                                            "alpha": 0.35 if crowded else 0.9},
                                zorder=4, gid=f"{patient}:{analyte}:{r.Index}:arrow")
            if annotate:
                values.extend(line.itertuples())
        ax.set_yscale("log")
        ax.axhline(1, color="firebrick", linestyle="--", linewidth=1)
        limits = sorted(set(panel["reference"].dropna()))
        uln = f"1 × ULN: {limits[0]}" if len(limits) == 1 else "1 × ULN, each patient's own limit"
        ax.annotate(f"upper reference limit ({uln})", (0.0, 1), xycoords=("axes fraction", "data"),
                    xytext=(3, 3), textcoords="offset points", fontsize=7, color="firebrick")
        ax.axvline(0, color="0.2", linewidth=1)
        ax.annotate("time 0", (0, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -10),
                    textcoords="offset points", fontsize=7, color="0.2")
        left, right = ax.get_xlim()
        ax.set_xlim(min(left, -1, reach.min() - arrow), max(right, 1, reach.max() + arrow))
        lo, hi = ax.get_ylim()
        top = panel["times_uln"].max()  # headroom over the highest value for its label and the legend
        ax.set_ylim(min(lo, 0.5, panel["times_uln"].min() / 1.5), max(hi, 2, top * 2.5))
        log_ticks(ax.yaxis, "×")
        ax.set_title(analyte, loc="left", fontsize=10)
        ax.set_xlabel("months from time 0")
        ax.set_ylabel("multiple of the upper reference limit")
        if crowded:
            shown = panel["patient"].nunique()
            ax.text(0.99, 0.02, f"{shown} patients, one line each (names in the kinetics table)",
                    transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="0.3")
        else:
            ax.legend(fontsize=7, loc="best")
    for ax in axes.ravel()[len(analytes):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    fig.tight_layout()
    for ax, analyte in zip(axes.ravel(), analytes):
        _place_values(fig, ax, values_of[analyte])
    return fig


def _place_values(fig, ax, rows: list) -> None:
    """Each value as measured ('5.2 ng/ml') beside its point, in the first place that covers no other
    label (above right, below right, above left, below left); left out where there is none (the
    kinetics table lists every value with its multiple of the limit)."""
    renderer = fig.canvas.get_renderer()
    placed = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
    legend = ax.get_legend()
    if legend is not None:
        placed.append(legend.get_window_extent(renderer))
    frame = ax.get_window_extent(renderer)
    slots = ((4, 4, "left", "bottom"), (4, -4, "left", "top"), (-4, 4, "right", "bottom"), (-4, -4, "right", "top"))
    for r in rows:
        _place(slots, renderer, frame, placed, lambda dx, dy, ha, va, r=r: ax.annotate(
            f"{r.value:g} {r.unit}", (r.months, r.times_uln), xytext=(dx, dy), textcoords="offset points",
            fontsize=7.5, color="0.2", ha=ha, va=va))
