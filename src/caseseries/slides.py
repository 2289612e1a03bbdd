"""Reveal.js slide decks of executed report notebooks, through nbconvert's SlidesExporter.

Decks open offline: the ``caseseries-slides`` template loads no script, style sheet or
font from the network, and reveal.js comes from a copy in ``reveal.js/`` next to the
decks, taken from the npm package pinned in package.json (``npm ci`` installs it into
node_modules; ``install_reveal`` copies what a deck needs), or written into the deck itself
(``single_file``: its style sheets, fonts and scripts inline, one file to mail). Slides
follow the template notebook's ``slideshow.slide_type`` metadata: each ``##`` section
starts a slide, cut into as many slides as it needs to fit at 24 px (caseseries.slide_fit).
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import filecmp
import re
import shutil
from pathlib import Path

import nbformat

from .paths import project_root

TEMPLATES = Path(__file__).parent / "templates"
REVEAL_DIR = "reveal.js"  # the folder next to the decks, and the decks' reveal_url_prefix
CHECKOUT = Path(__file__).resolve().parents[2]


class SlidesError(Exception):
    """A deck that cannot be made: reveal.js not installed, or no rendered notebook to make it from."""


def to_slides(nb: nbformat.NotebookNode, title: str, single_file: bool = False) -> str:
    """A reveal.js deck: inputs hidden, figures embedded, reveal.js from ./reveal.js (or inline), no network."""
    from nbconvert import SlidesExporter

    from .slide_fit import fit_notebook
    from .slide_html import LAYOUT

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
    body, _ = exporter.from_notebook_node(fit_notebook(nb), resources={
        "metadata": {"name": title}, "slide_layout": dataclasses.asdict(LAYOUT)})
    return inline_reveal(body) if single_file else body


def inline_reveal(deck: str, root: Path | None = None) -> str:
    """The deck with what it loads from reveal.js (style sheets, their fonts, scripts) written into the page."""
    source = reveal_source(root)

    def style(match: re.Match) -> str:
        path = source / match.group(1)
        css = re.sub(r"@import url\((['\"]?)([^'\")]+)\1\);",
                     lambda m: _inline_css(path.parent / m.group(2)), path.read_text(encoding="utf-8"))
        return f"<style>\n{css}\n</style>"

    def script(match: re.Match) -> str:
        js = (source / match.group(1)).read_text(encoding="utf-8").replace("</script", "<\\/script")
        return f"<script>\n{js}\n</script>"

    prefix = re.escape(REVEAL_DIR)
    deck = re.sub(rf'<link\b[^>]*?\bhref="{prefix}/([^"]+\.css)"[^>]*>', style, deck)
    return re.sub(rf'<script src="{prefix}/([^"]+\.js)"></script>', script, deck)


def _inline_css(path: Path) -> str:
    """A style sheet imported by the theme (its fonts), with each font's WOFF file as a data: URL and no other file."""
    def src(match: re.Match) -> str:
        woff = [u for u in re.findall(r"url\(['\"]?([^'\")]+)['\"]?\)", match.group(1)) if u.endswith(".woff")]
        if not woff:
            return ""
        data = base64.b64encode((path.parent / woff[0]).read_bytes()).decode("ascii")
        return f"src: url(data:font/woff;base64,{data}) format('woff');"

    return re.sub(r"src:([^;]*);", src, path.read_text(encoding="utf-8"))


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


def render_case_decks(case_ids: list[str], root: Path | None = None, progress=None,
                      single_file: bool = False) -> list[Path]:
    """Decks of the full reports from the kept notebooks in reports/cases (no kernel runs); single_file: reveal.js inline."""
    from .load import each_or_errors
    from .render import write_atomic

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
