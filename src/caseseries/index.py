"""reports/index.html: the landing page listing every case (title, one-line summary, report) and the series.

Plain HTML with inline CSS and no script: it opens from disk with no network. Every piece
of case text is HTML-escaped; nothing varies between runs but the cases and which
reports exist.
"""

from __future__ import annotations

import html
from pathlib import Path

from .load import load_cases
from .model import Case
from .paths import project_root
from .report import case_summary

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
li { margin-bottom: 0.9em; }
.id { color: #666; font-family: monospace; font-size: 0.9em; }
.missing { color: #a33; font-size: 0.9em; }
p.summary { margin: 0.2em 0 0 0; }
"""


def _link(href: str, text: str, exists: bool) -> str:
    """A link to a report, or the text with a remark when the report has not been rendered yet."""
    if exists:
        return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'
    return f'{html.escape(text)} <span class="missing">(not rendered yet: run <code>make reports</code>)</span>'


def _exports(case_id: str, reports_dir: Path) -> str:
    """Links to the case's exports (make exports) that exist: FHIR bundle, cBioPortal timeline files, Phenopacket."""
    links = []
    for label, pattern in (("FHIR R4B bundle", f"exports/fhir/{case_id}.fhir.json"),
                           ("Phenopacket v2", f"exports/phenopacket/{case_id}.phenopacket.json")):
        if (reports_dir / pattern).exists():
            links.append(_link(pattern, label, True))
    timeline_files = sorted((reports_dir / "exports" / "cbioportal").glob(f"{case_id}.data_timeline_*.txt"))
    if timeline_files:
        links.append("cBioPortal timeline: " + ", ".join(
            _link(f"exports/cbioportal/{p.name}", p.name.split(".data_timeline_")[1].removesuffix(".txt"), True)
            for p in timeline_files))
    return f'<p class="summary">Exports: {" · ".join(links)}</p>' if links else ""


def index_html(cases: list[Case], reports_dir: Path) -> str:
    """The page for these cases; links are relative to reports/ so that the folder can move."""
    series = _link("series.html", "Case series: comparison table, swimmer plot, marker kinetics",
                   (reports_dir / "series.html").exists())
    items = []
    for case in sorted(cases, key=lambda c: c.case_id):
        href = f"cases/{case.case_id}.html"
        items.append(f'<li>{_link(href, case.title, (reports_dir / href).exists())} '
                     f'<span class="id">{html.escape(case.case_id)}</span>'
                     f'<p class="summary">{html.escape(case_summary(case))}</p>{_exports(case.case_id, reports_dir)}</li>')
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>caseseries: reports</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n"
        "<h1>Case series reports</h1>\n"
        f"<p>{len(cases)} case{'s' if len(cases) != 1 else ''}, each rendered from its case file in "
        "<code>data/cases/</code>. Every fact in a report cites where it stands in its source.</p>\n"
        f"<h2>The series</h2>\n<ul>\n<li>{series}</li>\n</ul>\n"
        f"<h2>The cases</h2>\n<ul>\n" + "\n".join(items) + "\n</ul>\n</body>\n</html>\n"
    )


def write_index(root: Path | None = None) -> Path:
    """Write reports/index.html for every case in data/cases; return its path."""
    from .render import write_atomic

    root = root or project_root()
    reports = root / "reports"
    cases = load_cases(cases_dir=root / "data" / "cases")
    path = reports / "index.html"
    write_atomic(path, index_html(cases, reports))
    return path
