"""Interactive figures (plotly) and widgets (ipywidgets) for exploring a case in JupyterLab.

The figures are drawn from the typed frames of ``api.py`` (dates read through the
timeline): each mark spans the interval its date can mean, and hovering it shows the
fact, its date in words, its precision and the source's quote (or its locator when the
case file gives no quote).

Figures are shown through the ``application/vnd.plotly.v1+json`` output only
(``RENDERER``): JupyterLab draws it with the jupyterlab-plotly extension that the plotly
package installs, so nothing is fetched from the network and the notebook does not carry
plotly.js. The kept reports keep their static PNG figures (``plots.py``); these forms
are asked for with ``interactive=True`` (``cs.plot.timeline(case, interactive=True)``).
"""

from __future__ import annotations

import math

import pandas as pd
from markupsafe import Markup

from caseseries.views import api
from caseseries.model.case import Case
from caseseries.views.tables import LANES

RENDERER = "plotly_mimetype"
COLOURS = dict(zip(LANES, ("#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#949494",
                           "#56b4e9")))
COLOURS["adverse events"] = "#ece133"
_WRAP = 70


def _plotly():
    import plotly.graph_objects as go
    import plotly.io as pio

    if pio.renderers.default != RENDERER:
        pio.renderers.default = RENDERER  # JupyterLab's own renderer: no plotly.js in the notebook, works offline
    return go


def _wrap(text: str) -> Markup:
    """Text in lines of at most _WRAP characters, escaped, joined by plotly's <br>."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > _WRAP:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return Markup("<br>").join(x for x in lines + [line] if x)


def hover_text(fact: str, when: str | None, precision, quote, locator: str | None) -> str:
    """What hovering a mark shows: the fact, its date and precision, the source's quote (else where it stands).
    Plotly's hover labels read a little HTML (<b>, <br>): every text in them is escaped (markupsafe)."""
    parts = [Markup("<b>{}</b>").format(_wrap(str(fact)))]
    if when:
        parts.append(_wrap(str(when)))
    if isinstance(precision, str):
        parts.append(Markup("date precision: {}").format(precision))
    if isinstance(quote, str) and quote:
        parts.append(Markup("source: “{}” ({})").format(_wrap(quote), str(locator)))
    elif locator:
        parts.append(Markup("source: {} (no quote in the case file)").format(str(locator)))
    return str(Markup("<br>").join(parts))


def _x(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, str]:
    if frame.attrs.get("axis") == "calendar":
        return frame["earliest"], frame["latest"], "date"
    return frame["earliest"], frame["latest"], "months from time 0 (no calendar date in the source)"


def _point(lo, hi):
    """Where a mark stands: the middle of a bounded interval, else its bounded end."""
    if pd.isna(lo):
        return hi
    if pd.isna(hi):
        return lo
    return lo + (hi - lo) / 2


def timeline(case, title: str | None = None):
    """The chronology as a plotly figure: one lane per kind of fact, each date drawn as the interval it can mean."""
    go = _plotly()
    c = api.case(case)
    frame = api.chronology(c)
    frame = frame[frame["earliest"].notna() | frame["latest"].notna()].reset_index(drop=True)
    lo, hi, xtitle = _x(api.chronology(c)) if frame.empty else _x(frame)
    fig = go.Figure()
    lanes = [lane for lane in list(LANES) + ["adverse events"] if lane in set(frame["lane"])]
    for lane in lanes:
        rows = frame[frame["lane"] == lane]
        colour = COLOURS.get(lane, "#333333")
        xs, ys = [], []
        for _, r in rows.iterrows():  # the interval a date can mean, as a thick bar behind the mark
            if pd.notna(r["earliest"]) and pd.notna(r["latest"]) and r["earliest"] != r["latest"]:
                xs += [r["earliest"], r["latest"], None]
                ys += [lane, lane, None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"width": 10, "color": colour}, opacity=0.3,
                                     hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(
            x=[_point(a, b) for a, b in zip(rows["earliest"], rows["latest"])], y=[lane] * len(rows),
            mode="markers", name=lane, marker={"size": 11, "color": colour, "line": {"width": 1, "color": "white"}},
            text=[hover_text(f"{r.kind}: {r.label}", r.when, r.precision, r.quote, r.locator)
                  for r in rows.itertuples()],
            hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(title=title or f"{c.case_id}: timeline", xaxis_title=xtitle, height=140 + 45 * max(len(lanes), 1),
                      margin={"l": 140, "r": 30, "t": 60, "b": 50}, template="plotly_white",
                      yaxis={"categoryorder": "array", "categoryarray": list(reversed(lanes))},
                      hoverlabel={"align": "left"}, legend={"orientation": "h", "y": -0.25})
    return fig


def markers(case, analyte: str | None = None, title: str | None = None):
    """Marker values over time (one analyte, or every analyte with values), each against the limit valid at
    its date (dotted); hovering a value shows the value, its date and precision, and the source's quote."""
    go = _plotly()
    c = api.case(case)
    frame = api.markers(c)
    if analyte is not None:
        frame = frame[frame["analyte"] == analyte]
    frame = frame[frame["value"].notna() & (frame["earliest"].notna() | frame["latest"].notna())]
    _, _, xtitle = _x(api.markers(c))
    fig = go.Figure()
    for i, (name, rows) in enumerate(frame.groupby("analyte", sort=False)):
        colour = list(COLOURS.values())[i % len(COLOURS)]
        x = [_point(a, b) for a, b in zip(rows["earliest"], rows["latest"])]
        unit = rows["unit"].dropna().iloc[0] if rows["unit"].notna().any() else ""
        fig.add_trace(go.Scatter(
            x=x, y=rows["value"], mode="lines+markers", name=f"{name} ({unit})", line={"color": colour},
            marker={"size": 10, "color": colour},
            text=[hover_text(f"{r.analyte}: {r.value:g} {r.unit}" + (f" ({r.times_uln:g} × ULN)"
                                                                      if not pd.isna(r.times_uln) else ""),
                             r.date, r.precision, r.quote, r.locator) for r in rows.itertuples()],
            hovertemplate="%{text}<extra></extra>"))
        if rows["upper_limit"].notna().any():
            fig.add_trace(go.Scatter(x=x, y=rows["upper_limit"], mode="lines", name=f"{name} upper limit",
                                     line={"color": colour, "dash": "dot", "shape": "hv"},
                                     hovertemplate=str(Markup("{} upper limit: %{{y:g}}<extra></extra>").format(name))))
    shown = analyte or ", ".join(dict.fromkeys(frame["analyte"]))
    fig.update_layout(title=title or f"{c.case_id}: {shown or 'no marker values'}", xaxis_title=xtitle,
                      yaxis_title="value", height=380, template="plotly_white", hoverlabel={"align": "left"},
                      margin={"l": 70, "r": 30, "t": 60, "b": 50})
    return fig


# ---------------------------------------------------------------- widgets


WHOLE = "whole case"


def _as_of_choices(c: Case) -> list[tuple[str, str]]:
    """The months a case's timeline covers, as (label, as-of date) for the slider; the last is the whole case."""
    frame = api.chronology(c)
    choices: list[tuple[str, str]] = []
    if frame.attrs.get("axis") == "calendar":
        days = pd.concat([frame["earliest"], frame["latest"]]).dropna()
        if not days.empty:
            months = pd.period_range(days.min().to_period("M"), days.max().to_period("M"), freq="M")
            choices = [(str(m), str(m)) for m in months]
    else:
        values = pd.concat([frame["earliest"], frame["latest"]]).dropna()
        if not values.empty:
            from caseseries.model.timeline import timeline as _tl

            anchor = _tl(c).axis
            low, high = math.floor(min(values.min(), 0)), math.ceil(values.max())
            choices = [(f"{anchor} {m:+d} months", f"{anchor} + {m} months" if m >= 0 else f"{anchor} - {-m} months")
                       for m in range(max(low, 0), high + 1)]
    return choices + [(WHOLE, WHOLE)]


def show(out, *shown) -> None:
    """Make an Output widget show these objects (and nothing else), set as its state in the kernel.

    Not by capturing display output (``with out:``): in a batch run, nbclient mimics the front
    end's Output widget and answers every captured output with a message on the shell channel,
    sent while it waits there for the cell's reply; now and then that reply was never seen and the
    render hung (seen with the teaching notebook under load).
    """
    out.outputs = ()
    for each in shown:
        out.append_display_data(each)


def explorer(case_ids: list[str] | None = None, case_id: str | None = None):
    """A case picker and an as-of slider over the case's months, showing the interactive timeline of what was
    known by then (``disclosure.case_as_of``) and the marker values."""
    import ipywidgets as w

    from caseseries.model.disclosure import case_as_of

    ids = case_ids or list(api.cases()["case_id"])
    picker = w.Dropdown(options=ids, value=case_id or ids[0], description="case")
    slider = w.SelectionSlider(options=[(WHOLE, WHOLE)], description="as of", continuous_update=False,
                               layout=w.Layout(width="70%"))
    out = w.Output()

    def draw(*_):
        c = api.case(picker.value)
        shown = c if slider.value == WHOLE else case_as_of(c, slider.value)
        show(out, timeline(shown, title=f"{c.case_id} as of {slider.label}"), markers(shown))

    def pick(*_):
        choices = _as_of_choices(api.case(picker.value))
        slider.unobserve(draw, "value")
        slider.options = choices
        slider.value = WHOLE
        slider.observe(draw, "value")
        draw()

    picker.observe(pick, "value")
    slider.observe(draw, "value")
    pick()
    return w.VBox([w.HBox([picker, slider]), out])


def stage_stepper(case: Case):
    """The stages of an unfolding case, one at a time (stagedeck.stage_view): a stage selector and a reveal toggle
    for the teacher stepping through the case live in JupyterLab."""
    import ipywidgets as w
    from IPython.display import HTML

    from caseseries.outputs import stagedeck
    from caseseries.views.stages import stages

    count = len(stages(case))
    picker = w.ToggleButtons(options=[(f"Stage {n}", n) for n in range(1, count + 1)], description="stage")
    reveal = w.ToggleButton(value=False, description="Reveal what was done", icon="eye", layout=w.Layout(width="auto"))
    out = w.Output()

    def draw(*_):
        show(out, HTML(stagedeck.stage_view(case, picker.value, reveal=reveal.value)))

    def pick(*_):
        reveal.value = False  # a new stage starts hidden
        draw()

    picker.observe(pick, "value")
    reveal.observe(draw, "value")
    draw()
    return w.VBox([w.HBox([picker, reveal]), out])


# ---------------------------------------------------------------- the kept explore notebook

WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"


def without_widgets(nb):
    """The notebook without widget outputs and state: random model ids, live only in a running kernel."""
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", []) if WIDGET_MIMETYPE not in o.get("data", {})]
    nb.metadata.pop("widgets", None)
    return nb


def render_explore(notebook: "Path | None" = None) -> "Path":
    """Run notebooks/explore.ipynb in the project kernel and keep it with its outputs (checked by nbval).

    Same data, template and package give the same bytes: the normalisation of the reports, and
    widget outputs (random model ids, live only in a running kernel) are not kept.
    """
    from pathlib import Path

    import nbformat
    import papermill

    from caseseries.outputs import render
    from caseseries.model.paths import project_root

    path = Path(notebook) if notebook else project_root() / "notebooks" / "explore.ipynb"
    job = render.Job("explore", path, {}, path, path.with_suffix(".html"), "Explore a case")
    nb = without_widgets(render.execute(job, papermill))
    render.write_atomic(path, nbformat.writes(nb) + "\n")
    return path


def render_teaching(case_id: "str | None" = None, root: "Path | None" = None) -> "Path":
    """Run notebooks/teaching.ipynb for one case (default: the case with the most dated facts) into
    reports/teaching.ipynb, kept with its outputs and checked by nbval; widget outputs are not kept."""
    from pathlib import Path

    import nbformat
    import papermill

    from caseseries.outputs import render
    from caseseries.model.paths import project_root

    root = Path(root) if root else project_root()
    out = root / "reports" / "teaching.ipynb"
    job = render.Job("teaching", root / "notebooks" / "teaching.ipynb", {"case_id": case_id}, out,
                     out.with_suffix(".html"), "Teaching an unfolding case")
    render.check_writable([out])
    nb = without_widgets(render.execute(job, papermill))
    render.write_atomic(out, nbformat.writes(nb) + "\n")
    return out
