"""HTML rendered to the plain text its reader sees, which is the text `qa` cleans, quotes and cites.

A saved web page is mostly not its article: menus, scripts, styles, forms, cookie banners, share buttons.
The page is parsed with the standard library's `html.parser`. When it marks its content (`<main>`, or else
`<article>`), only that is read. Navigation, asides, footers, forms, scripts and styles are dropped wherever
they are, and a header outside the content (the site's banner) too. Each block (heading, paragraph, list item,
table row, caption) becomes one line, as the rest of `qa` expects a paragraph to be, with its whitespace
collapsed; `<pre>` keeps its lines. A block of links (an entry of a table of contents or of a list of links)
is marked: it names other pages and is never quoted as an answer; so are list items, which a line ending in a
colon introduces together (`qa.quotation`). The title is the content's first `<h1>`, else the page's `og:title`, else
the heading its content opens with, else its `<title>`; the date is the publication date of its metadata or of
the first `<time datetime>`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import NamedTuple

from qa.page import Page, as_code, iso_date, only_links, word_count

# Never read: not text (scripts, styles, drawings), or text about the site rather than the page.
_SKIPPED = {"script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "form", "button",
            "select", "textarea", "nav", "aside", "dialog", "head", "footer"}  # fmt: skip
_CONTENT = ("main", "article")  # a page's own content, when it marks it; the first kind found wins
_INLINE_CODE = {"code", "kbd", "samp", "var", "tt"}  # whose "[" is no footnote marker's ("items[0]")
_PAGE_FRAME = {"header"}  # the site's banner, unless it is the content's own (its title, byline, date)
_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
           "li", "dt", "dd", "blockquote", "figure", "figcaption", "caption", "table", "tr", "ul", "ol", "dl",
           "pre", "address", "details", "summary", "hr", "body", "html"}  # fmt: skip
_CELLS = {"td", "th"}
_ITEMS = {"li", "dt", "dd"}  # an item of a list, and a term of a description list and its description
_VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "source", "area", "base", "col", "embed", "track"}
# <meta> naming when a page was published: Open Graph / article, Dublin Core, schema.org, plain "date"
_DATE_META = ("article:published_time", "og:published_time", "datepublished", "dc.date.issued", "dc.date",
              "date", "pubdate", "publish-date", "sailthru.date")  # fmt: skip
_SPACE = re.compile(r"\s+")
_HEADING = re.compile(r"h[1-6]")


class _Block(NamedTuple):
    text: str
    around: frozenset[str]  # the kinds of marked content around it (`_CONTENT`)
    level: int  # its heading level; 0: no heading
    pre: bool  # preformatted: code
    links: bool  # links and nothing else (`only_links`)
    item: bool  # an item of a list (`_ITEMS`)


class _Reader(HTMLParser):
    """Collects the page's blocks of text in order (`_Block`)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []  # the elements we are inside, outermost first
        self.blocks: list[_Block] = []
        self.line: list[str] = []
        self.words = [0, 0]  # of the line being read: its words outside links, and in links
        self.cells: list[str] | None = None  # the cells of the table row being read
        self.meta: dict[str, str] = {}
        self.title: list[str] = []
        self.time: str | None = None
        self.skipping = 0  # depth inside elements never read

    def _content(self) -> frozenset[str]:
        return frozenset(tag for tag in self.open if tag in _CONTENT)

    def _unread(self, tag: str) -> bool:
        """Whether an element opening here (or closing, once popped) is never read: it opens and closes with the
        same elements around it, so the two answers agree."""
        return tag in _SKIPPED or (tag in _PAGE_FRAME and not self._content())

    def _end_line(self) -> None:
        text, linked = "".join(self.line), only_links(self.words[1], self.words[0])
        self.line, self.words = [], [0, 0]
        pre = "pre" in self.open
        text = text.strip("\n") if pre else _SPACE.sub(" ", text).strip()
        if not text:
            return
        if self.cells is not None:
            self.cells.append(text)
        else:
            level = max((int(tag[1]) for tag in self.open if _HEADING.fullmatch(tag)), default=0)
            self.blocks.append(_Block(text, self._content(), level, pre, linked, any(tag in _ITEMS for tag in self.open)))

    def _end_row(self) -> None:
        if self.cells is not None:
            row, self.cells = " | ".join(self.cells), None
            if row:
                self.blocks.append(_Block(row, self._content(), 0, False, False, False))

    def finish(self) -> None:
        """Close what the page left open and keep its last line."""
        self.close()
        if self.open:
            self.handle_endtag(self.open[0])
        self._end_line()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or values.get("itemprop") or "").lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])
            return
        if tag == "time" and self.time is None and values.get("datetime"):
            self.time = values["datetime"]
        if tag == "br":
            self.line.append("\n" if "pre" in self.open else " ")
            if "pre" not in self.open and self.cells is None:
                self._end_line()
            return
        if tag in _VOID:
            return
        if tag in _BLOCKS or tag in _CELLS:
            self._end_line()
        if tag == "tr":
            self._end_row()  # the row before it, when it was not closed
            self.cells = []
        self.open.append(tag)
        self.skipping += self._unread(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:  # a stray end tag: HTML in the wild is not always well formed
            return
        while self.open:  # close what was left open inside it (<p> and <li> need no end tag)
            inner = self.open[-1]
            if inner in _BLOCKS or inner in _CELLS:
                self._end_line()
            if inner == "tr":
                self._end_row()
            self.open.pop()
            self.skipping -= self._unread(inner)
            if inner == tag:
                break

    def handle_data(self, data: str) -> None:
        if "title" in self.open and "svg" not in self.open:
            self.title.append(data)
        elif not self.skipping:
            self.line.append(as_code(data) if _INLINE_CODE & set(self.open) else data)
            self.words["a" in self.open] += word_count(data)


def render_html(raw: str) -> Page:
    """The plain text of an HTML page (its marked content when it has some), its title, date, headings, code,
    links and list items."""
    reader = _Reader()
    reader.feed(raw)
    reader.finish()
    kinds = {kind for block in reader.blocks for kind in block.around}
    content = next((kind for kind in _CONTENT if kind in kinds), None)
    blocks = [block for block in reader.blocks if content in (None, *block.around)]
    opening = blocks[0].text if blocks and blocks[0].level else None  # the <h1> of such a page may be the site's name
    title = (
        next((block.text for block in blocks if block.level == 1), None)
        or reader.meta.get("og:title")
        or opening
        or _SPACE.sub(" ", "".join(reader.title)).strip()
        or None
    )
    published = next((reader.meta[key] for key in _DATE_META if key in reader.meta), None) or reader.time or ""
    return Page(
        "\n\n".join(block.text for block in blocks),
        title,
        iso_date(published),
        headings=tuple(block.text for block in blocks if block.level),
        code=tuple(block.text for block in blocks if block.pre),
        links=tuple(block.text for block in blocks if block.links and not block.level),
        items=tuple(block.text for block in blocks if block.item and not block.level and not block.pre),
    )
