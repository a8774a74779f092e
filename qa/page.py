"""A document as its reader sees it: what the Markdown, reStructuredText, HTML, PDF, Word and OpenDocument readers
render, and `qa.documents` cleans."""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import groupby
from typing import NamedTuple

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WORD = re.compile(r"\w+")
_BLANKS = re.compile(r"[^\S\n]+")  # spaces and tabs, not line breaks
ENDS_SENTENCE = re.compile(r"[.!?:;\"”’)\]]$")  # a line that ends so ends a sentence (hard-wrapped text's do not)
# A private-use character stands for "[" in code while a page is cleaned, so that cleaning takes no index of
# code ("items[0]", "&v[100]") for a footnote marker to drop; `qa.documents` puts the "[" back.
BRACKET_IN_CODE = "\ue000"


class Page(NamedTuple):
    text: str  # one block (paragraph, heading, list item, table row, code) per line, blocks apart by a blank line
    title: str | None
    date: str | None  # ISO date
    headings: tuple[str, ...] = ()  # the blocks of `text` that are headings
    code: tuple[str, ...] = ()  # the blocks of `text` that are code (a block may hold many lines)
    pages: tuple[int, ...] = ()  # of a paged document (PDF): the page each block of `text` starts on
    links: tuple[str, ...] = ()  # the blocks of `text` that are links (`only_links`: a table of contents, "see also")
    items: tuple[str, ...] = ()  # the blocks of `text` that are items of a list (their bullet or number not in `text`)


def as_code(text: str) -> str:
    """Code, inline or a block, with its "[" masked (`BRACKET_IN_CODE`)."""
    return text.replace("[", BRACKET_IN_CODE)


class Words(NamedTuple):
    """A block's text as its reader shows it, and how many of its words are in links and outside them, to tell a
    block of links (`only_links`): the Word and OpenDocument readers build their blocks of these."""

    text: str
    in_links: int
    outside: int


def shown(pieces: Iterable[tuple[str, bool]]) -> Words:
    """A paragraph's `Words` from its pieces of text, each with whether it is a link's: runs of spaces and tabs one
    space, one line per line break ("\n"), no empty line; a word split over pieces of a kind counted once."""
    pieces = list(pieces)
    counts = [0, 0]  # outside links, in links
    for linked, run in groupby(pieces, key=lambda piece: piece[1]):
        counts[linked] += word_count("".join(text for text, _ in run))
    lines = (_BLANKS.sub(" ", line).strip() for line in "".join(text for text, _ in pieces).split("\n"))
    return Words("\n".join(line for line in lines if line), counts[1], counts[0])


def joined(pieces: Iterable[Words]) -> Words:
    """Pieces of a table row (cells, a cell's paragraphs) joined by " | " on one line, the empty ones left out, their
    words counted together."""
    kept = [piece for piece in pieces if piece.text]
    return Words(
        " | ".join(piece.text.replace("\n", " ") for piece in kept),
        sum(piece.in_links for piece in kept),
        sum(piece.outside for piece in kept),
    )


class Block(NamedTuple):
    """A block of a document read from its structure (the Word and OpenDocument readers): its words, its outline
    level if a heading (1 is the top; 0 for any other block) and whether it is an item of a list."""

    words: Words
    level: int
    item: bool


def structured_page(blocks: Iterable[Block], title: str, date: str | None) -> Page:
    """The page of a document's blocks, the empty ones left out, each a paragraph of its text: titled `title`, else
    by its first heading of the top level; its headings, its blocks of links and its list items (no heading is
    either)."""
    blocks = [block for block in blocks if block.words.text]
    body = [block for block in blocks if not block.level]
    return Page(
        "\n\n".join(block.words.text for block in blocks),
        title or next((block.words.text.replace("\n", " ") for block in blocks if block.level == 1), None),
        date,
        headings=tuple(block.words.text for block in blocks if block.level),
        links=tuple(block.words.text for block in body if only_links(block.words.in_links, block.words.outside)),
        items=tuple(block.words.text for block in body if block.item),
    )


def word_count(text: str) -> int:
    """The words of `text`, as every reader counts them in links and outside them for `only_links`."""
    return len(_WORD.findall(text))


def only_links(words_in_links: int, words_outside: int) -> bool:
    """Whether a block is links and nothing else: all its words are in links but for a word or two joining
    them ("Training Examples or training examples on GitHub"), so it names other pages and states nothing."""
    return words_in_links > words_outside and words_outside <= 2


def iso_date(value: str) -> str | None:
    """The ISO date a metadata value opens with ("2021-06-03T10:00:00+01:00", "2021-06-03 10:00"), if it does."""
    found = _ISO_DATE.match(value.strip())
    return found.group() if found else None
