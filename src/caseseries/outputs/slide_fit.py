"""A report notebook cut into slides that fit 1280×800 at 24 px text, before nbconvert makes the deck.

Works on a copy (caseseries.outputs.slides.to_slides); the kept notebooks are not touched. Each
section of the template (a ``slide`` or ``subslide`` cell and what follows) is filled
slide by slide from estimated heights (caseseries.outputs.slide_html): a table with more rows
than fit, or than ``max_rows``, goes on over further slides, a wide one is cut by columns
(the columns that name a row repeated), a long list by items, and every further slide
has the section's heading with "(continued)". A table, list or figure after another
one starts a slide of its own: one idea per slide. The title slide keeps only the title
and a teaching view's as-of date; the rest of the header goes to a Summary slide and
the disclosure rule to the title slide's speaker notes.
"""

from __future__ import annotations

import re

import jinja2
import nbformat
from bs4 import BeautifulSoup
from markupsafe import Markup

from caseseries.outputs.slide_html import LAYOUT, Layout, Table, block_height, html_blocks, list_html, list_items

HEADING = re.compile(r"(#{1,6})[ \t]+([^\n]+?)[ \t]*(?:\n|$)")  # a markdown cell's first line, a heading
FIGURES = ("image/png", "image/jpeg", "image/svg+xml")
SUMMARY = "## Summary"


def fit_notebook(nb: nbformat.NotebookNode, layout: Layout = LAYOUT) -> nbformat.NotebookNode:
    """A copy of nb whose cells make slides that fit: sections cut into slides, the title slide reduced to the title."""
    nb = nbformat.from_dict(nb)
    cells, parent = [], ""
    for n, (kind, section) in enumerate(_sections(nb.cells)):
        if n == 0:
            cells += title_slides(section, nb.metadata.get("title", ""), layout)
            continue
        heading = HEADING.match(section[0].source) if section[0].cell_type == "markdown" else None
        if kind == "slide":
            parent = heading.group(2) if heading else parent
        cells += Section(kind, section, parent, layout).cells
    nb.cells = cells
    return nb


def _sections(cells) -> list[tuple[str, list]]:
    """(slide type, cells) of each section: a `slide` or `subslide` cell and the cells up to the next; skipped cells dropped."""
    out: list[tuple[str, list]] = []
    for cell in cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        if kind == "skip" or (cell.cell_type == "code" and not cell.get("outputs")):
            continue
        if kind in ("slide", "subslide") or not out:
            out.append((kind if out else "slide", [cell]))
        else:
            out[-1][1].append(cell)
    return out


def title_slides(cells, title: str, layout: Layout = LAYOUT) -> list:
    """The title slide (the report's h1 and a teaching view's as-of date, the rule in its notes), then a Summary."""
    header, note = [], None
    for cell in cells:
        if cell.cell_type == "markdown":
            header.append(_markdown_html(cell.source))
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html")
            if text is None:
                continue
            if "disclosure_note" in cell.source:
                note = text
            else:
                header.append(text)
    soup = BeautifulSoup("".join(header), "html.parser")
    h1 = soup.find("h1")
    heading = Markup(h1.decode_contents()) if h1 is not None else title  # the report's own h1, escaped there
    if h1 is not None:
        h1.extract()
    out = [_html_cell("cs-title", _TITLE.render(heading=heading, lead=_as_of(note) if note else None), "slide")]
    if note:
        out.append(_html_cell("cs-title-notes", note, "notes"))
    if soup.get_text().strip() or soup.find("img"):
        summary = nbformat.from_dict({"cell_type": "markdown", "id": "cs-summary", "source": SUMMARY, "metadata": {}})
        body = _html_cell("cs-summary-body", str(soup), "-")
        out += Section("slide", [summary, body], "", layout).cells
    return out


_TITLE = jinja2.Environment(autoescape=True).from_string(
    '<div class="cs-title"><h1>{{ heading }}</h1>{% if lead %}<p class="cs-subtitle">{{ lead }}</p>{% endif %}</div>')


def _as_of(note: str) -> str:
    """The lead of a teaching view's note ('Teaching view as of 4 April 2019'): what the title slide says of it."""
    soup = BeautifulSoup(note, "html.parser")
    lead = soup.find(["strong", "b"])
    text = lead.get_text() if lead is not None else re.split(r"[:.]", soup.get_text(), maxsplit=1)[0]
    return text.strip().rstrip(":").strip()


def _markdown_html(source: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(source)


def _markdown_height(source: str, layout: Layout) -> float:
    blocks, _ = html_blocks(_markdown_html(source))
    return sum(block_height(b, layout.inner_width, layout) for b in blocks)


def _html_cell(ident: str, text: str, kind: str) -> nbformat.NotebookNode:
    return _output_cell(ident, {"output_type": "display_data", "data": {"text/html": text}, "metadata": {}}, kind)


def _output_cell(ident: str, output: dict, kind: str = "-") -> nbformat.NotebookNode:
    return nbformat.from_dict({"cell_type": "code", "id": ident, "source": "", "execution_count": None,
                               "metadata": {"slideshow": {"slide_type": kind}}, "outputs": [output]})


FIGURE_WIDTH = 0.85  # of the slide's inner width, at least, for a figure read from the back of a room


def figure_height(data: dict, layout: Layout = LAYOUT) -> float:
    """The height a figure takes drawn FIGURE_WIDTH of the slide wide: the proportions of the image the deck shows
    (its SVG's viewBox or width and height, else its PNG's header); half a slide if not known."""
    try:
        width, height = _svg_size(data["image/svg+xml"]) if "image/svg+xml" in data else _png_size(data["image/png"])
        return FIGURE_WIDTH * layout.inner_width * height / width
    except (KeyError, ValueError, TypeError, ZeroDivisionError):
        return layout.budget / 2


def _svg_size(svg) -> tuple[float, float]:
    """(width, height) of an SVG from its root element: the viewBox, else width and height (any unit, the same)."""
    root = re.search(r"<svg\b[^>]*>", "".join(svg))
    if root is None:
        raise ValueError("no <svg> element")
    box = re.search(r'\sviewBox="\s*[-\d.e]+[\s,]+[-\d.e]+[\s,]+([\d.e]+)[\s,]+([\d.e]+)\s*"', root.group(0))
    if box is None:
        box = re.search(r'\swidth="([\d.e]+)[a-z%]*"[^>]*\sheight="([\d.e]+)[a-z%]*"', root.group(0))
    if box is None:
        raise ValueError("no viewBox, width or height on the <svg> element")
    return float(box.group(1)), float(box.group(2))


def _png_size(png) -> tuple[float, float]:
    """(width, height) of a base64 PNG from its IHDR chunk."""
    import base64
    import struct

    head = base64.b64decode("".join(png)[:64])
    try:
        return struct.unpack(">II", head[16:24])
    except struct.error as error:
        raise ValueError("not a PNG") from error


class Section:
    """The slides of one section, filled in order: ``cells`` are the notebook cells that make them."""

    def __init__(self, kind: str, cells: list, parent: str, layout: Layout = LAYOUT):
        self.kind, self.layout, self.cells, self.count = kind, layout, [], 0
        first = cells[0]
        heading = HEADING.match(first.source) if first.cell_type == "markdown" else None
        if heading:
            line = f"{heading.group(1)} {heading.group(2)}"
            opening = nbformat.from_dict({**first, "metadata": {**first.metadata, "slideshow": {"slide_type": kind}}})
            rest = cells[1:]
        else:  # a section without a heading (a table on a subslide of its own) gets its section's
            line = f"### {parent}" if parent else "###"
            opening = nbformat.from_dict({"cell_type": "markdown", "id": f"{first.id}-h", "source": line,
                                          "metadata": {"slideshow": {"slide_type": kind}}})
            rest = cells
        self.ident, self.continued = first.id, f"{line} (continued)"
        self.cells.append(opening)
        prose = bool(heading) and bool(first.source[heading.end():].strip())  # text under the heading, same cell
        self.used, self.fresh, self.full = _markdown_height(opening.source, layout), not prose, False
        self.fresh_room = layout.budget - _markdown_height(self.continued, layout)
        for cell in rest:
            self.add(cell)

    @property
    def room(self) -> float:
        return self.layout.budget - self.used

    def add(self, cell) -> None:
        if cell.cell_type == "markdown":
            self._text(nbformat.from_dict({**cell, "metadata": {"slideshow": {"slide_type": "-"}}}),
                       _markdown_height(cell.source, self.layout))
            return
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        for n, output in enumerate(cell.get("outputs", [])):
            self._output(f"{cell.id}-{n}", output, kind == "notes")

    def _output(self, ident: str, output: dict, notes: bool) -> None:
        data = output.get("data", {})
        shown = {"output_type": "display_data", "data": data, "metadata": output.get("metadata", {})}
        if output.get("output_type") not in ("display_data", "execute_result"):
            shown = output
        if notes:
            self.cells.append(_output_cell(ident, shown, "notes"))
        elif any(kind in data for kind in FIGURES):
            self._figure(_output_cell(ident, shown))
        elif "text/html" in data or "text/markdown" in data:
            text = data["text/html"] if "text/html" in data else _markdown_html(data["text/markdown"])
            blocks, styles = html_blocks(text)
            for n, block in enumerate(blocks):
                self._block(f"{ident}-{n}", block, styles)
        else:
            text = "".join(output.get("text", "")) or "".join(data.get("text/plain", ""))
            lines = max(text.count("\n") + 1, 1)
            self._text(_output_cell(ident, shown), lines * self.layout.text * self.layout.line + self.layout.gap)

    def _block(self, ident: str, block, styles: str) -> None:
        if getattr(block, "name", None) == "details":  # a table's source quotes: for the speaker, not the room
            self.cells.append(_html_cell(ident, styles + str(block), "notes"))
        elif getattr(block, "name", None) == "table" and Table.parse(block).body:
            self._table(ident, Table.parse(block), styles)
        elif getattr(block, "name", None) in ("ol", "ul") and list_items(block):
            self._list(ident, block)
        else:
            self._text(_html_cell(ident, styles + str(block), "-"), block_height(block, self.layout.inner_width,
                                                                                  self.layout))

    def next_slide(self) -> None:
        """Start a further slide of the section, under its heading with "(continued)"."""
        self.count += 1
        self.cells.append(nbformat.from_dict({"cell_type": "markdown", "id": f"{self.ident}-more{self.count}",
                                              "source": self.continued,
                                              "metadata": {"slideshow": {"slide_type": self.kind}}}))
        self.used, self.fresh, self.full = self.layout.budget - self.fresh_room, True, False

    def _put(self, cell, height: float, idea: bool) -> None:
        self.cells.append(cell)
        self.used += height
        self.fresh, self.full = False, self.full or idea

    def _text(self, cell, height: float) -> None:
        if height > self.room and not self.fresh:
            self.next_slide()
        self._put(cell, height, idea=False)

    def _figure(self, cell) -> None:
        """A figure takes the rest of its slide (the deck's script scales it to what is left): as much room as it
        needs to be drawn at FIGURE_WIDTH of the slide's width, else it goes on a slide of its own."""
        needed = figure_height(cell.outputs[0].get("data", {}), self.layout)
        if not self.fresh and (self.full or self.room < min(needed, self.fresh_room)):
            self.next_slide()
        self._put(cell, max(self.room, 0), idea=True)

    def _pieces(self, heights: list[float], todo: list[int], fixed: float, most: int) -> list[int]:
        """The first of todo that fit this slide: as many as fit here, or on a slide of their own if that holds more."""
        def fitting(room: float) -> list[int]:
            taken, used = [], fixed
            for i in todo[:most]:
                used += heights[i]
                if used > room:
                    break
                taken.append(i)
            return taken

        if self.full and not self.fresh:
            self.next_slide()
        here = fitting(self.room)
        if not self.fresh and len(here) < len(fitting(self.fresh_room)):
            self.next_slide()
            here = fitting(self.room)
        return here or todo[:1]

    def _table(self, ident: str, table: Table, styles: str) -> None:
        layout = self.layout
        for g, (cols, widths) in enumerate(table.column_groups(layout)):
            head = sum(table.row_heights(table.head, cols, widths, layout))
            heights = table.row_heights(table.body, cols, widths, layout)
            todo = list(range(len(heights)))
            while todo:
                rows = self._pieces(heights, todo, head + layout.gap, layout.max_rows)
                self._put(_html_cell(f"{ident}-{g}-{rows[0]}", table.html(cols, widths, rows, styles), "-"),
                          head + layout.gap + sum(heights[i] for i in rows), idea=True)
                todo = todo[len(rows):]

    def _list(self, ident: str, block) -> None:
        items = list_items(block)
        width = self.layout.inner_width - self.layout.indent
        heights = [block_height(li, width, self.layout, in_list=True) for li in items]
        todo = list(range(len(items)))
        while todo:
            taken = self._pieces(heights, todo, self.layout.gap, len(todo))
            self._put(_html_cell(f"{ident}-{taken[0]}", list_html(block, taken[0], [items[i] for i in taken]), "-"),
                      self.layout.gap + sum(heights[i] for i in taken), idea=True)
            todo = todo[len(taken):]
