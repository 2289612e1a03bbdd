"""The teaching view and its slide deck in a real browser: headless Chromium, network off.

Chromium is driven over the DevTools protocol (websocket-client, no Playwright): the
page loads from file://, every request the page makes is logged, and the checks run in
the page itself. Requests cannot leave the machine (the network is emulated offline and
every host name resolves to nothing); the test also asserts from the log that none was
even attempted. Skipped, with the reason, where no Chromium is installed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import FIXTURE_CASES, ROOT, copy_fixture_project

CASE, AS_OF = "fx-cervix-calendar", "2020-09"  # as of the month before its first pembrolizumab dose
LATER_DRUGS = ("pembrolizumab", "paclitaxel", "carboplatin")  # first given on 2020-10-05
NEUTRAL_TITLE = re.search(r'^neutral_title: "(.*)"$', (FIXTURE_CASES / f"{CASE}.yaml").read_text(), re.M).group(1)
CHROMIUM = next((p for p in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                             shutil.which("chromium-browser"), shutil.which("google-chrome")) if p and Path(p).is_file()),
                None)
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars", "--window-size=1280,800"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (/usr/bin/chromium; .ci/run installs "
                                "Debian's chromium package): the browser tests need one")


class Browser:
    """One headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, tmp: Path):
        import websocket  # websocket-client

        self.profile = Path(tempfile.mkdtemp(prefix="profile-", dir=tmp))
        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}",
                                      "--remote-debugging-port=0", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = self._port()
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        url = next(p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page")
        self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        for method in ("Page.enable", "Network.enable", "Runtime.enable", "Log.enable"):
            self.call(method)
        self.call("Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=-1,
                  uploadThroughput=-1)
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=800, deviceScaleFactor=1, mobile=False)

    def _port(self) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if marker.is_file() and marker.read_text().strip():
                return int(marker.read_text().splitlines()[0])
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode}")
            time.sleep(0.05)
        raise RuntimeError("chromium did not open its DevTools port within 20 s")

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        while time.monotonic() < deadline:
            for event in self.events[seen:]:
                if event.get("method") == method:
                    return event
            seen = len(self.events)
            self.ws.settimeout(max(deadline - time.monotonic(), 0.1))
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(method)

    def open(self, path: Path) -> None:
        self.events.clear()
        self.call("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"in the page: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(data)
        return data

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def failures(self) -> list[str]:
        urls = {e["params"]["requestId"]: e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"}
        return [f"{urls.get(e['params']['requestId'], '?')}: {e['params']['errorText']}" for e in self.events
                if e.get("method") == "Network.loadingFailed"]

    def errors(self) -> list[str]:
        out = [json.dumps(e["params"]["exceptionDetails"])[:300] for e in self.events
               if e.get("method") == "Runtime.exceptionThrown"]
        out += [e["params"]["entry"]["text"] for e in self.events
                if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"]
        return out

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


IMAGES_DECODED = """(async () => {
  const images = Array.from(document.images);
  const out = [];
  for (const img of images) {
    let decoded = true;
    try { await img.decode(); } catch (e) { decoded = false; }
    out.push({decoded, width: img.naturalWidth, height: img.naturalHeight, alt: img.alt});
  }
  return out;
})()"""

PAGE_TEXT = """JSON.stringify({
  title: document.title,
  html: document.documentElement.outerHTML,
  text: document.body.innerText,
  alts: Array.from(document.images, i => i.alt),
  meta: Array.from(document.querySelectorAll('meta'), m => m.outerHTML)
})"""


@pytest.fixture(scope="module")
def teaching(tmp_path_factory):
    """One real render of the fixture case fx-cervix-calendar as of 2020-09: the HTML view and its deck."""
    if not (ROOT / "node_modules" / "reveal.js" / "dist" / "reveal.js").is_file():
        pytest.fail("reveal.js is not installed in node_modules: run `npm ci` (make test does)")
    root = copy_fixture_project(tmp_path_factory.mktemp("project"), node_modules=True)
    out = subprocess.run([sys.executable, "-m", "caseseries", "teach", CASE, AS_OF],
                         cwd=root, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "CASESERIES_ROOT": str(root)})
    assert out.returncode == 0, out.stderr
    name = f"case-{hashlib.sha256(CASE.encode()).hexdigest()[:8]}@{AS_OF}"  # teaching outputs have neutral names
    return root / f"reports/teaching/{name}.html", root / f"reports/slides/{name}.slides.html"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()


def assert_offline(browser: Browser) -> None:
    requests = browser.requests()
    assert requests, "the request log is empty: the check would pass vacuously"
    assert [u for u in requests if not u.startswith(LOCAL_SCHEMES)] == []
    assert browser.failures() == []


def assert_figures_render(browser: Browser, at_least: int) -> None:
    images = browser.evaluate(IMAGES_DECODED)
    assert len(images) >= at_least, images
    assert all(i["decoded"] and i["width"] > 100 and i["height"] > 100 for i in images), images


def test_as_of_view_renders_its_figures_offline(teaching, browser, tmp_path):
    html, _ = teaching
    browser.open(html)
    assert_figures_render(browser, at_least=2)  # the timeline and the SCCA values known by 2020-09
    assert_offline(browser)
    assert browser.errors() == []
    shot = browser.screenshot(tmp_path / "view.png")
    assert len(shot) > 10_000  # a real page, not a blank one


def test_as_of_view_never_mentions_a_later_drug(teaching, browser):
    html, _ = teaching
    browser.open(html)
    page = json.loads(browser.evaluate(PAGE_TEXT))
    assert page["title"] == NEUTRAL_TITLE
    for drug in LATER_DRUGS:
        for part in ("title", "html", "text"):
            assert drug not in page[part].lower(), (drug, part)
        assert not any(drug in a.lower() for a in page["alts"] + page["meta"])
        assert drug not in html.read_text(encoding="utf-8").lower()  # nor in anything not shown
    assert f"Teaching view as of {AS_OF}" in page["text"] and "Citation withheld until the reveal" in page["text"]
    assert "pulmonary recurrence" in page["text"]  # the story up to 2020-09 is there


def test_deck_runs_reveal_from_the_local_copy_offline(teaching, browser, tmp_path):
    _, deck = teaching
    browser.open(deck)
    state = browser.evaluate("""(async () => {
      for (let i = 0; i < 100 && !(window.Reveal && Reveal.isReady()); i++) await new Promise(r => setTimeout(r, 50));
      return {ready: !!(window.Reveal && Reveal.isReady()), slides: Reveal.getHorizontalSlides().length,
              headings: Array.from(document.querySelectorAll('.reveal .slides > section h2'), h => h.textContent),
              sheets: Array.from(document.querySelectorAll('link[rel=stylesheet]'), l => !!l.sheet)};
    })()""")
    assert state["ready"], state
    assert all(state["sheets"]) and len(state["sheets"]) == 2, state  # reveal.css and the theme, both loaded
    # one slide per section: the title slide, then every '##' heading of the report
    assert state["slides"] == len(state["headings"]) + 1, state
    assert {"Timeline", "Discussion questions", "Sources and discrepancies"} <= {h.rstrip("¶") for h in state["headings"]}
    assert_figures_render(browser, at_least=1)
    assert_offline(browser)
    assert [u for u in browser.requests() if "reveal.js/dist/reveal.js" in u], "reveal.js did not come from the copy"
    assert browser.errors() == []
    page = json.loads(browser.evaluate(PAGE_TEXT))
    assert not [d for d in LATER_DRUGS if d in (page["html"] + page["title"]).lower()]


def test_deck_figure_slide_is_legible(teaching, browser, tmp_path):
    """The timeline slide: the figure is drawn at least 1000 px wide on a 1280 px screen, not a blank slide."""
    from PIL import Image

    _, deck = teaching
    browser.open(deck)
    box = browser.evaluate("""(async () => {
      for (let i = 0; i < 100 && !(window.Reveal && Reveal.isReady()); i++) await new Promise(r => setTimeout(r, 50));
      const slides = Reveal.getSlides();  // the figure may be on a "(continued)" slide below its heading's
      const index = slides.findIndex(s => (s.querySelector('h2, h3') || {}).textContent?.startsWith('Timeline')
                                          && s.querySelector('img'));
      const at = Reveal.getIndices(slides[index]);
      Reveal.slide(at.h, at.v || 0);
      await new Promise(r => setTimeout(r, 300));
      const img = slides[index].querySelector('img');
      const r = img.getBoundingClientRect();
      return {index: at.h, width: r.width, height: r.height, top: r.top, bottom: r.bottom};
    })()""")
    assert box["index"] > 0 and box["width"] >= 1000, box
    shot = Image.open(io.BytesIO(browser.screenshot(tmp_path / "timeline.png"))).convert("RGB")
    assert len(shot.resize((320, 200)).getcolors(maxcolors=1 << 16) or ()) > 50, "the timeline slide looks blank"


def test_the_request_log_catches_a_page_that_reaches_out(browser, tmp_path):
    """The offline check can fail: a CDN script is logged (and, offline, not loaded)."""
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><html><head><script src="https://cdn.example.invalid/reveal.js/dist/reveal.js">'
                    '</script></head><body><img src="http://images.example.invalid/x.png"></body></html>')
    browser.open(page)
    leaving = [u for u in browser.requests() if not u.startswith(LOCAL_SCHEMES)]
    assert leaving == ["https://cdn.example.invalid/reveal.js/dist/reveal.js", "http://images.example.invalid/x.png"]
    assert len(browser.failures()) == 2 and browser.evaluate("typeof Reveal") == "undefined"
