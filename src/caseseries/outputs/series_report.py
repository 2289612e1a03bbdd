"""The sections of the case-series notebook, as objects a cell displays: HTML, DataFrames, figures.

Thin: the facts come from ``series.py``, the figures from ``series_plots.py``. Text from
case files is HTML-escaped. A section with nothing to show says so in one line.
"""

from __future__ import annotations

import re

import jinja2

import pandas as pd
from IPython.display import HTML, display

from caseseries.views import series, series_plots
from caseseries.model.drugs import Reference, load_reference
from caseseries.model import checked
from caseseries.model.case import Case
from caseseries.outputs.report import FigureImage, ReportTable, figure_image, note, report_table
from caseseries.outputs.report import setup as _setup

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


HEADER_LIST = 12  # patients: up to this many the header lists them; beyond, the comparison table does (titles too)


_HEADER = jinja2.Environment(autoescape=True).from_string(
    "<h1>Case series: {{ n }} patient{{ 's' if n != 1 }}</h1><ul>"
    "{% if not many %}{% for c in cases %}<li><a href=\"cases/{{ c.case_id }}.html\">{{ c.case_id }}</a>: {{ c.title }}</li>"
    "{% endfor %}{% else %}<li>each is a row of the comparison table below, with a link to the patient's report and "
    "the title of the case among its other fields</li>{% endif %}</ul>"
    "<p><strong>Time 0</strong> is {% if align_on %}the first item of kind “{{ align_on }}” (event, regimen or course) "
    "of each patient{% else %}the first dose of a checkpoint inhibitor (a drug whose group in "
    "<code>data/reference/drugs.yaml</code> is “immune checkpoint inhibitor”); for a case that names no drug, its "
    "first immunotherapy event, which for a case without calendar dates is the undated origin of its relative time "
    "axis{% endif %}. Times are months from it, on each patient's own time axis, read from each case's resolved "
    "timeline: an item known to lie only after (or before) a date is drawn as a band from that bound with an arrow, "
    "never at a point; one that cannot be placed relative to time 0 is listed under “Not drawn, and why”. What a "
    "source does not give reads “not reported”.</p>")


def header(cases: list[Case], align_on: str = series.IMMUNOTHERAPY) -> HTML:
    """Title, the patients with links to their reports (for a series of up to HEADER_LIST; a larger one lists
    them in the comparison table), and what time 0 is."""
    return HTML(_HEADER.render(n=len(cases), cases=cases, many=len(cases) > HEADER_LIST,
                               align_on=None if align_on == series.IMMUNOTHERAPY else align_on))


SHOWN_ROWS = 500  # rows of one series table on the page; `caseseries series --table NAME` prints every row


def shown_table(frame: pd.DataFrame, table: str, align_on: str = series.IMMUNOTHERAPY) -> ReportTable:
    """A series table as the report tables read (human headers, no index, text that wraps). Past SHOWN_ROWS rows,
    its first SHOWN_ROWS under a caption saying how many there are and the command that prints them all."""
    if len(frame) <= SHOWN_ROWS:
        return report_table(frame)
    option = "" if table == "drugs" or align_on == series.IMMUNOTHERAPY else f" --align-on {align_on}"
    caption = (f"The first {SHOWN_ROWS} of {len(frame)} rows. All of them: “caseseries series --table {table}{option}” "
               "(CSV, or a table with --format markdown), followed by this series' case ids unless it is every case "
               "in data/cases.")
    return report_table(frame.head(SHOWN_ROWS), caption=caption)


def alignment_table(cases: list[Case], align_on: str, reference: Reference | None = None) -> ReportTable:
    return shown_table(series.alignment_table(cases, align_on, reference), "alignment", align_on)


# The comparison table: one row per patient under a short header, sortable by any column; the other fields of
# each patient in a disclosure under its row (open for a series of a few patients, to read side by side).
SUMMARY = (("patient", "patient"), ("age at diagnosis", "age"), ("histology", "histology"),
           ("initial stage", "initial stage"), ("PD-L1", "PD-L1"), ("MMR status", "MMR"),
           ("checkpoint inhibitor", "checkpoint inhibitor"), ("target", "target"),
           ("time on immunotherapy", "time on immuno\u00adtherapy"),
           ("overall survival from diagnosis", "overall survival"), ("status at last contact", "status at last contact"))
NUMERIC = frozenset({"age at diagnosis", "time on immunotherapy", "overall survival from diagnosis"})
OPEN_UP_TO = 4  # patients: up to this many, every field of every patient shows without a click
_NUMBER = re.compile(r"^\s*(?:[<>≤≥~]\s*)?(\d+(?:\.\d+)?)")

_COMPARISON = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string("""\
<style>
/* the header stays in view while the rows scroll by: no box around the table may clip it */
.jp-OutputArea:has(table.cs-comparison), .jp-OutputArea-child:has(table.cs-comparison),
.jp-OutputArea-output:has(> table.cs-comparison) { overflow: visible; }
table.cs-comparison { width: 100%; table-layout: auto; border-collapse: collapse; }
table.cs-comparison thead th { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #999; z-index: 1; }
table.cs-comparison th button { font: inherit; font-weight: bold; border: 0; background: none; padding: 0;
  cursor: pointer; text-align: left; color: inherit; }
table.cs-comparison th[aria-sort=ascending] button::after { content: " \\25B2"; }
table.cs-comparison th[aria-sort=descending] button::after { content: " \\25BC"; }
table.cs-comparison td, table.cs-comparison th { padding: 0.3em 0.4em; vertical-align: top; text-align: left;
  white-space: normal; overflow-wrap: break-word; }
table.cs-comparison tbody { border-top: 1px solid #ddd; }
table.cs-comparison tbody th { white-space: nowrap; }
table.cs-comparison tr.cs-more td { padding-top: 0; }
table.cs-comparison details > summary { cursor: pointer; color: #555; font-size: 11px; }
table.cs-comparison details p { margin: 0.15em 0 0.15em 1em; }
table.cs-comparison details p b { color: #444; }
</style>
<table class="cs-comparison">
<thead><tr>{% for name, label in header %}<th scope="col"{% if name in numeric %} data-numeric=""{% endif %}>\
{{ label }}</th>{% endfor %}</tr></thead>
{% for row in rows %}
<tbody>
<tr>{% for cell in row.cells %}{% if loop.first %}<th scope="row"><a href="cases/{{ cell.text }}.html">{{ cell.text }}</a>\
</th>{% else %}<td{% if cell.key is not none %} data-key="{{ cell.key }}"{% endif %}>{{ cell.text }}</td>{% endif %}\
{% endfor %}</tr>
<tr class="cs-more"><td colspan="{{ header | length }}"><details{% if open %} open{% endif %}>\
<summary>{{ row.patient }}: the other fields</summary>
{% for name, text in row.more %}<p><b>{{ name }}:</b> {{ text }}</p>
{% endfor %}</details></td></tr>
</tbody>
{% endfor %}
</table>
<script>
(function () {
  /* Sort the comparison table by a column: click its header (again: the other way). "not reported" goes last. */
  document.querySelectorAll("table.cs-comparison:not([data-sortable])").forEach(function (table) {
    table.setAttribute("data-sortable", "");
    var heads = Array.from(table.tHead.rows[0].cells);
    heads.forEach(function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.innerHTML = th.innerHTML;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var numeric = th.hasAttribute("data-numeric");
        var key = function (body) {
          var cell = body.rows[0].cells[col];
          if (numeric) { var k = cell.getAttribute("data-key"); return k === null ? null : parseFloat(k); }
          var text = cell.textContent.trim();
          return text === "not reported" ? null : text;
        };
        var bodies = Array.from(table.tBodies).map(function (b, i) { return [key(b), i, b]; });
        bodies.sort(function (a, b) {
          if (a[0] === null || b[0] === null) { return a[0] === b[0] ? a[1] - b[1] : a[0] === null ? 1 : -1; }
          var c = numeric ? a[0] - b[0] : a[0].localeCompare(b[0], undefined, {numeric: true});
          return (up ? c : -c) || a[1] - b[1];
        });
        bodies.forEach(function (b) { table.appendChild(b[2]); });
      });
    });
  });
})();
</script>
""")


def sort_key(text: str) -> float | None:
    """The number a numeric column sorts by: the first of its text ('> 8 months' 8, '46 years' 46); None when
    not reported."""
    found = _NUMBER.match(text) if text != series.NOT_REPORTED else None
    return float(found.group(1)) if found else None


def comparison(cases: list[Case], reference: Reference | None = None) -> HTML:
    """The comparison table: one row per patient under a short header (sortable by a click on a column's header,
    with a few lines of inline script; the page stays usable without it), each patient's other fields under
    its row, shown open for a series of up to OPEN_UP_TO patients."""
    frame = series.comparison_table(cases, reference)
    if len(cases) > HEADER_LIST:  # the header does not list them: the title goes with the other fields
        frame.insert(1, "title", [c.title for c in cases])
    return HTML(comparison_html(frame))


def comparison_html(frame: pd.DataFrame) -> str:
    """The comparison table's HTML from the comparison frame (its SUMMARY columns in the row, the others under it)."""
    shown = [name for name, _ in SUMMARY]
    rows = []
    for record in frame.to_dict("records"):
        cells = [{"text": str(record[name]),
                  "key": sort_key(str(record[name])) if name in NUMERIC else None} for name in shown]
        more = [(name, str(record[name])) for name in frame.columns if name not in shown]
        rows.append({"patient": record["patient"], "cells": cells, "more": more})
    return _COMPARISON.render(header=SUMMARY, numeric=NUMERIC, rows=rows, open=len(rows) <= OPEN_UP_TO)


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
             reference: Reference | None = None) -> ReportTable | HTML:
    frame = series.unplaced_items(cases, align_on, reference)
    if frame.empty:
        return note("Every therapy, event and response of these patients is drawn.")
    return shown_table(frame, "unplaced", align_on)


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
                    reference: Reference | None = None) -> ReportTable | HTML:
    """The plotted values: what each point is, its date in words and months from time 0 ('≥ -4.1' when
    known on one side only), with its limit and where it stands in the source."""
    frame = series.kinetics_table(cases, align_on, reference)
    frame = frame[frame["times_uln"].notna()].drop(columns=["months", "months_low", "months_high", "open_before",
                                                             "open_after"]).reset_index(drop=True)
    return note("No value is plotted.") if frame.empty else shown_table(frame, "kinetics", align_on)


def marker_notes(cases: list[Case], align_on: str = series.IMMUNOTHERAPY,
                 reference: Reference | None = None) -> ReportTable | HTML:
    frame = series.marker_notes(cases, align_on, reference)
    return note("Every marker fact is plotted.") if frame.empty else shown_table(frame, "marker-notes", align_on)


def drugs(cases: list[Case], reference: Reference | None = None) -> ReportTable | HTML:
    frame = series.drug_table(cases, reference if reference is not None else load_reference())
    return note("No drug is named by these cases.") if frame.empty else shown_table(frame, "drugs")
