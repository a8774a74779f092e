"""Word (.docx) documents read as the paragraphs their reader sees, which is the text `qa` cleans, quotes and cites.

python-docx opens the file. The body's paragraphs and tables are read in the order they stand, a table between
two paragraphs staying between them, also when they are inside content controls (a template's fields). Each
paragraph is one block, as the rest of `qa` expects; empty ones go. A paragraph's words are those Word shows: its
runs and its links', and those of fields, smart tags, content controls and tracked insertions too (which
python-docx's `Paragraph.text` leaves out), not tracked deletions nor the text boxes drawn in it. Tabs and runs
of spaces are one space; a manual line break starts a new line, as a hard break does in Markdown. A paragraph
styled "Title" or "Heading 1-9" is a heading. A list item (a "List ..." style) is a block of its own, as the
Markdown reader renders one: Word draws its bullet or number, which is not in the text. A table row is one block,
its cells joined by " | " (a cell's paragraphs too), a merged cell once per row. A table of contents ("TOC"
styles) goes: it repeats the headings, with page numbers. Headers, footers, comments, footnotes and endnotes are
not read: they are not the body's text, and a footnote read in place would break the sentence that refers to it.
Neither are text boxes, equations and pictures. The title is the file's core property `title`, else its first
"Title" or "Heading 1" paragraph; the date is its core property `created`, unless that is the fixed date
python-docx's template gives every file made with it. A damaged file is refused with the reason, and so is an old
.doc or a password-protected file (an OLE file, not the zip a .docx is).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from qa.errors import DocumentError
from qa.page import Page

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.opc.coreprops import CoreProperties
    from lxml.etree import _Element

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARAGRAPH, _TABLE, _CONTROL, _CONTROL_CONTENT, _CUSTOM_XML = (
    f"{_W}p", f"{_W}tbl", f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"
)
_LINE_BREAKS = {f"{_W}br", f"{_W}cr"}  # a page or column break too: the text after it starts a new line
# A paragraph's runs that Word shows: not those deleted, moved away, inside a text box drawn in the paragraph, or
# the fallback, for older readers, of markup-compatibility content (python-docx's namespaces have no `mc:`)
_SHOWN_RUNS = (
    "./descendant::w:r[not(ancestor::w:del or ancestor::w:moveFrom or ancestor::w:txbxContent"
    " or ancestor::*[local-name() = 'Fallback'])]"
)
_RUN_TEXT = "w:t | w:tab | w:ptab | w:br | w:cr | w:noBreakHyphen"
_SPACE = re.compile(r"[^\S\n]+")
_HEADING = re.compile(r"title|heading [1-9]")  # style names, in lower case
_TITLE = ("title", "heading 1")
_CONTENTS = "toc "  # "TOC 1" ... "TOC 9", "TOC Heading": a table of contents
_OLE = b"\xd0\xcf\x11\xe0"  # an old .doc, or a .docx sealed with a password, is an OLE file, not a zip
# What python-docx's template says of every document made with it, unless the maker says otherwise
_TEMPLATE_CREATED = dt.datetime(2013, 12, 23, 23, 15, tzinfo=dt.timezone.utc)


def _blocks_in(element: _Element) -> Iterator[_Element]:
    """The paragraphs and tables of a body or table cell, in order, those inside content controls included."""
    for child in element.iterchildren():
        if child.tag in (_PARAGRAPH, _TABLE):
            yield child
        elif child.tag == _CUSTOM_XML:
            yield from _blocks_in(child)
        elif child.tag == _CONTROL and (content := child.find(_CONTROL_CONTENT)) is not None:
            yield from _blocks_in(content)


def _words(paragraph: _Element) -> str:
    """A paragraph's text as Word shows it, its whitespace collapsed, one line per manual line break."""
    text = "".join(
        "\n" if part.tag in _LINE_BREAKS else str(part)
        for run in paragraph.xpath(_SHOWN_RUNS)
        for part in run.xpath(_RUN_TEXT)
    )
    lines = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _cells(table: _Element, document: WordDocument) -> Iterator[list[str]]:
    """Each row of a table: the text of each of its cells, a merged cell once (python-docx repeats it for every
    column it spans); a cell's paragraphs, and the cells of a table inside it, are each a piece of its text."""
    from docx.table import Table

    for row in Table(table, document).rows:
        seen: list[_Element] = []
        texts = []
        for cell in row.cells:
            if not any(cell._tc is tc for tc in seen):  # the <w:tc> a merged cell's repeats share
                seen.append(cell._tc)
                texts.append(" | ".join(_pieces(cell._tc, document)))
        yield texts


def _pieces(cell: _Element, document: WordDocument) -> Iterator[str]:
    """The non-empty texts of a table cell: its paragraphs' and those of the cells of the tables in it."""
    for block in _blocks_in(cell):
        if block.tag != _PARAGRAPH:
            yield from (text for row in _cells(block, document) for text in row if text)
        elif text := _words(block).replace("\n", " "):
            yield text


def _core_properties(document: WordDocument) -> CoreProperties | None:
    """The file's core properties; None when it has none (python-docx would make some up, titled "Word Document")."""
    from docx.opc.constants import RELATIONSHIP_TYPE

    try:
        return document.part.package.part_related_by(RELATIONSHIP_TYPE.CORE_PROPERTIES).core_properties
    except KeyError:
        return None


def render_docx(data: bytes, where: str) -> Page:
    """The text of a Word document's body, one paragraph or table row per line, with its title, date and headings."""
    import docx

    if data.startswith(_OLE):
        raise DocumentError(f"cannot read {where}: a Word 97-2003 (.doc) or password-protected file, not a .docx")
    try:
        document = docx.Document(io.BytesIO(data))
        styles = {style.style_id: (style.name or "").lower() for style in document.styles}
        blocks: list[tuple[str, str]] = []  # (text, style name in lower case)
        for block in _blocks_in(document.element.body):
            if block.tag == _TABLE:
                blocks += [(" | ".join(text for text in row if text), "") for row in _cells(block, document)]
            elif not (style := styles.get(block.style, "")).startswith(_CONTENTS):
                blocks.append((_words(block), style))
        core = _core_properties(document)
        title = (core.title or "").strip() if core else ""
        created = core.created if core else None
    except Exception as error:  # a damaged file is skipped with its reason, as an unreadable text file is
        reason = error.args[0] if isinstance(error, KeyError) and error.args else error  # no quotes around it
        raise DocumentError(f"cannot read {where}: a damaged Word file ({reason})") from None
    blocks = [(text, style) for text, style in blocks if text]
    return Page(
        "\n\n".join(text for text, _ in blocks),
        title or next((text.replace("\n", " ") for text, style in blocks if style in _TITLE), None),
        created.date().isoformat() if created and created != _TEMPLATE_CREATED else None,
        headings=tuple(text for text, style in blocks if _HEADING.fullmatch(style)),
    )
