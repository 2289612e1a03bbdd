"""reports/index.html: the landing page listing every case (title, one-line summary, report, deck, exports),
the series, the teaching views, and the commit the reports were rendered from.

Plain HTML with inline CSS and no script: it opens from disk with no network. The page is a
Jinja2 template with autoescape, so every piece of case text is HTML-escaped. It links only
the files present under reports/, and nothing varies between runs but the cases, those files
and the commit: the same inputs give the same bytes.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from caseseries.model.disclosure import FALLBACK_TITLE
from caseseries.model.case import Case
from caseseries.model.paths import project_root
from caseseries.outputs.report import case_summary

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
li { margin-bottom: 0.9em; }
.id { color: #666; font-family: monospace; font-size: 0.9em; }
.missing { color: #a33; font-size: 0.9em; }
.stamp { color: #555; font-size: 0.9em; }
p.summary { margin: 0.2em 0 0 0; }
"""

DIRTY_PATHS = ("data", "notebooks", "src")  # what a render is made from: changes elsewhere do not count


@dataclass(frozen=True)
class Link:
    """A link to an output under reports/ (href relative to it), or its text with 'not rendered yet'."""

    href: str
    text: str
    exists: bool = True


@dataclass(frozen=True)
class Stamp:
    """The commit the reports were rendered from: short hash, its own date (YYYY-MM-DD), uncommitted changes."""

    commit: str
    date: str
    dirty: bool


_PAGE = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string("""\
{% macro link(l) -%}
{% if l.exists %}<a href="{{ l.href }}">{{ l.text }}</a>{% else %}{{ l.text }} \
<span class="missing">(not rendered yet: run <code>make reports</code>)</span>{% endif %}
{%- endmacro %}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>caseseries: reports</title>
<style>{{ style }}</style>
</head>
<body>
<h1>Case series reports</h1>
<p>{{ cases | length }} case{{ "" if cases | length == 1 else "s" }}, each rendered from its case file in \
<code>data/cases/</code>. Every fact in a report cites where it stands in its source.</p>
{% if stamp %}
<p class="stamp">Rendered from commit <code>{{ stamp.commit }}</code> of {{ stamp.date }}\
{% if stamp.dirty %}, with uncommitted changes in data/, notebooks/ or src/{% endif %}.</p>
{% else %}
<p class="stamp">Rendered from files not from a git checkout: no commit to name.</p>
{% endif %}
<h2>The series</h2>
<ul>
<li>{{ link(series) }}</li>
</ul>
<h2>The cases</h2>
<ul>
{% for c in cases %}
<li>{{ link(c.report) }}{% if c.deck %} · {{ link(c.deck) }}{% endif %} <span class="id">{{ c.case_id }}</span>
<p class="summary">{{ c.summary }}</p>
{% if c.exports %}
<p class="summary">Exports: {% for label, links in c.exports %}{% if label %}{{ label }}: {% endif %}\
{% for l in links %}{{ link(l) }}{{ ", " if not loop.last }}{% endfor %}{{ " · " if not loop.last }}{% endfor %}</p>
{% endif %}
</li>
{% endfor %}
</ul>
{% if teaching %}
<h2>Teaching views</h2>
<p>Each case as it stood on a date, nothing later shown, under a title that does not give the ending away.</p>
<ul>
{% for t in teaching %}
<li>{{ link(t.page) }} ({{ t.label }}){% if t.deck %} · {{ link(t.deck) }}{% endif %}</li>
{% endfor %}
</ul>
{% endif %}
</body>
</html>
""")


def exports(case_id: str, reports_dir: Path) -> list[tuple[str | None, list[Link]]]:
    """The case's exports (make exports) that exist: FHIR bundle, Phenopacket, cBioPortal timeline files."""
    out = []
    for label, href in (("FHIR R4B bundle", f"exports/fhir/{case_id}.fhir.json"),
                        ("Phenopacket v2", f"exports/phenopacket/{case_id}.phenopacket.json")):
        if (reports_dir / href).exists():
            out.append((None, [Link(href, label)]))
    timeline_files = sorted((reports_dir / "exports" / "cbioportal").glob(f"{case_id}.data_timeline_*.txt"))
    if timeline_files:
        out.append(("cBioPortal timeline", [
            Link(f"exports/cbioportal/{p.name}", p.name.split(".data_timeline_")[1].removesuffix(".txt"))
            for p in timeline_files]))
    return out


def teaching_views(reports_dir: Path) -> list[dict]:
    """The teaching views under reports/teaching (and their decks), each named by its page's own neutral
    <title> and its as-of date: never by the case id, which can name the drug."""
    views = []
    for page in sorted((reports_dir / "teaching").glob("*.html")):
        stem, kind = page.stem.partition(".")[::2]
        # an as-of view's deck is <stem>.slides.html; the handout of an unfolding case goes with <stem>.stages.html
        deck, text = ((reports_dir / "slides" / f"{stem}.stages.html", "unfolding case deck") if kind == "handout"
                      else (reports_dir / "slides" / f"{page.stem}.slides.html", "slides"))
        views.append({"page": Link(f"teaching/{page.name}", page_title(page) or FALLBACK_TITLE),
                      "label": view_label(page.stem),
                      "deck": Link(f"slides/{deck.name}", text) if deck.is_file() else None})
    return views


def page_title(page: Path) -> str | None:
    """The text of an HTML page's <title> (entities decoded), None when it has none."""
    with page.open(encoding="utf-8", errors="replace") as f:
        head = f.read(65536)
    match = re.search(r"<title[^>]*>(.*?)</title>", head, re.S | re.I)
    if match is None:
        return None
    return " ".join(html.unescape(match.group(1)).split()) or None


def view_label(name: str) -> str:
    """What a teaching output's name says it is: 'as of 2019-04' ('case-1a2b3c4d@2019-04'; '@day183': 'as of
    day 183'), else the kind after its stem ('case-1a2b3c4d.handout': 'handout')."""
    stem, at, as_of = name.partition("@")
    if at:
        return "as of " + re.sub(r"^day(\d+)$", r"day \1", as_of)
    kind = stem.partition(".")[2]
    return {"handout": "stage-1 handout, for print"}.get(kind, kind) or "teaching page"


def index_html(cases: list[Case], reports_dir: Path, stamp: Stamp | None = None) -> str:
    """The page for these cases; links are relative to reports/ so that the folder can move; ``stamp`` the commit
    rendered from (None: not from a git checkout)."""
    listed = []
    for case in sorted(cases, key=lambda c: c.case_id):
        report = f"cases/{case.case_id}.html"
        deck = f"slides/{case.case_id}.slides.html"
        listed.append({"case_id": case.case_id, "summary": case_summary(case),
                       "report": Link(report, case.title, (reports_dir / report).is_file()),
                       "deck": Link(deck, "slides") if (reports_dir / deck).is_file() else None,
                       "exports": exports(case.case_id, reports_dir)})
    series = Link("series.html", "Case series: comparison table, swimmer plot, marker kinetics",
                  (reports_dir / "series.html").is_file())
    return _PAGE.render(style=Markup(STYLE), stamp=stamp, series=series, cases=listed,
                        teaching=teaching_views(reports_dir))


def render_stamp(root: Path) -> Stamp | None:
    """The commit HEAD of the git checkout at root, with its own date (so the same inputs give the same page)
    and whether data/, notebooks/ or src/ differ from it; None when git is absent or root is not in a checkout."""
    try:
        commit, date = _git(root, "log", "-1", "--format=%h %cs").split()
        dirty = bool(_git(root, "status", "--porcelain", "--", *DIRTY_PATHS).strip())
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return Stamp(commit, date, dirty)


def _git(root: Path, *args: str) -> str:
    """git's output in root; it takes no lock (others may be using the checkout) and raises when git fails."""
    return subprocess.run(["git", "--no-optional-locks", *args], cwd=root, capture_output=True, text=True,
                          timeout=60, check=True).stdout


def write_index(root: Path | None = None, checked=None) -> Path:
    """Write reports/index.html for every case in data/cases; return its path. With ``checked``
    (:class:`caseseries.model.checked.Checked`), a file validated there and unchanged since is not validated again."""
    from caseseries.model.checked import open_cases
    from caseseries.model.files import holding, write_atomic

    root = root or project_root()
    reports = root / "reports"
    cases = open_cases(None, root / "data" / "cases", checked)
    stamp = render_stamp(root)
    path = reports / "index.html"
    # What the page links is read and written under one lock: another index written at the same time (make or
    # Snakemake running `reports` and `exports` together) cannot replace it with a page read before this one.
    with holding(reports):
        write_atomic(path, index_html(cases, reports, stamp))
    return path
