"""A document as its reader sees it: what the Markdown, HTML and PDF readers render, and `qa.documents` cleans."""

from __future__ import annotations

from typing import NamedTuple


class Page(NamedTuple):
    text: str  # one block (paragraph, heading, list item, table row, code) per line, blocks apart by a blank line
    title: str | None
    date: str | None  # ISO date
    headings: tuple[str, ...] = ()  # the blocks of `text` that are headings
    code: tuple[str, ...] = ()  # the blocks of `text` that are code (a block may hold many lines)
    pages: tuple[int, ...] = ()  # of a paged document (PDF): the page each block of `text` starts on
