"""Documents: find, read and clean source files.

The cleaned text is the ground truth of `qa`: every chunk and every citation is a
`(start, end)` span of it, so `document.text[start:end] == quote` always holds.
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import math
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from qa.errors import DocumentError
from qa.markdown import render_markdown
from qa.opendocument import render_odt
from qa.page import BRACKET_IN_CODE, ENDS_SENTENCE, Page, as_code
from qa.pdf import render_pdf
from qa.restructuredtext import render_rst
from qa.webpage import render_html
from qa.word import render_docx

SUPPORTED_SUFFIXES = (".txt", ".md", ".rst", ".html", ".htm", ".pdf", ".docx", ".odt")
SUPPORTED_KINDS = f"{', '.join(SUPPORTED_SUFFIXES[:-1])} and {SUPPORTED_SUFFIXES[-1]}"  # for messages
# What reading a file runs (`reader_fingerprint`): this module, the page readers, and the libraries they call
_READER_MODULES = (
    __name__, "qa.page", "qa.markdown", "qa.restructuredtext", "qa.webpage", "qa.pdf", "qa.word", "qa.opendocument"
)
_READER_LIBRARIES = ("charset-normalizer", "markdown-it-py", "docutils", "pypdf", "python-docx", "lxml")

# Runs of CJK characters inside a mostly non-CJK document are the classic trace of
# GBK bytes decoded as Big5 (Cyrillic, en dashes, accented Latin turn into hanzi).
_CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
MAX_TITLE_CHARS = 200
_NOT_A_TITLE_END = re.compile(r"[!?:;,\"”]$")
_PROSE = re.compile(r"[“”\"«»]|[a-z]{2}[.!?]\s+[A-Z]")  # a quotation, or a second sentence (not "Mr. X", "U.S. X")
_LEADING_DATE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})(?:[ \t]+|[ \t]*\n)", re.IGNORECASE)
_BOILERPLATE_LINE = re.compile(
    r"""^\s*(?:
        jump\ to\ (?:navigation|content|search)(?:\s+jump\ to\ (?:navigation|content|search))*
      | page\ (?:extended-|semi-|fully\ |template-)?protected
      | from\ wikipedia,\ the\ free\ encyclopedia
      | \(?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,5})?\)?   # a bare timestamp
      | (?:advertisement|skip\ to\ (?:main\ )?content|share\ this\ article)
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_INLINE_JUNK = re.compile(r"\s*pic\.twitter\.com/\S+|\s*<https?://[^\s>]*>|\s*https?://\S+")
# C0 control characters other than tab and newline (ANSI colour codes, stray bells) carry no text;
# vertical tab and form feed (page breaks) separate lines.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_LINE_SEPARATOR = re.compile(r"[\x0b\x0c]")
# Wikipedia's footnote markers ([12], [a], [citation needed]) look like our own [n] citations.
_FOOTNOTE_MARKER = re.compile(r"\[(?:\d{1,4}|[a-z]{1,2}|citation needed|note \d+|clarification needed)\]")
# A text its writer footnoted puts some markers after punctuation ("... in 1991.[12]"). In one that puts none there,
# a "marker" right after a word is an index in code ("items[0]", "row[i]") and stays; one after a space goes.
_MARKER_AFTER_PUNCTUATION = re.compile(r"[.,;:!?\"”’]" + _FOOTNOTE_MARKER.pattern)
_MARKER_NOT_AN_INDEX = re.compile(r"(?<!\w)" + _FOOTNOTE_MARKER.pattern)
# Hard-wrapped text (e-mail, RFCs, Project Gutenberg) breaks its lines at a width of 60-100 characters.
MIN_WRAP_WIDTH = 50
WRAP_SLACK = 8  # a wrapper's width may exceed the longest line it wrote by a word's length
NEAR_WIDTH = 0.75  # a hand-wrapped line may end a word or two early ...
FULL_SHARE = 0.8  # ... so one line in five may be less than full
_ITEM_OPENING = re.compile(r"\s*(?:[-*+•#>|]|\d{1,3}[.)])\s")
# A list item of plain text or a PDF, its bullet or number kept in the text: "- Light the lamp", "• 1,166 killed", "2) ..."
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+•‣◦▪]|\d{1,3}[.)])[ \t]+\S.*$", re.MULTILINE)
_LOWER_WORD = re.compile(r"(?<![./@])\b[a-z][a-z’'-]+\b(?![./@]\w)")  # not of an address ("www.bbc.com/...")
# "Armed", "HANDOUT"; not "US" or "UN", which a corpus may write as "us" or "un-"
_CAPITALISED_WORD = re.compile(r"\b[A-Z](?:[a-z’'-]+|[A-Z’'-]{3,})\b")
# An acronym introduced in brackets after the word that ends what it shortens: "body mass index (BMI)", "(UAVs)".
_INTRODUCED_ACRONYM = re.compile(r"(\S+)[^\S\n]+\(([A-Z]{2,6})s?\)")


@dataclass(frozen=True)
class Document:
    source: str  # path relative to the indexed folder, posix style: the document's id
    text: str  # cleaned text
    title: str | None
    date: str | None
    content_hash: str
    # (start, end) of the lines of `text` that are headings of a rendered page: what follows them is about what they
    # name, so they are read as context, but a heading says nothing by itself and is never quoted as an answer
    headings: tuple[tuple[int, int], ...] = ()
    # (start, end) of each block of `text` that is code: quoted with the sentence that introduces it, never alone
    # (an example string in code states no fact)
    code: tuple[tuple[int, int], ...] = ()
    # of a paged document (PDF): (offset in `text`, page number) where a page's first paragraph starts
    pages: tuple[tuple[int, int], ...] = ()
    # (start, end) of the lines of `text` that are links ("Cross Encoder > Training Overview" in a list of links):
    # they name other pages and state nothing, so they are never quoted as an answer, as a heading is not
    links: tuple[tuple[int, int], ...] = ()
    # (start, end) of the lines of `text` that are items of a list (marked by the page's reader, or in plain text and
    # PDFs opening with a bullet or a number): a line ending in a colon ("The rules are:") introduces the whole list
    # below it, not its first item only
    items: tuple[tuple[int, int], ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The page the text at `offset` is on (a paragraph counts as on the page it starts on); None if unpaged."""
        return page_at(self.pages, offset)


def span_at(spans: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """The one of `spans` (in text order and apart, as `Document.headings`, `.code` ... are) that shares a
    character with the text from `start` to `end`: the last to start before `end`, if it ends after `start`."""
    before = bisect.bisect_left(spans, (end,))
    return spans[before - 1] if before and spans[before - 1][1] > start else None


def overlaps(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether the text from `start` to `end` shares a character with any of `spans` (as `span_at` takes them)."""
    return span_at(spans, start, end) is not None


def page_at(pages: tuple[tuple[int, int], ...], offset: int) -> int | None:
    """The page of `offset` given the (offset, page) where pages start (`Document.pages`)."""
    index = bisect.bisect_right(pages, (offset, math.inf)) - 1
    return pages[index][1] if index >= 0 else (pages[0][1] if pages else None)


def repair_mojibake(text: str) -> str:
    """Re-decode CJK runs that round-trip Big5 -> GBK into non-CJK text; leave genuine CJK alone."""
    cjk_chars = sum(len(run) for run in _CJK_RUN.findall(text))
    if not cjk_chars or cjk_chars > 0.3 * sum(ch.isalpha() for ch in text):
        return text

    def fix(match: re.Match[str]) -> str:
        run = match.group()
        try:
            fixed = run.encode("big5").decode("gbk")
            round_trips = fixed.encode("gbk").decode("big5") == run
        except UnicodeError:
            return run
        return fixed if round_trips and not _CJK_RUN.search(fixed) else run

    return _CJK_RUN.sub(fix, text)


def footnoted(text: str) -> bool:
    """Whether `text` carries footnote markers: some stand after punctuation (`_MARKER_AFTER_PUNCTUATION`)."""
    return bool(_MARKER_AFTER_PUNCTUATION.search(text))


def clean_fragment(text: str, *, rendered: bool = False, markers: bool = True) -> str:
    """Character-level cleaning; also applied to a quote taken from a raw file to find it in cleaned text.

    Text `rendered` from Markdown or HTML keeps its addresses: the link targets are gone, so an address left in its text
    or code is one its writer meant to show ("Documentation: https://..."). The text of a document without footnote
    `markers` (`footnoted`) keeps a bracket right after a word, an index in code ("items[0]").
    """
    text = repair_mojibake(text)
    text = _LINE_SEPARATOR.sub("\n", _CONTROL.sub("", text))
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\u00ad", "").replace("\ufeff", "")
    if not rendered:
        text = _INLINE_JUNK.sub("", text)
    return (_FOOTNOTE_MARKER if markers else _MARKER_NOT_AN_INDEX).sub("", text)


def _take_date(raw: str) -> tuple[str, str | None]:
    """The raw text with plain line ends and without its leading date line, and that date."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if match := _LEADING_DATE.match(raw):
        return raw[match.end() :], match.group(1)
    return raw, None


def _is_hard_wrapped(lines: list[str]) -> bool:
    """Whether a paragraph's lines were broken at a fixed width rather than where its writer ended them.

    Its lines but the last are all near its widest, nearly all too full to take the next line's first word, and
    at least half end mid-sentence: lines of a list, an infobox or one sentence each are not.
    """
    width = max(len(line) for line in lines)
    if len(lines) < 2 or width < MIN_WRAP_WIDTH or any(_ITEM_OPENING.match(line) for line in lines[1:]):
        return False
    broken = list(zip(lines, lines[1:]))
    near = all(len(line) >= NEAR_WIDTH * width for line, _ in broken)
    full = sum(len(line) + 1 + len(after.split()[0]) > width - WRAP_SLACK for line, after in broken)
    mid_sentence = sum(not ENDS_SENTENCE.search(line) for line, _ in broken)
    return near and full >= FULL_SHARE * len(broken) and 2 * mid_sentence >= len(broken)


def unwrap(text: str) -> str:
    """Join the lines of each hard-wrapped paragraph, so that a paragraph is one line, as elsewhere in `qa`."""
    paragraphs = text.split("\n\n")
    for i, paragraph in enumerate(paragraphs):
        lines = paragraph.split("\n")
        if _is_hard_wrapped(lines):
            paragraphs[i] = " ".join(line.strip() for line in lines)
    return "\n\n".join(paragraphs)


def clean_text(raw: str) -> tuple[str, str | None]:
    """Return (cleaned text, date) for a document's raw text."""
    raw, date = _take_date(raw)
    return unwrap(_clean_lines(raw, rendered=False, markers=footnoted(raw))), date


def _clean_lines(text: str, *, rendered: bool, markers: bool) -> str:
    """`text` cleaned line by line, without boilerplate lines or runs of blank ones; `rendered` and `markers` as in
    `clean_fragment`."""
    lines = [line.rstrip() for line in clean_fragment(text, rendered=rendered, markers=markers).split("\n")]
    kept = [line for line in lines if not _BOILERPLATE_LINE.match(line)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def _list_items(text: str) -> tuple[tuple[int, int], ...]:
    """The lines of plain text that are list items (`Document.items`), told by the bullet or number opening them."""
    return tuple(match.span() for match in _LIST_ITEM.finditer(text))


def clean_markdown(raw: str) -> Cleaned:
    """A Markdown document cleaned (a leading date line is its date too)."""
    raw, date = _take_date(raw)
    return _clean_page(render_markdown(raw), date)


def clean_html(raw: str) -> Cleaned:
    """An HTML page cleaned."""
    return _clean_page(render_html(raw), None)


class Cleaned(NamedTuple):
    text: str
    title: str | None
    date: str | None
    headings: tuple[tuple[int, int], ...] = ()  # as `Document.headings`
    code: tuple[tuple[int, int], ...] = ()  # as `Document.code`
    pages: tuple[tuple[int, int], ...] = ()  # as `Document.pages`
    links: tuple[tuple[int, int], ...] = ()  # as `Document.links`
    items: tuple[tuple[int, int], ...] = ()  # as `Document.items`


def _mask_code(page: Page) -> Page:
    """The page with each "[" of its code blocks masked (`as_code`): "&v[100]" holds no footnote marker to drop. The
    readers mask inline code."""
    pieces, at = [], 0
    for block in page.code:
        if (found := page.text.find(block, at)) >= 0:
            pieces += [page.text[at:found], as_code(block)]
            at = found + len(block)
    masked = tuple(as_code(block) for block in page.code)
    return page._replace(text="".join(pieces) + page.text[at:], code=masked)


def _clean_page(page: Page, date: str | None) -> Cleaned:
    """A rendered page's text, whose paragraphs are already joined and whose code keeps its lines, cleaned line
    by line; its title; `date`, else the page's own; and where its headings, code, pages, links and list items are in
    the cleaned text."""
    page = _mask_code(page)  # unmasked below: one character for one, so no span moves
    markers = footnoted(page.text)
    title = clean_fragment(page.title, rendered=True, markers=markers).strip() if page.title else None
    title = title and title.replace(BRACKET_IN_CODE, "[")  # a heading's inline code ("`items[0]`")
    text = _clean_lines(page.text, rendered=True, markers=markers)
    lines = list(re.finditer(r"[^\n]+", text))
    stripped = [line.group().strip() for line in lines]

    def spans(blocks: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
        return tuple(lines[n].span() for found in _lines_of(blocks, stripped, markers) if found for n in found)

    def whole(blocks: tuple[str, ...]) -> tuple[tuple[int, int], ...]:  # a block of code is one, blank lines and all
        return tuple(
            (lines[found[0]].start(), lines[found[-1]].end()) for found in _lines_of(blocks, stripped, markers) if found
        )

    blocks = _lines_of(tuple(page.text.split("\n\n")), stripped, markers) if page.pages else []
    pages: list[tuple[int, int]] = []
    for found, number in zip(blocks, page.pages):
        if found and (not pages or pages[-1][1] != number):
            pages.append((lines[found.start].start(), number))
    return Cleaned(
        text.replace(BRACKET_IN_CODE, "["), title or None, date or page.date, spans(page.headings), whole(page.code),
        tuple(pages), spans(page.links), spans(page.items),
    )


def _lines_of(blocks: tuple[str, ...], lines: list[str], markers: bool) -> list[range | None]:
    """For each block of a rendered page, in order, the range of the cleaned text's lines (`lines`: its non-blank
    lines, stripped) that hold it; None for a block cleaning dropped. `markers` as in `clean_fragment`."""
    found: list[range | None] = []
    where: dict[str, list[int]] = {}  # each line's numbers, so a dropped block costs no scan of the text
    for k, line in enumerate(lines):
        where.setdefault(line, []).append(k)
    n = 0
    for block in blocks:
        want = [line.strip() for line in clean_fragment(block, rendered=True, markers=markers).split("\n") if line.strip()]
        starts = where.get(want[0], []) if want else []
        starts = starts[bisect.bisect_left(starts, n) :]
        at = next((k for k in starts if lines[k : k + len(want)] == want), None)
        found.append(None if at is None else range(at, at + len(want)))
        n = n if at is None else at + len(want)
    return found


class CaseForms(NamedTuple):
    """How a corpus writes its words: which it uses as names ("Pashinyan") and which it only capitalises to open a
    sentence ("Armed") or shortens ("BMI")."""

    lower: frozenset[str]  # words it writes in lower case
    capitalised: frozenset[str]  # words it writes capitalised
    # Acronyms it introduces only after words in lower case, never after a capitalised name: the short form of a
    # term ("body mass index (BMI)", "esophagogastroduodenoscopy (EGD)"), not of a name ("... in Europe (OSCE)").
    terms: frozenset[str]


def case_forms(texts: Sequence[str]) -> CaseForms:
    """How `texts` write their words (`CaseForms`)."""
    after_lower, after_capital = set(), set()
    for text in texts:
        for word, acronym in _INTRODUCED_ACRONYM.findall(text):
            if word[0].isalpha():
                (after_lower if word[0].islower() else after_capital).add(acronym)
    return CaseForms(
        frozenset(w for text in texts for w in _LOWER_WORD.findall(text)),
        frozenset(w for text in texts for w in _CAPITALISED_WORD.findall(text)),
        frozenset(after_lower - after_capital),
    )


def _find_title(text: str) -> str | None:
    """A text file's first line when it reads as a title, not as prose.

    A title may end in a full stop, as paper titles often do ("HIV seropositivity and tuberculosis in
    Malawi."), but then it must stand alone (a blank line after it) and hold one sentence and no quotation:
    a one-sentence lead paragraph ("... “lay down their arms”, president Ilham Aliyev said ....") is prose.
    """
    first, _, rest = text.partition("\n")
    first = first.strip()
    if not first or len(first) > MAX_TITLE_CHARS or _NOT_A_TITLE_END.search(first):
        return None
    if first.endswith(".") and (not rest.startswith("\n") or _PROSE.search(first)):
        return None
    return first


def decode_bytes(data: bytes, where: str) -> str:
    """UTF-8, UTF-16 with a byte-order mark, or the encoding charset-normalizer detects."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DocumentError(f"cannot read {where}: broken UTF-16") from None
    if b"\x00" in data[:8192]:
        raise DocumentError(f"cannot read {where}: it looks like a binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DocumentError(f"cannot read {where}: unknown text encoding")
    return str(best)


def reader_fingerprint() -> str:
    """What reading a file depends on: the code of `qa`'s readers and the versions of the libraries they call.
    An index stores it, so that a file whose bytes it has read under the same fingerprint is not read again (a
    book-length PDF takes seconds), while a newer reader still re-reads every file."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for module in _READER_MODULES:
        digest.update(Path(sys.modules[module].__file__ or module).read_bytes())
    for library in _READER_LIBRARIES:
        try:
            digest.update(f"{library} {version(library)}".encode())
        except PackageNotFoundError:
            digest.update(f"{library} absent".encode())
    return digest.hexdigest()[:16]


def read_document(
    path: Path, source: str, max_bytes: int | None = None, read_before: Mapping[str, Document] | None = None
) -> Document:
    """Read and clean one file; files over `max_bytes`, binary or without any text are refused. A file whose bytes
    are in `read_before` (documents by content hash, read by a reader of the same `reader_fingerprint`) is that
    document again, without being read."""
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise DocumentError(f"{path} is too large ({size / 1e6:.1f} MB; QA_MAX_FILE_MB is {max_bytes / 1e6:g})")
        data = path.read_bytes()
    except OSError as error:
        raise DocumentError(f"cannot read {path}: {error.strerror or error}") from None
    content_hash = hashlib.sha256(data).hexdigest()
    if read_before and (known := read_before.get(content_hash)) is not None:
        return replace(known, source=source)
    suffix = path.suffix.lower()
    if suffix == ".pdf":  # binary: pypdf reads the bytes
        cleaned = _clean_page(render_pdf(data, str(path)), None)
        cleaned = cleaned._replace(title=cleaned.title or _find_title(cleaned.text), items=_list_items(cleaned.text))
    elif suffix == ".docx":  # a zip of XML: python-docx reads the bytes
        cleaned = _clean_page(render_docx(data, str(path)), None)
    elif suffix == ".odt":  # a zip of XML too: lxml reads it
        cleaned = _clean_page(render_odt(data, str(path)), None)
    elif suffix == ".md":
        cleaned = clean_markdown(decode_bytes(data, str(path)))
    elif suffix == ".rst":
        raw, date = _take_date(decode_bytes(data, str(path)))
        cleaned = _clean_page(render_rst(raw, str(path)), date)
    elif suffix in (".html", ".htm"):
        cleaned = clean_html(decode_bytes(data, str(path)))
    else:
        text, date = clean_text(decode_bytes(data, str(path)))
        cleaned = Cleaned(text, _find_title(text), date, items=_list_items(text))
    if not cleaned.text:
        raise DocumentError(f"{path} has no text to index")
    return Document(source=source, content_hash=content_hash, **cleaned._asdict())


class Discovered(NamedTuple):
    files: list[tuple[Path, str]]  # (file, source id): the id is the file's path relative to the folder given
    others: Counter[str]  # files of kinds `qa` does not read, by suffix; hidden ones (".git", ".DS_Store") aside


def discover(path: Path) -> Discovered:
    """The files under `path` that `qa` reads, and those of other kinds it leaves, found in one walk."""
    if not path.exists():
        raise DocumentError(f"no such file or folder: {path}")
    if path.is_file():
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise DocumentError(f"cannot read {path}: only {SUPPORTED_KINDS} files are supported")
        return Discovered([(path, path.name)], Counter())
    found, others = [], Counter()
    for file in sorted(path.rglob("*")):
        suffix, relative = file.suffix.lower(), file.relative_to(path)
        if suffix in SUPPORTED_SUFFIXES:
            if file.is_file():
                found.append((file, relative.as_posix()))
        elif not any(part.startswith(".") for part in relative.parts) and file.is_file():
            others[suffix or "(no suffix)"] += 1
    return Discovered(found, others)
