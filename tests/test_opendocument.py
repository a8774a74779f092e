"""An OpenDocument text (.odt) is read as the paragraphs its reader sees: what `qa` cleans, quotes and cites."""

import pytest

from qa.documents import discover, read_document
from qa.errors import DocumentError

from odt_files import bullets, heading, link, make_odt, paragraph

BODY = "".join([
    # what the file keeps apart from the body: the old text of a tracked deletion, a table of contents
    '<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion><text:p>The lamp burned whale oil.'
    "</text:p></text:deletion></text:changed-region></text:tracked-changes>",
    '<text:table-of-content text:name="Contents"><text:index-body>'
    '<text:p text:style-name="Contents_20_1">Lighthouses<text:tab/>1</text:p></text:index-body></text:table-of-content>',
    paragraph("The keeper's guide", style="P1"),  # an automatic style based on "Title"
    heading("Lighthouses"),
    paragraph(
        "The lamp<text:s text:c=\"3\"/>is lit at dusk.",
        '<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation>'
        "<text:note-body><text:p>Sunset, by the almanac.</text:p></text:note-body></text:note>",
        ' It burns <text:span text:style-name="T1">paraffin</text:span><text:change text:change-id="ct1"/>.<!-- fuel -->',
        "<text:line-break/>The keeper trims the wick.",
    ),
    # a word split over spans ("a|n|d", as a formatting change leaves it) is one word joining the links
    paragraph("See ", link("the keepers' log"), ' a<text:span text:style-name="T2">n</text:span>d ', link("the timetable")),
    bullets(paragraph("Trim the wick"), paragraph("Polish the lens") + bullets(paragraph("With a cloth"))),
    '<table:table table:name="Lights"><table:table-column table:number-columns-repeated="3"/>'
    "<table:table-header-rows><table:table-row><table:table-cell><text:p>Light</text:p></table:table-cell>"
    '<table:table-cell table:number-columns-spanned="2"><text:p>Lit</text:p></table:table-cell>'
    "<table:covered-table-cell/></table:table-row></table:table-header-rows>"
    "<table:table-row><table:table-cell><text:p>Cape Wrath</text:p></table:table-cell>"
    "<table:table-cell><text:p>1828</text:p></table:table-cell><table:table-cell/></table:table-row></table:table>",
    '<text:section text:name="Section1">',
    heading("<text:number>1.1</text:number>History", 2),  # its outline's number is drawn, not text
    paragraph(
        "It was silenced in 2001.",
        '<office:annotation><dc:creator>Ann</dc:creator><text:p>Check the year.</text:p></office:annotation>',
        '<draw:frame draw:name="Image1"><draw:text-box><text:p>A photograph of the light.</text:p></draw:text-box>'
        "</draw:frame>",
    ),
    paragraph(),  # an empty paragraph goes
    "</text:section>",
])


def write(tmp_path, data: bytes, name: str = "guide.odt"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_an_odt_is_read_as_its_reader_sees_it(tmp_path):
    path = write(tmp_path, make_odt(BODY, title="A keeper's guide", created="2021-06-03T10:00:00.123456789"))
    document = read_document(path, "guide.odt")
    assert document.text == "\n\n".join([
        "The keeper's guide",
        "Lighthouses",
        "The lamp is lit at dusk. It burns paraffin.\nThe keeper trims the wick.",  # no footnote, one space
        "See the keepers' log and the timetable",
        "Trim the wick",
        "Polish the lens",
        "With a cloth",
        "Light | Lit",  # a merged cell once
        "Cape Wrath | 1828",
        "History",
        "It was silenced in 2001.",  # no comment, no text box
    ])
    assert (document.title, document.date) == ("A keeper's guide", "2021-06-03")
    spans = lambda spans: [document.text[a:b] for a, b in spans]  # noqa: E731
    assert spans(document.headings) == ["The keeper's guide", "Lighthouses", "History"]
    assert spans(document.items) == ["Trim the wick", "Polish the lens", "With a cloth"]
    assert spans(document.links) == ["See the keepers' log and the timetable"]


@pytest.mark.parametrize(
    ("body", "title"),
    [
        (BODY, "The keeper's guide"),  # its "Title" paragraph
        (heading("Lighthouses", 2) + heading("Kermor") + paragraph("Lit in 1851."), "Kermor"),  # its first top heading
        (paragraph("Lit in 1851."), None),
    ],
)
def test_an_odt_without_a_title_property_takes_its_title_paragraph_or_top_heading(tmp_path, body, title):
    document = read_document(write(tmp_path, make_odt(body)), "guide.odt")
    assert (document.title, document.date) == (title, None)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (make_odt(paragraph("Secret."), encrypted=True), "a password-protected OpenDocument file"),
        (b"PK\x03\x04 cut short", "a damaged OpenDocument file (File is not a zip file)"),
        (make_odt("", kind="spreadsheet"), "a damaged OpenDocument file (no text body: a spreadsheet,"),
    ],
)
def test_an_odt_that_cannot_be_read_is_refused_with_the_reason(tmp_path, data, reason):
    with pytest.raises(DocumentError, match=f"cannot read .*guide.odt: {reason}".replace("(", r"\(").replace(")", r"\)")):
        read_document(write(tmp_path, data), "guide.odt")


def test_an_odt_is_found_beside_the_other_documents(tmp_path):
    write(tmp_path, make_odt(paragraph("Lit in 1851.")))
    write(tmp_path, b"old", "notes.doc")
    found = discover(tmp_path)
    assert [source for _, source in found.files] == ["guide.odt"] and found.others == {".doc": 1}
