"""Sizes and slices of report HTML on a slide: how tall a block is at 24 px, a table cut by rows and by columns.

Heights are estimates in CSS px of the 1280×800 slide, wrapped with the widths of the
theme's own font (Source Sans Pro, from reveal.js's copy; an average width where that is
missing). The deck's style sheet is written from the same numbers (Layout), and
tests/test_layout.py checks in Chromium that what is cut by them fits.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import lru_cache

from bs4 import BeautifulSoup, Comment, NavigableString, Tag


@dataclass(frozen=True)
class Layout:
    """The slide and its type in CSS px of the slide; templates/caseseries-slides writes its style sheet from these."""

    width: int = 1280
    height: int = 800
    pad_x: int = 40
    pad_y: int = 24
    text: int = 24  # every text on a slide: paragraphs, lists, table cells
    line: float = 1.3
    h1: int = 44
    h2: int = 36
    h3: int = 30
    heading_line: float = 1.2
    gap: int = 12  # below a paragraph, list, table or heading
    item_gap: int = 6  # below a list item, and below a paragraph inside one
    indent: int = 40  # of a list
    cell_x: int = 8  # padding of a table cell
    cell_y: int = 4
    max_rows: int = 8  # table rows on one slide
    wrap_at: int = 320  # a column of long text wraps at this width, wider only when its slide has room to spare
    keys_at_most: float = 0.4  # of the width, for the columns repeated on every slide of a wide table
    fill: float = 0.94  # of the slide's height that estimated heights may fill

    @property
    def inner_width(self) -> int:
        return self.width - 2 * self.pad_x

    @property
    def budget(self) -> float:
        return (self.height - 2 * self.pad_y) * self.fill


LAYOUT = Layout()
FONT = "dist/theme/fonts/source-sans-pro/source-sans-pro-{}.ttf"
SLACK = 0.96  # lines are filled to this part of their width: the browser's breaks and fallback glyphs differ a little
INLINE = {"a", "abbr", "b", "br", "cite", "code", "em", "i", "kbd", "mark", "q", "s", "small", "span", "strong",
          "sub", "sup", "time", "u", "var"}


@lru_cache(maxsize=None)
def _font(px: int, bold: bool):
    """The theme's font at px (a PIL font), or None where reveal.js or Pillow is missing."""
    from caseseries.outputs.reveal import SlidesError, reveal_source

    try:
        from PIL import ImageFont

        return ImageFont.truetype(str(reveal_source() / FONT.format("semibold" if bold else "regular")), px)
    except (ImportError, OSError, SlidesError):
        return None


def text_width(text: str, px: int, bold: bool = False) -> float:
    """Width of text on one line, in px."""
    font = _font(px, bold)
    return font.getlength(text) if font is not None else 0.56 * px * len(text)


def line_count(text: str, width: float, px: int, bold: bool = False) -> int:
    """Lines text takes wrapped at width: a newline starts a line, a word longer than a line is broken."""
    width, total = width * SLACK, 0
    space = text_width(" ", px, bold)
    for part in text.split("\n"):
        lines, x = 1, None
        for word in part.split():
            w = text_width(word, px, bold)
            if x is not None and x + space + w <= width:
                x += space + w
                continue
            if x is not None:
                lines += 1
            broken = int(w // width) if w > width else 0
            lines, x = lines + broken, w - broken * width
        total += lines
    return max(total, 1)


def inline_text(nodes) -> str:
    """The text of inline nodes as it wraps: <br> breaks the line, any other white space is one space."""
    parts = []
    for node in nodes:
        if isinstance(node, Comment):
            continue
        if isinstance(node, Tag):
            if node.name in ("style", "script"):
                continue
            parts.append("\n" if node.name == "br" else inline_text(node.children))
        else:
            parts.append(re.sub(r"\s+", " ", str(node)))
    return "".join(parts)


def cell_text(cell: Tag) -> str:
    return "\n".join(line.strip() for line in inline_text(cell.children).split("\n")).strip()


def is_inline(node) -> bool:
    return not isinstance(node, Tag) or node.name in INLINE


def run_height(nodes, width: float, layout: Layout = LAYOUT) -> float:
    """Height of a run of inline content (no margin)."""
    text = inline_text(nodes).strip(" ")
    if not text.strip():
        return 0.0
    return line_count(text, width, layout.text) * layout.text * layout.line


def block_height(node, width: float, layout: Layout = LAYOUT, in_list: bool = False) -> float:
    """Estimated height of a block of HTML at width, with the margin below it."""
    if is_inline(node):
        return run_height([node], width, layout)
    name = node.name
    if name in ("style", "script") or node.get("hidden") is not None:
        return 0.0
    if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
        px = getattr(layout, name, layout.text)
        text = inline_text(node.children).strip()
        return line_count(text, width, px, bold=True) * px * layout.heading_line + layout.gap
    if name == "table":
        table = Table.parse(node)
        widths = [min(n, layout.wrap_at) for n in table.natural_widths(layout)]
        cols = list(range(table.columns))
        return sum(table.row_heights(table.head, cols, widths, layout)) + sum(
            table.row_heights(table.body, cols, widths, layout)) + layout.gap
    if name in ("ul", "ol"):
        items = list_items(node)
        return sum(block_height(li, width - layout.indent, layout, True) for li in items) + (
            layout.item_gap if in_list else layout.gap)
    total, run = 0.0, []
    for child in node.children:
        if is_inline(child):
            run.append(child)
            continue
        total += run_height(run, width, layout) + block_height(child, width, layout, in_list or name == "li")
        run = []
    total += run_height(run, width, layout)
    if name == "p":
        total += layout.item_gap if in_list else layout.gap
    elif name == "li":
        total += layout.item_gap
    return total


def list_items(node: Tag) -> list[Tag]:
    return node.find_all("li", recursive=False)


def list_html(node: Tag, first: int, items: list[Tag]) -> str:
    """Items of a list as a list of their own (an ordered one numbered on from `first`)."""
    attrs = {k: v for k, v in node.attrs.items() if k != "start"}
    if node.name == "ol":
        attrs["start"] = str(int(node.get("start", 1)) + first)
    return str(new_tag(node.name, attrs, [copy.copy(li) for li in items]))


def new_tag(name: str, attrs: dict, children: list) -> Tag:
    """An element built as a tree (BeautifulSoup writes and escapes it), holding copies or new nodes."""
    tag = BeautifulSoup("", "html.parser").new_tag(name, attrs=attrs)
    for child in children:
        tag.append(child)
    return tag


def _span(cell: Tag, name: str) -> int:
    try:
        return max(int(cell.get(name, 1)), 1)
    except ValueError:
        return 1


def _grid(rows: list[Tag]) -> list[list[Tag | None]]:
    """Rows as a grid: grid[r][c] is the cell over row r, column c (a spanning cell in every slot it covers)."""
    slots: dict[tuple[int, int], Tag] = {}
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            while (r, c) in slots:
                c += 1
            for dr in range(_span(cell, "rowspan")):
                for dc in range(_span(cell, "colspan")):
                    slots[(r + dr, c + dc)] = cell
            c += _span(cell, "colspan")
    columns = max((c for _, c in slots), default=-1) + 1
    return [[slots.get((r, c)) for c in range(columns)] for r in range(len(rows))]


@dataclass
class Table:
    """An HTML table as grids of its head and body rows, to be cut into smaller tables by rows and columns."""

    tag: Tag
    head_rows: list[Tag]
    body_rows: list[Tag]
    head: list[list[Tag | None]]
    body: list[list[Tag | None]]
    columns: int

    @classmethod
    def parse(cls, tag: Tag) -> Table:
        rows = [tr for tr in tag.find_all("tr") if tr.find_parent("table") is tag]
        head_rows = [tr for tr in rows if tr.parent.name == "thead"]
        body_rows = [tr for tr in rows if tr.parent.name != "thead"]
        head, body = _grid(head_rows), _grid(body_rows)
        columns = max((len(row) for row in head + body), default=0)
        head = [row + [None] * (columns - len(row)) for row in head]
        body = [row + [None] * (columns - len(row)) for row in body]
        return cls(tag, head_rows, body_rows, head, body, columns)

    def natural_widths(self, layout: Layout = LAYOUT, narrowest: bool = False) -> list[float]:
        """Each column's widest cell on one line (or, narrowest=True, its longest word), with the cell's padding."""
        out = [2.0 * layout.cell_x + 1] * self.columns
        for row in self.head + self.body:
            for c, cell in enumerate(row):
                if cell is None or sum(x is cell for x in row) > 1:  # a cell over several columns sizes none of them
                    continue
                text, bold = cell_text(cell), cell.name == "th"
                pieces = text.split() if narrowest else text.split("\n")
                wide = max((text_width(p, layout.text, bold) for p in pieces), default=0.0)
                out[c] = max(out[c], wide / SLACK + 2 * layout.cell_x + 1)
        return out

    def key_columns(self, widths: list[float], layout: Layout = LAYOUT) -> list[int]:
        """The columns that name a row (the index, then the first column): repeated on every slide of a wide table."""
        index = 0
        while index < self.columns and self.body and all(row[index] is not None and row[index].name == "th"
                                                         for row in self.body):
            index += 1
        keys = list(range(min(index + 1, self.columns)))
        while keys and sum(widths[k] for k in keys) > layout.keys_at_most * layout.inner_width:
            keys.pop()
        return keys

    def column_groups(self, layout: Layout = LAYOUT) -> list[tuple[list[int], list[int]]]:
        """The columns in groups that fit the slide's width, each with the widths its columns get (px)."""
        natural = self.natural_widths(layout)
        narrowest = self.natural_widths(layout, narrowest=True)
        room = layout.inner_width
        want = [min(n, max(min(w, room / 2), layout.wrap_at)) for n, w in zip(natural, narrowest)]
        if sum(want) <= room:
            groups = [list(range(self.columns))]
        else:
            keys = self.key_columns(want, layout)
            groups, current = [], list(keys)
            for c in range(self.columns):
                if c in keys:
                    continue
                if len(current) > len(keys) and sum(want[i] for i in current) + want[c] > room:
                    groups.append(current)
                    current = list(keys)
                current.append(c)
            groups.append(current)
        return [(cols, _widened([want[c] for c in cols], [natural[c] for c in cols], room)) for cols in groups]

    def row_heights(self, grid, cols: list[int], widths: list[float], layout: Layout = LAYOUT) -> list[float]:
        """Each row's height with only cols shown at widths (a spanning cell counts in its first row)."""
        out = []
        for r, row in enumerate(grid):
            tallest = 0.0
            for i, c in enumerate(cols):
                cell = row[c]
                if cell is None or (r > 0 and grid[r - 1][c] is cell) or (i > 0 and row[cols[i - 1]] is cell):
                    continue
                width = sum(w for w, c2 in zip(widths, cols) if row[c2] is cell)
                lines = line_count(cell_text(cell), width - 2 * layout.cell_x - 1, layout.text, cell.name == "th")
                tallest = max(tallest, lines * layout.text * layout.line)
            out.append(tallest + 2 * layout.cell_y + 1)
        return out

    def html(self, cols: list[int], widths: list[int], rows: list[int], styles: str = "") -> str:
        """The table cut to rows (of the body) and cols, at fixed column widths, with the output's style sheets."""
        attrs = {k: v for k, v in self.tag.attrs.items() if k not in ("style", "width")}
        table = new_tag("table", {**attrs, "style": f"width: {sum(widths)}px"}, [
            new_tag("colgroup", {}, [new_tag("col", {"style": f"width: {w}px"}, []) for w in widths]),
            new_tag("thead", {}, _rows(self.head, self.head_rows, range(len(self.head)), cols)),
            new_tag("tbody", {}, _rows(self.body, self.body_rows, rows, cols))])
        return str(new_tag("div", {"class": "cs-table"}, [*BeautifulSoup(styles, "html.parser").contents, table]))


def _widened(want: list[float], natural: list[float], room: float) -> list[int]:
    """Column widths: what each wants, and the room left over shared among the columns that wrap."""
    short = [n - w for w, n in zip(want, natural)]
    spare = room - sum(want)
    if spare > 0 and sum(short) > 0:
        share = min(spare / sum(short), 1.0)
        want = [w + s * share for w, s in zip(want, short)]
    return [int(w) for w in want]


def _rows(grid, trs: list[Tag], rows, cols: list[int]) -> list[Tag]:
    """The rows of a grid cut to cols; a spanning cell spans what is left of it."""
    rows, done, out = list(rows), set(), []
    for r in rows:
        cells = []
        for c in cols:
            cell = grid[r][c]
            if cell is None or id(cell) in done:
                continue
            done.add(id(cell))
            piece = copy.copy(cell)
            for attr, n in (("rowspan", sum(grid[r2][c] is cell for r2 in rows)),
                            ("colspan", sum(grid[r][c2] is cell for c2 in cols))):
                if n > 1:
                    piece[attr] = str(n)
                else:
                    piece.attrs.pop(attr, None)
            cells.append(piece)
        out.append(new_tag("tr", dict(trs[r].attrs), cells))
    return out


def html_blocks(text: str) -> tuple[list, str]:
    """The top-level blocks of an output's HTML (a wrapper around a table opened) and its style sheets."""
    soup = BeautifulSoup(text, "html.parser")
    styles = "".join(str(s) for s in soup.find_all("style"))
    for style in soup.find_all("style"):
        style.extract()
    blocks, run = [], []
    for node in _opened(soup.contents):
        if is_inline(node):
            run.append(node)
            continue
        if any(str(n).strip() for n in run):
            blocks.append(_wrapped(run))
        blocks.append(node)
        run = []
    if any(str(n).strip() for n in run):
        blocks.append(_wrapped(run))
    return blocks, styles


def _opened(nodes):
    for node in list(nodes):
        if isinstance(node, Tag) and node.name == "div" and node.find("table") is not None:
            yield from _opened(node.contents)
        elif isinstance(node, NavigableString) and not isinstance(node, Comment) and not node.strip():
            continue
        elif not isinstance(node, Comment):
            yield node


def _wrapped(nodes) -> Tag:
    div = BeautifulSoup("<div></div>", "html.parser").div
    for node in nodes:
        div.append(copy.copy(node))
    return div
