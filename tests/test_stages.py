"""The unfolding case: stages at the decision points, each showing only what was known then, answers in the notes.

The deck's audience view is checked with the spoiler detector of test_spoilers (its own
tokenizer and idea of "later"): a stage's known and question slides against its as-of
date, its reveal against the next stage's (the last reveal may show the whole story).
"""

from __future__ import annotations

import html
import re

import pytest

from caseseries.outputs import stagedeck
from caseseries.model.disclosure import case_as_of
from caseseries.model.load import load_case
from caseseries.views.stages import FALLBACK_QUESTION, stages
from caseseries.model.timeline import timeline
from conftest import FIXTURE, FIXTURE_CASES, copy_fixture_project, published_ids, run_cli
from test_spoilers import _fixtures, _published, _synthetic, derived_numbers, split_facts, tokens

TIMELINE_FIXTURES = FIXTURE_CASES.parents[2] / "timeline"

TEMPLATE_WORDS = set().union(*(tokens(p.read_text(encoding="utf-8"))
                               for p in [*(stagedeck.TEMPLATES.glob("*.j2")), stagedeck.TEMPLATES.parents[2] / "views" / "stages.py",
                                         stagedeck.TEMPLATES.parents[1] / "stagedeck.py"]))
SECTION = re.compile(r'<section data-stage="([^"]+)" data-part="([^"]+)">(.*?)</section>', re.S)
NOTES = re.compile(r'<aside class="notes">(.*?)</aside>', re.S)


def audience(section_html: str) -> str:
    """What the room sees of a slide: its text and image descriptions, without the speaker notes."""
    shown = NOTES.sub(" ", section_html)
    alts = " ".join(re.findall(r'alt="([^"]*)"', shown))
    return html.unescape(re.sub(r"<[^>]+>", " ", shown) + " " + alts)


def slides(deck: str) -> list[tuple[str, str, str]]:
    return SECTION.findall(deck)


def leaks(case, as_of: str, text: str) -> set[str]:
    view = case_as_of(case, as_of)
    later_only, _ = split_facts(case, view, timeline(case).resolve(as_of).latest)
    return (later_only - derived_numbers(view) - TEMPLATE_WORDS) & tokens(text)


def all_cases(tmp_path):
    return _published() + _fixtures() + _synthetic(tmp_path)


def test_no_stage_shows_what_comes_after_it(tmp_path):
    problems = []
    for case in all_cases(tmp_path):
        staged = stages(case)
        deck = stagedeck.deck_html(case)
        for number, part, body in slides(deck):
            if number in ("0", "end"):
                continue
            k = int(number)
            if part == "reveal":  # what followed, up to the next decision point (the last reveal: to the end)
                if k == len(staged):
                    continue
                as_of = staged[k].as_of.stated
            else:
                as_of = staged[k - 1].as_of.stated
            found = leaks(case, as_of, audience(body))
            problems += [f"{case.case_id} stage {k} ({part}, as of {as_of}): shows {w!r}" for w in sorted(found)]
        title = [audience(body) for n, _, body in slides(deck) if n == "0"][0]
        problems += [f"{case.case_id} title slide: shows {w!r}" for w in leaks(case, staged[0].as_of.stated, title)]
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("case", _published() + _fixtures(), ids=lambda c: c.case_id)
def test_every_fact_of_the_case_is_shown_by_the_end(case):
    """Nothing is lost: each row of the full chronology is on an audience slide (the final reveal at the latest)."""
    from caseseries.views.stages import chronology

    deck = stagedeck.deck_html(case)
    shown = " ".join(" ".join(audience(body).split()) for _, _, body in slides(deck))
    missing = [row.label for _, row in chronology(case).iterrows() if " ".join(row.label.split()) not in shown]
    assert not missing, missing


@pytest.mark.parametrize("case", _published() + _fixtures() + [load_case(TIMELINE_FIXTURES / "plots-course-before.yaml")],
                         ids=lambda c: c.case_id)
def test_every_row_of_the_chronology_is_shown_once_known_or_revealed(case):
    """Rows are told apart by the item they are, not by their words: of two courses that read the same (kind not
    stated, one locator), each is shown, once (stage 1's known rows, then each stage's reveal)."""
    from caseseries.views.stages import _key, chronology

    staged = stages(case)
    shown = [_key(r) for _, r in staged[0].new_rows.iterrows()]
    shown += [_key(r) for s in staged for _, r in s.revealed_rows.iterrows()]
    assert sorted(shown, key=str) == sorted((_key(r) for _, r in chronology(case).iterrows()), key=str)


def test_stages_follow_the_questions_in_time_order_with_answers_only_in_the_notes():
    case = load_case(FIXTURE.parent / "new-case" / "every-form.yaml")
    assert case.questions
    staged = stages(case)
    tl = timeline(case)
    lasts = [s.as_of.latest for s in staged]
    assert lasts == sorted(lasts)
    asked = [p.question for s in staged for p in s.prompts]
    assert sorted(asked) == sorted(q.question for q in case.questions)
    for s in staged:
        for p in s.prompts:
            q = next(q for q in case.questions if q.question == p.question)
            assert tl.resolve(q.decision_point).latest == s.as_of.latest
    deck = stagedeck.deck_html(case)
    room = " ".join(audience(body) for _, _, body in slides(deck))
    notes = " ".join(html.unescape(n) for n in NOTES.findall(deck))
    for q in case.questions:
        assert q.question in room
        if q.answer:
            assert q.answer not in room and q.answer in notes
        assert q.locator.quote is None or q.locator.quote in notes


def test_a_case_without_questions_stops_before_each_main_treatment():
    """The fallback: the day before surgery, each regimen and each course starts; that treatment is not yet shown."""
    case = load_case(FIXTURE_CASES / "fx-cervix-calendar.yaml").model_copy(update={"questions": []})
    tl = timeline(case)
    staged = stages(case)
    assert 2 <= len(staged) <= 4
    starts = sorted(tl.at(("regimens", i, "start")).earliest for i in range(len(case.regimens)))
    for s in staged:
        assert [p.question for p in s.prompts] == [FALLBACK_QUESTION]
        following = [day for day in starts if day > s.as_of.latest]
        assert not following or s.as_of.latest < following[0]
        assert len(s.view.regimens) == sum(day <= s.as_of.latest for day in starts)


def test_slides_hold_at_most_eight_rows_and_the_title_slide_no_rule():
    case = load_case(FIXTURE_CASES / "fx-cervix-calendar.yaml")
    deck = stagedeck.deck_html(case)
    for _, _, body in slides(deck):
        assert NOTES.sub("", body).count("<tr>") <= 9  # the header row and at most eight rows
    title = NOTES.sub("", slides(deck)[0][2])
    assert "certainly happened" not in title and len(audience(title).split()) < 60


def test_pages_split_long_rows_over_slides():
    from caseseries.outputs.slide_html import line_count

    def height(lines: int) -> float:
        return stagedeck.ROW + lines * stagedeck.LINE

    long = " ".join(["chemoradiotherapy"] * 12)
    lines = line_count(long, stagedeck.COLUMN_WIDTHS["label"], stagedeck.TEXT)
    assert lines >= 3  # wraps in the details column
    rows = [{"when": "2020-01", "kind": "k", "label": long, "source": "s", "quote": ""} for _ in range(5)]
    per_slide = int(stagedeck.TABLE_ROOM // height(lines))
    assert 1 <= per_slide < 5
    assert [len(p) for p in stagedeck.pages(rows)] == [min(per_slide, 5 - k) for k in range(0, 5, per_slide)]
    short = [{"when": "2020-01", "kind": "k", "label": "x", "source": "s", "quote": ""} for _ in range(10)]
    assert [len(p) for p in stagedeck.pages(short)] == [stagedeck.ROWS_PER_SLIDE, 10 - stagedeck.ROWS_PER_SLIDE]
    # a narrow column wraps too: the row is as tall as its tallest cell
    source = "Case presentation, paragraph 12; Figure 3, panels E and F"
    tall = line_count(source, stagedeck.COLUMN_WIDTHS["source"], stagedeck.TEXT)
    assert tall >= 3
    sourced = [{**short[0], "source": source} for _ in range(8)]
    assert len(stagedeck.pages(sourced)[0]) == min(stagedeck.ROWS_PER_SLIDE, int(stagedeck.TABLE_ROOM // height(tall)))
    assert stagedeck.pages([]) == []


def test_teach_stages_writes_a_neutral_deck_and_handout(tmp_path):
    root = copy_fixture_project(tmp_path / "p", notebooks=False, node_modules=True)
    case_id = "fx-cervix-calendar"
    done = run_cli("teach", case_id, "--stages", root=root)
    assert done.returncode == 0, done.stderr
    deck, handout = stagedeck.stage_paths(case_id, root)
    assert re.fullmatch(r"case-[0-9a-f]{8}\.stages\.html", deck.name) and case_id not in handout.name
    assert (deck.parent / "reveal.js" / "dist" / "reveal.js").is_file()
    text = handout.read_text(encoding="utf-8")
    case = load_case(root / "data" / "cases" / f"{case_id}.yaml")
    assert case.neutral_title in text and case.source.citation not in text and case_id not in text
    first = stages(case)[0].prompts[0]
    assert first.question in text and (first.answer or "") not in text
    single = run_cli("teach", case_id, "--stages", "--single-file", root=root)
    assert single.returncode == 0, single.stderr
    alone = deck.read_text(encoding="utf-8")
    assert 'src="reveal.js' not in alone and "Reveal.initialize" in alone and "@import" not in alone
    both = run_cli("teach", case_id, "2020-09", "--stages", root=root)
    assert both.returncode == 2 and "no as-of date" in both.stderr and "Traceback" not in both.stderr


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from test_browser import CHROMIUM, Browser

    if CHROMIUM is None:
        pytest.skip("no Chromium found (/usr/bin/chromium)")
    b = Browser(tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()


@pytest.mark.parametrize("case_id", published_ids())
def test_staged_deck_of_every_published_case_runs_offline_as_one_file(tmp_path, browser, case_id):
    """Each published case's deck, reveal.js inlined, alone in a folder: every slide is there, every image decodes,
    and nothing but the file itself is requested."""
    from caseseries.model.load import find_case
    from caseseries.outputs.slides import inline_reveal
    from conftest import ROOT
    from test_layout import IMAGES, READY

    deck = tmp_path / "deck.html"
    deck.write_text(inline_reveal(stagedeck.deck_html(find_case(case_id)), ROOT), encoding="utf-8")
    browser.open(deck)
    shown = browser.evaluate(READY)
    assert shown and len(shown) == len(slides(deck.read_text(encoding="utf-8")))
    assert browser.evaluate(f"({IMAGES})(document)") == []
    assert [u for u in browser.requests() if not u.startswith(("data:", "about:"))] == [deck.resolve().as_uri()]
    assert browser.errors() == [] and browser.failures() == []
