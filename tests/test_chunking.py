"""Chunks and sentences are exact spans of the cleaned text and fit the model's window."""

import subprocess
import sys

import pytest

from qa.chunking import chunk_document, quotable, split_sentences
from qa.documents import Document, discover, read_document
from qa.embeddings import Embedder

from conftest import SEEDS


@pytest.fixture(scope="module")
def embedder():
    return Embedder()


@pytest.fixture(scope="module")
def chunked(embedder):
    out = []
    for path, source in discover(SEEDS).files:
        doc = read_document(path, source)
        sentences = split_sentences(doc, embedder.count_tokens, embedder.max_tokens)
        out.append((doc, sentences, chunk_document(doc, sentences, embedder.count_tokens, 200, 48)))
    return out


def test_every_chunk_and_sentence_round_trips_its_offsets(chunked):
    for doc, sentences, chunks in chunked:
        assert chunks, doc.source
        for s in sentences:
            piece = doc.text[s.start : s.end]
            assert piece and piece == piece.strip()
        for c in chunks:
            assert doc.text[c.start : c.end] == doc.text[sentences[c.sentences[0]].start : sentences[c.sentences[1] - 1].end]


def test_no_chunk_exceeds_the_model_window(chunked, embedder):
    assert embedder.max_tokens == 254  # MiniLM: 256 word pieces including [CLS] and [SEP]
    for doc, _, chunks in chunked:
        counts = embedder.count_tokens([doc.text[c.start : c.end] for c in chunks])
        assert max(counts) <= 200, doc.source


def test_chunks_cover_the_document_and_overlap(chunked):
    for doc, sentences, chunks in chunked:
        covered = set()
        for c in chunks:
            covered.update(range(*c.sentences))
        assert covered == set(range(len(sentences))), doc.source
        if len(chunks) > 2:
            assert any(a.sentences[1] > b.sentences[0] for a, b in zip(chunks, chunks[1:])), "expected overlap"


def test_sentence_splitting_respects_abbreviations(embedder):
    doc = Document("x.txt", "Mr. Blinken spoke to the U.S. press on Tuesday. Then he left.", None, None, "h")
    spans = [doc.text[s.start : s.end] for s in split_sentences(doc, embedder.count_tokens, embedder.max_tokens)]
    assert spans == ["Mr. Blinken spoke to the U.S. press on Tuesday.", "Then he left."]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Use the ? operator to return an error early. Then go on.", ["Use the ? operator to return an error early.", "Then go on."]),
        ("Keepers used lamps, e.g. colza oil lamps, until 1875. Then paraffin.", ["Keepers used lamps, e.g. colza oil lamps, until 1875.", "Then paraffin."]),
        ("The mausoleum in Bab? of Fuzuli District was hit. It burned.", ["The mausoleum in Bab? of Fuzuli District was hit.", "It burned."]),
        ("Two cohorts were studied (n = 243]). mtDNA levels were high.", ["Two cohorts were studied (n = 243]).", "mtDNA levels were high."]),
        # after a bracket or a quotation mark too: a full stop named, a quoted example after "i.e."
        ("It runs to the last . (period) character of the path. Then stops.", ["It runs to the last . (period) character of the path.", "Then stops."]),
        ("Give credentials, i.e. 'user:password' in the header. Then send.", ["Give credentials, i.e. 'user:password' in the header.", "Then send."]),
        # but a letter or numeral in brackets numbers an item, which opens a sentence
        ("The terms are these. (a) the fee is due. (iv) the term ends.", ["The terms are these.", "(a) the fee is due.", "(iv) the term ends."]),
    ],
)
def test_a_sentence_never_opens_in_lower_case(embedder, text, sentences):
    """Punkt cuts after a '?' that is an operator, an abbreviation it does not know, a full stop named, or a
    mis-decoded letter; the cut-off piece, which opens with a word in lower case, goes on its sentence."""
    doc = Document("x.txt", text, None, None, "h")
    spans = [doc.text[s.start : s.end] for s in split_sentences(doc, embedder.count_tokens, embedder.max_tokens)]
    assert spans == sentences


def test_a_line_of_code_is_one_sentence(embedder):
    text = 'It prints the value. Run it:\n    println!("The value is: {x}"); x.unwrap(). Done\n'
    code = ((text.index("    println"), len(text) - 1),)
    doc = Document("x.md", text, None, None, "h", code=code)
    spans = [doc.text[s.start : s.end] for s in split_sentences(doc, embedder.count_tokens, embedder.max_tokens)]
    assert spans == ["It prints the value.", "Run it:", 'println!("The value is: {x}"); x.unwrap(). Done']


def test_overlong_sentence_is_wrapped_within_the_limit(embedder):
    doc = Document("long.txt", " ".join(f"word{n}" for n in range(2000)) + ".", None, None, "h")
    sentences = split_sentences(doc, embedder.count_tokens, 254)
    assert len(sentences) > 1
    counts = embedder.count_tokens([doc.text[s.start : s.end] for s in sentences])
    assert max(counts) <= 254
    assert " ".join(doc.text[s.start : s.end] for s in sentences) == doc.text


def test_reference_list_lines_are_not_quotable(chunked):
    wiki = next(item for item in chunked if item[0].source.startswith("002"))
    doc, sentences, _ = wiki
    refs = [s for s in sentences if "Archived from the original" in doc.text[s.start : s.end]]
    assert refs and not any(s.answerable for s in refs)


@pytest.mark.parametrize(
    "sentence, answers",
    [
        ("It burns paraffin.", True),
        ("The talks failed!", True),
        ("Prices rose sharply.", True),
        ("The ceasefire was signed in 2020.", True),
        ("Photo: Reuters", False),  # no stop: a caption
        ("1 October 2020.", False),  # a date in a list of references
        ("Voice of America.", False),  # a name: its only word in lower case is a preposition
        ("BBC Russian Service.", False),
        ("He resigned.", False),  # two words say too little to quote alone
    ],
)
def test_a_short_sentence_is_quotable_when_it_reads_as_one(sentence, answers):
    assert quotable(sentence) is answers


def test_sentences_are_split_without_loading_what_nltk_imports_for_other_tools():
    """NLTK's package import loads scikit-learn and SciPy's statistics (about 2 s of every `qa index`); Punkt needs
    neither, and hiding them while NLTK loads leaves them importable afterwards."""
    code = (
        "import sys; from qa.chunking import sentence_spans;"
        "print(sentence_spans('Mr. Smith went home. He slept.'));"
        "print(sorted(m for m in ('sklearn', 'scipy.stats') if m in sys.modules));"
        "import sklearn, scipy.stats"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[(0, 20), (21, 30)]", "[]"]
