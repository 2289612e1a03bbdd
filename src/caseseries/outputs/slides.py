"""Reveal.js slide decks of executed report notebooks, through nbconvert's SlidesExporter.

Decks open offline: the ``caseseries-slides`` template loads no script, style sheet or
font from the network, and reveal.js comes from a copy in ``reveal.js/`` next to the
decks, taken from the npm package pinned in package.json (``npm ci`` installs it into
node_modules; ``install_reveal`` copies what a deck needs), or written into the deck itself
(``single_file``: its style sheets, fonts and scripts inline, one file to mail). Slides
follow the template notebook's ``slideshow.slide_type`` metadata: each ``##`` section
starts a slide, cut into as many slides as it needs to fit at 24 px (caseseries.outputs.slide_fit).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from pathlib import Path

import nbformat

from caseseries.model.paths import project_root
from caseseries.outputs.reveal import REVEAL_DIR, SlidesError, inline_reveal, install_reveal, reveal_source

TEMPLATES = Path(__file__).parent / "templates"


def to_slides(nb: nbformat.NotebookNode, title: str, single_file: bool = False) -> str:
    """A reveal.js deck: inputs hidden, figures embedded, reveal.js from ./reveal.js (or inline), no network."""
    from caseseries.outputs.slide_fit import fit_notebook
    from caseseries.outputs.slide_html import LAYOUT

    nb = nbformat.from_dict(copy.deepcopy(nb))
    for cell in nb.cells:  # the parameters give the case away (case_id): never on a slide
        if {"parameters", "injected-parameters"} & set(cell.get("metadata", {}).get("tags", [])):
            cell.metadata["slideshow"] = {"slide_type": "skip"}
    nb.metadata["title"] = title
    body, _ = slides_exporter().from_notebook_node(fit_notebook(nb), resources={
        "metadata": {"name": title}, "slide_layout": dataclasses.asdict(LAYOUT)})
    return inline_reveal(body) if single_file else body


@functools.cache
def slides_exporter():
    """The reveal.js exporter, made once per process: a new one compiles its Jinja templates again."""
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        template_name="caseseries-slides", extra_template_basedirs=[str(TEMPLATES)],
        reveal_url_prefix=REVEAL_DIR, reveal_theme="white", reveal_transition="none",
        reveal_number="c/t", reveal_width="1280", reveal_height="800",
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def case_deck(case_id: str, root: Path | None = None) -> tuple[Path, Path, str]:
    """(kept notebook, deck path, title) of a case's full-report deck."""
    from caseseries.model.load import find_case

    root = root or project_root()
    case = find_case(case_id, root / "data" / "cases")
    notebook = root / "reports" / "cases" / f"{case_id}.ipynb"
    if not notebook.is_file():
        raise SlidesError(f"{notebook}: no rendered notebook for '{case_id}': run `caseseries render {case_id}` first")
    return notebook, root / "reports" / "slides" / f"{case_id}.slides.html", case.title


def render_case_decks(case_ids: list[str], root: Path | None = None, progress=None,
                      single_file: bool = False) -> list[Path]:
    """Decks of the full reports from the kept notebooks in reports/cases (no kernel runs); single_file: reveal.js inline."""
    from caseseries.model.load import each_or_errors
    from caseseries.model.files import write_atomic

    root = root or project_root()
    if not case_ids:
        case_ids = [p.stem for p in sorted((root / "data" / "cases").glob("*.yaml"))]
    decks = each_or_errors(lambda case_id: case_deck(case_id, root), case_ids)
    if single_file:
        reveal_source(root)  # fail before anything is written
    else:
        install_reveal(root / "reports" / "slides", root)
    written = []
    for notebook, deck, title in decks:
        write_atomic(deck, to_slides(nbformat.read(notebook, as_version=4), title, single_file=single_file))
        written.append(deck)
        if progress is not None:
            print(f"wrote {deck.relative_to(root) if deck.is_relative_to(root) else deck}", file=progress, flush=True)
    return written
