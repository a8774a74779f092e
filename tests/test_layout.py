"""How a document's layout becomes `qa`'s text: Markdown is rendered, hard-wrapped lines are joined.

Every paragraph must end up as one line: sentences, quotes and "who said it" are found within a line, so a
sentence wrapped over two lines would be quoted in halves, and a quote of raw Markdown would cite markup.
"""

import datetime as dt
import io
import re
import subprocess
import sys
import textwrap
import zipfile

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from qa.assistant import Assistant
from qa.chunking import split_sentences
from qa.documents import clean_text, read_document
from qa.errors import DocumentError
from qa.settings import Settings
from qa.verification import check_answer

from odt_files import bullets, heading, link, make_odt, paragraph
from pdf_files import make_pdf

PARAGRAPH = (
    "The lighthouse at Cape Wrath was built in 1828 by Robert Stevenson, and its lamp burned colza oil until "
    "1875. Keepers lived on the site until the light was automated in 1998. The tower is 20 metres tall; its "
    "light can be seen 22 nautical miles away."
)

README = """---
title: "Cape Wrath: a keeper's guide"
date: 2021-06-03 10:00:00 +0100
---

<p align="center"><img src="https://example.org/logo.png" alt="Lighthouse logo"></p>

[![Build](https://example.org/badge.svg)](https://example.org/ci)

Cape Wrath
==========

The **lamp** burned [colza oil](https://en.wikipedia.org/wiki/Colza_oil "colza") until 1875,
when the keepers switched to *paraffin*.

| Year | Event |
|------|-------|
| 1828 | built by `Robert Stevenson` |

- The fog signal was installed in 1911.
- It was <abbr title="turned off">silenced</abbr> in 2001.

```sh
$ visit --cape wrath
```

Timetable: <https://example.org/ferry>

<!-- a comment no reader sees -->
"""


@pytest.mark.parametrize("width", [60, 72, 79, 100])
def test_a_hard_wrapped_paragraph_becomes_one_line(width):
    raw = f"CAPE WRATH\n\n{textwrap.fill(PARAGRAPH, width)}\n\nVisiting hours:\n- Monday\n- Friday\n"
    text, _ = clean_text(raw)
    assert text == f"CAPE WRATH\n\n{PARAGRAPH}\n\nVisiting hours:\n- Monday\n- Friday"


def test_a_hand_wrapped_paragraph_with_a_line_broken_early_becomes_one_line():
    first, second, *rest = textwrap.wrap(PARAGRAPH, 72)
    first, moved = first.rsplit(" ", 1)
    raw = "\n".join(["    " + line for line in [first, f"{moved} {second}", *rest]])  # indented, as licences are
    assert clean_text(raw)[0] == PARAGRAPH


def test_a_bracketed_link_leaves_no_bracket():
    text, _ = clean_text("See the keepers' log <https://example.org/log>. It ends in 1998.")
    assert text == "See the keepers' log. It ends in 1998."


@pytest.mark.parametrize(
    "block",
    [
        "Location\nStatus Ongoing\nTerritorial\nchanges",  # an infobox: short lines
        "The keepers left in 1998, when the light was automated for good.\nThe tower was painted white in 2005.",
        "Shall I compare thee to a summer's day, thou art more lovely and more temperate?\n"
        "Rough winds do shake the darling buds of May, and summer's lease hath all too short a date.",
        "Keepers who served at the station for more than ten years, by decade:\n"
        "- 1830s: Angus Mackay, John Macleod and Donald Morrison, of Durness\n"
        "- 1840s: William Ross and Alexander Sutherland, both of Thurso",
    ],
)
def test_lines_a_writer_ended_stay_lines(block):
    assert clean_text(block)[0] == block


def test_markdown_is_read_as_its_reader_sees_it(tmp_path):
    path = tmp_path / "guide.md"
    path.write_text(README)
    document = read_document(path, "guide.md")
    assert document.title == "Cape Wrath: a keeper's guide"
    assert document.date == "2021-06-03"
    assert document.text.split("\n\n") == [
        "Cape Wrath",
        "The lamp burned colza oil until 1875, when the keepers switched to paraffin.",
        "Year | Event",
        "1828 | built by Robert Stevenson",
        "The fog signal was installed in 1911.",
        "It was silenced in 2001.",
        "$ visit --cape wrath",
        "Timetable: https://example.org/ferry",  # an address shown in the text is kept; a link's target is not
    ]
    assert [document.text[a:b] for a, b in document.headings] == ["Cape Wrath"]
    assert [document.text[a:b] for a, b in document.code] == ["$ visit --cape wrath"]


def test_brackets_in_code_are_code_and_only_prose_loses_its_footnote_markers(tmp_path):
    path = tmp_path / "vectors.md"
    path.write_text("The program panics.[12]\n\n```rust\nlet v = vec![1, 2, 3];\nlet gone = &v[100];\n```\n\nDone [a].\n")
    document = read_document(path, "vectors.md")
    assert document.text == "The program panics.\n\nlet v = vec![1, 2, 3];\nlet gone = &v[100];\n\nDone ."
    assert [document.text[a:b] for a, b in document.code] == ["let v = vec![1, 2, 3];\nlet gone = &v[100];"]


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("arrays.md", "# Reading `rows[0]`\n\nIt panics.[12] The first is `rows[0]`, the last `rows[n]`.\n"),
        ("arrays.html", "<h1>Reading <code>rows[0]</code></h1><p>It panics.[12] The first is <code>rows[0]</code>,"
         " the last <kbd>rows[n]</kbd>.</p>"),
        ("arrays.rst", "Reading ``rows[0]``\n===================\n\nIt panics.[12] The first is ``rows[0]``,"
         " the last ``rows[n]``.\n"),
    ],
)
def test_inline_code_keeps_its_indexes_in_a_footnoted_page(tmp_path, name, page):
    path = tmp_path / name
    path.write_text(page)
    document = read_document(path, name)
    assert document.text == "Reading rows[0]\n\nIt panics. The first is rows[0], the last rows[n]."
    assert document.title == "Reading rows[0]"
    assert [document.text[a:b] for a, b in document.headings] == ["Reading rows[0]"]


def test_a_text_without_footnote_markers_keeps_the_indexes_of_its_code():
    plain = "The first row is rows[0] and the cell row[i].\n\n    total = rows[0] + rows[1]\n\nSee the manual [3]."
    assert clean_text(plain)[0] == plain.replace("[3]", "")  # a marker after a space is no index
    # A text that footnotes (Wikipedia pasted) puts markers after punctuation; then one after a word goes too.
    wiki = "Shusha lies south[2] of the capital.[1] Both cities are old.[a]"
    assert clean_text(wiki)[0] == "Shusha lies south of the capital. Both cities are old."


def test_a_markdown_title_is_its_first_level_one_heading(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("Intro line.\n\n## Not this\n\n# The *Ceasefire* notes\n\nText.\n")
    assert read_document(path, "note.md").title == "The Ceasefire notes"


def test_a_web_page_is_read_as_its_reader_sees_it_without_what_surrounds_the_article(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(WEB_PAGE)
    document = read_document(path, "page.html")
    assert document.title == "Cape Wrath & its keepers"  # the article's heading, not the <title> with the site name
    assert document.date == "2021-06-03"
    assert document.text.split("\n\n") == [
        "Cape Wrath & its keepers",
        "By A. Keeper",
        "The lamp burned colza oil until 1875, when the keepers switched to paraffin.",
        "The fog signal was installed in 1911.",
        "It was silenced in 2001.",
        "Year | Event",
        "1828 | built by Robert Stevenson",
        "1998 | automated",
        "$ visit --cape wrath\n$ sail --north",
    ]
    assert [document.text[a:b] for a, b in document.headings] == ["Cape Wrath & its keepers"]
    assert [document.text[a:b] for a, b in document.code] == ["$ visit --cape wrath\n$ sail --north"]  # one block


@pytest.mark.parametrize(
    ("page", "title", "text"),
    [
        ("<title> Old  page </title><p>One.<p>Two &eacute;t&eacute;.</p>", "Old page", "One.\n\nTwo été."),
        ("<head><meta property='og:title' content='Shared title'></head><body><h2>Sub</h2>Loose text", "Shared title", "Sub\n\nLoose text"),
        ("<article><h1>First</h1><p>A.</p></article><article><h1>Second</h1><p>B.</p></article><footer>(c)</footer>", "First", "First\n\nA.\n\nSecond\n\nB."),
        ("<div>Text</b></i> after stray end tags<br>and a break</div><div>Never closed", None, "Text after stray end tags\n\nand a break\n\nNever closed"),
    ],
)
def test_pages_without_a_marked_article_or_well_formed_tags_are_read_whole(tmp_path, page, title, text):
    path = tmp_path / "page.htm"
    path.write_text(page)
    document = read_document(path, "page.htm")
    assert (document.title, document.text) == (title, text)


LINKS_MD = """# Keeper's guide

The Kermor light was first lit in 1851 by the keepers of the board.

## See also

- [Cross Encoder > Training Overview](https://example.org/training)
- [The Cape Wrath light and its keepers](https://example.org/wrath)
- [Training Examples](https://example.org/examples) or [examples on GitHub](https://example.org/github)
- [Kermor](https://example.org/kermor) was the board's first light on the coast.
"""

LINKS_HTML = """<html><body><main><h1>Keeper's guide</h1>
<p>The Kermor light was first lit in 1851 by the keepers of the board.</p>
<ul><li><a href="/training">Cross Encoder &gt; Training Overview</a></li>
<li> <a href="/wrath"><em>The Cape Wrath light</em> and its keepers</a> </li>
<li><a href="/examples">Training Examples</a> or <a href="/github">examples on GitHub</a></li>
<li><a href="/kermor">Kermor</a> was the board's first light on the coast.</li></ul></main></body></html>"""

LINKS_RST = """Keeper's guide
==============

The Kermor light was first lit in 1851 by the keepers of the board.

.. seealso::

   * `Cross Encoder > Training Overview <https://example.org/training>`_
   * :doc:`The Cape Wrath light and its keepers </wrath>`
   * `Training Examples <https://example.org/examples>`_ or `examples on GitHub <https://example.org/github>`_
   * `Kermor <https://example.org/kermor>`_ was the board's first light on the coast.
"""


W = nsdecls("w")


def run(text: str) -> str:
    """A Word run of text, as WordprocessingML."""
    return f'<w:r {W}><w:t xml:space="preserve">{text}</w:t></w:r>'


def hyperlink(text: str) -> str:
    """A Word link (`w:hyperlink`) to a place in the document, as a table of contents' entries are."""
    return f'<w:hyperlink {W} w:anchor="_Toc1">{run(text)}</w:hyperlink>'


def field(code: str, *result: str) -> list[str]:
    """A Word field of runs: its code between the marks "begin" and "separate", its shown result up to "end"."""
    mark = f'<w:r {W}><w:fldChar w:fldCharType="{{}}"/></w:r>'.format
    code_run = f"<w:r {W}><w:instrText> {code} </w:instrText></w:r>"
    return [mark("begin"), code_run, mark("separate"), *map(run, result), mark("end")]


def add_paragraph(document, *parts: str, style: str | None = None):
    """A paragraph of WordprocessingML parts added to a python-docx document."""
    paragraph = document.add_paragraph(style=style)
    for part in parts:
        paragraph._p.append(parse_xml(part))
    return paragraph


def links_docx():
    """LINKS_MD as a Word document: its links a `w:hyperlink`, a HYPERLINK field of runs and a simple one."""
    document = docx.Document()
    document.add_heading("Keeper's guide", 1)
    document.add_paragraph("The Kermor light was first lit in 1851 by the keepers of the board.")
    document.add_heading("See also", 2)
    add_paragraph(document, hyperlink("Cross Encoder > Training Overview"), style="List Bullet")
    wrath = field('HYPERLINK "https://example.org/wrath"', "The Cape Wrath light", " and its keepers")
    add_paragraph(document, *wrath, style="List Bullet")
    examples = f"<w:fldSimple {W} w:instr='HYPERLINK \"/examples\"'>{run('Training Examples')}</w:fldSimple>"
    add_paragraph(document, examples, run(" or "), hyperlink("examples on GitHub"), style="List Bullet")
    add_paragraph(document, hyperlink("Kermor"), run(" was the board's first light on the coast."), style="List Bullet")
    return document


def links_odt() -> bytes:
    """LINKS_MD as an OpenDocument text."""
    return make_odt(
        heading("Keeper's guide")
        + paragraph("The Kermor light was first lit in 1851 by the keepers of the board.")
        + heading("See also", 2)
        + bullets(
            paragraph(link("Cross Encoder &gt; Training Overview")),
            paragraph(link("The Cape Wrath light"), link(" and its keepers")),
            paragraph(link("Training Examples"), " or ", link("examples on GitHub")),
            paragraph(link("Kermor"), " was the board's first light on the coast."),
        )
    )


@pytest.mark.parametrize(
    ("name", "page"),
    [("guide.md", LINKS_MD), ("guide.html", LINKS_HTML), ("guide.rst", LINKS_RST), ("guide.docx", links_docx()),
     ("guide.odt", links_odt())],
)
def test_a_block_of_links_is_marked_and_never_an_answer(tmp_path, name, page):
    path = tmp_path / name
    if isinstance(page, str):
        path.write_text(page)
    elif isinstance(page, bytes):
        path.write_bytes(page)
    else:
        page.save(path)  # a python-docx document
    document = read_document(path, name)
    assert [document.text[a:b] for a, b in document.links] == [
        "Cross Encoder > Training Overview",
        "The Cape Wrath light and its keepers",
        "Training Examples or examples on GitHub",  # links, and a word joining them
    ]  # not the item that goes on after its link to say something
    sentences = split_sentences(document, lambda texts: [len(t.split()) for t in texts], 1000)
    answerable = [document.text[s.start : s.end] for s in sentences if s.answerable]
    assert answerable == [
        "The Kermor light was first lit in 1851 by the keepers of the board.",
        "Kermor was the board's first light on the coast.",
    ]


DUTIES = ["Light the lamp at dusk.", "Trim the wick every four hours. A smoking wick dims the light.", "Record the weather at dawn."]
DUTIES_LEAD = "The keeper of the Kermor light had three duties. Keep them in mind as you read the log:"


def duties_docx():
    """The keeper's duties as a Word document: a bulleted, a numbered and a "List Bullet" paragraph."""
    document = docx.Document()
    document.add_heading("The keeper's duties", 1)
    document.add_paragraph(DUTIES_LEAD)
    numbered = '<w:pPr {W}><w:numPr><w:ilvl w:val="0"/><w:numId w:val="{n}"/></w:numPr></w:pPr>'
    for n, duty in zip((1, 2), DUTIES):
        document.add_paragraph(duty)._p.insert(0, parse_xml(numbered.format(W=W, n=n)))
    document.add_paragraph(DUTIES[2], style="List Bullet")
    document.add_paragraph("The board inspected the log every spring.")
    return document


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("duties.md", f"# The keeper's duties\n\n{DUTIES_LEAD}\n\n" + "".join(f"- {d}\n" for d in DUTIES)
         + "\nThe board inspected the log every spring.\n"),
        ("duties.rst", f"The keeper's duties\n===================\n\n{DUTIES_LEAD}\n\n" + "".join(f"#. {d}\n" for d in DUTIES)
         + "\nThe board inspected the log every spring.\n"),
        ("duties.html", f"<html><body><main><h1>The keeper's duties</h1><p>{DUTIES_LEAD}</p><ul>"
         + "".join(f"<li>{d}" for d in DUTIES) + "</ul><p>The board inspected the log every spring.</p></main></body></html>"),
        ("duties.docx", duties_docx()),
        ("duties.odt", make_odt(heading("The keeper's duties") + paragraph(DUTIES_LEAD)
                                + bullets(*map(paragraph, DUTIES)) + paragraph("The board inspected the log every spring."))),
        ("duties.txt", f"The keeper's duties\n\n{DUTIES_LEAD}\n\n" + "".join(f"- {d}\n" for d in DUTIES)
         + "\nThe board inspected the log every spring.\n"),
        ("duties.pdf", make_pdf([["The keeper's duties", "", DUTIES_LEAD, "", *(f"- {d}" for d in DUTIES), "",
                                  "The board inspected the log every spring."]])),
    ],
)
def test_a_list_is_marked_and_quoted_whole_after_the_lines_introducing_it(tmp_path, name, page):
    bullet = "- " if name.endswith((".txt", ".pdf")) else ""  # plain text keeps its bullets; the other readers drop them
    folder = tmp_path / "docs"
    folder.mkdir()
    if isinstance(page, str):
        (folder / name).write_text(page)
    elif isinstance(page, bytes):
        (folder / name).write_bytes(page)
    else:
        page.save(folder / name)  # a python-docx document
    document = read_document(folder / name, name)
    assert [document.text[a:b] for a, b in document.items] == [bullet + duty for duty in DUTIES]

    assistant = Assistant(Settings(index_dir=tmp_path / "index"))
    assistant.index_paths([folder])
    answer = assistant.ask("What duties did the keeper of the Kermor light have?")
    assert not answer.abstained
    assert [c.quote for c in answer.citations] == [  # the sentence answering, what it introduces, and the list
        "The keeper of the Kermor light had three duties.",
        "Keep them in mind as you read the log:",
        f"{bullet}Light the lamp at dusk.",
        f"{bullet}Trim the wick every four hours.",
        "A smoking wick dims the light.",
        f"{bullet}Record the weather at dawn.",
    ]


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("parts.rst", "The lamp has two parts:\n\nWick\n    A cotton band. It burns the oil.\n\nLens\n    Glass prisms.\n\nAfter.\n"),
        ("parts.html", "<p>The lamp has two parts:</p><dl><dt>Wick<dd>A cotton band. It burns the oil.<dt>Lens<dd>Glass prisms.</dl>"
         "<p>After.</p>"),
    ],
)
def test_a_term_and_its_description_are_items_of_their_list(tmp_path, name, page):
    (tmp_path / name).write_text(page)
    document = read_document(tmp_path / name, name)
    assert [document.text[a:b] for a, b in document.items] == ["Wick", "A cotton band. It burns the oil.", "Lens", "Glass prisms."]


def test_a_pdf_is_read_as_the_paragraphs_its_lines_were_set_from(tmp_path):
    path = tmp_path / "guide.pdf"
    path.write_bytes(make_pdf(KEEPERS_PDF, title="A keeper's guide", created="D:20210603100000Z"))
    document = read_document(path, "guide.pdf")
    assert (document.title, document.date) == ("A keeper's guide", "2021-06-03")
    assert document.text.split("\n\n") == [
        "Cape Wrath",  # a heading: a short line before a capital
        "The harbour wall at Kermor was rebuilt in 1902, after the winter storm of 1901 had broken it in two places "
        "and the keepers had asked the board for stone.",
        "- The fog signal was installed in 1911.",
        "- It was silenced in 2001.",
        "Its light could be seen from the Nagorno-Karabakh ridge, the keepers said, on the clearest nights.",  # page 2
    ]
    path.write_bytes(make_pdf(KEEPERS_PDF))
    assert read_document(path, "guide.pdf").title == "Cape Wrath"  # no /Title: the first line, as for a text file


def test_a_pdf_loses_its_running_heads_and_page_numbers_and_its_paragraphs_go_on_over_page_breaks(tmp_path):
    lines = [
        "The keepers of Kermor kept a log of every ship that passed the point, with its name and its cargo and",
        "the weather of the day, from the first lighting of the lamp in 1851 until the light was automated",
        "in 1998.",
        "They also noted the birds that struck the lantern.",
    ]
    pages = [["Keeper's Log, part 1", *lines[:1], "Page 1 of 3"], ["Keeper's Log, part 2", *lines[1:], "Page 2 of 3"],
             ["Keeper's Log, part 3", "The log ends in 1998.", "Page 3 of 3"]]  # fmt: skip
    path = tmp_path / "log.pdf"
    path.write_bytes(make_pdf(pages))
    document = read_document(path, "log.pdf")
    assert document.text.split("\n\n") == [
        " ".join(lines[:3]),  # one sentence over the break between pages 1 and 2
        lines[3],
        "The log ends in 1998.",
    ]
    # a paragraph is on the page it starts on
    assert [document.page_at(document.text.index(p)) for p in document.text.split("\n\n")] == [1, 2, 3]


def test_a_hyphen_that_broke_a_word_over_two_lines_goes_and_one_that_belongs_to_it_stays(tmp_path):
    lines = [
        "The board kept the lighthouse in good order through careful manage-",
        "ment of its stores, and the well-",
        "known keepers of the Nagorno-",
        "Karabakh ridge were praised for it.",
        "Good management kept the lamp lit.",
        "The keepers wrote that the light was self-",
        "sufficient, and a self-sufficient light needs no board.",
    ]
    path = tmp_path / "stores.pdf"
    path.write_bytes(make_pdf([lines]))
    assert read_document(path, "stores.pdf").text.split("\n\n") == [
        # "management" is written whole elsewhere; "well-known" nowhere whole, so its hyphen stays, as printed
        "The board kept the lighthouse in good order through careful management of its stores, and the well-known "
        "keepers of the Nagorno-Karabakh ridge were praised for it.",
        lines[4],
        "The keepers wrote that the light was self-sufficient, and a self-sufficient light needs no board.",
    ]


def _saved(document, *, without: str = "", unlink: bool = False) -> bytes:
    """A Word document's bytes, without the part named `without` (and, if `unlink`, without the package's link
    to it)."""
    data, out = io.BytesIO(), io.BytesIO()
    document.save(data)
    with zipfile.ZipFile(data) as source, zipfile.ZipFile(out, "w") as copy:
        for name in source.namelist():
            if name == "_rels/.rels" and unlink:
                link = rf'<Relationship [^>]*Target="{without}"/>'.encode()
                copy.writestr(name, re.sub(link, b"", source.read(name)))
            elif name != without:
                copy.writestr(name, source.read(name))
    return out.getvalue()


def make_docx(path, *, title="A keeper's guide", created=dt.datetime(2021, 6, 3, 10, tzinfo=dt.timezone.utc)):
    """A Word document as Word users write them: a title, a heading, a table between two paragraphs (with a merged
    cell and a table in a cell), a list, an empty paragraph, and a header, footer and comment, which are not the
    body's text."""
    document = docx.Document()
    document.core_properties.title = title
    if created:
        document.core_properties.created = created
    document.sections[0].header.paragraphs[0].text = "Northern Lighthouse Board: internal"
    document.sections[0].footer.paragraphs[0].text = "Page 1 of 1"
    document.add_paragraph("Cape Wrath", style="Title")
    document.add_heading("Lighting the Lamp at Dusk", 1)
    lamp = document.add_paragraph("To light the lamp, the keeper trimmed the wick ")
    lamp.add_run("at\tdusk").bold = True
    lamp.add_run("  and filled the reservoir with paraffin.")
    document.add_comment(lamp.runs, text="Which year?", author="A. Keeper")
    document.add_paragraph("")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).text, table.cell(0, 1).text = "Year", "Event"
    table.cell(0, 1).merge(table.cell(0, 2))  # one cell over two columns, which python-docx gives twice
    for column, text in enumerate(["1828", "built by", "Robert Stevenson"]):
        table.cell(1, column).text = text
    table.cell(2, 0).text, table.cell(2, 1).text = "1998", "automated"
    table.cell(2, 2).text = "Lamp removed"  # a cell's paragraphs, and a table in it, are pieces of its row
    inner = table.cell(2, 2).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "Lens", "kept"
    document.add_paragraph("The lighthouse on Eilean Mor was first lit on 7 December 1899.")
    document.add_paragraph("The fog signal was installed in 1911.", style="List Bullet")
    document.add_paragraph("It was silenced in 2001.", style="List Number")
    address = document.add_paragraph("Cape Wrath Lighthouse")
    address.add_run().add_break()
    address.add_run("Durness, Sutherland")
    document.save(path)


def test_a_word_document_is_read_as_its_reader_sees_it(tmp_path):
    path = tmp_path / "guide.docx"
    make_docx(path)
    document = read_document(path, "guide.docx")
    assert (document.title, document.date) == ("A keeper's guide", "2021-06-03")
    assert document.text.split("\n\n") == [
        "Cape Wrath",
        "Lighting the Lamp at Dusk",
        "To light the lamp, the keeper trimmed the wick at dusk and filled the reservoir with paraffin.",
        "Year | Event",  # where the table stands, between two paragraphs; its merged cell once
        "1828 | built by | Robert Stevenson",
        "1998 | automated | Lamp removed | Lens | kept",
        "The lighthouse on Eilean Mor was first lit on 7 December 1899.",
        "The fog signal was installed in 1911.",  # list items as the Markdown reader renders them: no marker
        "It was silenced in 2001.",
        "Cape Wrath Lighthouse\nDurness, Sutherland",  # a manual line break
    ]  # no header, footer or comment
    assert [document.text[a:b] for a, b in document.headings] == ["Cape Wrath", "Lighting the Lamp at Dusk"]


@pytest.mark.parametrize(
    ("title", "created", "expected"),
    [
        ("", dt.datetime(2019, 1, 31, 23, 30, tzinfo=dt.timezone.utc), ("Cape Wrath", "2019-01-31")),  # its Title
        ("A keeper's guide", None, ("A keeper's guide", None)),  # python-docx's template date is no one's
    ],
)
def test_a_word_title_is_its_property_else_its_title_paragraph_and_a_template_date_is_no_date(
    tmp_path, title, created, expected
):
    path = tmp_path / "guide.docx"
    make_docx(path, title=title, created=created)
    assert (document := read_document(path, "guide.docx")).title == expected[0] and document.date == expected[1]


def test_a_word_document_without_properties_or_title_paragraph_has_no_title_or_date(tmp_path):
    document = docx.Document()
    document.add_heading("Lighting the lamp", 2)
    document.add_paragraph("The keeper lit the lamp at dusk.")
    path = tmp_path / "bare.docx"  # without core properties, for which python-docx makes up "Word Document", today
    path.write_bytes(_saved(document, without="docProps/core.xml", unlink=True))
    read = read_document(path, "bare.docx")
    assert (read.title, read.date, read.text) == (None, None, "Lighting the lamp\n\nThe keeper lit the lamp at dusk.")


def test_a_word_paragraph_is_read_with_the_words_word_shows_and_without_its_table_of_contents(tmp_path):
    document = docx.Document()
    document.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("Contents", style="TOC Heading")
    document.add_paragraph("Lighting the lamp\t3", style="toc 1")
    lamp = document.add_paragraph("The lamp at ")
    for xml in [
        f'<w:smartTag {W} w:uri="urn:schemas-microsoft-com:office:smarttags" w:element="place">'
        f'{run("Kermor")}</w:smartTag>',
        f'<w:hyperlink {W}>{run(" burned ")}</w:hyperlink>',
        # a tracked deletion (its line break too)
        f'<w:del {W} w:id="1" w:author="A"><w:r><w:delText>whale oil</w:delText><w:br/></w:r></w:del>',
        f'<w:ins {W} w:id="2" w:author="A">{run("colza oil")}</w:ins>',  # a tracked insertion
        f'<w:moveFrom {W} w:id="3" w:author="A">{run(" at night")}</w:moveFrom>',  # text moved away
        f'<w:r {W} xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox><w:txbxContent>'
        f'<w:p>{run("Keep out!")}</w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>',  # a text box
        f"<w:sdt {W}><w:sdtContent>{run(' until')}</w:sdtContent></w:sdt>",  # a content control
        f'<mc:AlternateContent {W} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f'<mc:Choice Requires="w14">{run(" 1875")}</mc:Choice><mc:Fallback>{run(" 1875")}</mc:Fallback>'
        "</mc:AlternateContent>",  # for Word 2010 on, and for older readers: one of the two is shown
        f"<w:fldSimple {W} w:instr='QUOTE \".\"'>{run('.')}</w:fldSimple>",  # a field
    ]:
        lamp._p.append(parse_xml(xml))
    for xml in [  # paragraphs in a content control, and in custom XML markup
        f"<w:customXml {W} w:element='log'><w:p>{run('The log ends in 1998.')}</w:p></w:customXml>",
        f"<w:sdt {W}><w:sdtPr/><w:sdtContent><w:p>{run('The keepers left in 1998.')}</w:p></w:sdtContent></w:sdt>",
    ]:
        lamp._p.addnext(parse_xml(xml))
    path = tmp_path / "lamp.docx"
    document.save(path)
    text = read_document(path, "lamp.docx").text
    assert text.split("\n\n") == [  # no table of contents
        "The lamp at Kermor burned colza oil until 1875.",
        "The keepers left in 1998.",
        "The log ends in 1998.",
    ]


def test_a_word_paragraph_or_table_row_of_links_is_a_block_of_links_and_a_sentence_with_a_link_is_not(tmp_path):
    document = docx.Document()
    for entry in ["Lighting the lamp", "The fog signal", "Keepers' logs"]:  # a table of contents of links
        add_paragraph(document, hyperlink(entry))
    see_also = [run("See al"), run("so: "), hyperlink("The Cape Wrath light"), run(", "), hyperlink("Kermor")]
    add_paragraph(document, *see_also)  # "also" in two runs is one word
    add_paragraph(document, *field('HYPERLINK \\l "_Toc2"', "Lighting the lamp ", "at dusk"))  # a field's link
    add_paragraph(document, run("The lamp at "), hyperlink("Kermor"), run(" burned colza oil until 1875."))
    add_paragraph(document, *field("REF _Ref1 \\h", "The fog signal was installed in 1911."))  # a field, no link
    deleted = f'<w:del {W} w:id="1" w:author="A"><w:r><w:delText> was rebuilt in 1902</w:delText></w:r></w:del>'
    add_paragraph(document, hyperlink("Kermor harbour"), deleted)  # the words Word shows are a link's
    add_paragraph(document, hyperlink("The keepers"), style="Heading 2")  # a heading, which is never quoted anyway
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).paragraphs[0]._p.append(parse_xml(hyperlink("The keepers' log")))
    table.cell(1, 0).text = "1902"
    for part in [run("rebuilt by "), hyperlink("the board")]:
        table.cell(1, 1).paragraphs[0]._p.append(parse_xml(part))
    path = tmp_path / "links.docx"
    document.save(path)
    read = read_document(path, "links.docx")
    assert read.text.split("\n\n")[5:] == [
        "The lamp at Kermor burned colza oil until 1875.",
        "The fog signal was installed in 1911.",
        "Kermor harbour",
        "The keepers",
        "The keepers' log",
        "1902 | rebuilt by the board",
    ]
    assert [read.text[a:b] for a, b in read.links] == [
        "Lighting the lamp",
        "The fog signal",
        "Keepers' logs",
        "See also: The Cape Wrath light, Kermor",  # links, and two words joining them
        "Lighting the lamp at dusk",
        "Kermor harbour",
        "The keepers' log",  # a row of one cell of links; not one saying something of its link
    ]


def test_a_word_heading_is_a_paragraph_whose_outline_level_is_a_headings_by_its_style_or_its_own(tmp_path):
    document = docx.Document()
    document.core_properties.title = ""

    def set_level(element, level):  # a paragraph's or a style's outline level (0-8: headings 1-9; 9: body text)
        element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {W} w:val="{level}"/>'))

    def style(name, *, based_on=None, level=None):
        added = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        added.base_style = document.styles[based_on] if based_on else None
        if level is not None:
            set_level(added.element, level)
        return added

    style("Chapter", level=0)  # a custom heading style
    style("Section", based_on="Heading 2")  # one based on a heading style
    style("Aside", based_on="Section", level=9)  # "Body Text", though based on a heading style
    document.styles["Heading 3"].delete()
    style("Überschrift 3").element.styleId = "Heading3"  # Word's own heading, named as another writer translated it
    document.add_paragraph("Cape Wrath", style="Chapter")
    document.add_paragraph("The keepers", style="Section")
    document.add_paragraph("The keepers left in 1998.", style="Aside")
    document.add_paragraph("The log", style="Überschrift 3")
    set_level(document.add_paragraph("The fog signal")._p, 3)
    set_level(document.add_paragraph("It was silenced in 2001.")._p, 9)
    set_level(document.add_heading("Lighting the lamp", 1)._p, 9)  # Word fixes the level of its own headings
    path = tmp_path / "levels.docx"
    document.save(path)
    read = read_document(path, "levels.docx")
    assert [read.text[a:b] for a, b in read.headings] == [
        "Cape Wrath",
        "The keepers",
        "The log",
        "The fog signal",
        "Lighting the lamp",
    ]
    assert read.title == "Cape Wrath"  # the first paragraph of the top outline level
GUIDE_RST = """.. _guide:

============================
Cape Wrath: a keeper's guide
============================

:Author: A. Keeper
:Date: 2021-06-03
:Keeper: Yann Le Gall

.. header:: The Kermor keepers' guide

.. contents::

.. This comment is for the guide's writers only.

.. |lamp| replace:: colza lamp

The Lamp
========

The |lamp| burned `colza oil <https://en.wikipedia.org/wiki/Colza_oil>`_ until 1875,
when the keepers switched to *paraffin* [#]_. See :ref:`the log <log>` and :func:`~keeper.trim_wick` [Log1875]_.

.. [#] Paraffin was cheaper.
.. [Log1875] The keeper's log, 1875.

.. image:: lamp.png
   :alt: The lamp

.. note::

   The wick was trimmed at dusk.

* The fog signal was installed in 1911.
* It was silenced
  in 2001.

Keeper
   The one who tends the light.

.. _log:

The Log
-------

+------+--------------------+
| Year | Event              |
+======+====================+
| 1828 | built by Stevenson |
+------+--------------------+

Visit with::

   $ visit --cape wrath

.. code-block:: sh
   :caption: Sailing north

   $ sail --north

.. toctree::
   :maxdepth: 2

   history
   keepers

.. automodule:: keeper
   :members:
"""


def test_restructuredtext_is_read_as_its_reader_sees_it(tmp_path):
    path = tmp_path / "guide.rst"
    path.write_text(GUIDE_RST)
    document = read_document(path, "guide.rst")
    assert (document.title, document.date) == ("Cape Wrath: a keeper's guide", "2021-06-03")
    assert document.text.split("\n\n") == [
        "Cape Wrath: a keeper's guide",
        "The Lamp",
        "The colza lamp burned colza oil until 1875, when the keepers switched to paraffin. See the log and trim_wick.",
        "The wick was trimmed at dusk.",
        "The fog signal was installed in 1911.",
        "It was silenced in 2001.",
        "Keeper",
        "The one who tends the light.",
        "The Log",
        "Year | Event",
        "1828 | built by Stevenson",
        "Visit with:",
        "$ visit --cape wrath",
        "$ sail --north",
    ]
    assert [document.text[a:b] for a, b in document.headings] == ["Cape Wrath: a keeper's guide", "The Lamp", "The Log"]
    assert [document.text[a:b] for a, b in document.code] == ["$ visit --cape wrath", "$ sail --north"]


@pytest.mark.parametrize(
    ("rst", "text", "headings"),
    [
        (".. versionchanged:: 3.2\n   The lamp burned\n   paraffin.\n", "Changed in version 3.2: The lamp burned paraffin.", []),
        (".. versionadded:: 1.4\n\n   The fog signal.\n\n.. deprecated:: 3.4\n", "Added in version 1.4: The fog signal.\n\nDeprecated since version 3.4.", []),
        (".. py:function:: trim(wick, length=2)\n\n   Trim the wick.\n", "trim(wick, length=2)\n\nTrim the wick.", ["trim(wick, length=2)"]),
        (".. tab:: Windows\n\n   Run the installer.\n\n.. only:: html\n\n   Shown on the web.\n", "Windows\n\nRun the installer.\n\nShown on the web.", ["Windows"]),
        (".. pip-command-usage:: uninstall\n\nText.\n", "Text.", []),  # made from the code: no text of its own
        ("Press :kbd:`Ctrl-C` to stop :program:`qa`; see :doc:`/guide` and :class:`!Keeper`.", "Press Ctrl-C to stop qa; see /guide and Keeper.", []),
        ("Set :prop_tgt:`IMPORTED_LOCATION_<CONFIG>` or :envvar:`the home <HOME>`.", "Set IMPORTED_LOCATION_<CONFIG> or the home.", []),
        ("The index is in :file:`~/.qa/index`.", "The index is in ~/.qa/index.", []),  # a path, not a name to shorten
        ("A `dangling`_ reference, an |undefined| substitution and a *stray star.", "A dangling reference, an undefined substitution and a *stray star.", []),
        ("An _`inline target` names its words.\n\n.. _Python: https://www.python.org\n", "An inline target names its words.", []),
        ("One\n\n.. raw:: html\n\n   <b>Two</b>\n\n.. literalinclude:: keeper.py\n\n.. graphviz::\n\n   digraph { a -> b }\n", "One", []),
        ("The light:\n\n:Height: 41 m\n:Keepers:\n   - Two\n   - Three\n", "The light:\n\nHeight: 41 m\n\nKeepers:\n\nTwo\n\nThree", []),  # a field
    ],
)
def test_sphinx_directives_and_roles_are_read_as_sphinx_shows_them_and_no_error_is_text(tmp_path, capfd, rst, text, headings):
    path = tmp_path / "sphinx.rst"
    path.write_text(rst)
    document = read_document(path, "sphinx.rst")
    assert (document.text, [document.text[a:b] for a, b in document.headings]) == (text, headings)
    assert capfd.readouterr() == ("", "")  # nor is it printed


def test_no_reader_library_is_imported_to_answer_a_question():
    """docutils, markdown-it, python-docx and pypdf are imported to read a file, not with `qa`'s answering."""
    code = "import sys, qa.assistant; print(sorted(m for m in ('docutils', 'markdown_it', 'docx', 'pypdf') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_restructuredtext_reads_no_other_file(tmp_path):
    (tmp_path / "secret.txt").write_text("The keeper's password is colza.\n")
    path = tmp_path / "guide.rst"
    path.write_text(
        f"Guide\n=====\n\n.. include:: {tmp_path / 'secret.txt'}\n\n.. csv-table::\n   :file: {tmp_path / 'secret.txt'}\n\n"
        f".. code-block:: text\n\n   The log is kept.\n\n.. literalinclude:: {tmp_path / 'secret.txt'}\n"
    )
    assert read_document(path, "guide.rst").text == "Guide\n\nThe log is kept."


@pytest.mark.parametrize(
    ("rst", "title", "date"),
    [
        ("Guide\n=====\n\n:date: 2021-06-03 10:00\n\nText.\n", "Guide", "2021-06-03"),
        ("Text first.\n\nThe Lamp\n========\n\nText.\n\nThe Log\n=======\n\nText.\n", "The Lamp", None),  # no document title
        (".. title:: A keeper's guide\n\n:Date: June 3, 2021\n\nGuide\n=====\n\nText.\n", "A keeper's guide", None),
        ("date 2021-06-03\nText.\n", None, "2021-06-03"),  # as a text file's first line says
    ],
)
def test_a_restructuredtext_title_is_the_document_title_and_its_date_the_date_field(tmp_path, rst, title, date):
    path = tmp_path / "guide.rst"
    path.write_text(rst)
    document = read_document(path, "guide.rst")
    assert (document.title, document.date) == (title, date)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bad.pdf", b"%PDF-1.4\n", "cannot read bad.pdf: a damaged PDF"),
        ("bad.pdf", make_pdf([[], []]), "bad.pdf has no text layer to index (a scanned PDF needs OCR first)"),
        ("bad.docx", b"PK\x03\x04 cut short", "cannot read bad.docx: a damaged Word file (File is not a zip file)"),
        (
            "bad.docx",
            _saved(docx.Document(), without="word/document.xml"),
            "cannot read bad.docx: a damaged Word file (There is no item named 'word/document.xml' in the archive)",
        ),
        (
            "bad.docx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),  # an OLE file: an old .doc, or a .docx with a password
            "cannot read bad.docx: a Word 97-2003 (.doc) or password-protected file, not a .docx",
        ),
        ("bad.docx", _saved(docx.Document()), "bad.docx has no text to index"),
        ("bad.rst", b"+------+\n| Year |\n+---\n", "cannot read bad.rst: Malformed table."),
        ("bad.rst", b"Log\n===\n\n" + b"x" * 10_001, "cannot read bad.rst: Line 4 exceeds the line-length-limit."),
        ("bad.rst", "".join(" " * 4 * depth + "Deeper.\n\n" for depth in range(500)).encode(), "cannot read bad.rst: docutils failed"),
        ("bad.rst", b".. a comment\n\n.. image:: lamp.png\n", "bad.rst has no text to index"),
    ],
)
def test_a_damaged_or_textless_file_is_refused_with_the_reason(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError) as refused:
        read_document(path, name)
    assert str(refused.value).replace(str(tmp_path) + "/", "").startswith(message)


def test_answers_quote_whole_sentences_of_wrapped_text_and_no_markup(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "wrath.txt").write_text(textwrap.fill(PARAGRAPH, 64) + "\n")
    (folder / "guide.md").write_text(README)
    (folder / "page.html").write_text(WEB_PAGE)
    (folder / "vectors.md").write_text(VECTORS)
    (folder / "encode.md").write_text(ENCODE)
    (folder / "kermor.pdf").write_bytes(make_pdf(KEEPERS_PDF))
    assistant = Assistant(Settings(index_dir=tmp_path / "index"))
    assistant.index_paths([folder])

    built = assistant.ask("When was the Cape Wrath lighthouse built?")
    assert not built.abstained
    assert built.citations[0].quote == "The lighthouse at Cape Wrath was built in 1828 by Robert Stevenson, and its lamp burned colza oil until 1875."

    switched = assistant.ask("What did the keepers switch to in 1875?")
    assert not switched.abstained and switched.citations[0].source in ("guide.md", "page.html")
    assert switched.citations[0].page is None  # only a paged document has pages
    assert switched.citations[0].quote == "The lamp burned colza oil until 1875, when the keepers switched to paraffin."
    rebuilt = assistant.ask("When was the harbour wall at Kermor rebuilt?")  # a sentence set over three lines of a PDF
    assert not rebuilt.abstained and (rebuilt.citations[0].source, rebuilt.citations[0].page) == ("kermor.pdf", 1)
    assert rebuilt.citations[0].quote.startswith("The harbour wall at Kermor was rebuilt in 1902, after the winter storm")

    created = assistant.ask("How do I create a new vector?")  # the heading names it; the sentence under it says how
    assert not created.abstained and created.citations[0].quote.startswith("To create a new, empty vector")
    assert all(not c.quote.startswith("Creating a New Vector") for c in created.citations)

    encode = assistant.ask("How do I encode sentences with the keeper model?")  # the code comes with its sentence
    code = ENCODE.split("```python\n")[1].split("\n```")[0]
    assert [c.quote for c in encode.citations[:2]] == ["Encode your sentences with the keeper model.", code]
    assert encode.answer.startswith(f"Encode your sentences with the keeper model. [1]\n```\n{code}\n``` [2]")
    check = check_answer(encode, lambda source: assistant.index.documents[source].text)  # `vector[1]` is code, not [1]
    assert check.all_valid and all(s.supported for s in check.sentences) and check.sentences[1].citations == (2,)
    colour = assistant.ask("What colour is the Kermor lighthouse painted?")  # only an example string in code says
    assert colour.abstained or not colour.citations[0].quote.startswith("sentences = ")

    menus = assistant.ask("Where can I subscribe to the newsletter?")  # only the page's menus and footer say
    assert menus.abstained or all("ubscribe" not in c.quote for c in menus.citations)


def test_answers_from_a_word_document_quote_its_sentences_and_never_its_headings(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "wrath.txt").write_text(textwrap.fill(PARAGRAPH, 64) + "\n")
    make_docx(folder / "flannan.docx")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"))
    assistant.index_paths([folder])
    text = read_document(folder / "flannan.docx", "flannan.docx").text

    lit = assistant.ask("When was the lighthouse on Eilean Mor first lit?")  # below the table, in the body's order
    assert not lit.abstained and lit.citations[0].source == "flannan.docx" and lit.citations[0].page is None
    assert lit.citations[0].quote == "The lighthouse on Eilean Mor was first lit on 7 December 1899."
    assert all(citation.quote in text for citation in lit.citations)

    # the heading names it (and would be quoted, were it not a heading); the sentence under it says how
    lamp = assistant.ask("How do I light the lamp?")
    assert not lamp.abstained and lamp.citations[0].quote == (
        "To light the lamp, the keeper trimmed the wick at dusk and filled the reservoir with paraffin."
    )
    assert all(c.quote in text and not c.quote.startswith("Lighting the Lamp at Dusk") for c in lamp.citations)


KEEPERS_RST = """The Kermor Light
================

The Kermor light was first lit in 1851 by :term:`the keepers <keeper>`
of the board.

Winding the Clockwork of the Lamp
---------------------------------

To wind the clockwork, the keeper turned the crank forty times every four hours.

.. note::

   A bell rang when the weight neared the floor.
"""


def test_answers_from_restructuredtext_quote_its_sentences_and_never_its_headings(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "wrath.txt").write_text(textwrap.fill(PARAGRAPH, 64) + "\n")
    (folder / "kermor.rst").write_text(KEEPERS_RST)
    assistant = Assistant(Settings(index_dir=tmp_path / "index"))
    assistant.index_paths([folder])
    text = read_document(folder / "kermor.rst", "kermor.rst").text

    lit = assistant.ask("When was the Kermor light first lit?")  # a sentence wrapped over two lines, with a role
    assert not lit.abstained and lit.citations[0].source == "kermor.rst"
    assert lit.citations[0].quote == "The Kermor light was first lit in 1851 by the keepers of the board."

    # the heading names it (and would be quoted, were it not a heading); the sentence under it says how
    wound = assistant.ask("How do I wind the clockwork of the lamp?")
    assert not wound.abstained and wound.citations[0].quote == (
        "To wind the clockwork, the keeper turned the crank forty times every four hours."
    )
    citations = lit.citations + wound.citations
    assert all(text[c.start : c.end] == c.quote and not c.quote.startswith("Winding the") for c in citations)


KEEPERS_PDF = [
    [
        "Cape Wrath",
        "The harbour wall at Kermor was rebuilt in 1902, after the winter storm of 1901 had",
        "broken it in two places and the keepers had asked the board for stone.",
        "- The fog signal was installed in 1911.",
        "- It was silenced in 2001.",
        "1",
    ],
    ["Its light could be seen from the Nagorno-", "Karabakh ridge, the keepers said, on the clearest nights.", "2"],
]

ENCODE = """# The keeper model

Encode your sentences with the keeper model.

```python
sentences = ["The Kermor lighthouse is painted red and white, in bands."]
vectors = model.encode(sentences)
for vector in vectors:
    print(vector[1])
```

The vectors have 384 dimensions.
"""

VECTORS = """# Collections

## Creating a New Vector

To create a new, empty vector, we call the `Vec::new` function. Rust also provides the `vec!` macro, which makes a
new vector holding the values you give it.

## Updating a Vector

To add elements to a vector, we can use the `push` method.
"""

WEB_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Cape Wrath &amp; its keepers | Northern News</title>
<meta property="article:published_time" content="2021-06-03T10:00:00+01:00">
<script>window.dataLayer = ["<p>not text</p>"];</script><style>p { margin: 0 }</style>
</head><body>
<header class="site"><a href="/">Northern News</a><nav><ul><li><a href="/subscribe">Subscribe to the newsletter</a></li></ul></nav></header>
<main><article>
<header><h1>Cape Wrath &amp; its keepers</h1><p class="byline">By A. Keeper</p></header>
<p>The <b>lamp</b> burned <a href="https://en.wikipedia.org/wiki/Colza_oil">colza oil</a> until 1875,
   when the keepers switched to <em>paraffin</em>.</p>
<ul><li>The fog signal was installed in 1911.<li>It was silenced in 2001.</ul>
<table><tr><th>Year<th>Event<tr><td>1828</td><td>built by <code>Robert Stevenson</code></td></tr><tr><td>1998<td>automated</table>
<pre>$ visit --cape wrath
$ sail --north</pre>
<aside>Read next: the Flannan Isles mystery</aside>
<form><button>Share</button></form>
<footer>Filed under Scotland. Subscribe to the newsletter.</footer>
</article></main>
<footer><p>&copy; Northern News. Subscribe to the newsletter.</p></footer>
</body></html>
"""
