"""Checks an answer against what it cites, independently of how the answer was made.

Used by `qa eval` (and by any answer mode that wants to verify itself):

- `split_cited_sentences(answer)` splits answer text into sentences and gives each the
  `[n]` markers that belong to it ("A. [1] B [2]." -> A:[1], B:[2]); a marker group
  always ends a sentence, and a sentence without a marker gets none. A fenced code block
  (```...```) is one sentence, and brackets inside it (`v[2]`) are code, not markers.
- `support_score(sentence, cited_texts)` is 1.0 when the sentence is a verbatim quote
  of a cited text, else the share of its content words (stemmed, stop words dropped)
  found in the cited texts. A sentence counts as supported at `SUPPORT_THRESHOLD`.
- `check_answer(answer, text_of)` applies both to an `Answer` and also checks that
  every citation's quote equals the cleaned source text at its offsets.
- `verify_sentences(answer, passages, embed)` checks a generated answer before anyone sees it:
  citation numbers that point at no passage are dropped, and a sentence stays only when its
  cited passages hold enough of its content words (`LEXICAL_MIN`), one of their sentences means
  nearly the same (`SIMILARITY_MIN`, cosine of sentence vectors) and every number it states.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from qa.types import Answer

SUPPORT_THRESHOLD = 0.8

_MARKER_GROUP = re.compile(r"((?:\s*\[\d+\])+)([.!?;:,]*)")
# A Markdown code block, as answers quote code; its fence is longer than any run of backticks in it.
_FENCED = re.compile(r"(?P<fence>`{3,})[^\n`]*\n(?P<code>.*?)\n?(?P=fence)(?!`)", re.DOTALL)
_WORD = re.compile(r"\w+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})


@dataclass(frozen=True)
class CitedSentence:
    text: str  # the sentence without its markers
    citations: tuple[int, ...]  # the n of each [n] that belongs to it


@dataclass(frozen=True)
class SentenceCheck:
    text: str
    citations: tuple[int, ...]
    support: float  # 0..1, see support_score

    @property
    def supported(self) -> bool:
        return bool(self.citations) and self.support >= SUPPORT_THRESHOLD


@dataclass(frozen=True)
class AnswerCheck:
    citations_valid: list[bool]  # per citation: quote == cleaned_text(source)[start:end]
    sentences: list[SentenceCheck]
    unknown_markers: list[int]  # [n] markers with no citation n

    @property
    def all_valid(self) -> bool:
        return all(self.citations_valid) and not self.unknown_markers


# Modal verbs bm25s keeps as words, though "When could cars first cross?" asks nothing about "could" ("may" is
# also a month, so it stays).
_MODALS = frozenset({"could", "would", "might", "must", "shall", "ought"})


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS) | _MODALS


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def content_terms(text: str) -> list[str]:
    """Lower-cased, stemmed words of `text` without English stop words (numbers kept)."""
    stop = _stopwords()
    words = [w for w in _WORD.findall(text.translate(_QUOTES).lower()) if w not in stop]
    return _stemmer().stemWords(words)


@lru_cache(maxsize=8192)  # a sentence is read again for every question it is a candidate of
def joined_words(text: str) -> tuple[tuple[str, str, str], ...]:
    """Each two neighbouring words of `text` written as one and stemmed, with the two words: "key pair" gives
    ("keypair", "key", "pair") and "cease-fire" ("ceasefir", "cease", "fire"), as another writer spells them."""
    words = _WORD.findall(text.translate(_QUOTES).lower())
    pairs = list(zip(words, words[1:]))
    joined = _stemmer().stemWords([first + second for first, second in pairs])
    return tuple((one, first, second) for one, (first, second) in zip(joined, pairs))


def _sentences(text: str) -> list[str]:
    """The sentences of `text`, line by line, each fenced code block whole."""
    from qa.chunking import sentence_spans

    found = []
    for piece, code in prose_and_code(text):
        if code:
            found.append(_FENCED.fullmatch(piece)["code"].strip())
            continue
        for line in piece.split("\n"):
            found += [line[a:b].strip() for a, b in sentence_spans(line)]
    return [s for s in found if _WORD.search(s)]


def prose_and_code(answer: str) -> list[tuple[str, bool]]:
    """`answer` in pieces, each (text, is fenced code with its fences), for a face to show code as code."""
    pieces, position = [], 0
    for block in _FENCED.finditer(answer):
        pieces += [(answer[position : block.start()], False), (block.group(), True)]
        position = block.end()
    return [piece for piece in [*pieces, (answer[position:], False)] if piece[0].strip()]


def fenced(code: str) -> str:
    """`code` as a fenced block of an answer."""
    fence = "`" * max(3, 1 + max(map(len, re.findall(r"`+", code)), default=0))
    return f"{fence}\n{code}\n{fence}"


def citation_markers(answer: str) -> list[re.Match]:
    """The groups of `[n]` markers of `answer` and the punctuation after them; none inside fenced code."""
    code = [block.span() for block in _FENCED.finditer(answer)]
    return [m for m in _MARKER_GROUP.finditer(answer) if not any(a <= m.start() < b for a, b in code)]


def without_markers(answer: str) -> str:
    """The answer text as it reads without its `[n]` markers (brackets in its code stay)."""
    position, kept = 0, []
    for match in citation_markers(answer):
        kept += [answer[position : match.start()], match.group(2)]
        position = match.end()
    return ("".join(kept) + answer[position:]).strip()


def split_cited_sentences(answer: str) -> list[CitedSentence]:
    """The sentences of `answer`, each with the citation numbers of the markers that follow it."""
    found: list[CitedSentence] = []
    position = 0
    for match in citation_markers(answer):
        ids = tuple(int(n) for n in re.findall(r"\d+", match.group(1)))
        sentences = _sentences(answer[position : match.start()] + match.group(2))
        if sentences:
            found += [CitedSentence(s, ()) for s in sentences[:-1]]
            found.append(CitedSentence(sentences[-1], ids))
        elif found:  # a marker group with no new text of its own belongs to the sentence before it
            previous = found[-1]
            found[-1] = CitedSentence(previous.text, previous.citations + ids)
        position = match.end()
    found += [CitedSentence(s, ()) for s in _sentences(answer[position:])]
    return found


def _normalise(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split()).casefold()


def support_score(sentence: str, cited_texts: list[str]) -> float:
    """How much of `sentence` the cited texts back: 1.0 for a verbatim quote, else the share of its content words they hold."""
    if not cited_texts:
        return 0.0
    plain = _normalise(sentence)
    if any(plain in _normalise(text) for text in cited_texts):
        return 1.0
    terms = content_terms(sentence)
    if not terms:
        return 0.0
    available = {term for text in cited_texts for term in content_terms(text)}
    return sum(term in available for term in terms) / len(terms)


def check_answer(answer: Answer, text_of: Callable[[str], str]) -> AnswerCheck:
    """Citation validity and per-sentence support of one answer; `text_of(source)` gives a cleaned document."""
    valid = []
    for citation in answer.citations:
        try:
            valid.append(text_of(citation.source)[citation.start : citation.end] == citation.quote)
        except KeyError:
            valid.append(False)
    if answer.abstained:
        return AnswerCheck(valid, [], [])
    quotes = {c.id: c.quote for c in answer.citations}
    checks, unknown = [], []
    for sentence in split_cited_sentences(answer.answer):
        unknown += [n for n in sentence.citations if n not in quotes]
        cited = [quotes[n] for n in sentence.citations if n in quotes]
        checks.append(SentenceCheck(sentence.text, sentence.citations, support_score(sentence.text, cited)))
    return AnswerCheck(valid, checks, sorted(set(unknown)))


# Verifying a generated answer. The thresholds come from `evals/calibrate_verification.py`, fitted on
# stand-in claims from the dev split (its docstring says which and how): balanced accuracy 0.945 on
# dev, 0.949 on the unseen test split; 90% of supported claims kept, 1-5% of unsupported ones.
LEXICAL_MIN = 0.45  # share of the sentence's content words the cited passages hold
NEW_WORDS_MIN = 0.40  # ... of its content words the question does not hold: what it claims as the answer
SIMILARITY_MIN = 0.25  # cosine between the sentence and the closest sentence of the cited passages

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_REFUSAL = re.compile(r"\bdocuments (?:don't|do not) answer\b")


@dataclass(frozen=True)
class SourceSentence:
    """A sentence of a passage: where it sits in its cleaned document, its text and its unit vector."""

    source: str
    start: int
    end: int
    text: str
    vector: np.ndarray


@dataclass(frozen=True)
class CitedPassage:
    text: str
    sentences: list[SourceSentence]


@dataclass(frozen=True)
class Support:
    """How some cited passage(s) back one answer sentence."""

    lexical: float
    new_words: float
    similarity: float
    numbers: bool  # every number the sentence states (beyond the question's) is in them
    best: SourceSentence | None  # their sentence closest to it: highest cosine + share of its content words

    @property
    def passes(self) -> bool:
        return (
            self.numbers and self.lexical >= LEXICAL_MIN and self.new_words >= NEW_WORDS_MIN
            and self.similarity >= SIMILARITY_MIN
        )


@dataclass(frozen=True)
class VerifiedSentence:
    text: str
    supports: dict[int, Support]  # per valid citation whose passage holds any of its content words
    dropped: tuple[int, ...]  # citation numbers that point at no passage
    overall: Support  # the passages of `supports` together

    @property
    def supported(self) -> bool:
        return bool(self.supports) and self.overall.passes


def numbers_in(text: str) -> set[str]:
    """The numbers written in digits ("2,000" and "2000" alike)."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def is_refusal(text: str) -> bool:
    """Whether a reply says the documents don't answer (whatever its quotes and case)."""
    return bool(_REFUSAL.search(_normalise(text)))


def support(sentence: str, vector: np.ndarray, passages: list[CitedPassage], question: str = "") -> Support:
    """How well `passages` back `sentence` (its unit `vector`); words of `question` don't count as new."""
    sentences = [s for p in passages for s in p.sentences]
    if not sentences:
        return Support(0.0, 0.0, 0.0, False, None)
    cosines = np.stack([s.vector for s in sentences]) @ vector
    terms = content_terms(sentence)
    shares = [sum(t in held for t in terms) / max(1, len(terms)) for held in (set(content_terms(s.text)) for s in sentences)]
    texts = [p.text for p in passages]
    available = {term for text in texts for term in content_terms(text)}
    asked = set(content_terms(question))
    new = [term for term in terms if term not in asked]
    return Support(
        lexical=support_score(sentence, texts),
        new_words=sum(term in available for term in new) / len(new) if new else 1.0,
        similarity=float(cosines.max()),
        numbers=numbers_in(sentence) - numbers_in(question) <= set().union(*(numbers_in(t) for t in texts)),
        best=sentences[int(np.argmax(cosines + np.asarray(shares)))],
    )


def verify_sentences(
    answer: str, passages: dict[int, CitedPassage], embed: Callable[[list[str]], np.ndarray], question: str = ""
) -> list[VerifiedSentence]:
    """Every sentence of `answer` with the support of its valid citations (see `VerifiedSentence.supported`)."""
    sentences = split_cited_sentences(answer)
    vectors = embed([s.text for s in sentences]) if sentences else []
    verified = []
    for sentence, vector in zip(sentences, vectors):
        supports = {}
        for n in dict.fromkeys(sentence.citations):
            if n in passages:
                alone = support(sentence.text, vector, [passages[n]], question)
                if alone.lexical > 0:
                    supports[n] = alone
        dropped = tuple(n for n in sentence.citations if n not in passages)
        overall = support(sentence.text, vector, [passages[n] for n in supports], question)
        verified.append(VerifiedSentence(sentence.text, supports, dropped, overall))
    return verified
