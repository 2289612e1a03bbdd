"""The sections of the per-case report, as objects a notebook cell displays.

Each function takes the case and returns a table (:class:`ReportTable`: a DataFrame that a
notebook shows as HTML), an HTML block or a figure (SVG and PNG). Text from a case file is always
HTML-escaped: a finding that reads ``<script>`` shows as that text and runs nothing. A
section with nothing to show says so.
"""

from __future__ import annotations

from typing import NamedTuple

import jinja2
from markupsafe import Markup
import numpy as np
import pandas as pd
from IPython.display import HTML, Image

from caseseries.views import api, metrics, tables
from caseseries.model import drugs
from caseseries.model.disclosure import as_of_words
from caseseries.model.load import find_case
from caseseries.model.case import Case, Fact, notes_of
from caseseries.model.timeline import timeline

PATIENT_FIELDS = (
    ("age_at_diagnosis", "age at diagnosis (years)"), ("sex", "sex"), ("ethnicity", "ethnicity"),
    ("ecog", "ECOG performance status"), ("presenting_complaint", "presenting complaint"),
    ("obstetric_history", "obstetric history"), ("smoking", "smoking"), ("comorbidities", "comorbidities"),
    ("family_history", "family history"), ("hpv_status", "HPV status"), ("marital_status", "marital status"),
    ("occupation", "occupation"), ("education", "education"),
)


def setup() -> None:
    """Show whole tables: a case report is read, not skimmed."""
    pd.set_option("display.max_rows", 500, "display.max_columns", 50, "display.max_colwidth", None,
                  "display.width", 250)


def open_case(case_id: str | None, as_of: str | None = None) -> Case:
    """The case a report shows: the whole case, or what was known as of a date (teaching view).

    With no id (the template opened as it is), the case with the most dated facts.
    """
    case = find_case(case_id) if case_id else richest_case()
    if as_of is None:
        return case
    from caseseries.model.disclosure import case_as_of

    return case_as_of(case, as_of)


def richest_case() -> Case:
    """The case of data/cases with the most dated facts (ties: the first id), to explore a template with."""
    from caseseries.model.load import load_cases
    from caseseries.model.timeline import timeline

    cases = load_cases()
    if not cases:
        raise FileNotFoundError("no case files in data/cases")
    return max(cases, key=lambda c: (len(timeline(c).entries), [-ord(ch) for ch in c.case_id]))


# The report's HTML blocks, autoescaped: every piece of case text is escaped where it is placed.
_BLOCKS = jinja2.Environment(autoescape=True, loader=jinja2.DictLoader({
    "note": '<p class="cs-note"><em>{{ text }}</em></p>',
    "notes": '<div class="cs-notes">{% if notes | length == 1 %}<p><strong>{{ label }}:</strong> {{ notes[0] }}</p>'
             '{% else %}<p><strong>{{ label }}:</strong></p><ul>{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul>'
             '{% endif %}</div>',
    "header": '<h1>{{ title }}</h1>'
              '{% if not neutral %}<p>{{ s.citation }}{% if s.doi %} <a href="https://doi.org/{{ s.doi }}">'
              'doi:{{ s.doi }}</a>{% endif %}</p>{% endif %}'
              '{% if extra %}<p><small>{{ extra | join("; ") }}</small></p>{% endif %}'
              '{% if dated %}<p><small>{{ dated | join(". ") }}.</small></p>{% endif %}'
              '{{ notes }}<p>{{ summary }}</p>',
    "outcome": '<p><strong>Status at last contact:</strong> {{ o.status }}'
               '{% if o.status_as_worded %} (as worded: “{{ o.status_as_worded }}”){% endif %}; '
               '<strong>last contact:</strong> {{ last }} <small>[{{ o.locator }}]</small></p>{{ notes }}',
    "disclosure": '<p class="cs-note"><strong>Teaching view as of {{ when }}:</strong> nothing later is shown.</p>'
                  '<details class="cs-note"><summary>How this view decides what was known by then</summary>'
                  '<p>{{ rule }}</p></details>',
    "questions": '<ol>{% for q in questions %}<li><p><strong>{{ q.question }}</strong><br><small>decision point: '
                 '{{ q.when }}; [{{ q.locator }}]</small></p>{{ q.notes }}'
                 '{% if reveal %}{% if q.answer %}<p><strong>What happened:</strong> {{ q.answer }}</p>'
                 '{% else %}<p class="cs-note"><em>No answer is recorded.</em></p>{% endif %}{% endif %}</li>'
                 '{% endfor %}</ol>'
                 '{% if not reveal %}<p class="cs-note"><em>Discuss first: the answers come with the full report.'
                 '</em></p>{% endif %}',
}))


def _block(name: str, **values) -> str:
    return _BLOCKS.get_template(name).render(**values)


def note(text: str) -> HTML:
    """A one-line remark in place of an empty section."""
    return HTML(_block("note", text=text))


# ---------------------------------------------------------------- how a table is shown

WHERE = "Where in the source"
HEADERS = {
    "item": "Item", "value": "Value", "name": "Name", "marker": "Marker", "result": "Result", "method": "Method",
    "assay": "Assay", "score": "Score", "specimen": "Specimen",
    "when": "Date", "date": "Date", "start": "Start", "end": "End", "precision": "Precision", "duration": "Duration",
    "lane": "Lane", "kind": "Kind", "label": "What",
    "analyte": "Marker", "unit": "Unit", "observation": "Observation", "reference": "Reference limit",
    "times_uln": "× ULN", "context": "Context",
    "imaging": "Study", "modality": "Modality", "sites": "Sites", "findings": "Findings",
    "response_as_worded": "Response, as worded", "category": "Response category",
    "regimen": "Regimen", "setting": "Setting", "drug": "Drug", "dose": "Dose", "route": "Route", "days": "Days",
    "cycle_days": "Cycle length (days)", "cycles_planned": "Cycles planned", "cycles_given": "Cycles given",
    "reason_stopped": "Reason stopped", "response": "Response", "radiotherapy": "Radiotherapy within it",
    "course": "Course", "technique": "Technique", "energy": "Energy",
    "concurrent_chemotherapy": "Concurrent chemotherapy", "target": "Target",
    "total_dose_gy": "Total dose (Gy)", "fractions": "Fractions", "dose_per_fraction_gy": "Dose per fraction (Gy)",
    "schedule": "Schedule", "bed_gy": "BED (Gy, α/β 10)", "eqd2_gy": "EQD2 (Gy, α/β 10)",
    "term": "Adverse event", "observed": "Observed", "grade": "Grade", "attribution": "Attribution",
    "metric": "Figure", "low_months": "Lower bound (months)", "high_months": "Upper bound (months)",
    "censored": "Censored", "basis": "Basis",
    "discrepancy": "Discrepancy", "topic": "Topic", "statement": "Statement", "note": "Which is followed, and why",
    "covered": "Covered", "evidence": "Evidence", "missing": "Missing",
    "notes": "Notes", "locator": WHERE, "regimen_locator": WHERE, "course_locator": WHERE,
    # the series' tables and the teaching notebook's stages
    "patient": "Patient", "time 0": "Time 0", "time axis": "Time axis", "months from time 0": "Months from time 0",
    "why not drawn": "Why not drawn", "why not plotted": "Why not plotted", "as reported": "As reported",
    "class": "Class", "group": "Group", "source": "Source", "patients": "Patients",
    "stage": "Stage", "as of": "As of", "questions": "Questions", "new facts then": "New facts then",
}
"""The header of every column of every report table, with its unit: one mapping for all of them."""

KINDS = {**dict.fromkeys(("when", "date", "start", "end", "months from time 0", "as of"), "cs-date"),
         **dict.fromkeys(("label", "findings", "notes", "statement", "setting", "reason_stopped", "response",
                          "attribution", "evidence", "missing", "time 0", "time axis", "why not drawn",
                          "why not plotted", "as reported", "source"), "cs-prose"),
         **dict.fromkeys(("locator", "regimen_locator", "course_locator"), "cs-where"),
         "patient": "cs-id"}
"""Columns the page gives room first (a CSS class each): dates kept whole, prose, the locators, and ids that are
never broken."""

QUOTES = {"locator": "quote", "regimen_locator": "regimen_quote", "course_locator": "course_quote"}
"""Each locator column and the column holding the source's verbatim words at that place (not shown as a column)."""


class Part(NamedTuple):
    """One of the narrower tables a report table is shown as: its caption, its columns (those the frame has),
    and the column whose repeated rows it shows once (a regimen of several agents is one row of its own)."""

    caption: str | None
    columns: tuple[str, ...]
    once_per: str | None = None


class ReportTable(pd.DataFrame):
    """A report table: the frame code and the spoiler check read (quotes included), shown in a notebook as
    HTML that holds nothing else: human headers, no index, whole numbers as integers, text that wraps,
    each row's locator with its quote (hover, and numbered below), a wide table split by topic (``parts``)."""

    _metadata = ["parts"]

    @property
    def _constructor(self):
        return ReportTable

    def _repr_html_(self) -> str:
        return table_html(self, getattr(self, "parts", None))


def report_table(frame: pd.DataFrame, parts: tuple[Part, ...] | None = None, caption: str | None = None) -> ReportTable:
    """The frame as a report table, shown as these parts (default: one table of every column, under caption)."""
    if parts is None and caption is not None:
        parts = (Part(caption, shown_columns(frame)),)
    out = ReportTable(frame)
    out.parts = parts
    return out


def shown_columns(frame: pd.DataFrame) -> tuple[str, ...]:
    """Every column of a report table but the quotes, which are shown with their locators."""
    return tuple(c for c in frame.columns if c not in QUOTES.values())


_TABLE = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string("""\
<div class="cs-tables">
{% for part in parts %}
<table class="cs-table">
{% if part.caption %}<caption>{{ part.caption }}</caption>{% endif %}
<thead><tr>{% for h, kind in part.headers %}<th scope="col"{% if kind %} class="{{ kind }}"{% endif %}>{{ h }}</th>\
{% endfor %}</tr></thead>
<tbody>
{% for row in part.rows %}
<tr>{% for c in row %}<td{% if c.kind %} class="{{ c.kind }}"{% endif %}{% if c.quote %} title="“{{ c.quote }}”"{% endif %}>\
{{ c.text }}{% if c.note %}<sup>{{ c.note }}</sup>{% endif %}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
{% endfor %}
{% if quotes %}
<details class="cs-quotes"><summary>The source’s words at each place ({{ quotes | length }})</summary>
<ol>{% for q in quotes %}<li>“{{ q }}”</li>{% endfor %}</ol>
</details>
{% endif %}
</div>
""")


def table_html(frame: pd.DataFrame, parts: tuple[Part, ...] | None = None) -> str:
    """The frame as HTML tables (Jinja2, autoescaped), one per part; each distinct quote numbered once."""
    parts = parts or (Part(None, shown_columns(frame)),)
    quotes: dict[str, int] = {}
    shown = []
    for part in parts:
        columns = [c for c in part.columns if c in frame.columns]
        rows = frame if part.once_per is None else frame.drop_duplicates(part.once_per)
        cells = []
        for values in rows.to_numpy():  # what iterrows reads, without a Series per row
            row = dict(zip(rows.columns, values))
            line = []
            for c in columns:
                quote = _quote(row.get(QUOTES[c])) if c in QUOTES else None
                if quote is not None:
                    quotes.setdefault(quote, len(quotes) + 1)
                kind = " ".join(k for k in (KINDS.get(c), quote and "cs-quoted") if k)
                line.append({"text": cell_text(row[c]), "kind": kind, "quote": quote, "note": quotes.get(quote)})
            cells.append(line)
        headers = [(HEADERS.get(c, c), KINDS.get(c)) for c in columns]
        shown.append({"caption": part.caption, "headers": headers, "rows": cells})
    return _TABLE.render(parts=shown, quotes=list(quotes))


def _quote(value) -> str | None:
    return value if isinstance(value, str) and value.strip() and value != "—" else None


def cell_text(value) -> str:
    """A cell as read: '—' for nothing, 'yes'/'no', a whole number without '.0', others without float noise."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else f"{float(value):.12g}"
    return str(value)



# ---------------------------------------------------------------- header


def case_summary(case: Case) -> str:
    """One paragraph from the case's own facts; nothing the case does not state. Dates in words (timeline)."""
    p, d = case.patient, case.diagnosis
    tl = timeline(case)
    who = "A patient"
    if p.age_at_diagnosis is not None:
        who = f"A {p.age_at_diagnosis.value}-year-old {p.sex.value if p.sex else 'patient'}"
    what = d.histology.value if d.histology else "cancer"
    if d.primary_site is not None:
        what += f" of the {d.primary_site.value}"
    sentences = [f"{who} with {what}"]
    dx = metrics.diagnosis_when(case)
    if dx is not None and dx.precision != "anchor":  # an undated anchor is only "time 0"
        sentences[0] += f", diagnosed {dx.words}"
    if d.stages:
        # the final stage: the pathological one when the source gives it, else the last stated; its basis named
        final = next((s for s in reversed(d.stages) if s.basis == "pathological"), d.stages[-1])
        system = "" if final.system == "not stated" else f"{final.system} "
        basis = "" if final.basis == "not stated" else f"{final.basis} "
        sentences[0] += f" ({basis}stage {system}{final.value} as stated)"
    sentences[0] += "."
    surgeries = [e for e in case.events if e.kind == "surgery"]
    parts = []
    if surgeries:
        parts.append(f"{len(surgeries)} surgical procedure{'s' if len(surgeries) > 1 else ''}")
    if case.regimens:
        reference = drugs.view_reference()
        names = "; ".join(drugs.regimen_name(r, reference) for r in case.regimens)
        parts.append(f"{len(case.regimens)} systemic regimen{'s' if len(case.regimens) > 1 else ''} ({names})")
    if case.radiotherapy:
        parts.append(f"{len(case.radiotherapy)} radiotherapy course{'s' if len(case.radiotherapy) > 1 else ''}")
    therapy_events = [e for e in case.events if e.kind in ("immunotherapy", "radiotherapy", "chemotherapy")]
    if not parts and therapy_events:
        parts.append("; ".join(e.label.lower() for e in therapy_events))
    if parts:
        sentences.append("Treatment recorded: " + ", ".join(parts) + ".")
    recurrences = [e for e in case.events if e.kind in ("recurrence", "progression")]
    if recurrences:
        sentences.append(f"{len(recurrences)} recurrence or progression event{'s' if len(recurrences) > 1 else ''} recorded.")
    o = case.outcome
    last = tl.last_contact
    if as_of_words(case):  # a teaching view: its story stops at the as-of date, not at a last contact
        sentences.append(f"Status as of {as_of_words(case)}: {o.status}.")
    else:
        when = "" if last is None or last.precision == "anchor" else f" ({last.words})"
        sentences.append(f"Status at last contact{when}: {o.status}.")
    return " ".join(sentences)


def source_dates(case: Case) -> str | None:
    """'Received 2023-11-02, accepted 2024-01-15, published 2024-02': the article's own dates, as printed
    (read through the case's timeline); None when the case gives none."""
    dates = case.source.dates
    if dates is None:
        return None
    tl = timeline(case)
    parts = [f"{word} {tl.when(value).words}" for word, value in
             (("received", dates.received), ("accepted", dates.accepted), ("published", dates.published))
             if value is not None]
    text = ", ".join(parts)
    return text[:1].upper() + text[1:] if text else None


def notes_html(item, label: str = "Notes") -> str:
    """An item's notes as a paragraph ('' when it has none), HTML-escaped."""
    notes = notes_of(item)
    return Markup(_block("notes", label=label, notes=notes)) if notes else Markup("")


def header(case: Case, neutral: bool = False) -> HTML:
    """Title, citation with its DOI link, the article's dates and last follow-up as stated, the source's
    notes, and the generated summary. A neutral header (teaching view) has none of the source's particulars."""
    s = case.source
    title = case.neutral_title if neutral and case.neutral_title else case.title
    extra = [] if neutral else [f"patient: {s.patient}"] + ([f"license: {s.license}"] if s.license else [])
    if s.synthetic:
        extra.append(Markup("<strong>synthetic case</strong> (generated, not a real patient)"))
    dated = [] if neutral else [x for x in (
        source_dates(case) if s.dates is not None else "",
        f"Last follow-up as stated: “{s.last_follow_up_as_stated}”" if s.last_follow_up_as_stated else "") if x]
    return HTML(_block("header", title=title, s=s, neutral=neutral, extra=extra, dated=dated,
                       notes="" if neutral else notes_html(s, "Notes on the source"), summary=case_summary(case)))


# ---------------------------------------------------------------- patient and diagnosis


def _fact_rows(items: list[tuple[str, Fact | None]]) -> list[dict]:
    return [{"item": label, "value": f.value, "notes": tables.notes_text(f), **_where(f)}
            for label, f in items if f is not None]


def _where(item) -> dict:
    """An item's locator and its quote: the two columns a row cites its source with."""
    return {"locator": str(item.locator), "quote": item.locator.quote}


def _with_notes(rows: list[dict], item, label: str) -> ReportTable:
    """The rows, then a row with the section's own notes; the notes column only when some row has notes."""
    if notes_of(item):
        rows = rows + [{"item": label, "value": tables.notes_text(item), "notes": None, "locator": None, "quote": None}]
    return report_table(_drop_empty_notes(tables.for_display(pd.DataFrame(rows)) if rows else pd.DataFrame(rows)))


def _drop_empty_notes(frame: pd.DataFrame, columns: tuple[str, ...] = ("notes",)) -> pd.DataFrame:
    """A table shows its notes column (and the other columns named) only when a row has a value there."""
    empty = [c for c in columns if c in frame.columns
             and not frame[c].map(lambda v: isinstance(v, str) and v not in ("", "—")).any()]
    return frame.drop(columns=empty) if empty else frame


def patient_table(case: Case) -> ReportTable | HTML:
    rows = _fact_rows([(label, getattr(case.patient, name)) for name, label in PATIENT_FIELDS])
    if not rows and not notes_of(case.patient):
        return note("The source gives no patient characteristics.")
    return _with_notes(rows, case.patient, "notes on the patient")


def diagnosis_table(case: Case) -> ReportTable | HTML:
    d = case.diagnosis
    tl = timeline(case)
    rows = _fact_rows([("primary site", d.primary_site), ("histology", d.histology),
                       ("differentiation", d.differentiation)])
    for i, s in enumerate(d.stages):
        when = _date_words(tl.at(("diagnosis", "stages", i, "date")), s.date)
        rows.append({"item": f"stage ({s.basis})", "value": f"{s.system}: {s.value}" + (f", {when}" if when else ""),
                     "notes": tables.notes_text(s), **_where(s)})
    for t in d.tumor_size:
        dims = " × ".join(f"{x:g}" for x in t.dimensions_cm)
        rows.append({"item": f"tumor size ({t.method})", "value": f"{'approximately ' if t.approximate else ''}{dims} cm",
                     "notes": tables.notes_text(t), **_where(t)})
    for n in d.nodes:
        counts = f"{n.positive}/{n.examined} positive" if n.positive is not None and n.examined is not None else (
            f"{n.positive} positive" if n.positive is not None else "")
        value = "; ".join(x for x in (counts, n.finding or "") if x)
        rows.append({"item": f"nodes: {n.region}", "value": value, "notes": tables.notes_text(n), **_where(n)})
    rows += _fact_rows([("finding", f) for f in d.other_findings])
    if not rows and not notes_of(d):
        return note("The source gives no diagnostic details.")
    return _with_notes(rows, d, "notes on the diagnosis")


def _date_words(when, stated) -> str | None:
    """A resolved date in words; 'date not reported' for a stated date that cannot be placed; None without one."""
    if when is not None:
        return when.words
    return None if stated is None else tables.NOT_REPORTED


def biomarker_table(case: Case) -> ReportTable | HTML:
    tl = timeline(case)
    rows = [{"marker": b.name, "result": b.result, "method": b.method, "assay": b.assay, "score": b.score_type,
             "specimen": b.specimen, "date": _date_words(tl.at(("diagnosis", "biomarkers", i, "date")), b.date),
             "notes": tables.notes_text(b), **_where(b)}
            for i, b in enumerate(case.diagnosis.biomarkers)]
    if not rows:
        return note("No biomarker (PD-L1, MMR, p16, HER2, ...) is reported.")
    return report_table(_drop_empty_notes(tables.for_display(pd.DataFrame(rows))))


# ---------------------------------------------------------------- figures and tables


class FigureImage(Image):
    """A figure a cell displays as SVG (sharp at any zoom: the HTML pages and decks show it) and as PNG
    (``data``: the stage decks, and JupyterLab, which shows no SVG of an untrusted notebook), both with its alt text."""

    def __init__(self, png: bytes, svg: str, alt: str | None = None):
        super().__init__(data=png, format="png", alt=alt)
        self.svg = svg

    def __repr__(self) -> str:
        """The description as the text form (text/plain): what a reader without images gets, and what nbval reads."""
        return f"<figure: {self.alt}>" if self.alt else "<figure>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        data, metadata = super()._repr_mimebundle_(include, exclude)
        data["image/svg+xml"] = self.svg
        if self.alt:
            metadata = {**(metadata or {}), "image/svg+xml": {"alt": self.alt}}
        return data, metadata


def figure_image(fig, description: str | None = None) -> FigureImage:
    """A figure as PNG and SVG with nothing varying in them, described in its alt text, closed afterwards."""
    import matplotlib.pyplot as plt

    from caseseries.views import plots

    alt = " ".join(t for t in (description, getattr(fig, "alt_text", "")) if t) or None
    box = plots.tight_box(fig)
    png = plots.png_bytes(fig, box)
    svg = plots.svg_text(fig, box)  # after the PNG: it sets the texts' font family for the SVG
    plt.close(fig)
    return FigureImage(png, svg, alt)


def timeline_figure(case: Case, time_axis: str = "calendar") -> FigureImage | HTML:
    from caseseries.views import plots

    fig = plots.timeline_figure(case, time_axis)
    if fig is None:
        return note("No event of this case has a date that can be placed on a time axis.")
    return figure_image(fig, _describe(case, "Timeline", "dated items", ("events", "regimens", "radiotherapy",
                                                                         "imaging", "markers", "adverse_events")))


def marker_figure(case: Case, time_axis: str = "calendar") -> FigureImage | HTML:
    from caseseries.views import plots

    fig = plots.marker_figure(case, time_axis)
    if fig is None:
        return note("No tumor marker measurement or observation is reported.")
    analytes = ", ".join(dict.fromkeys(m.analyte for m in case.markers))
    return figure_image(fig, _describe(case, f"Tumor markers ({analytes})", "marker values or observations",
                                       ("markers",)))


def _describe(case: Case, what: str, items: str, fields: tuple[str, ...]) -> str:
    """A figure's alt text: what it shows and over which dates, from the timeline."""
    from caseseries.model.timeline import timeline

    tl = timeline(case)
    shown = [e for e in tl.entries if e.field in fields and e.start.axis == tl.axis]
    if not shown:
        return f"{what}: nothing can be placed on a time axis."
    return f"{what}: {len(shown)} {items}, from {shown[0].start.words} to {shown[-1].start.words}."


def _shown(frame: pd.DataFrame, empty: str, drop: tuple[str, ...] = (), if_any: tuple[str, ...] = ("notes",),
           parts: tuple[Part, ...] | None = None) -> ReportTable | HTML:
    """A table for reading: missing values as '—'; the columns ``if_any`` (notes) only when a row has a value."""
    if frame.empty:
        return note(empty)
    shown = tables.for_display(frame.drop(columns=[c for c in drop if c in frame.columns]))
    return report_table(_drop_empty_notes(shown, if_any), parts)


def _quoted(frame: pd.DataFrame, case: Case, name: str) -> pd.DataFrame:
    """The table with each row's quote: the frame ``name`` of the API is this table, row for row, with them."""
    quotes = api.quotes(name, case)
    if len(quotes) != len(frame):
        raise ValueError(f"the {name} frame has {len(quotes)} rows, its table {len(frame)}")
    return frame.assign(quote=quotes)


def timeline_table(case: Case) -> ReportTable | HTML:
    # the report reads the date in words; the machine columns earliest and latest stay in the table API and CLI
    return _shown(_quoted(tables.timeline_table(case), case, "chronology"), "No dated event is reported.",
                  drop=("earliest", "latest"))


def marker_table(case: Case) -> ReportTable | HTML:
    return _shown(_quoted(tables.marker_table(case), case, "markers"), "No tumor marker is reported.")


def imaging_table(case: Case) -> ReportTable | HTML:
    return _shown(_quoted(tables.imaging_table(case), case, "imaging"), "No imaging study is reported.")


REGIMEN_PARTS = (
    Part("Regimens", ("regimen", "setting", "modality", "name", "start", "end", "duration", "reason_stopped",
                      "response", "radiotherapy", "regimen_locator"), once_per="regimen"),
    Part("Agents and doses", ("regimen", "drug", "dose", "unit", "route", "days", "cycle_days", "cycles_planned",
                              "cycles_given", "notes", "locator")),
)
RADIOTHERAPY_PARTS = (
    Part("Courses", ("course", "kind", "technique", "energy", "regimen", "concurrent_chemotherapy", "start", "end",
                     "course_locator"),
         once_per="course"),
    Part("Targets and doses", ("course", "target", "total_dose_gy", "fractions", "dose_per_fraction_gy", "schedule",
                               "bed_gy", "eqd2_gy", "notes", "locator")),
)


def regimen_table(case: Case) -> ReportTable | HTML:
    """One row per agent; shown as the regimens (when, why stopped, response) and their agents and doses."""
    frame = _quoted(tables.regimen_table(case), case, "agents")
    if not frame.empty:
        frame = frame.join(_item_where(case.regimens, frame["regimen"], "regimen"))
    return _shown(frame, "No systemic regimen is reported with its agents.", if_any=("radiotherapy", "notes"),
                  parts=REGIMEN_PARTS)


def radiotherapy_table(case: Case) -> ReportTable | HTML:
    """One row per target; shown as the courses and their targets and doses."""
    frame = _quoted(tables.radiotherapy_table(case), case, "radiotherapy")
    if not frame.empty:
        frame = frame.join(_item_where(case.radiotherapy, frame["course"], "course"))
    return _shown(frame, "No radiotherapy course is reported with its doses.",
                  if_any=("regimen", "concurrent_chemotherapy", "notes"),
                  parts=RADIOTHERAPY_PARTS)


def _item_where(items: list, ids: pd.Series, prefix: str) -> pd.DataFrame:
    """The locator and quote of the regimen (or course) of each row, as columns ``<prefix>_locator``/``_quote``."""
    where = {item.id: _where(item) for item in items}
    return pd.DataFrame({f"{prefix}_{k}": [where[i][k] for i in ids] for k in ("locator", "quote")}, index=ids.index)


def adverse_event_table(case: Case) -> ReportTable | HTML:
    return _shown(_quoted(tables.adverse_event_table(case), case, "adverse_events"),
                  "The source says nothing about adverse events.")


def outcome_block(case: Case) -> HTML:
    o = case.outcome
    last = _date_words(timeline(case).last_contact, o.last_contact)
    return HTML(_block("outcome", o=o, last=last, notes=notes_html(o, "Notes on the outcome")))


def metrics_table(case: Case) -> ReportTable:
    return report_table(_drop_empty_notes(tables.for_display(tables.metrics_table(case))))


_SOURCES = jinja2.Environment(autoescape=True).from_string(
    "<ul><li>{{ s.citation }}{% if full %}"
    "{% if s.doi %} <a href=\"https://doi.org/{{ s.doi }}\">doi:{{ s.doi }}</a>{% endif %}"
    "{% if link %} <a href=\"{{ s.url }}\">{{ s.url }}</a>{% elif s.url %} {{ s.url }}{% endif %}"
    "{% if s.file %}; source text: <code>{{ s.file }}</code>{% endif %}{% endif %}; {{ s.patient }}</li></ul>")


def sources_block(case: Case, teaching: bool = False) -> HTML:
    """The source's citation with its DOI and address linked (an http(s) address only); in a teaching view no
    address, which would name the paper."""
    s = case.source
    link = bool(s.url) and s.url.lower().startswith(("https://", "http://"))
    return HTML(_SOURCES.render(s=s, full=not teaching, link=link))


def discrepancy_table(case: Case) -> ReportTable | HTML:
    rows = []
    for d in case.discrepancies:
        for i, st in enumerate(d.statements):
            rows.append({"discrepancy": d.id if i == 0 else "", "topic": d.topic if i == 0 else "",
                         "statement": st.says, **_where(st),
                         "note": (d.note or "") if i == 0 else "",
                         "notes": (tables.notes_text(d) or "") if i == 0 else ""})
    if not rows:
        return note("No disagreement between statements of the source was recorded.")
    return report_table(_drop_empty_notes(pd.DataFrame(rows)))


# ---------------------------------------------------------------- teaching: as-of note, questions, CARE


def disclosure_note(as_of: str | None, case: Case | None = None) -> HTML | None:
    """In a teaching view: the as-of date (in words, through the case's timeline) and the rule. Nothing in the full report."""
    if as_of is None:
        return None
    from caseseries.model.disclosure import DISCLOSURE_RULE
    from caseseries.model.timeline import timeline

    when = timeline(case).when(as_of) if case is not None else None
    return HTML(_block("disclosure", when=when.words if when else as_of, rule=DISCLOSURE_RULE))


def discussion_questions(case: Case, reveal: bool = True) -> HTML:
    """The case's teaching questions with their decision points; answers only when revealed (full report).

    In an as-of view the case holds only the questions of decision points up to that
    date, already without answers (disclosure.case_as_of); ``reveal=False`` says so.
    """
    if not case.questions:
        return note("No discussion question is recorded for this case up to this point." if not reveal
                    else "No discussion question is recorded for this case.")
    tl = timeline(case)
    questions = [{"question": q.question, "locator": q.locator, "answer": q.answer, "notes": notes_html(q),
                  "when": _date_words(tl.at(("questions", i, "decision_point")), q.decision_point)}
                 for i, q in enumerate(case.questions)]
    return HTML(_block("questions", questions=questions, reveal=reveal))


def care_coverage(case: Case, teaching: bool = False) -> ReportTable | HTML:
    """CARE checklist items the case's data covers, with what is missing (not in a teaching view: it tells the end)."""
    if teaching:
        return note("The CARE checklist coverage is part of the full report.")
    from caseseries.views import care

    return report_table(tables.for_display(care.care_table(case).replace("", None)))
