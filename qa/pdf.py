"""PDF pages read as the paragraphs their reader sees, which is the text `qa` cleans, quotes and cites.

pypdf extracts each page's text line by line, as the page was set: a paragraph is broken wherever its
lines ended, and nothing marks where one paragraph stops and the next begins. So the lines are joined into
paragraphs again:
- page furniture goes first: page numbers, and running heads and feet (a line that opens or closes most pages);
- only the last line of a paragraph, or a heading, stops well short of the text's full width. Such a line
  ends its paragraph when it ends a sentence, or when it stands alone as a heading does (unless a line in
  lower case follows); one that breaks off mid-sentence is ragged text going on;
- a blank line, or a line opening a list item, starts a new paragraph;
- a line ending in a hyphen is joined to the next without a space ("Nagorno-" + "Karabakh"); the hyphen
  goes when it only broke a word: when the word is written whole elsewhere in the file and never with a
  hyphen ("man-" + "agement" is "management" if the text says "management" elsewhere). Without that
  evidence the hyphen stays, as printed: a wrong "well-known" is worse than a left "man-agement";
- a paragraph goes on over a page break as over a line break; it is cited by the page it starts on.
The title and date are the file's metadata (`/Title`, `/CreationDate`). A PDF without a text layer (a scan)
has nothing to quote.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

from qa.errors import DocumentError
from qa.page import ENDS_SENTENCE, Page

SHORT_LINE = 0.75  # a line shorter than this share of the text's full width ends its paragraph (or is a heading)
FULL_WIDTH = 0.9  # the text's full width: this quantile of its line lengths (a long address or code line is not it)
RUNNING_SHARE = 0.5  # a line opening or closing at least this share of the pages (and 3 or more) is a running head
_ITEM = re.compile(r"(?:[-*•◦▪–]|\d{1,3}[.)]|[a-z][.)]|\([a-z0-9]{1,3}\))\s")
_PAGE_NUMBER = re.compile(r"(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?|[-–]\s*\d{1,4}\s*[-–]", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_BREAK = "\u00ad"  # marks a hyphen that ended a line, until the whole text tells whether it broke a word
_BROKEN_WORD = re.compile(rf"(\w+)-{_BREAK}(\w+)")
_WORDS = re.compile(r"\w+(?:-\w+)*")


def _without_furniture(pages: list[list[str]]) -> list[tuple[str, int]]:
    """The lines of all pages with their page numbers (from 1), without page numbers and without the running
    heads and feet: a line that opens or closes most pages, whatever number it carries ("Chapter 2 — 17")."""

    def key(line: str) -> str:
        return _DIGITS.sub("#", line)

    pages = [[line for line in page if not _PAGE_NUMBER.fullmatch(line)] for page in pages]
    pages = [page[next((n for n, line in enumerate(page) if line), len(page)) :] for page in pages]  # no blank
    pages = [page[: max((n + 1 for n, line in enumerate(page) if line), default=0)] for page in pages]  # ends
    ends = Counter(key(line) for page in pages for line in {*page[:1], *page[-1:]})
    running = {line for line, n in ends.items() if n >= max(3, RUNNING_SHARE * len(pages))}
    lines = []
    for number, page in enumerate(pages, start=1):
        for n, line in enumerate(page):
            if not ((n == 0 or n == len(page) - 1) and key(line) in running):
                lines.append((line, number))
    return lines


def _paragraphs(lines: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Lines (with their page) joined into the paragraphs they were set from ("" is a blank line), each with the
    page it starts on."""
    lengths = sorted(len(line) for line, _ in lines if line)
    width = lengths[min(len(lengths) - 1, int(FULL_WIDTH * len(lengths)))] if lengths else 0
    paragraphs: list[tuple[str, int]] = []
    current, page = "", 0
    for (line, number), (after, _) in zip(lines, [*lines[1:], ("", 0)]):
        if current and (not line or _ITEM.match(line)):
            paragraphs.append((current, page))
            current = ""
        alone = not current
        if alone:
            page = number
        current = f"{current}{_BREAK}{line}" if current.endswith("-") else f"{current} {line}" if current else line
        short = len(line) < SHORT_LINE * width and not line.endswith("-")  # a word broken over two lines goes on
        if short and (ENDS_SENTENCE.search(line) or (alone and not after[:1].islower())):
            paragraphs.append((current, page))  # a paragraph's last line, or a heading
            current = ""
    paragraphs.append((current, page))
    return [(text.strip(), page) for text, page in paragraphs if text.strip()]


def _mend_broken_words(text: str) -> str:
    """The hyphens that ended lines, dropped where they broke a word the text writes whole elsewhere, and
    kept where they are the word's own ("Nagorno-Karabakh", "well-known") or the text cannot tell."""
    written = {word.lower() for word in _WORDS.findall(re.sub(rf"\S*{_BREAK}\S*", " ", text))}

    def mend(match: re.Match) -> str:
        head, tail = match.groups()
        whole = (head + tail).lower()
        one_case = tail[:1].islower() or (head.isupper() and tail.isupper())  # not "Nagorno-" + "Karabakh"
        if one_case and whole in written and f"{head}-{tail}".lower() not in written:
            return head + tail
        return f"{head}-{tail}"

    return _BROKEN_WORD.sub(mend, text).replace(_BREAK, "")


def _creation_date(metadata) -> str | None:
    """The ISO date of the metadata's /CreationDate; none for a malformed one, which spoils no text."""
    try:
        created = metadata.creation_date if metadata else None
    except ValueError:
        return None
    return created.date().isoformat() if created else None


def render_pdf(data: bytes, where: str) -> Page:
    """The text of a PDF, one paragraph per line, with its title and date from the metadata and the page each
    paragraph starts on."""
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # what it recovers from is no news to the reader of `qa index`
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"cannot read {where}: the PDF is encrypted")
        pages = [(page.extract_text() or "").splitlines() for page in reader.pages]
        metadata = reader.metadata
        title = (metadata.title or "").strip() if metadata else ""
        created = _creation_date(metadata)
    except DocumentError:
        raise
    except Exception as error:  # a damaged file is skipped with its reason, as an unreadable text file is
        raise DocumentError(f"cannot read {where}: a damaged PDF ({error})") from None
    lines = [[re.sub(f"{_BREAK}$", "-", line.strip()) for line in page] for page in pages]  # a soft hyphen's break
    paragraphs = _paragraphs(_without_furniture(lines))
    if not paragraphs and pages:
        raise DocumentError(f"{where} has no text layer to index (a scanned PDF needs OCR first)")
    text = _mend_broken_words("\n\n".join(paragraph for paragraph, _ in paragraphs))
    return Page(text, title or None, created, pages=tuple(page for _, page in paragraphs))
