"""OpenDocument text (.odt: LibreOffice, OpenOffice, Google Docs' download) read as the paragraphs its reader sees.

An .odt file is a zip holding XML: the body is `content.xml`, the title and dates `meta.xml`. lxml parses them (no
entity is resolved, nothing is fetched). The body's headings, paragraphs, list items and table rows are read in the
order they stand, those inside sections too; each is one block, as the rest of `qa` expects, and empty ones go.
A paragraph's words are those a reader sees: its spans', links' and fields' text, a run of spaces (`text:s`) or a
tab one space, a line break a new line. Notes (footnotes and endnotes), comments, frames (pictures, text boxes),
the number an outline draws before a heading and the text of tracked deletions, which the file keeps apart from the
body, are not read; nor is a table of contents or an index, which repeats the headings with page numbers.

A heading is a `text:h`, its level the outline level it gives (1 when it gives none). A paragraph styled "Title" (or
of a style based on it) is a heading of the top level. A block whose words are all in links but for a word or two
is a block of links; a list item (bulleted or numbered: the reader draws the bullet, so it is not in the text) is
marked as an item. A table row is one block, its cells joined by " | " (a cell's paragraphs too), a merged
cell's covered parts left out. The title is the file's `dc:title`, else its first "Title" paragraph or first
heading of level 1; the date is its `meta:creation-date`. A damaged file is refused with the reason, and so is a
password-protected one (its XML is encrypted).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

from qa.errors import DocumentError
from qa.page import Block, Page, Words, iso_date, joined, shown, structured_page

if TYPE_CHECKING:
    from lxml.etree import _Element

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_TEXT, _TABLE, _OFFICE, _DRAW, _STYLE = (f"{{{_NS[name]}}}" for name in ("text", "table", "office", "draw", "style"))
_PARAGRAPH, _HEADING, _LINK = f"{_TEXT}p", f"{_TEXT}h", f"{_TEXT}a"
_LISTS = {f"{_TEXT}list", f"{_TEXT}list-item", f"{_TEXT}list-header"}
_SECTION = f"{_TEXT}section"
_TABLE_ELEMENT, _ROW, _CELL = f"{_TABLE}table", f"{_TABLE}table-row", f"{_TABLE}table-cell"
_ROW_GROUPS = {f"{_TABLE}table-header-rows", f"{_TABLE}table-rows", f"{_TABLE}table-row-group"}
# Inline elements whose text is not the sentence's: notes, comments, frames (pictures, text boxes) and links drawn on
# them; and the number a heading's outline draws, which the writer keeps in `text:number` (as in Word, no text)
_UNSEEN = {f"{_TEXT}note", f"{_OFFICE}annotation", f"{_DRAW}frame", f"{_DRAW}a", f"{_TEXT}number"}
_SPACES = {f"{_TEXT}s", f"{_TEXT}tab"}  # a run of spaces (`text:c` of them) or a tab: one space
_LINE_BREAK = f"{_TEXT}line-break"
_TITLE_STYLE = "title"
_ENCRYPTED = b"encryption-data"  # what META-INF/manifest.xml says of each part of a password-protected file


def _parse(data: bytes) -> _Element:
    """XML parsed without resolving entities or fetching anything a file names."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


def _runs(element: _Element, in_link: bool = False) -> Iterator[tuple[str, bool]]:
    """An inline element's pieces of text, in order, each with whether it is a link's."""
    if element.text:
        yield element.text, in_link
    for child in element:
        if child.tag in _SPACES:
            yield " ", in_link
        elif child.tag == _LINE_BREAK:
            yield "\n", in_link
        elif isinstance(child.tag, str) and child.tag not in _UNSEEN:  # an element, not an XML comment
            yield from _runs(child, in_link or child.tag == _LINK)
        if child.tail:  # the text after a child belongs to its parent, seen even when the child is not
            yield child.tail, in_link


def _rows(table: _Element) -> Iterator[_Element]:
    """A table's rows, those in row groups (a header, a group) included, not those of a table in a cell."""
    for child in table.iterchildren():
        if child.tag == _ROW:
            yield child
        elif child.tag in _ROW_GROUPS:
            yield from _rows(child)


def _row(row: _Element, styles: dict[str, str]) -> Words:
    """A table row on one line, its cells (and a cell's blocks) joined, a merged cell's covered parts left out."""
    return joined(block.words for cell in row.iterchildren(_CELL) for block in _blocks(cell, styles))


def _blocks(element: _Element, styles: dict[str, str], in_list: bool = False) -> Iterator[Block]:
    """The blocks of a body, section, cell or list, in order; a table of contents or an index is none."""
    for child in element.iterchildren():
        if child.tag == _HEADING:
            level = child.get(f"{_TEXT}outline-level", "1")
            yield Block(shown(_runs(child)), int(level) if level.isdigit() and int(level) > 0 else 1, False)
        elif child.tag == _PARAGRAPH:
            name = child.get(f"{_TEXT}style-name", "")
            yield Block(shown(_runs(child)), int(styles.get(name, name.lower()) == _TITLE_STYLE), in_list)
        elif child.tag == _TABLE_ELEMENT:
            yield from (Block(_row(row, styles), 0, False) for row in _rows(child))
        elif child.tag in _LISTS:
            yield from _blocks(child, styles, in_list=True)
        elif child.tag == _SECTION:
            yield from _blocks(child, styles, in_list)


def _styles(content: _Element, styles: _Element | None) -> dict[str, str]:
    """Each paragraph style's family root in lower case: "title" for "Title" and for every style based on it."""
    parents: dict[str, str] = {}
    for tree in (content, styles):
        for style in [] if tree is None else tree.iter(f"{_STYLE}style"):
            name = style.get(f"{_STYLE}name", "")
            parents[name] = style.get(f"{_STYLE}parent-style-name", "")

    def root(name: str, seen: frozenset[str] = frozenset()) -> str:
        parent = parents.get(name, "")
        if name.lower() == _TITLE_STYLE or not parent or name in seen:  # a chain of bases ends, unless damaged
            return name.lower()
        return root(parent, seen | {name})

    return {name: root(name) for name in parents}


def render_odt(data: bytes, where: str) -> Page:
    """The text of an OpenDocument text file's body, one paragraph, heading, list item or table row per line, with
    its title, date, headings, blocks of links and list items."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "META-INF/manifest.xml" in names and _ENCRYPTED in archive.read("META-INF/manifest.xml"):
                raise DocumentError(f"cannot read {where}: a password-protected OpenDocument file")
            content = _parse(archive.read("content.xml"))
            styles = _parse(archive.read("styles.xml")) if "styles.xml" in names else None
            meta = _parse(archive.read("meta.xml")) if "meta.xml" in names else None
        body = content.find("office:body/office:text", _NS)
        if body is None:
            raise ValueError("no text body: a spreadsheet, a presentation or a drawing")
        blocks = list(_blocks(body, _styles(content, styles)))
    except DocumentError:
        raise
    except Exception as error:  # a damaged file is skipped with its reason, as an unreadable text file is
        reason = error.args[0] if isinstance(error, KeyError) and error.args else error  # no quotes around it
        raise DocumentError(f"cannot read {where}: a damaged OpenDocument file ({reason})") from None
    title = " ".join(meta.xpath("string(//dc:title)", namespaces=_NS).split()) if meta is not None else ""
    created = meta.xpath("string(//meta:creation-date)", namespaces=_NS) if meta is not None else ""
    return structured_page(blocks, title, iso_date(created) if created else None)
