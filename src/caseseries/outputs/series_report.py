"""The sections of the case-series notebook, as objects a cell displays: HTML, DataFrames, figures.

Thin: the facts come from ``series.py``, the figures from ``series_plots.py``. Text from
case files is HTML-escaped. A section with nothing to show says so in one line.
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML, display

from caseseries.views import series, series_plots
from caseseries.model.drugs import Reference, load_reference
from caseseries.model import checked
from caseseries.model.case import Case
from caseseries.outputs.report import FigureImage, figure_image, note
from caseseries.outputs.report import setup as _setup

COMPARISON_BLOCK = 4  # patients per transposed block: a column per patient stays readable


def setup() -> None:
    """Whole tables, as in the per-case report."""
    _setup()


def open_cases(case_ids: list[str] | str | None = None) -> list[Case]:
    """The named cases in the order given, or every case in data/cases (sorted by id).

    In a render, the cases its process checked before starting this kernel (the file
    ``$CASESERIES_CHECKED_CASES``): a case file is read and validated once per render; a file
    changed since, and every file in JupyterLab or nbval, is loaded here (caseseries.model.checked).
    """
    ids = [case_ids] if isinstance(case_ids, str) else case_ids
    return checked.open_cases(list(ids) if ids is not None else None)


def time_zero(align_on: str) -> str:
    """Time 0 in words, for titles."""
    series.check_align_on(align_on)
    if align_on == series.IMMUNOTHERAPY:
        return "first dose of a checkpoint inhibitor"
    return f"first '{align_on}' item"


def header(cases: list[Case], align_on: str = series.IMMUNOTHERAPY) -> HTML:
    """Title, the patients with links to their reports, and what time 0 is."""
    items = "".join(f'<li><a href="cases/{html.escape(c.case_id)}.html">{html.escape(c.case_id)}</a>: '
                    f"{html.escape(c.title)}</li>" for c in cases)
    if align_on == series.IMMUNOTHERAPY:
        zero = ("the first dose of a checkpoint inhibitor (a drug whose group in <code>data/reference/drugs.yaml</code> "
                "is “immune checkpoint inhibitor”); for a case that names no drug, its first immunotherapy event, "
                "which for a case without calendar dates is the undated origin of its relative time axis")
    else:
        zero = f"the first item of kind “{html.escape(align_on)}” (event, regimen or course) of each patient"
    return HTML(f"<h1>Case series: {len(cases)} patient{'s' if len(cases) != 1 else ''}</h1><ul>{items}</ul>"
                f"<p><strong>Time 0</strong> is {zero}. Times are months from it, on each patient's own time axis, "
                "read from each case's resolved timeline: an item known to lie only after (or before) a date is "
                "drawn as a band from that bound with an arrow, never at a point; one that cannot be placed "
                "relative to time 0 is listed under “Not drawn, and why”. What a source does not give reads "
                "“not reported”.</p>")


def alignment_table(cases: list[Case], align_on: str, reference: Reference | None = None) -> pd.DataFrame:
    return series.alignment_table(cases, align_on, reference)


def comparison(cases: list[Case], reference: Reference | None = None) -> HTML:
    """The comparison table, one column per patient, in blocks of a few patients."""
    frame = series.comparison_table(cases, reference).set_index("patient")
    blocks = []
    for i in range(0, len(frame), COMPARISON_BLOCK):
        part = frame.iloc[i:i + COMPARISON_BLOCK].T
        part.index.name = None
        part.columns.name = None
        blocks.append(part.to_html(escape=True, border=0, classes="cs-comparison"))
    return HTML("".join(blocks))


def swimmer(cases: list[Case], align_on: str = series.IMMUNOTHERAPY, reference: Reference | None = None,
            per_page: int = series_plots.PER_PAGE) -> HTML | None:
    """Displays one figure (SVG and PNG) per page of lanes, each described in its alt text; a note when no
    patient can be aligned."""
    frame = series.swimmer_table(cases, align_on, reference)
    figures = series_plots.swimmer_figures(frame, f"Swimmer plot: time 0 = {time_zero(align_on)}", per_page)
    if not figures:
        return note("No patient has a placeable time 0: nothing to draw (see the table of time 0 above).")
    order = series_plots.lane_order(frame)
    pages = [order[i:i + per_page] for i in range(0, len(order), per_page)]
    for n, (fig, lanes) in enumerate(zip(figures, pages), 1):
        display(figure_image(fig, swimmer_description(frame, lanes, align_on, n, len(pages))))
    return None


def _months(values: pd.Series) -> str:
    """The months from time 0 a figure spans, in words: 'from 6.0 months before time 0 to time 0'."""
    def when(m: float) -> str:
        if m == 0:
            return "time 0"
        return f"{abs(m):.1f} month{'' if abs(m) == 1 else 's'} {'before' if m < 0 else 'after'} time 0"

    return f"from {when(values.min())} to {when(values.max())}" if len(values) else "no month placed"


def _plural(word: str, n: int) -> str:
    return word if n == 1 else word[:-1] + "ies" if word.endswith("y") else word + "s"


def swimmer_description(frame: pd.DataFrame, lanes: list[str], align_on: str, page: int = 1, pages: int = 1) -> str:
    """A swimmer page's alt text: its patients, what each lane holds and the months drawn, from the table."""
    rows = frame[frame["patient"].isin(lanes)]
    counts = rows.groupby("patient")["kind"].value_counts()
    lanes_words = "; ".join(f"{p}: " + ", ".join(f"{n} {_plural(k, n)}" for k, n in counts[p].sort_index().items())
                            for p in lanes if p in counts.index.get_level_values(0))
    times = pd.concat([rows[c] for c in ("start", "bound", "end")]).dropna()
    part = f" (page {page} of {pages})" if pages > 1 else ""
    return (f"Swimmer plot{part}, time 0 = {time_zero(align_on)}: {len(lanes)} patient"
            f"{'s' if len(lanes) != 1 else ''}, one lane each, {_months(times)} ({lanes_words}).")


def unplaced(cases: list[Case], align_on: str = series.IMMUNOTHERAPY,
             reference: Reference | None = None) -> pd.DataFrame | HTML:
    frame = series.unplaced_items(cases, align_on, reference)
    return note("Every therapy, event and response of these patients is drawn.") if frame.empty else frame


def kinetics(cases: list[Case], align_on: str = series.IMMUNOTHERAPY,
             reference: Reference | None = None) -> FigureImage | HTML:
    frame = series.kinetics_table(cases, align_on, reference)
    fig = series_plots.kinetics_figure(frame, f"Tumor markers, time 0 = {time_zero(align_on)}")
    if fig is None:
        return note("No numeric marker value with a reference limit can be placed relative to time 0: "
                    "the markers are listed below.")
    return figure_image(fig, kinetics_description(frame, align_on))


def kinetics_description(frame: pd.DataFrame, align_on: str) -> str:
    """The kinetics figure's alt text: each analyte's patients and values (× ULN) and the months drawn."""
    data = frame[frame["times_uln"].notna()]
    panels = "; ".join(f"{a}: {g['patient'].nunique()} patient{'s' if g['patient'].nunique() != 1 else ''}, "
                       f"{len(g)} value{'s' if len(g) != 1 else ''}, {g['times_uln'].min():.3g} to "
                       f"{g['times_uln'].max():.3g} × ULN" for a, g in data.groupby("analyte", sort=True))
    return (f"Tumor markers as multiples of the upper reference limit (log scale), time 0 = {time_zero(align_on)}, "
            f"{_months(data['months'].dropna())}: {panels}.")


def kinetics_values(cases: list[Case], align_on: str = series.IMMUNOTHERAPY,
                    reference: Reference | None = None) -> pd.DataFrame | HTML:
    """The plotted values: what each point is, its date in words and months from time 0 ('≥ -4.1' when
    known on one side only), with its limit and where it stands in the source."""
    frame = series.kinetics_table(cases, align_on, reference)
    frame = frame[frame["times_uln"].notna()].drop(columns=["months", "months_low", "months_high", "open_before",
                                                             "open_after"]).reset_index(drop=True)
    return note("No value is plotted.") if frame.empty else frame


def marker_notes(cases: list[Case], align_on: str = series.IMMUNOTHERAPY,
                 reference: Reference | None = None) -> pd.DataFrame | HTML:
    frame = series.marker_notes(cases, align_on, reference)
    return note("Every marker fact is plotted.") if frame.empty else frame


def drugs(cases: list[Case], reference: Reference | None = None) -> pd.DataFrame | HTML:
    frame = series.drug_table(cases, reference if reference is not None else load_reference())
    return note("No drug is named by these cases.") if frame.empty else frame
