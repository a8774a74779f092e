"""Chunking: sentences and overlapping chunks as spans of a document's cleaned text.

Sentence boundaries come from NLTK's trained English Punkt model as shipped inside
llama-index (no download); llama-index's own splitters re-join text and lose exact
offsets, which our citations need. Chunks are packed from whole sentences and measured
with the embedding model's own tokenizer, so none is silently truncated by the model.
"""

from __future__ import annotations

import bisect
import importlib.util
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from qa.documents import Document, overlaps

CHUNKER_VERSION = 5

_REFERENCE_LINE = re.compile(r"^\s*(?:\d+\.\s+\^|\^\s)")  # "12. ^ Smith (2020) ..." in a reference list
_WORD = re.compile(r"\w+")
# The first word of a sentence, after any bracket or quotation mark opening it; not "(a)", "(iv)" that number items.
_OPENING_WORD = re.compile(r"(?:[(\[\"'“‘]+(?!(?:[a-z]|i{1,3}|iv|vi{0,3}|ix|x)\)))?(?P<word>\w+)")
_NOT_FOR_PUNKT = ("sklearn", "scipy.stats")
_SENTENCE_WORDS = 4  # the fewest words of a quotable text that need not read as a sentence
# Three words read as a sentence when they close with a stop and a word after the first is in lower case and
# long enough to be no article or preposition: "It burns paraffin.", "The talks failed.", not "Voice of America."
_SHORT_SENTENCE = re.compile(r"\W*\w+\W+.*\b[a-z]{4,}\b.*[.!?][\"'”’)]*")


@dataclass(frozen=True)
class Sentence:
    source: str
    start: int
    end: int
    answerable: bool  # may be quoted as an answer (reference-list lines, headings, code, links, fragments may not)


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    source: str
    start: int
    end: int
    sentences: tuple[int, int]  # [first, last) sentence numbers within the document


@lru_cache(maxsize=1)
def _punkt():
    """NLTK's Punkt, loaded without what NLTK's package import pulls in for classifiers and collocation measures
    Punkt never uses (scikit-learn and SciPy's statistics: about 2 s); NLTK imports those only if it can."""
    hidden = [name for name in _NOT_FOR_PUNKT if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))  # a None entry makes `import sklearn` raise ImportError
    try:
        import nltk
        from nltk.tokenize.punkt import PunktTokenizer
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]

    spec = importlib.util.find_spec("llama_index.core")
    bundled = Path(next(iter(spec.submodule_search_locations))) / "_static" / "nltk_cache"
    if str(bundled) not in nltk.data.path:
        nltk.data.path.insert(0, str(bundled))
    return PunktTokenizer("english")


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _longest_fit(fits: Callable[[int], bool], lo: int, hi: int) -> int:
    """The largest n in [lo, hi] with fits(n), given fits(lo): gallop, then bisect (few tokenizer calls)."""
    step = 1
    while lo + step <= hi and fits(lo + step):
        lo, step = lo + step, step * 2
    hi = min(hi, lo + step - 1)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    return lo


def _wrap(text: str, start: int, end: int, count: Callable[[list[str]], list[int]], limit: int) -> list[tuple[int, int]]:
    """Cut an over-long span into pieces of at most `limit` word pieces, at word boundaries when one fits."""
    word_ends = [start + m.end() for m in re.finditer(r"\S+", text[start:end])]
    pieces, piece_start = [], start
    while piece_start < end:
        first = bisect.bisect_right(word_ends, piece_start)

        def fits_words(n: int) -> bool:
            return count([text[piece_start : word_ends[first + n - 1]]])[0] <= limit

        def fits_chars(n: int) -> bool:
            return count([text[piece_start : piece_start + n]])[0] <= limit

        if fits_words(1):
            cut = word_ends[first + _longest_fit(fits_words, 1, len(word_ends) - first) - 1]
        else:  # one enormous "word" (a URL, base64): cut it between characters
            cut = piece_start + _longest_fit(fits_chars, 1, word_ends[first] - piece_start)
        pieces.append((piece_start, cut))
        piece_start = _strip_span(text, cut, end)[0]
    return pieces


def sentence_spans(line: str) -> list[tuple[int, int]]:
    """Punkt's sentences of a line, except that a sentence never opens with a word in lower case: Punkt cuts
    after an abbreviation it does not know ("e.g. the"), an operator ("the ? operator"), a full stop named
    ("the . (period) character") or a mis-decoded letter ("Bab? of"), and that piece goes on the sentence before
    it ("mtDNA levels ..." opens a sentence, and so does "(a) the parties ...", a letter or number in brackets)."""
    spans: list[tuple[int, int]] = []
    for start, end in _punkt().span_tokenize(line):
        word = _OPENING_WORD.match(line, start)
        if spans and word and word["word"].isalpha() and word["word"].islower():  # not "mtDNA", "iPhone"
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def quotable(sentence: str) -> bool:
    """Whether a sentence says enough to be quoted as an answer: four words or more, or three that read as a
    sentence (`_SHORT_SENTENCE`); not a fragment such as "Photo: Reuters", "1 October 2020." or a source's name
    in a list of references."""
    words = len(_WORD.findall(sentence))
    return words >= _SENTENCE_WORDS or (words == _SENTENCE_WORDS - 1 and bool(_SHORT_SENTENCE.fullmatch(sentence)))


def split_sentences(document: Document, count: Callable[[list[str]], list[int]], limit: int) -> list[Sentence]:
    """Each line is a block; Punkt splits blocks into sentences, but a line of code is one ('println!("{x}");' is
    not two); over-long sentences are wrapped."""
    text, spans = document.text, []
    for line in re.finditer(r"[^\n]+", text):
        line_start = line.start()
        reference = bool(_REFERENCE_LINE.match(line.group()))
        code = overlaps(document.code, line.start(), line.end())
        for a, b in [(0, len(line.group()))] if code else sentence_spans(line.group()):
            start, end = _strip_span(text, line_start + a, line_start + b)
            if end > start:
                spans.append((start, end, reference))
    counts = count([text[a:b] for a, b, _ in spans]) if spans else []
    sentences = []
    for (start, end, reference), n_tokens in zip(spans, counts):
        pieces = [(start, end)] if n_tokens <= limit else _wrap(text, start, end, count, limit)
        for a, b in pieces:
            aside = any(overlaps(spans, a, b) for spans in (document.headings, document.code, document.links))
            answerable = not reference and not aside and quotable(text[a:b])
            sentences.append(Sentence(document.source, a, b, answerable=answerable))
    return sentences


def chunk_document(
    document: Document,
    sentences: list[Sentence],
    count: Callable[[list[str]], list[int]],
    max_tokens: int,
    overlap_tokens: int,
) -> list[Chunk]:
    """Pack whole sentences into chunks of at most `max_tokens`, repeating up to `overlap_tokens` of the tail."""
    if not sentences:
        return []
    text = document.text
    sizes = count([text[s.start : s.end] for s in sentences])
    chunks, first = [], 0
    while first < len(sentences):
        last, total = first, sizes[first]
        while last + 1 < len(sentences) and total + sizes[last + 1] <= max_tokens:
            last += 1
            total += sizes[last]
        while last > first and count([text[sentences[first].start : sentences[last].end]])[0] > max_tokens:
            last -= 1  # joining can add pieces (rare); never exceed the window
        chunks.append(
            Chunk(
                chunk_id=f"{document.source}#{len(chunks)}",
                source=document.source,
                start=sentences[first].start,
                end=sentences[last].end,
                sentences=(first, last + 1),
            )
        )
        if last + 1 >= len(sentences):
            break
        next_first, overlap = last + 1, 0
        while next_first - 1 > first and overlap + sizes[next_first - 1] <= overlap_tokens:
            next_first -= 1
            overlap += sizes[next_first]
        first = next_first
    return chunks
