"""Reveal.js slide decks of executed report notebooks, through nbconvert's SlidesExporter.

Decks open offline: the ``caseseries-slides`` template loads no script, style sheet or
font from the network, and reveal.js comes from a copy in ``reveal.js/`` next to the
decks, taken from the npm package pinned in package.json (``npm ci`` installs it into
node_modules; ``install_reveal`` copies what a deck needs). Slides follow the template
notebook's ``slideshow.slide_type`` metadata: each ``##`` section starts a slide.
"""

from __future__ import annotations

import copy
import filecmp
import shutil
from pathlib import Path

import nbformat

from .paths import project_root

TEMPLATES = Path(__file__).parent / "templates"
REVEAL_DIR = "reveal.js"  # the folder next to the decks, and the decks' reveal_url_prefix
CHECKOUT = Path(__file__).resolve().parents[2]


class SlidesError(Exception):
    """A deck that cannot be made: reveal.js not installed, or no rendered notebook to make it from."""


def to_slides(nb: nbformat.NotebookNode, title: str) -> str:
    """A reveal.js deck: inputs hidden, figures embedded, reveal.js from ./reveal.js, no network."""
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        template_name="caseseries-slides", extra_template_basedirs=[str(TEMPLATES)],
        reveal_url_prefix=REVEAL_DIR, reveal_theme="white", reveal_transition="none",
        reveal_number="c/t", reveal_width="1280", reveal_height="800",
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    nb = nbformat.from_dict(copy.deepcopy(nb))
    for cell in nb.cells:  # the parameters give the case away (case_id): never on a slide
        if {"parameters", "injected-parameters"} & set(cell.get("metadata", {}).get("tags", [])):
            cell.metadata["slideshow"] = {"slide_type": "skip"}
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def reveal_source(root: Path | None = None) -> Path:
    """node_modules/reveal.js of the project (or of the checkout the package runs from)."""
    for base in dict.fromkeys((root or project_root(), CHECKOUT)):
        candidate = base / "node_modules" / "reveal.js"
        if (candidate / "dist" / "reveal.js").is_file():
            return candidate
    raise SlidesError(f"reveal.js is not installed (no {(root or project_root()) / 'node_modules' / 'reveal.js'}): "
                      "run `npm ci` in the project folder (make slides and make teach do it)")


def install_reveal(slides_dir: Path, root: Path | None = None) -> Path:
    """Copy what the decks load from reveal.js (dist/, the notes plugin, the licence) into slides_dir/reveal.js."""
    source = reveal_source(root)
    target = slides_dir / REVEAL_DIR
    marker = target / "package.json"
    if marker.is_file() and filecmp.cmp(marker, source / "package.json", shallow=False):
        return target
    staging = slides_dir / f".{REVEAL_DIR}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source / "dist", staging / "dist", ignore=shutil.ignore_patterns("*.map", "*.esm.js"))
    shutil.copytree(source / "plugin" / "notes", staging / "plugin" / "notes", ignore=shutil.ignore_patterns("*.esm.js"))
    for name in ("LICENSE", "package.json"):
        shutil.copy2(source / name, staging / name)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def case_deck(case_id: str, root: Path | None = None) -> tuple[Path, Path, str]:
    """(kept notebook, deck path, title) of a case's full-report deck."""
    from .load import find_case

    root = root or project_root()
    case = find_case(case_id, root / "data" / "cases")
    notebook = root / "reports" / "cases" / f"{case_id}.ipynb"
    if not notebook.is_file():
        raise SlidesError(f"{notebook}: no rendered notebook for '{case_id}': run `caseseries render {case_id}` first")
    return notebook, root / "reports" / "slides" / f"{case_id}.slides.html", case.title


def render_case_decks(case_ids: list[str], root: Path | None = None, progress=None) -> list[Path]:
    """Decks of the full reports from the kept notebooks in reports/cases (no kernel runs)."""
    from .load import each_or_errors
    from .render import write_atomic

    root = root or project_root()
    if not case_ids:
        case_ids = [p.stem for p in sorted((root / "data" / "cases").glob("*.yaml"))]
    decks = each_or_errors(lambda case_id: case_deck(case_id, root), case_ids)
    install_reveal(root / "reports" / "slides", root)
    written = []
    for notebook, deck, title in decks:
        write_atomic(deck, to_slides(nbformat.read(notebook, as_version=4), title))
        written.append(deck)
        if progress is not None:
            print(f"wrote {deck.relative_to(root) if deck.is_relative_to(root) else deck}", file=progress, flush=True)
    return written
