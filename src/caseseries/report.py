"""The sections of the per-case report, as objects a notebook cell displays.

Each function takes the case and returns a DataFrame, an HTML block or a PNG image.
Text from a case file is always HTML-escaped: a finding that reads ``<script>``
shows as that text and runs nothing. A section with nothing to show says so.
"""

from __future__ import annotations

import html
import io

import pandas as pd
from IPython.display import HTML, Image

from . import metrics, tables
from .load import find_case
from .model import Case, Fact

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


def open_case(case_id: str, as_of: str | None = None) -> Case:
    """The case a report shows: the whole case, or what was known as of a date (teaching view)."""
    case = find_case(case_id)
    if as_of is None:
        return case
    from .disclosure import case_as_of

    return case_as_of(case, as_of)


def note(text: str) -> HTML:
    """A one-line remark in place of an empty section."""
    return HTML(f'<p class="cs-note"><em>{html.escape(text)}</em></p>')


def _e(value: object) -> str:
    return html.escape(str(value))


# ---------------------------------------------------------------- header


def case_summary(case: Case) -> str:
    """One paragraph from the case's own facts; nothing the case does not state."""
    p, d = case.patient, case.diagnosis
    who = "A patient"
    if p.age_at_diagnosis is not None:
        who = f"A {p.age_at_diagnosis.value}-year-old {p.sex.value if p.sex else 'patient'}"
    what = d.histology.value if d.histology else "cancer"
    if d.primary_site is not None:
        what += f" of the {d.primary_site.value}"
    sentences = [f"{who} with {what}"]
    dx = metrics.diagnosis_date(case)
    if dx is not None and str(dx) != "unknown":
        sentences[0] += f", diagnosed {dx}"
    if d.stages:
        first = d.stages[0]
        system = "" if first.system == "not stated" else f"{first.system} "
        sentences[0] += f" (stage {system}{first.value} as stated)"
    sentences[0] += "."
    surgeries = [e for e in case.events if e.kind == "surgery"]
    parts = []
    if surgeries:
        parts.append(f"{len(surgeries)} surgical procedure{'s' if len(surgeries) > 1 else ''}")
    if case.regimens:
        names = "; ".join(r.name or " + ".join(a.drug for a in r.agents) for r in case.regimens)
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
    when = "" if str(o.last_contact) == "unknown" else f" ({o.last_contact})"
    sentences.append(f"Status at last contact{when}: {o.status}.")
    return " ".join(sentences)


def header(case: Case, neutral: bool = False) -> HTML:
    """Title, citation with its DOI link, and the generated summary."""
    s = case.source
    title = case.neutral_title if neutral and case.neutral_title else case.title
    cite = "" if neutral else _e(s.citation)
    if s.doi and not neutral:
        cite += f' <a href="https://doi.org/{_e(s.doi)}">doi:{_e(s.doi)}</a>'
    extra = [] if neutral else [f"patient: {_e(s.patient)}"] + ([f"license: {_e(s.license)}"] if s.license else [])
    if s.synthetic:
        extra.append("<strong>synthetic case</strong> (generated, not a real patient)")
    cite_html = f"<p>{cite}</p>" if cite else ""
    return HTML(
        f"<h1>{_e(title)}</h1>{cite_html}"
        + (f"<p><small>{'; '.join(extra)}</small></p>" if extra else "")
        + f"<p>{_e(case_summary(case))}</p>"
    )


# ---------------------------------------------------------------- patient and diagnosis


def _fact_rows(items: list[tuple[str, Fact | None]]) -> list[dict]:
    return [{"item": label, "value": f.value, "locator": str(f.locator)} for label, f in items if f is not None]


def patient_table(case: Case) -> pd.DataFrame | HTML:
    rows = _fact_rows([(label, getattr(case.patient, name)) for name, label in PATIENT_FIELDS])
    return pd.DataFrame(rows) if rows else note("The source gives no patient characteristics.")


def diagnosis_table(case: Case) -> pd.DataFrame | HTML:
    d = case.diagnosis
    rows = _fact_rows([("primary site", d.primary_site), ("histology", d.histology),
                       ("differentiation", d.differentiation)])
    for s in d.stages:
        rows.append({"item": f"stage ({s.basis})", "value": f"{s.system}: {s.value}" + (f", {s.date}" if s.date else ""),
                     "locator": str(s.locator)})
    for t in d.tumor_size:
        dims = " × ".join(f"{x:g}" for x in t.dimensions_cm)
        rows.append({"item": f"tumor size ({t.method})", "value": f"{'approximately ' if t.approximate else ''}{dims} cm",
                     "locator": str(t.locator)})
    for n in d.nodes:
        counts = f"{n.positive}/{n.examined} positive" if n.positive is not None and n.examined is not None else (
            f"{n.positive} positive" if n.positive is not None else "")
        value = "; ".join(x for x in (counts, n.finding or "") if x)
        rows.append({"item": f"nodes: {n.region}", "value": value, "locator": str(n.locator)})
    rows += _fact_rows([("finding", f) for f in d.other_findings])
    return pd.DataFrame(rows) if rows else note("The source gives no diagnostic details.")


def biomarker_table(case: Case) -> pd.DataFrame | HTML:
    rows = [{"marker": b.name, "result": b.result, "method": b.method, "assay": b.assay, "score": b.score_type,
             "specimen": b.specimen, "date": None if b.date is None else str(b.date), "locator": str(b.locator)}
            for b in case.diagnosis.biomarkers]
    if not rows:
        return note("No biomarker (PD-L1, MMR, p16, HER2, ...) is reported.")
    return tables.for_display(pd.DataFrame(rows))


# ---------------------------------------------------------------- figures and tables


def figure_image(fig) -> Image:
    """A figure as PNG bytes with no varying metadata, closed afterwards."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return Image(data=buffer.getvalue(), format="png")


def timeline_figure(case: Case, time_axis: str = "calendar") -> Image | HTML:
    from . import plots

    fig = plots.timeline_figure(case, time_axis)
    if fig is None:
        return note("No event of this case has a date that can be placed on a time axis.")
    return figure_image(fig)


def marker_figure(case: Case, time_axis: str = "calendar") -> Image | HTML:
    from . import plots

    fig = plots.marker_figure(case, time_axis)
    if fig is None:
        return note("No tumor marker measurement or observation is reported.")
    return figure_image(fig)


def _shown(frame: pd.DataFrame, empty: str, drop: tuple[str, ...] = ()) -> pd.DataFrame | HTML:
    if frame.empty:
        return note(empty)
    return tables.for_display(frame.drop(columns=[c for c in drop if c in frame.columns]))


def timeline_table(case: Case) -> pd.DataFrame | HTML:
    return _shown(tables.timeline_table(case), "No dated event is reported.")


def marker_table(case: Case) -> pd.DataFrame | HTML:
    return _shown(tables.marker_table(case), "No tumor marker is reported.")


def imaging_table(case: Case) -> pd.DataFrame | HTML:
    return _shown(tables.imaging_table(case), "No imaging study is reported.")


def regimen_table(case: Case) -> pd.DataFrame | HTML:
    return _shown(tables.regimen_table(case), "No systemic regimen is reported with its agents.",
                  drop=("ongoing_as_of",))


def radiotherapy_table(case: Case) -> pd.DataFrame | HTML:
    return _shown(tables.radiotherapy_table(case), "No radiotherapy course is reported with its doses.")


def adverse_event_table(case: Case) -> pd.DataFrame | HTML:
    return _shown(tables.adverse_event_table(case), "The source says nothing about adverse events.")


def outcome_block(case: Case) -> HTML:
    o = case.outcome
    worded = f" (as worded: “{_e(o.status_as_worded)}”)" if o.status_as_worded else ""
    return HTML(f"<p><strong>Status at last contact:</strong> {_e(o.status)}{worded}; "
                f"<strong>last contact:</strong> {_e(o.last_contact)} <small>[{_e(o.locator)}]</small></p>")


def metrics_table(case: Case) -> pd.DataFrame:
    return tables.for_display(tables.metrics_table(case))


def sources_block(case: Case) -> HTML:
    s = case.source
    rows = [f"<li>{_e(s.citation)}" + (f' <a href="https://doi.org/{_e(s.doi)}">doi:{_e(s.doi)}</a>' if s.doi else "")
            + (f" {_e(s.url)}" if s.url else "") + (f"; source text: <code>{_e(s.file)}</code>" if s.file else "")
            + f"; {_e(s.patient)}</li>"]
    return HTML(f"<ul>{''.join(rows)}</ul>")


def discrepancy_table(case: Case) -> pd.DataFrame | HTML:
    rows = []
    for d in case.discrepancies:
        for i, st in enumerate(d.statements):
            rows.append({"discrepancy": d.id if i == 0 else "", "topic": d.topic if i == 0 else "",
                         "statement": st.says, "locator": str(st.locator),
                         "note": (d.note or "") if i == 0 else ""})
    if not rows:
        return note("No disagreement between statements of the source was recorded.")
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- teaching: as-of note, questions, CARE


def disclosure_note(as_of: str | None) -> HTML | None:
    """In a teaching view: the as-of date and the rule that decided what is shown. Nothing in the full report."""
    if as_of is None:
        return None
    from .dates import parse_date
    from .disclosure import DISCLOSURE_RULE

    return HTML(f'<p class="cs-note"><strong>Teaching view as of {_e(parse_date(as_of))}:</strong> '
                f"nothing later is shown. {_e(DISCLOSURE_RULE)}</p>")


def discussion_questions(case: Case, reveal: bool = True) -> HTML:
    """The case's teaching questions with their decision points; answers only when revealed (full report).

    In an as-of view the case holds only the questions of decision points up to that
    date, already without answers (disclosure.case_as_of); ``reveal=False`` says so.
    """
    if not case.questions:
        return note("No discussion question is recorded for this case up to this point." if not reveal
                    else "No discussion question is recorded for this case.")
    items = []
    for q in case.questions:
        if reveal:
            answer = (f"<p><strong>What happened:</strong> {_e(q.answer)}</p>" if q.answer
                      else '<p class="cs-note"><em>No answer is recorded.</em></p>')
        else:
            answer = ""
        items.append(f"<li><p><strong>{_e(q.question)}</strong><br><small>decision point: {_e(q.decision_point)}; "
                     f"[{_e(q.locator)}]</small></p>{answer}</li>")
    closing = "" if reveal else '<p class="cs-note"><em>Discuss first: the answers come with the full report.</em></p>'
    return HTML(f"<ol>{''.join(items)}</ol>{closing}")


def care_coverage(case: Case, teaching: bool = False) -> pd.DataFrame | HTML:
    """CARE checklist items the case's data covers, with what is missing (not in a teaching view: it tells the end)."""
    if teaching:
        return note("The CARE checklist coverage is part of the full report.")
    from . import care

    return tables.for_display(care.care_table(case).replace("", None))
