"""Figures as SVG: the same case gives the same bytes, no date in them, and the HTML page shows each figure as
SVG with its description as alt text (issue 14)."""

from __future__ import annotations

import base64
import datetime
import json
import re
import xml.etree.ElementTree as ET

import matplotlib
import pytest
from IPython.core.formatters import DisplayFormatter

from caseseries.outputs import report, series_report, slide_fit
from conftest import copy_fixture_project, run_cli

CASE = "fx-cervix-calendar"  # a timeline and SCCA values: two figures
NO_DESCRIPTION = "No description has been provided for this image"  # nbconvert's alt when a figure has none
SVG = "{http://www.w3.org/2000/svg}"


def bundle(image) -> tuple[dict, dict]:
    """What a notebook cell keeps of a displayed object: its mime bundle and the bundle's metadata."""
    return DisplayFormatter().format(image)


@pytest.fixture(params=["timeline", "markers"])
def draw(request, cases):
    """A function drawing one figure of the fixture case afresh."""
    fn = report.timeline_figure if request.param == "timeline" else report.marker_figure
    return lambda: fn(cases[CASE])


def test_same_case_same_svg_bytes(draw):
    first, second = draw(), draw()
    assert first.svg == second.svg and first.data == second.data
    # ids hashed with a salt of the session's choosing (none: random) would differ between draws
    with matplotlib.rc_context({"svg.hashsalt": None}):
        assert draw().svg == first.svg


def test_svg_holds_no_date_or_version(draw):
    svg = draw().svg
    assert "<dc:date>" not in svg and "<dc:creator>" not in svg
    assert datetime.date.today().isoformat() not in svg
    assert matplotlib.__version__ not in svg


def test_svg_text_stays_text_with_a_sans_serif_fallback(draw):
    root = ET.fromstring(draw().svg)
    texts = list(root.iter(f"{SVG}text"))
    assert texts and all(t.text and t.text.strip() for t in texts)
    families = {re.search(r"font-family: ([^;]+)", t.get("style", "")).group(1) for t in texts}
    assert all(f.startswith("'DejaVu Sans'") and f.endswith("sans-serif") for f in families), families


def test_figure_offers_svg_and_png_with_the_same_alt_text(draw):
    image = draw()
    data, metadata = bundle(image)
    assert {"image/svg+xml", "image/png"} <= set(data)
    assert image.data.startswith(b"\x89PNG")  # the stage decks embed these bytes
    alts = {metadata[kind]["alt"] for kind in ("image/svg+xml", "image/png")}
    assert len(alts) == 1 and alts.pop().startswith(("Timeline: ", "Tumor markers (SCCA"))
    assert image.alt in data["text/plain"]  # a reader without images (and nbval) gets the description
    # the deck's layout reads the same proportions from either
    heights = [slide_fit.figure_height({kind: data[kind]}) for kind in ("image/svg+xml", "image/png")]
    assert heights[0] == pytest.approx(heights[1], rel=0.02)


def test_series_figures_are_described_from_the_data(cases, monkeypatch):
    shown = []
    monkeypatch.setattr(series_report, "display", shown.append)
    everyone = cases.all()
    assert series_report.swimmer(everyone) is None and shown
    kinetics = series_report.kinetics(everyone)
    for image in [*shown, kinetics]:
        _, metadata = bundle(image)
        assert metadata["image/svg+xml"]["alt"] == image.alt
    lanes = " ".join(image.alt for image in shown)
    placed = [c.case_id for c in everyone if c.case_id in lanes]
    assert placed and all(image.alt.startswith("Swimmer plot") for image in shown)
    assert "SCCA" in kinetics.alt and "× ULN" in kinetics.alt


def test_each_element_of_a_series_figure_has_an_id_of_its_own(cases, monkeypatch):
    """An SVG id names one element, also each colour of a bar that combines two therapies (chemoradiotherapy)."""
    shown = []
    monkeypatch.setattr(series_report, "display", shown.append)
    everyone = cases.all()
    series_report.swimmer(everyone)
    ids = []
    for image in [*shown, series_report.kinetics(everyone)]:
        found = [e.get("id") for e in ET.fromstring(image.svg).iter() if e.get("id")]
        assert len(found) == len(set(found)), sorted({i for i in found if found.count(i) > 1})
        assert not [i for i in found if re.search(r"\s", i)]
        ids += found
    assert any(re.search(r"#\d+:bar:chemotherapy$", i) for i in ids), "no bar of two therapies in the fixtures"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = copy_fixture_project(tmp_path_factory.mktemp("project"))
    out = run_cli("render", CASE, root=root)
    assert out.returncode == 0, out.stderr
    return root / "reports/cases"


def test_html_page_shows_each_figure_as_svg_with_its_alt_text(rendered):
    from bs4 import BeautifulSoup

    nb = json.loads((rendered / f"{CASE}.ipynb").read_text())
    kept = [(o["data"]["image/svg+xml"], o["metadata"]["image/svg+xml"]["alt"]) for c in nb["cells"]
            for o in c.get("outputs", []) if "image/svg+xml" in o.get("data", {})]
    assert len(kept) == 2  # the timeline and the markers
    page = BeautifulSoup((rendered / f"{CASE}.html").read_text(), "html.parser")
    images = page.find_all("img")
    assert not [i for i in images if not i["src"].startswith("data:image/svg+xml;base64,")]
    shown = [(base64.b64decode(i["src"].split(",", 1)[1]).decode("utf-8"), i["alt"]) for i in images]
    assert shown == [("".join(svg), alt) for svg, alt in kept]
    for svg, alt in shown:
        assert ET.fromstring(svg).tag == f"{SVG}svg"
        assert alt.strip() and alt != "Figure" and NO_DESCRIPTION not in alt
        assert re.search(r"\d+ (dated items|marker values)", alt), alt  # counted from the case, with its dates
    assert not page.find_all(id="figure_1")  # no figure inline: the ids of one never meet another's


def test_a_deck_shows_each_figure_as_svg_with_its_alt_text(rendered):
    """The reveal.js deck made from the kept notebook: the same SVG images and descriptions as the page."""
    from bs4 import BeautifulSoup

    out = run_cli("slides", CASE, root=rendered.parents[1])
    assert out.returncode == 0, out.stderr
    deck = BeautifulSoup((rendered.parent / "slides" / f"{CASE}.slides.html").read_text(), "html.parser")
    page = BeautifulSoup((rendered / f"{CASE}.html").read_text(), "html.parser")
    shown = [(i["src"], i["alt"]) for i in deck.find_all("img")]
    assert shown and shown == [(i["src"], i["alt"]) for i in page.find_all("img")]


@pytest.mark.parametrize("time_axis", ["calendar", "months"])
def test_one_layout_for_both_exports_gives_the_box_and_png_of_savefigs_own_tight_layout(cases, time_axis):
    """tight_box measures a figure without the draw savefig(bbox_inches="tight") does first: the box is the one
    measured after that draw, and the PNG is the bytes savefig gives when it lays the figure out itself."""
    import matplotlib.pyplot as plt

    from caseseries.views import plots

    drawn = 0
    for case in cases.all():
        for draw in (plots.timeline_figure, plots.marker_figure):
            own, once = draw(case, time_axis), draw(case, time_axis)
            if own is None:
                continue
            box = plots.tight_box(once)
            own.draw_without_rendering()  # what savefig does before it measures
            pad = matplotlib.rcParams["savefig.pad_inches"]
            after_a_draw = own.get_tightbbox(own.canvas.get_renderer()).padded(pad)
            assert box.bounds == after_a_draw.bounds, (case.case_id, draw.__name__)
            assert plots.png_bytes(once, box) == plots.png_bytes(own), (case.case_id, draw.__name__)
            plt.close(own)
            plt.close(once)
            drawn += 1
    assert drawn >= 4
