"""Markdown rendered to the plain text its reader sees, which is the text `qa` cleans, quotes and cites.

Quoting a Markdown file's raw characters cites markup ("[FastAPI Cloud](https://…) **now**", "<img src=…>").
markdown-it (CommonMark, plus tables) parses the file. The words of its headings, paragraphs, list items,
table rows and code lines are kept, one block per line, as the rest of `qa` expects a paragraph to be. Link
targets, images, HTML tags, comments and emphasis marks are dropped. A paragraph's soft line breaks become
spaces, so a sentence wrapped over two lines stays one sentence. A block of links (an entry of a table of
contents or of a list of links) is marked: it names other pages and is never quoted as an answer. So are list
items, which a line ending in a colon introduces together (`qa.quotation`).
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from qa.page import Page, as_code, iso_date, only_links, word_count

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# YAML front matter (Jekyll, Hugo, MkDocs): its `title:` and `date:` are metadata, not text.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FIELD = re.compile(r"^(title|date)[ \t]*:[ \t]*(.+?)[ \t]*$", re.MULTILINE | re.IGNORECASE)
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_INLINE_TEXT = {"text", "code_inline"}


def _parser() -> MarkdownIt:
    """CommonMark with tables; imported here, because answering a question reads no Markdown."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def _inline(token: Token) -> str:
    """An inline run's words: link text without its target, no image, no HTML tag, no emphasis mark."""
    parts = []
    for child in token.children or []:
        if child.type in _INLINE_TEXT:
            parts.append(as_code(child.content) if child.type == "code_inline" else child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
    return "".join(parts).strip()


def _only_link(token: Token) -> bool:
    """Whether an inline run is links and nothing else ("[Training Overview](https://...)"), as in a list of links."""
    depth, words = 0, [0, 0]  # outside links, in links
    for child in token.children or []:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
        elif child.type in _INLINE_TEXT:
            words[depth > 0] += word_count(child.content)
    return only_links(words[1], words[0])


def _blocks(tokens: list[Token]) -> tuple[list[str], list[tuple[str, int]], list[str], list[str], list[str]]:
    """The page's blocks of text, in order; those of them that are headings, with the level of each; those that
    are code; those that are links (`only_links`); and those that are items of a list."""
    blocks: list[str] = []
    headings: list[tuple[str, int]] = []
    code: list[str] = []
    links: list[str] = []
    items: list[str] = []
    row: list[str] | None = None
    in_item = 0  # depth of list items around the token
    for i, token in enumerate(tokens):
        in_item += {"list_item_open": 1, "list_item_close": -1}.get(token.type, 0)
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            blocks.append(" | ".join(cell for cell in row if cell))
            row = None
        elif token.type == "inline":
            text = _inline(token)
            if row is not None:
                row.append(text)
            elif text:
                blocks.append(text)
                if tokens[i - 1].type == "heading_open":
                    headings.append((text, int(tokens[i - 1].tag[1])))
                elif _only_link(token):
                    links.append(text)
                if in_item and tokens[i - 1].type != "heading_open":
                    items.append(text)
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content.strip("\n"))
            code.append(blocks[-1])
        elif token.type == "html_block":
            blocks.append(html.unescape(_TAG.sub("", token.content)).strip())
    return [block for block in blocks if block.strip()], headings, code, links, items


def render_markdown(raw: str) -> Page:
    """The plain text of a Markdown document, its title (front matter's, else the first `#` heading), date,
    headings, code, links and list items."""
    fields: dict[str, str] = {}
    if front := _FRONT_MATTER.match(raw):
        fields = {key.lower(): value.strip("\"'") for key, value in _FIELD.findall(front.group(1))}
        raw = raw[front.end() :]
    blocks, headings, code, links, items = _blocks(_parser().parse(raw))
    first = next((text for text, level in headings if level == 1), None)
    return Page(
        "\n\n".join(blocks),
        fields.get("title") or first,
        iso_date(fields.get("date", "")),
        headings=tuple(t for t, _ in headings),
        code=tuple(code),
        links=tuple(links),
        items=tuple(items),
    )
