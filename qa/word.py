"""Word (.docx) documents read as the paragraphs their reader sees, which is the text `qa` cleans, quotes and cites.

python-docx opens the file. The body's paragraphs and tables are read in the order they stand, a table between
two paragraphs staying between them, also when they are inside content controls (a template's fields). Each
paragraph is one block, as the rest of `qa` expects; empty ones go. A paragraph's words are those Word shows: its
runs and its links', and those of fields, smart tags, content controls and tracked insertions too (which
python-docx's `Paragraph.text` leaves out), not tracked deletions nor the text boxes drawn in it. Tabs and runs
of spaces are one space; a manual line break starts a new line, as a hard break does in Markdown.

A heading is a paragraph styled "Title" or "Heading 1-9", Word's own headings, or any with a heading's outline
level (1-9, not "Body Text"), which Word's navigation pane lists: the level the paragraph sets, else its
style's, else that of the style its style is based on, and so on, so a custom heading style ("Chapter", or one
based on "Heading 2") makes headings too. Word's own heading styles are known by name ("heading 1", which Word
writes in every language, translating only the style's id and the name it shows) or by id ("Heading1", which
other writers keep under a translated name, "Überschrift 1"); Word fixes their outline levels, so a level set in
them or in their paragraphs is ignored. A block of links (all its words in links but for a word or two joining
them: a table of contents, a "See also" line) is marked: it names other pages and is never quoted as an answer.
A link is a `w:hyperlink`, or the shown result of a HYPERLINK field, simple or of runs.

A list item (bulleted or numbered, or of a "List ..." style) is a block of its own, as the Markdown reader renders
one, and marked as an item: Word draws its bullet or number, which is not in the text. A table row is one block,
its cells joined by " | " (a cell's paragraphs too), a merged cell once per row; it is a block of links when the
row as a whole is one. A table of contents
("TOC" styles) goes: it repeats the headings, with page numbers. Headers, footers, comments, footnotes and
endnotes are not read: they are not the body's text, and a footnote read in place would break the sentence that
refers to it. Neither are text boxes, equations and pictures. The title is the file's core property `title`,
else its first paragraph styled "Title" or of the top outline level ("Heading 1"); the date is its core property
`created`, unless that is the fixed date python-docx's template gives every file made with it. A damaged file is
refused with the reason, and so is an old .doc or a password-protected file (an OLE file, not the zip a .docx is).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from qa.errors import DocumentError
from qa.page import Block, Page, Words, joined, shown, structured_page

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.opc.coreprops import CoreProperties
    from lxml.etree import _Element

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARAGRAPH, _TABLE, _CONTROL, _CONTROL_CONTENT, _CUSTOM_XML = (
    f"{_W}p", f"{_W}tbl", f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"
)
_LINK, _SIMPLE_FIELD, _FIELD_CHAR, _FIELD_CODE = f"{_W}hyperlink", f"{_W}fldSimple", f"{_W}fldChar", f"{_W}instrText"
_LINE_BREAKS = {f"{_W}br", f"{_W}cr"}  # a page or column break too: the text after it starts a new line
# A paragraph's runs that Word shows: not those deleted, moved away, inside a text box drawn in the paragraph, or
# the fallback, for older readers, of markup-compatibility content (python-docx's namespaces have no `mc:`)
_SHOWN_RUNS = (
    "./descendant::w:r[not(ancestor::w:del or ancestor::w:moveFrom or ancestor::w:txbxContent"
    " or ancestor::*[local-name() = 'Fallback'])]"
)
_RUN_TEXT = "w:t | w:tab | w:ptab | w:br | w:cr | w:noBreakHyphen"
_HYPERLINK = re.compile(r"\s*HYPERLINK\b", re.IGNORECASE)  # a field's code: HYPERLINK "https://…" \o "a tip"
# Word's own heading styles, by name ("heading 1") or id ("Heading1"), "Title" taken as of the top outline level
_WORD_HEADING = re.compile(r"title|heading ?([1-9])", re.IGNORECASE)
_BODY_TEXT = 9  # the outline level of body text; those of headings 1-9 are 0-8
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


def _in_link(run: _Element) -> bool:
    """Whether a run is inside a `w:hyperlink` of its paragraph or a simple HYPERLINK field (`w:fldSimple`)."""
    for outer in run.iterancestors(_LINK, _SIMPLE_FIELD, _PARAGRAPH):
        if outer.tag != _SIMPLE_FIELD:
            return outer.tag == _LINK
        if _HYPERLINK.match(outer.get(f"{_W}instr", "")):
            return True
    return False


def _shown_runs(paragraph: _Element) -> Iterator[tuple[_Element, bool]]:
    """The runs of a paragraph that Word shows, each with whether it is a link's text: in a link, or in the shown
    result of a HYPERLINK field of runs (its code in `w:instrText` between the `w:fldChar` runs "begin" and
    "separate", its result from there to "end"; a field may hold another)."""
    fields: list[str | bool] = []  # the fields of runs open, innermost last: their code, then whether they link
    for run in paragraph.xpath(_SHOWN_RUNS):
        for mark in run.iterchildren(_FIELD_CHAR, _FIELD_CODE):
            kind = mark.get(f"{_W}fldCharType")
            if kind == "begin":
                fields.append("")
            elif not fields:  # the end of a field begun in an earlier paragraph (a table of contents)
                continue
            elif kind == "end":
                fields.pop()
            elif kind == "separate":
                fields[-1] = bool(_HYPERLINK.match(str(fields[-1])))
            elif isinstance(fields[-1], str):
                fields[-1] += mark.text or ""
        yield run, any(field is True for field in fields) or _in_link(run)


def _words(paragraph: _Element) -> Words:
    """A paragraph's text as Word shows it (`shown`), one line per manual line break."""
    return shown(
        ("\n" if part.tag in _LINE_BREAKS else str(part), linked)
        for run, linked in _shown_runs(paragraph)
        for part in run.xpath(_RUN_TEXT)
    )


def _rows(table: _Element, document: WordDocument) -> Iterator[Words]:
    """Each row of a table, its cells joined, a merged cell once (python-docx repeats it for every column it
    spans); a cell's paragraphs, and the rows of a table inside it, are each a piece of its text."""
    from docx.table import Table

    for row in Table(table, document).rows:
        seen: list[_Element] = []
        cells = []
        for cell in row.cells:
            if not any(cell._tc is tc for tc in seen):  # the <w:tc> a merged cell's repeats share
                seen.append(cell._tc)
                cells.append(joined(_pieces(cell._tc, document)))
        yield joined(cells)


def _pieces(cell: _Element, document: WordDocument) -> Iterator[Words]:
    """The texts of a table cell: its paragraphs' and the rows of the tables in it."""
    for block in _blocks_in(cell):
        yield _words(block) if block.tag == _PARAGRAPH else joined(_rows(block, document))


def _outline_level(element: _Element) -> int | None:
    """The outline level a paragraph's or a style's own properties set (`w:outlineLvl`), if they set one."""
    values = element.xpath("w:pPr/w:outlineLvl/@w:val")
    return int(values[0]) if values and values[0].isdigit() else None


def _word_heading_level(name: str, style_id: str | None) -> int | None:
    """The outline level Word fixes for its own heading styles ("Title" taken as the top one); None for others."""
    found = _WORD_HEADING.fullmatch(name) or _WORD_HEADING.fullmatch(style_id or "")
    return (int(found[1]) - 1 if found[1] else 0) if found else None


def _styles(document: WordDocument) -> dict[str | None, tuple[str, int]]:
    """Each style's name, in lower case, and outline level: the one Word fixes for its own headings, else the one
    the style sets, else that of the style it is based on."""
    styles = {style.style_id: style for style in document.styles}

    def level(style_id: str | None, seen: frozenset[str | None] = frozenset()) -> int:
        if style_id not in styles or style_id in seen:  # a chain of bases ends, unless the file is damaged
            return _BODY_TEXT
        style = styles[style_id]
        fixed = _word_heading_level(style.name or "", style_id)
        own = _outline_level(style.element) if fixed is None else fixed
        return own if own is not None else level(style.element.basedOn_val, seen | {style_id})

    return {style_id: ((style.name or "").lower(), level(style_id)) for style_id, style in styles.items()}


def _paragraph_level(paragraph: _Element, style_name: str, style_level: int) -> int:
    """A paragraph's outline level: the one it sets, unless its style is one of Word's own headings (whose level
    Word fixes), else its style's."""
    own = _outline_level(paragraph) if _word_heading_level(style_name, paragraph.style) is None else None
    return style_level if own is None else own


def _core_properties(document: WordDocument) -> CoreProperties | None:
    """The file's core properties; None when it has none (python-docx would make some up, titled "Word Document")."""
    from docx.opc.constants import RELATIONSHIP_TYPE

    try:
        return document.part.package.part_related_by(RELATIONSHIP_TYPE.CORE_PROPERTIES).core_properties
    except KeyError:
        return None


def _listed(paragraph: _Element, style_name: str) -> bool:
    """Whether a paragraph is an item of a list: bulleted or numbered (`w:numPr`, numbering 0 being none), or of a
    "List ..." style."""
    numbering = paragraph.xpath("w:pPr/w:numPr/w:numId/@w:val")
    return numbering[0] != "0" if numbering else style_name.startswith("list")


def render_docx(data: bytes, where: str) -> Page:
    """The text of a Word document's body, one paragraph or table row per line, with its title, date, headings,
    blocks of links and list items."""
    import docx

    if data.startswith(_OLE):
        raise DocumentError(f"cannot read {where}: a Word 97-2003 (.doc) or password-protected file, not a .docx")
    try:
        document = docx.Document(io.BytesIO(data))
        styles = _styles(document)
        blocks: list[Block] = []
        for block in _blocks_in(document.element.body):
            if block.tag == _TABLE:
                blocks += [Block(row, 0, False) for row in _rows(block, document)]
            elif not (style := styles.get(block.style, ("", _BODY_TEXT)))[0].startswith(_CONTENTS):
                level = _paragraph_level(block, *style)  # Word's outline levels: 0-8 for headings 1-9
                blocks.append(Block(_words(block), level + 1 if level < _BODY_TEXT else 0, _listed(block, style[0])))
        core = _core_properties(document)
        title = (core.title or "").strip() if core else ""
        created = core.created if core else None
    except Exception as error:  # a damaged file is skipped with its reason, as an unreadable text file is
        reason = error.args[0] if isinstance(error, KeyError) and error.args else error  # no quotes around it
        raise DocumentError(f"cannot read {where}: a damaged Word file ({reason})") from None
    date = created.date().isoformat() if created and created != _TEMPLATE_CREATED else None
    return structured_page(blocks, title, date)
