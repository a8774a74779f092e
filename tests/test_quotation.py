"""A bare quotation is cited with the sentence naming its speaker (`qa.quotation`), on hand-made paragraphs
and on the seeds' real index."""

import re
from types import SimpleNamespace

import pytest

from qa.answering import Candidate, ExtractiveAnswerer
from qa.chunking import Sentence
from qa.documents import Document
from qa.index import Index
from qa.quotation import Quotations


class HandMadeIndex(SimpleNamespace):
    """The sentence rows and documents of an index, read the way `Index` reads them."""

    sentence_text = Index.sentence_text


def quotations(*sentences: str) -> Quotations:
    """One document whose sentences are given; a sentence ending in a newline ends its paragraph."""
    text, rows, at = "", [], 0
    for sentence in sentences:
        body = sentence.rstrip("\n")
        rows.append(Sentence("doc.txt", at, at + len(body), answerable=True))
        text += sentence if sentence.endswith("\n") else sentence + " "
        at = len(text)
    document = Document("doc.txt", text, title=None, date=None, content_hash="")
    return Quotations(HandMadeIndex(sentences=rows, documents={"doc.txt": document}))


def test_the_sentence_before_a_quotation_names_its_speaker():
    q = quotations(
        "Thomas Van Linge, a freelance journalist, wrote on Tuesday morning.",
        "“Scenes of panic in the streets.",
        "People run for cover.”",
    )
    assert q.speaker(1) == 0 and q.speaker(2) == 0


def test_words_after_the_closing_mark_name_the_speaker_before_an_earlier_sentence():
    q = quotations(
        "The website reported confusion on the ground.",
        "“Fears of expulsion are justified.",
        "There is precedent,” said Laurence Broers, a fellow at Chatham House.",
    )
    assert q.speaker(1) == 2


def test_the_sentence_opening_the_quotation_names_its_speaker():
    q = quotations("She continued: “People are queuing for hours for bread.", "They need relief.”")
    assert q.speaker(1) == 0


@pytest.mark.parametrize("mark", ["’", "'"])  # curly (‘...’) or straight: the closing mark is also the apostrophe
def test_single_quotation_marks_quote_too_and_an_apostrophe_does_not_close_them(mark):
    opening = "‘" if mark == "’" else mark
    q = quotations(
        "The Red Cross regional director spoke to reporters in Yerevan.",
        f"{opening}Baku{mark}s trucks arrived.",
        f"People{mark}s needs remain huge,{mark} said Ariane Bauer.",
    )
    assert q.speaker(1) == 2  # the quotation runs on past "Baku’s" and "People’s" to the closing mark
    assert quotations(f"Azerbaijan{mark}s ministry said the soldiers{mark} families left.").speaker(0) is None  # apostrophes only
    assert quotations("The minister spoke.", f"{opening}The talks failed.{mark}").speaker(1) == 0


def test_a_straight_single_quotation_mark_quotes_only_when_closed_in_its_paragraph():
    assert quotations("The minister spoke.", "'The talks failed.").speaker(1) is None


def test_a_single_quoted_paragraph_continues_the_one_that_left_it_open():
    q = quotations("The director said: ‘We are extremely concerned.\n", "‘Basic commodities are scarce.’")
    assert q.speaker(1) == 0


def test_a_paragraph_signed_with_a_dash_is_its_signers_quotation():
    q = quotations(
        "My morning walk: another building was bombarded.",
        "This is how they want to integrate us.",
        "— Siranush Sargsyan (@SiranushSargsy1) September 20, 2023\n",
        "The next paragraph is the article's own.",
    )
    assert q.speaker(0) == 2 and q.speaker(1) == 2
    assert q.speaker(3) is None


@pytest.mark.parametrize(
    "sentences",
    [
        ["Azerbaijan demanded the complete withdrawal of Armenian forces."],  # no quotation at all
        ["The minister said that “the talks failed” on Monday."],  # speaks for itself
        ["“Nobody knows who said this.”"],  # nobody is named
        ["The war ended.\n", "“A quotation opening a paragraph.”"],  # the paragraph before does not introduce it
        ["He said “it is over” today.\n", "“A new quotation.”"],  # the one before was closed in its paragraph
    ],
)
def test_a_sentence_that_is_no_bare_quotation_or_has_no_speaker_stands_alone(sentences):
    q = quotations(*sentences)
    assert q.speaker(len(sentences) - 1) is None


def test_a_colon_before_the_paragraph_introduces_its_quotation():
    q = quotations("The ministry said in a statement:\n", "“The operation is over.”")
    assert q.speaker(1) == 0


def test_a_quotation_running_over_paragraphs_keeps_its_speaker():
    q = quotations(
        "The Red Cross said in a statement: “We are extremely concerned.\n",  # left open: it goes on below
        "“Basic commodities have been hard to find.",
        "These events will deepen their suffering.\n",
        "“We call on all authorities to protect civilians.”\n",
        "“A new quotation.”",
    )
    assert q.speaker(1) == q.speaker(2) == q.speaker(3) == 0
    assert q.speaker(4) is None, "the quotation closed one paragraph earlier"


def test_an_answer_quoting_a_bare_quotation_cites_its_speaker_first(assistant):
    index = assistant.index
    answerer = ExtractiveAnswerer(index)
    row = next(r for r in range(len(index.sentences)) if index.sentence_text(r).startswith("“Nagorno Karabakh: scenes of panic"))
    bare = Candidate(row, index.sentence_text(row), set(), set(), [], 0.0)
    rows = answerer.quotes([bare])
    assert rows[-1] == row and len(rows) == 2
    assert re.match(r"Thomas Van Linge, a freelance journalist, wrote", index.sentence_text(rows[0]))
    assert answerer.quotes([bare, bare]) == rows  # each sentence is quoted once


def test_a_sentence_opening_with_a_pronoun_needs_the_one_saying_who_it_is():
    q = quotations(
        "The ministry stressed that the operation would not target civilians.\n",
        "She stressed that it only targets military targets.\n",
        "Azerbaijan announced that six citizens were killed by two landmines.\n",
        "She explained that four of them worked for the Interior Ministry.\n",
        "She added that another mine killed two civilians.\n",
    )
    assert q.antecedent(1) == 0, "across a paragraph break, as a statement printed a sentence per line is"
    assert q.antecedent(4) == 2, "back over a sentence opening with a pronoun too"
    assert q.antecedent(0) is None and q.antecedent(2) is None, "a sentence opening otherwise needs none"


def test_the_antecedent_is_sought_two_sentences_back_and_never_before_the_document():
    q = quotations("He spoke first.", "He added a point.", "He went on.", "He ended.")
    assert q.antecedent(3) == 1 and q.antecedent(0) is None


def test_an_answer_cites_the_sentence_a_pronoun_refers_to_first(assistant):
    index = assistant.index
    answerer = ExtractiveAnswerer(index)
    row = next(r for r in range(len(index.sentences)) if index.sentence_text(r).startswith("She added that another mine"))
    rows = answerer.quotes([Candidate(row, index.sentence_text(row), set(), set(), [], 0.0)])
    assert rows[-1] == row and len(rows) == 3
    assert index.sentence_text(rows[0]).startswith("Azerbaijan announced earlier Tuesday")


def test_a_speaker_named_by_a_pronoun_is_cited_after_the_sentence_naming_them():
    q = quotations(
        "Ewa Wojtun, the ICRC's regional director, spoke in Yerevan.",
        "She continued: “People are queuing for hours for bread.",
        "They need relief.”",
    )
    answerer = ExtractiveAnswerer(q.index)
    assert answerer.quotes([Candidate(2, "They need relief.”", set(), set(), [], 0.0)]) == [0, 1, 2]


def test_a_line_ending_in_a_colon_is_cited_with_the_line_it_introduces():
    q = quotations("Install the keeper's tools with pip:\n", "pip install lamp-tools\n", "Then light the lamp.\n")
    answerer = ExtractiveAnswerer(q.index)
    assert q.introduced(0) == [1] and q.introduced(1) == []
    assert answerer.quotes([Candidate(0, "Install the keeper's tools with pip:", set(), set(), [], 0.0)]) == [0, 1]


def test_a_line_followed_by_code_is_cited_with_the_code_block_and_the_code_never_introduces():
    lines = ["Install the tools.", "pip install lamp-tools", "lamp --light", "", "lamp --dim", "", "Then rest."]
    text = "\n".join(lines) + "\n"
    rows, at = [], 0
    for line in lines:
        if line:
            rows.append(Sentence("doc.md", at, at + len(line), answerable=True))
        at += len(line) + 1
    two_blocks = ((rows[1].start, rows[2].end), (rows[3].start, rows[3].end))  # the third line a block of its own
    document = Document("doc.md", text, title=None, date=None, content_hash="", code=two_blocks)
    q = Quotations(HandMadeIndex(sentences=rows, documents={"doc.md": document}))
    assert q.introduced(0) == [1, 2], "the block right below, and not the next one"
    assert q.introduced(1) == [] and q.introduced(3) == [], "code introduces nothing"
    one_block = Document("doc.md", text, title=None, date=None, content_hash="", code=((rows[1].start, rows[3].end),))
    q = Quotations(HandMadeIndex(sentences=rows, documents={"doc.md": one_block}))
    assert q.introduced(0) == [1, 2, 3], "a block of code with a blank line in it is one block"
    named = "This code fails:\nFilename: src/main.rs\nlamp --light\nlamp --dim\nThen rest.\n"
    rows, at = [], 0
    for line in named.splitlines():
        rows.append(Sentence("doc.md", at, at + len(line), answerable=True))
        at += len(line) + 1
    code = ((rows[2].start, rows[3].end),)
    q = Quotations(HandMadeIndex(sentences=rows, documents={"doc.md": Document("doc.md", named, None, None, "", code=code)}))
    assert q.introduced(0) == [1, 2, 3], "the line after a colon comes with the code below it"
    explained = Document("doc.md", "pip install lamp\n\nThis installs the lamp tools.\n", None, None, "", code=((0, 16),))
    rows = [Sentence("doc.md", 0, 16, answerable=False), Sentence("doc.md", 18, 47, answerable=True)]
    assert Quotations(HandMadeIndex(sentences=rows, documents={"doc.md": explained})).antecedent(1) == 0


def listed(*lines: str, items: range) -> Quotations:
    """One document of `lines`, a sentence each but for those holding ". " (two); the lines `items` are list items."""
    text, rows, spans = "", [], []
    for n, line in enumerate(lines):
        at = len(text)
        for sentence in re.findall(r"[^.:]+[.:]", line):
            start = at + line.index(sentence.strip())
            rows.append(Sentence("doc.md", start, start + len(sentence.strip()), answerable=True))
        if n in items:
            spans.append((at, at + len(line)))
        text += line + "\n\n"
    document = Document("doc.md", text, title=None, date=None, content_hash="", items=tuple(spans))
    return Quotations(HandMadeIndex(sentences=rows, documents={"doc.md": document}))


def test_a_colon_introduces_the_whole_list_below_and_so_does_the_sentence_just_before_it():
    q = listed(
        "The keeper had three duties. He had help. Keep them in mind:", "Light the lamp.", "Trim the wick. It smokes.",
        "Record the weather.", "The board inspected the log.", items=range(1, 4),
    )
    assert q.introduced(2) == [3, 4, 5, 6], "every sentence of every item, and not the paragraph after the list"
    assert q.introduced(1) == [2, 3, 4, 5, 6] and q.introduced(0) == [1, 2, 3, 4, 5, 6]
    far = listed("One. Two. Three. Keep them in mind:", "Light the lamp.", items=range(1, 2))
    assert far.introduced(1) == [2, 3, 4] and far.introduced(0) == [], "three sentences before the colon is too far"
    unlisted = listed("The keeper had duties. Keep them in mind:", "Light the lamp.", "Trim the wick.", items=range(0))
    assert unlisted.introduced(1) == [2] and unlisted.introduced(0) == [], "no list: the colon's next line only"
    long = listed("Keep them in mind:", *(f"Duty {n}." for n in range(12)), items=range(1, 13))
    assert long.introduced(0) == list(range(1, 11)), "ten items at most"


def test_a_colon_introduces_nothing_within_its_line_or_past_its_document():
    within = quotations("Two things were left:", "oil and a wick.\n")  # one line: the sentence holds it all
    assert within.introduced(0) == []
    last = quotations("The tools were these:\n")
    assert last.introduced(0) == []
