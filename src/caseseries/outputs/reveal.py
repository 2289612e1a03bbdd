"""reveal.js for the decks, from the npm package pinned in package.json (``npm ci`` installs it into
node_modules): found there, copied beside the decks, or written into a deck (one file, still no network)."""

from __future__ import annotations

import base64
import filecmp
import re
import shutil
from pathlib import Path

from caseseries.model.paths import project_root

REVEAL_DIR = "reveal.js"  # the folder next to the decks, and the decks' reveal_url_prefix
CHECKOUT = Path(__file__).resolve().parents[3]


class SlidesError(Exception):
    """A deck that cannot be made: reveal.js not installed, or no rendered notebook to make it from."""


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
    try:
        shutil.copytree(source / "dist", staging / "dist", ignore=shutil.ignore_patterns("*.map", "*.esm.js"))
        shutil.copytree(source / "plugin" / "notes", staging / "plugin" / "notes",
                        ignore=shutil.ignore_patterns("*.esm.js"))
        for name in ("LICENSE", "package.json"):
            shutil.copy2(source / name, staging / name)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:  # an interrupted or failed copy leaves no half folder (after the rename there is none)
        shutil.rmtree(staging, ignore_errors=True)
    return target
