"""The unfolding case as files: one offline reveal.js deck of every stage, and a printable stage-1 handout.

Made from caseseries.views.stages without running a kernel. The deck's audience view shows per
stage only what the as-of view of that stage holds, then the reveal; answers and source
quotes are speaker notes. File names are neutral (``case-<8 hex of the id>``): the id
may name the drug. HTML comes from Jinja2 templates with autoescape.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from caseseries.outputs import report
from caseseries.model.disclosure import DISCLOSURE_RULE
from caseseries.model.case import Case
from caseseries.model.paths import neutral_stem
from caseseries.outputs.reveal import REVEAL_DIR
from caseseries.outputs.slide_html import line_count
from caseseries.views.stages import Stage, stages

TEMPLATES = Path(__file__).parent / "templates" / "stages"
ROWS_PER_SLIDE = 8
TABLE_ROOM = 580  # px of a 1280×800 slide for the table rows, under the stage line, the heading and the table head
TEXT, LINE, ROW = 24, 31.2, 13  # px: the table's text, a line of it, and a row's padding and rule
COLUMN_WIDTHS = {"when": 184, "kind": 184, "label": 580, "source": 172}  # px of text in each column (deck.html.j2)


class StageError(ValueError):
    """A case with no point at which a stage can be placed (no dated fact on its time axis)."""


@dataclass(frozen=True)
class Figure:
    data: str  # base64 PNG
    alt: str


def row_dicts(frame) -> list[dict]:
    """Chronology rows as the templates read them; missing values empty."""
    def text(value) -> str:
        return "" if value is None or pd.isna(value) else str(value)

    return [{"when": text(r["when"]), "kind": text(r["kind"]), "label": text(r["label"]),
             "source": text(r["locator"]), "quote": text(r.get("quote"))} for _, r in frame.iterrows()]


def pages(rows: list[dict]) -> list[list[dict]]:
    """Rows split over slides: at most ROWS_PER_SLIDE rows, and no more than TABLE_ROOM of wrapped lines, each
    (a row as tall as its tallest cell, wrapped in the theme's font as the report decks measure it)."""
    out: list[list[dict]] = [[]]
    used = 0.0
    for row in rows:
        height = ROW + LINE * max(line_count(row[column], width, TEXT) for column, width in COLUMN_WIDTHS.items())
        if out[-1] and (len(out[-1]) == ROWS_PER_SLIDE or used + height > TABLE_ROOM):
            out.append([])
            used = 0.0
        out[-1].append(row)
        used += height
    return out if out[0] else []


def figure(view: Case) -> Figure | None:
    """The as-of view's timeline as a PNG with its alt text; None when nothing can be placed."""
    image = report.timeline_figure(view)
    if not isinstance(getattr(image, "data", None), bytes):
        return None
    return Figure(base64.b64encode(image.data).decode("ascii"), image.alt or "Timeline of the case so far")


def _stage_context(stage: Stage, last: bool) -> dict:
    known = pages(row_dicts(stage.new_rows)) if stage.number == 1 else []  # later stages: the reveal showed them
    return {"number": stage.number, "when": stage.as_of.words, "summary": report.case_summary(stage.view)
            if stage.number == 1 else None, "known": known, "figure": figure(stage.view),
            "prompts": stage.prompts, "revealed": pages(row_dicts(stage.revealed_rows)), "last": last}


def _stages(case: Case) -> list[Stage]:
    staged = stages(case)
    if not staged:
        raise StageError(f"{case.case_id}: no decision point can be placed: the case has no question and no dated "
                         "fact on its time axis to stop at")
    return staged


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def deck_html(case: Case) -> str:
    """The staged deck: title, each stage (known, decide, reveal), then the outcome and the source."""
    report.setup()
    staged = _stages(case)
    context = [_stage_context(s, s is staged[-1]) for s in staged]
    return _environment().get_template("deck.html.j2").render(
        title=staged[0].view.title, stages=context, rule=DISCLOSURE_RULE,
        outcome=_markup(report.outcome_block(case).data),
        source=_markup(report.sources_block(case).data), prefix=REVEAL_DIR)


def _markup(html: str):
    """Trusted HTML into a template: report.py's blocks escape every value they hold."""
    from markupsafe import Markup

    return Markup(html)


def handout_html(case: Case) -> str:
    """Stage 1 for print: what is known, the timeline, the question and room to answer; no answer, no source."""
    report.setup()
    staged = _stages(case)
    first = staged[0]
    stage = {"when": first.as_of.words, "summary": report.case_summary(first.view),
             "rows": row_dicts(first.new_rows), "figure": figure(first.view), "prompts": first.prompts}
    return _environment().get_template("handout.html.j2").render(
        title=first.view.title, stage=stage, count=len(staged))


def stage_view(case: Case, number: int, reveal: bool = False, with_figure: bool = True) -> str:
    """Stage ``number`` (1-based) as an HTML block for a notebook: the view then (every row known by then), its
    timeline (unless ``with_figure`` is False), the question; with ``reveal`` what followed and the recorded answers."""
    report.setup()
    staged = _stages(case)
    if not 1 <= number <= len(staged):
        raise StageError(f"{case.case_id}: stage {number} does not exist: the case has {len(staged)} stage(s)")
    stage = staged[number - 1]
    from caseseries.views.stages import chronology

    context = {"number": stage.number, "when": stage.as_of.words, "summary": report.case_summary(stage.view),
               "rows": row_dicts(chronology(stage.view)), "figure": figure(stage.view) if with_figure else None,
               "prompts": stage.prompts,
               "revealed": row_dicts(stage.revealed_rows)}
    return _environment().get_template("view.html.j2").render(stage=context, count=len(staged), reveal=reveal)


def stage_paths(case_id: str, root: Path) -> tuple[Path, Path]:
    """(deck, handout) of a case's unfolding discussion, under neutral names."""
    stem = neutral_stem(case_id)
    return (root / "reports" / "slides" / f"{stem}.stages.html",
            root / "reports" / "teaching" / f"{stem}.handout.html")


def write_stages(case_id: str, root: Path | None = None, single_file: bool = False, progress=None) -> list[Path]:
    """Write the staged deck (reveal.js beside it, or inlined) and the handout; both made before either is written."""
    from caseseries.model.load import find_case
    from caseseries.model.paths import project_root
    from caseseries.model.files import check_writable, write_atomic
    from caseseries.outputs.reveal import inline_reveal, install_reveal, reveal_source

    root = root or project_root()
    case = find_case(case_id, root / "data" / "cases")
    deck, handout = stage_paths(case_id, root)
    check_writable([deck, handout])
    text = deck_html(case)
    if single_file:
        reveal_source(root)  # fails, saying how to install it, when node_modules has no reveal.js
        text = inline_reveal(text, root)
    texts = [(deck, text), (handout, handout_html(case))]
    if not single_file:
        install_reveal(deck.parent, root)
    for path, text in texts:
        write_atomic(path, text)
        if progress is not None:
            print(f"wrote {path.relative_to(root) if path.is_relative_to(root) else path}", file=progress, flush=True)
    return [deck, handout]
