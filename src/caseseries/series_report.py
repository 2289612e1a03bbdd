"""The sections of the case-series notebook, as objects a cell displays: HTML, DataFrames, PNG pages.

Thin: the facts come from ``series.py``, the figures from ``series_plots.py``. Text from
case files is HTML-escaped. A section with nothing to show says so in one line.
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML, Image, display

from . import series, series_plots
from .drugs import Reference, load_reference
from .load import each_or_errors, find_case, load_cases
from .model import Case
from .report import figure_image, note
from .report import setup as _setup

COMPARISON_BLOCK = 4  # patients per transposed block: a column per patient stays readable


def setup() -> None:
    """Whole tables, as in the per-case report."""
    _setup()


def open_cases(case_ids: list[str] | str | None = None) -> list[Case]:
    """The named cases in the order given, or every case in data/cases (sorted by id)."""
    if case_ids is None:
        return load_cases()
    ids = [case_ids] if isinstance(case_ids, str) else list(case_ids)
    return each_or_errors(find_case, ids)


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
    """Displays one PNG per page of lanes; a note when no patient can be aligned."""
    frame = series.swimmer_table(cases, align_on, reference)
    figures = series_plots.swimmer_figures(frame, f"Swimmer plot: time 0 = {time_zero(align_on)}", per_page)
    if not figures:
        return note("No patient has a placeable time 0: nothing to draw (see the table of time 0 above).")
    for fig in figures:
        display(figure_image(fig))
    return None


def unplaced(cases: list[Case], align_on: str = series.IMMUNOTHERAPY,
             reference: Reference | None = None) -> pd.DataFrame | HTML:
    frame = series.unplaced_items(cases, align_on, reference)
    return note("Every therapy, event and response of these patients is drawn.") if frame.empty else frame


def kinetics(cases: list[Case], align_on: str = series.IMMUNOTHERAPY,
             reference: Reference | None = None) -> Image | HTML:
    frame = series.kinetics_table(cases, align_on, reference)
    fig = series_plots.kinetics_figure(frame, f"Tumor markers, time 0 = {time_zero(align_on)}")
    if fig is None:
        return note("No numeric marker value with a reference limit can be placed relative to time 0: "
                    "the markers are listed below.")
    return figure_image(fig)


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
