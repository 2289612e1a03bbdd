"""Every generated page and every slide of every deck laid out in headless Chromium at 1280×800, network off.

One real render of the fixture project (its three cases, the series, the index, a teaching
view and the decks, one of them as a single file) is opened page by page and slide by slide
in one browser (tests/test_browser.py's Browser). Pages: nothing wider than the 1280 px
window, no element that scrolls or cuts its content sideways, every image decoded. Slides
(stepped through with Reveal.slide): no element or text outside its slide, nothing cut off
or scrolling, every image decoded, no text under 24 px (the reveal.js controls, slide number
and speaker notes aside). A screenshot of each page and slide goes to $CASESERIES_LAYOUT_SHOTS
(or a pytest temporary folder, printed). About 60 s on two cores, most of it the renders.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from caseseries.model.disclosure import DISCLOSURE_RULE
from conftest import FIXTURE_CASES, ROOT, copy_fixture_project, published_ids, run_cli
from test_browser import CHROMIUM, Browser

CASES = sorted(p.stem for p in FIXTURE_CASES.glob("*.yaml"))
TAUGHT, AS_OF = "fx-cervix-calendar", "2020-09"
NEUTRAL = f"case-{hashlib.sha256(TAUGHT.encode()).hexdigest()[:8]}"
TEACHING = f"{NEUTRAL}@{AS_OF}"
STAGED = f"{NEUTRAL}.stages.html"  # the unfolding deck (teach --stages), also made as one file
SINGLE = "fx-lung-egfr"  # also made as one file, with no reveal.js folder beside it
PAGES = [f"reports/cases/{c}.html" for c in CASES] + ["reports/series.html", "reports/index.html",
                                                       f"reports/teaching/{TEACHING}.html",
                                                       f"reports/teaching/{NEUTRAL}.handout.html"]
DECKS = [f"reports/slides/{c}.slides.html" for c in CASES] + [f"reports/slides/{TEACHING}.slides.html",
                                                               f"single/{SINGLE}.slides.html",
                                                               f"reports/slides/{STAGED}", f"single/{STAGED}"]
MIN_TEXT = 24  # px, on slides
SCROLLABLE_PAGE_PARTS: dict[str, str] = {}  # selector -> why it may scroll sideways; none is needed today

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (/usr/bin/chromium): the layout "
                                "test needs one")

READY = """(async () => {
  for (let i = 0; i < 200 && !(window.Reveal && Reveal.isReady()); i++) await new Promise(r => setTimeout(r, 25));
  await document.fonts.ready;
  return window.Reveal ? Reveal.getSlides().map(s => Reveal.getIndices(s)) : null;
})()"""

IMAGES = """(async (root) => {
  const out = [];
  for (const img of root.querySelectorAll('img')) {
    try { await img.decode(); } catch (e) {}
    if (!(img.naturalWidth > 0)) out.push('image not decoded: ' + (img.alt || img.src.slice(0, 60)));
  }
  return out;
})"""

CUT = """((root) => Array.from(root.querySelectorAll('*')).filter(el => {
  const style = getComputedStyle(el);
  return ['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX) && el.clientWidth > 0
    && el.scrollWidth > el.clientWidth + 1 && !(SCROLLABLE || []).some(s => el.matches(s));
}).map(el => `${el.tagName.toLowerCase()}.${el.className}: content ${el.scrollWidth} px in ${el.clientWidth} px`))"""

PAGE = """(async () => {
  await document.fonts.ready;
  const problems = await (IMAGES)(document);
  const width = document.documentElement.scrollWidth;
  if (width > innerWidth) problems.push(`page ${width} px wide in a ${innerWidth} px window`);
  problems.push(...(CUT)(document.body));
  return {problems, height: document.documentElement.scrollHeight};
})()"""

SLIDE = """(async ([h, v]) => {
  Reveal.slide(h, v);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const slide = Reveal.getCurrentSlide(), box = slide.getBoundingClientRect(), problems = [];
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'
    && !el.closest('aside.notes');
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
    ? '.' + el.className.split(' ')[0] : '');
  const outside = r => r.width > 0 && r.height > 0 && (r.left < box.left - 1 || r.top < box.top - 1
    || r.right > box.right + 1 || r.bottom > box.bottom + 1);
  const at = r => `${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}`;
  for (const el of slide.querySelectorAll('*')) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (outside(r)) problems.push(`${name(el)} at ${at(r)} outside the slide ${at(box)}`);
  }
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  const small = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || !shown(node.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if (outside(r)) problems.push(`text "${node.textContent.trim().slice(0, 40)}" at ${at(r)} outside the slide`);
    const size = parseFloat(getComputedStyle(node.parentElement).fontSize);
    if (size < MIN - 0.01) small.add(`${size} px text in ${name(node.parentElement)}: "${node.textContent.trim().slice(0, 40)}"`);
  }
  problems.push(...small, ...(CUT)(slide), ...await (IMAGES)(slide));
  const heading = slide.querySelector('h1, h2, h3');
  return {problems, heading: heading ? heading.textContent.replace('¶', '') : ''};
})"""


def _script(source: str) -> str:
    return (source.replace("(IMAGES)", IMAGES).replace("(CUT)", CUT).replace("MIN", str(MIN_TEXT))
            .replace("SCROLLABLE", json.dumps(list(SCROLLABLE_PAGE_PARTS))))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The fixture project rendered once: the reports, the series, the index, a teaching view and every deck."""
    if not (ROOT / "node_modules" / "reveal.js" / "dist" / "reveal.js").is_file():
        pytest.fail("reveal.js is not installed in node_modules: run `npm ci` (make test does)")
    root = copy_fixture_project(tmp_path_factory.mktemp("layout"), node_modules=True)
    for args in (("render", *CASES), ("series",), ("index",), ("teach", TAUGHT, AS_OF), ("slides", SINGLE, "--single-file"),
                 ("teach", TAUGHT, "--stages", "--single-file")):
        out = run_cli(*args, root=root)
        assert out.returncode == 0, (args, out.stderr)
    (root / "single").mkdir()
    shutil.move(root / f"reports/slides/{SINGLE}.slides.html", root / "single")
    shutil.move(root / f"reports/slides/{STAGED}", root / "single")
    out = run_cli("teach", TAUGHT, "--stages", root=root)
    assert out.returncode == 0, out.stderr
    out = run_cli("slides", root=root)
    assert out.returncode == 0, out.stderr
    return root


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the screenshots go: $CASESERIES_LAYOUT_SHOTS, or a temporary folder (its path is printed)."""
    folder = Path(os.environ.get("CASESERIES_LAYOUT_SHOTS") or tmp_path_factory.mktemp("layout-shots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nlayout screenshots: {folder}")
    return folder


def shot_name(path: str) -> str:
    return path.replace("/", "_").replace("@", "_at_").removesuffix(".html")


def full_page_screenshot(browser: Browser, path: Path, height: int) -> None:
    import base64

    clip = {"x": 0, "y": 0, "width": 1280, "height": min(max(height, 800), 16000), "scale": 1}
    data = browser.call("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)["data"]
    path.write_bytes(base64.b64decode(data))


def test_every_output_is_checked(project):
    """Every page and deck the commands wrote is one this test opens: nothing generated goes unlooked at."""
    written = {str(p.relative_to(project)) for p in (project / "reports").rglob("*.html")
               if "reveal.js" not in p.parts} | {str(p.relative_to(project)) for p in (project / "single").iterdir()}
    assert written == set(PAGES) | set(DECKS)


@pytest.mark.parametrize("page", PAGES)
def test_page_fits_the_window(project, browser, shots, page):
    browser.open(project / page)
    result = browser.evaluate(_script(PAGE))
    full_page_screenshot(browser, shots / f"{shot_name(page)}.png", result["height"])
    assert result["problems"] == [], f"{page} (screenshot in {shots}): " + "\n".join(result["problems"])


SORT_BY = """((n) => { const t = document.querySelector('table.cs-comparison'), th = t.tHead.rows[0].cells[n];
  th.querySelector('button').click();
  return [th.getAttribute('aria-sort'), Array.from(t.tBodies).map(b => b.rows[0].cells[0].textContent)]; })"""


def test_the_series_comparison_table_sorts_by_a_click_on_a_column_header(project, browser):
    """Ages 48, 61 and not reported: ascending, then descending; a patient without a value stays last."""
    browser.open(project / "reports/series.html")
    age = 1
    assert browser.evaluate(f"{SORT_BY}({age})") == ["ascending", CASES]
    assert browser.evaluate(f"{SORT_BY}({age})") == ["descending", ["fx-lung-egfr", "fx-cervix-calendar",
                                                                     "fx-relative-axis"]]
    assert browser.evaluate(f"{SORT_BY}(0)") == ["ascending", CASES]  # by patient, as text
    assert browser.errors() == []


@pytest.mark.parametrize("deck", DECKS)
def test_every_slide_fits(project, browser, shots, deck):
    browser.open(project / deck)
    slides = browser.evaluate(READY)
    assert slides, f"{deck}: reveal.js did not start"
    problems = []
    for index in slides:
        h, v = index["h"], index.get("v") or 0
        result = browser.evaluate(f"{_script(SLIDE)}([{h}, {v}])")
        browser.screenshot(shots / f"{shot_name(deck)}-{h:02d}-{v}.png")
        problems += [f"slide {h}/{v} ({result['heading'][:40]}): {p}" for p in result["problems"]]
    assert browser.errors() == [] and browser.failures() == []
    assert problems == [], f"{deck}: {len(problems)} problems (screenshots in {shots}):\n" + "\n".join(problems[:60])


def test_title_slide_has_the_title_and_the_as_of_date_only(project, browser):
    """The teaching deck's title slide: its title and 'Teaching view as of …'; the rule is in its speaker notes."""
    browser.open(project / f"reports/slides/{TEACHING}.slides.html")
    browser.evaluate(READY)
    title = browser.evaluate("""(() => { Reveal.slide(0, 0); const s = Reveal.getCurrentSlide();
      const notes = s.querySelector('aside.notes');
      return {text: s.innerText.trim(), notes: notes ? notes.textContent : '', words: s.innerText.split(/\\s+/).length}; })()""")
    assert title["text"].splitlines()[-1].startswith("Teaching view as of "), title
    assert title["words"] < 40, title  # the title and the date, not the ~110-word rule
    assert " ".join(DISCLOSURE_RULE.split()[:12]) in " ".join(title["notes"].split()), title


@pytest.mark.parametrize("deck", [f"{SINGLE}.slides.html", STAGED])
def test_single_file_deck_loads_nothing_else(project, browser, deck):
    browser.open(project / f"single/{deck}")
    assert browser.evaluate(READY)
    assert [u for u in browser.requests() if not u.startswith(("data:", "about:"))] == [
        (project / f"single/{deck}").resolve().as_uri()]
    assert browser.evaluate("getComputedStyle(document.querySelector('.reveal h2')).fontFamily").startswith(
        '"Source Sans Pro"') and browser.evaluate("document.fonts.check('24px \"Source Sans Pro\"')")


@pytest.fixture(scope="module")
def published_decks(tmp_path_factory) -> Path:
    """Each published case's deck, made from its kept notebook (no kernel), reveal.js beside them."""
    import nbformat

    from caseseries.model.load import find_case
    from caseseries.outputs.slides import install_reveal, to_slides

    folder = tmp_path_factory.mktemp("published")
    install_reveal(folder, ROOT)
    for case_id in published_ids():
        nb = nbformat.read(ROOT / "reports" / "cases" / f"{case_id}.ipynb", as_version=4)
        (folder / f"{case_id}.slides.html").write_text(to_slides(nb, find_case(case_id).title), encoding="utf-8")
    return folder


@pytest.mark.parametrize("case_id", published_ids())
def test_every_slide_of_every_published_deck_fits(published_decks, browser, case_id):
    """What holds for any case: its deck fits, whatever its tables hold (fixtures alone missed a long quote list)."""
    browser.open(published_decks / f"{case_id}.slides.html")
    slides = browser.evaluate(READY)
    problems = []
    for index in slides:
        h, v = index["h"], index.get("v") or 0
        result = browser.evaluate(f"{_script(SLIDE)}([{h}, {v}])")
        problems += [f"slide {h}/{v} ({result['heading'][:40]}): {p}" for p in result["problems"]]
    assert slides and problems == [], "\n".join(problems[:30])
