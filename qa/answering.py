"""Extractive answering: quote the sentences of the retrieved passages that answer the question, or refuse.

1. The question is read once (`qa.question.Question`): IDF-weighted content words, unknown
   words and names, the kind of answer it asks for, and its parts.
2. Every sentence of the retrieved passages is a candidate. For the whole question and for each
   of its parts, a sentence has these features:
     dense     cosine(question, sentence)
     coverage  IDF share of the part's known words in the sentence
     context   the same share in the sentence, the one before it, and its document's title and date
     type      +1 if it holds an answer of the asked-for kind in words the question does not hold,
               -1 if such an answer is asked for but absent, 0 if none is asked for
     rank      1 / (1 + rank of the best passage holding it)
   and a logistic model turns them into the probability that the sentence answers.
3. The answer quotes the best sentence (for a many-part question, the best for each part), then
   for each part left open the best sentence that answers it (or, for an amount in a unit, the
   sentence a little after one of the part's likeliest in its paragraph that gives it, read and
   quoted with it), then runners-up nearly as likely as the best that add question words. For a
   one-part question, the sentences holding the kind of answer it asks for come first.
4. The question is refused when no chosen sentence holds the kind of answer a part asks for, or
   none is as close to the question as correct dev answers were; otherwise a second logistic model
   gives the confidence that the sentences answer it, from the best answering sentence (its logit,
   closeness and years), how much of the question they cover, how far the best sentence stands out
   from the other candidates (its share of the probability of the ten best that say different
   things), and how much of the question the corpus never mentions (words, names). Below the
   threshold the answer is a refusal.
Both models, the threshold and the selection settings are fitted on the eval set's dev split
(`qa eval --calibrate --split dev`) and stored in `qa/calibration.json`, or, fitted on your own
questions, in the file QA_CALIBRATION_FILE names.
"""

from __future__ import annotations

import json
import math
from collections.abc import Set
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from qa.errors import read_json
from qa.index import Index
from qa.question import Part, Question, spell_out_acronyms
from qa.quotation import Quotations
from qa.types import Answer, Passage
from qa.verification import content_terms, fenced

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
REFUSAL = "The documents don't answer this question."
# Each feature with the sign its weight must have: more of it can only make an answer more (+1) or less (-1) likely.
SENTENCE_FEATURES = {"dense": 1, "coverage": 1, "context": 1, "type": 1, "rank": 1}
QUESTION_FEATURES = {"best": 1, "dense": 1, "year": 1, "covered": 1, "unknown": -1, "unknown_name": -1, "standout": 1}
FOLLOW_TOPICS = 3  # a part's likeliest sentences an amount it lacks is looked for after
FOLLOW_REACH = 2  # sentences after each of them looked through for it
# Kinds of answer looked for after a part's likeliest sentences: amounts in a unit, which seldom turn up a sentence
# later by chance, unlike a name, a date or a bare number (found in most sentences of a news story).
FOLLOWED_KINDS = {"duration", "length", "mass", "percentage", "share", "age", "money"}
STANDOUT_AMONG = 10  # the best sentence's share of probability is taken among this many best distinct candidates
SENTENCES_KEPT_READ = 65536  # sentences whose reading (text, words) is kept between questions


def shouting(text: str) -> bool:
    """Mostly capital letters: a photo credit or a heading ("(CREDIT: DEFENCE MINISTRY/REUTERS)"), not an answer."""
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ch.isupper() for ch in letters) > 0.6 * len(letters)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def standout(probabilities: list[float]) -> float:
    """The best probability's share of the best few: a question the documents answer tends to have one
    sentence standing out; one they only touch on, many about as likely."""
    top = sorted(probabilities, reverse=True)[:STANDOUT_AMONG]
    return top[0] / sum(top) if top and sum(top) > 0 else 0.0


@dataclass
class Calibration:
    """The two logistic models, the refusal rules and the selection settings (`qa eval --calibrate`).

    The defaults (used without `qa/calibration.json`) are a rounded earlier fit."""

    weights: dict[str, float] = field(
        default_factory=lambda: {"dense": 6.8, "coverage": 6.4, "context": 3.0, "type": 0.4, "rank": 1.6}
    )
    bias: float = -10.2
    answer_weights: dict[str, float] = field(
        default_factory=lambda: {"best": 1.7, "dense": 0.1, "year": 0.3, "covered": 0.1, "unknown": -0.1, "unknown_name": -0.2}
    )
    answer_bias: float = 2.5
    threshold: float = 0.42  # refuse when the answerability confidence is below this
    min_dense: float = 0.26  # refuse when no chosen sentence is this close to the question (cosine)
    runner_up: float = 0.3  # a runner-up is quoted when at least this share of the best sentence's probability
    part_floor: float = 0.3  # least probability of a sentence quoted for one part of the question
    fitted_on: str = "defaults"

    @classmethod
    def load(cls, path: Path | None = None) -> "Calibration":
        """The calibration fitted into `path` (default: the bundled one, or the defaults without it); fields a
        newer answerer added keep their defaults until the next fit."""
        if path is None and not CALIBRATION_FILE.is_file():
            return cls()
        stored = read_json(
            path or CALIBRATION_FILE, "the calibration", " (`qa eval --calibrate --split dev` with QA_CALIBRATION_FILE set writes it)"
        )
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in stored.items() if k in known})

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    def sentence_logit(self, features: dict[str, float]) -> float:
        return self.bias + sum(self.weights.get(name, 0.0) * value for name, value in features.items())

    def confidence(self, features: dict[str, float]) -> float:
        return sigmoid(self.answer_bias + sum(self.answer_weights.get(n, 0.0) * v for n, v in features.items()))


@dataclass(eq=False)  # compared and hashed by identity: one object per sentence
class Candidate:
    row: int  # sentence row in the index
    text: str
    words: Set[str]  # content words of the sentence
    context_words: Set[str]  # ... of the sentence, the one before it, and its document's title and date
    dense: list[float]  # cosine with the question, then with each of its parts
    rank: float  # 1 / (1 + rank of the best passage holding it)
    features: dict[str, float] = field(default_factory=dict)  # for the whole question
    logit: float = 0.0
    part_logits: list[float] = field(default_factory=list)  # one per part of the question
    lead: int | None = None  # for a sentence read with the one it follows up: that sentence's row, quoted with it

    @property
    def probability(self) -> float:
        return sigmoid(self.logit)


class ExtractiveAnswerer:
    def __init__(
        self,
        index: Index,
        calibration: Calibration | None = None,
        max_sentences: int = 3,
        embed: Callable[[list[str]], np.ndarray] | None = None,
        calibration_file: Path | None = None,
        threshold: float | None = None,
    ) -> None:
        self.index = index
        if calibration is not None:
            self.calibration = calibration
        self.calibration_file = calibration_file  # read on the first question (`qa eval --calibrate` may write it first)
        self.threshold = threshold  # overrides the calibrated refusal threshold
        self.max_sentences = max_sentences
        self.embed = embed  # for the parts of a many-part question (without it, parts share the question's vector)

    @cached_property
    def calibration(self) -> Calibration:
        calibration = Calibration.load(self.calibration_file)
        if self.threshold is not None:
            calibration.threshold = self.threshold
        return calibration

    @cached_property
    def document_words(self) -> dict[str, set[str]]:
        """Content words every sentence of a document shares: its title, and the year and month of its date."""
        words = {}
        for source, document in self.index.documents.items():
            try:
                when = date.fromisoformat(document.date).strftime("%Y %B") if document.date else ""
            except ValueError:
                when = ""
            words[source] = set(content_terms(f"{document.title or ''} {when}"))
        return words

    @cached_property
    def quotations(self) -> Quotations:
        return Quotations(self.index)

    @cached_property
    def read_sentence(self) -> Callable[[int], tuple[str, frozenset[str], bool]]:
        """A sentence row's text, its content words and whether it may be quoted as an answer (not a heading
        or a photo credit); the index does not change under an answerer, so each is read once, not per question."""

        @lru_cache(maxsize=SENTENCES_KEPT_READ)
        def read(row: int) -> tuple[str, frozenset[str], bool]:
            text = self.index.sentence_text(row)
            return text, frozenset(content_terms(text)), self.index.sentences[row].answerable and not shouting(text)

        return read

    def features(self, question: Question, n: int | None, candidate: Candidate) -> dict[str, float]:
        """Features for the whole question (`n` None) or its part `n`."""
        part = question.whole if n is None else question.parts[n]
        return {
            "dense": candidate.dense[0 if n is None else n + 1],
            "coverage": question.covered(part, candidate.words),
            "context": question.covered(part, candidate.context_words),
            "type": question.kind_match(part, candidate.text),
            "rank": candidate.rank,
        }

    def score(self, question: Question, candidates: list[Candidate]) -> None:
        """Features and logits (whole question and each part) under the current calibration; best first."""
        for candidate in candidates:
            candidate.features = self.features(question, None, candidate)
            candidate.logit = self.calibration.sentence_logit(candidate.features)
            candidate.part_logits = [
                self.calibration.sentence_logit(self.features(question, n, candidate)) for n in range(len(question.parts))
            ]
        candidates.sort(key=lambda c: -c.logit)

    def prepare(
        self, text: str, question_vector: np.ndarray, passages: list[Passage]
    ) -> tuple[Question, list[Candidate], list[Passage]]:
        """Read the question, retrieve for each of its parts too, and score every candidate sentence."""
        question = Question(text, self.index)
        vectors = [np.asarray(question_vector, np.float32)]
        if len(question.parts) > 1 and self.embed is not None:
            queries = [spell_out_acronyms(part.text, self.index) for part in question.parts]  # as `Assistant.retrieve`
            vectors += list(self.embed(queries))
            passages = passages + self.part_passages(queries, vectors[1:], passages)
        else:
            vectors += vectors * len(question.parts)
        return question, self.candidates(question, vectors, passages), passages

    def part_passages(self, queries: list[str], vectors: list[np.ndarray], passages: list[Passage]) -> list[Passage]:
        """Passages for each part on its own ("When did X start, and where was Y signed?" may need two places),
        searched for with its text as retrieval reads it (`queries`) and its vector."""
        from qa.retrieval import Retriever

        retriever = Retriever(self.index, self.index.settings)
        depth = max(2, self.index.settings.top_k // 2)
        seen = {p.chunk_id for p in passages}
        extra = []
        for query, vector in zip(queries, vectors):
            for passage in retriever.search(query, vector, depth):
                if passage.chunk_id not in seen:
                    seen.add(passage.chunk_id)
                    extra.append(passage)
        return extra

    def candidates(self, question: Question, vectors: list[np.ndarray], passages: list[Passage]) -> list[Candidate]:
        """Every quotable sentence of the passages (once, at its best rank), scored, best first.

        `vectors` are the question's and then one per part of it."""
        index = self.index
        rank_of: dict[int, int] = {}
        for rank, passage in enumerate(passages):
            chunk = index.chunks[index.row_of_chunk[passage.chunk_id]]
            for row in range(*chunk.sentences):
                if self.read_sentence(row)[2]:
                    rank_of.setdefault(row, rank)
        rows = list(rank_of)
        dense = np.asarray(index.sentence_vectors[rows], dtype=np.float32) @ np.stack(vectors).T
        found = []
        for row, cosines in zip(rows, dense):
            text, own_words, _ = self.read_sentence(row)
            for shown in self.quotations.code_below(row):  # quoted with it, so it answers with it
                own_words = own_words | self.read_sentence(shown)[1]
            words = own_words | question.related(own_words, text)
            source = index.sentences[row].source
            context = words | self.document_words[source]
            if row > 0 and index.sentences[row - 1].source == source:
                previous, previous_words, _ = self.read_sentence(row - 1)
                context |= previous_words
                context |= question.related(context, previous)
            found.append(Candidate(row, text, words, context, [float(c) for c in cosines], 1.0 / (1 + rank_of[row])))
        self.score(question, found)
        return found

    def answers_part(self, question: Question, part: Part, chosen: list[Candidate]) -> bool:
        """Whether the chosen sentences hold most of what sets a part apart and an answer of the kind it asks for
        (a description too, though a sentence without one may still answer)."""
        if question.covered(part, set().union(*(c.context_words for c in chosen)), own=True) < 0.5:
            return False
        return any(question.holds_answer(part, c.text) for c in chosen)

    def distinct(self, candidates: list[Candidate], limit: int) -> list[Candidate]:
        """The `limit` most likely candidates, less those that restate a more likely one (the same sentence
        in two copies of an article does not make the question any less answered)."""
        kept: list[Candidate] = []
        for candidate in sorted(candidates, key=lambda c: -c.probability):
            if len(kept) == limit:
                break
            if not self._redundant(candidate, kept):
                kept.append(candidate)
        return kept

    def _redundant(self, candidate: Candidate, chosen: list[Candidate]) -> bool:
        vectors = self.index.sentence_vectors
        own = np.asarray(vectors[candidate.row], np.float32)
        return any(float(own @ np.asarray(vectors[c.row], np.float32)) > 0.9 for c in chosen)

    def select(self, question: Question, candidates: list[Candidate]) -> list[Candidate]:
        """The best sentence (for a many-part question: the best for each part), then for any part
        still open the best sentence that answers it, then runners-up that add question words.
        For a one-part question the sentences holding what it asks for lead: "What is the Lachin
        corridor?" opens with the one that says what it is, not with the likeliest mention."""
        cal = self.calibration
        if not candidates:
            return []
        ranked = [sorted(candidates, key=lambda c: -c.part_logits[n]) for n in range(len(question.parts))]
        chosen = list(dict.fromkeys(r[0] for r in ranked)) if len(question.parts) > 1 else [candidates[0]]
        for n, part in enumerate(question.parts):
            if len(chosen) >= self.max_sentences or self.answers_part(question, part, chosen):
                continue
            pick = next((c for c in ranked[n] if self.answers_part(question, part, [c])), None)
            if pick is not None and pick not in chosen and sigmoid(pick.part_logits[n]) >= cal.part_floor:
                chosen.append(pick)
        by_row = {c.row: c for c in candidates}
        for n, part in enumerate(question.parts):
            if len(chosen) < self.max_sentences and self.answering(question, n, chosen) is None:
                follow_ups = (self.follow_up(question, n, topic, by_row) for topic in ranked[n][:FOLLOW_TOPICS])
                follow_up = next(filter(None, follow_ups), None)
                if follow_up is not None:
                    chosen.append(follow_up)
        best = max(c.probability for c in chosen)
        covered = set().union(*(c.words for c in chosen))
        for candidate in candidates:
            if len(chosen) >= self.max_sentences or candidate.probability < best * cal.runner_up:
                break
            if candidate in chosen or not (set(question.terms) & candidate.words) - covered:
                continue
            if not self._redundant(candidate, chosen):
                chosen.append(candidate)
                covered |= candidate.words
        if len(question.parts) == 1:
            chosen.sort(key=lambda c: not question.holds_answer(question.whole, c.text))  # stable: best first otherwise
        return chosen

    def follow_up(self, question: Question, n: int, topic: Candidate, by_row: dict[int, Candidate]) -> Candidate | None:
        """The answer to part `n` a sentence or two after `topic` (one of its likeliest sentences), read with it:
        "The bridge underwent its largest renovation between 2008 and 2012. [...] The work cost $286 million."
        answers what the renovation cost though the sentence holding the sum never says "renovation". Only in the
        topic's paragraph, only for an amount in a unit (`FOLLOWED_KINDS`), when no chosen sentence holds one.
        `by_row` holds the candidates by sentence row."""
        part = question.parts[n]
        if part.kind not in FOLLOWED_KINDS:
            return None
        last = min(topic.row + FOLLOW_REACH, self.quotations.paragraph(topic.row)[1] - 1)
        for row in range(topic.row + 1, last + 1):
            after = by_row.get(row)
            if after is not None and question.has_evidence(part, after.text):
                read = Candidate(
                    row, after.text, after.words | topic.words, after.context_words | topic.context_words,
                    [max(a, b) for a, b in zip(after.dense, topic.dense)], max(after.rank, topic.rank), lead=topic.row,
                )
                self.score(question, [read])
                return read
        return None

    def answering(self, question: Question, n: int, chosen: list[Candidate]) -> Candidate | None:
        """The chosen sentence that answers part `n`: its most likely one holding the kind of answer it asks for."""
        part = question.parts[n]
        holding = [c for c in chosen if question.can_answer(part, c.text)]
        return max(holding, key=lambda c: c.part_logits[n], default=None)

    def admissible(self, question: Question, chosen: list[Candidate]) -> bool:
        """Whether the chosen sentences can answer at all: every part that asks for a kind of answer
        (a number, a date, a name) gets one, and one sentence is at least as close in meaning to
        the question as correct answers on the dev split were (`min_dense`)."""
        if not chosen or max(c.features["dense"] for c in chosen) < self.calibration.min_dense:
            return False
        return all(self.answering(question, n, chosen) is not None for n in range(len(question.parts)))

    def question_features(self, question: Question, candidates: list[Candidate], chosen: list[Candidate]) -> dict[str, float]:
        """Features of the answerability model: from the answering sentence of the best-answered part, and
        how far the best candidate stands out from the others."""
        answers = [(self.answering(question, n, chosen), n) for n in range(len(question.parts))]
        logit, best = max(((c.part_logits[n], c) for c, n in answers), key=lambda item: item[0])
        return {
            "best": logit,
            "dense": best.features["dense"],
            "year": question.year_match(best.context_words),
            "covered": question.covered(question.whole, set().union(*(c.context_words for c in chosen))),
            "unknown": question.unknown_share,
            "unknown_name": 1.0 if question.unknown_names else 0.0,
            "standout": standout([c.probability for c in self.distinct(candidates, STANDOUT_AMONG)]),
        }

    def confidence(self, question: Question, candidates: list[Candidate], chosen: list[Candidate]) -> float:
        """How sure we are that the sentences chosen among the candidates answer the question (0 when they cannot)."""
        if not self.admissible(question, chosen):
            return 0.0
        return self.calibration.confidence(self.question_features(question, candidates, chosen))

    def refuses(self, question: Question, candidates: list[Candidate], chosen: list[Candidate]) -> bool:
        """Whether to refuse rather than quote the chosen sentences (confidence below the fitted threshold)."""
        return self.confidence(question, candidates, chosen) < self.calibration.threshold

    def quotes(self, chosen: list[Candidate]) -> list[int]:
        """The sentence rows an answer quotes: the chosen sentences, each bare quotation beside the sentence
        that names its speaker, each opening with a pronoun after the sentences it refers to, and each line ending
        in a colon or followed by code before what it introduces (`qa.quotation`), so a claim is never quoted as if
        the documents made it, nor "she" without who she is, nor "Install it with:" without how."""
        rows: list[int] = []
        for candidate in chosen:
            speaker = self.quotations.speaker(candidate.row)
            needed = {candidate.row} if speaker is None else {speaker, candidate.row}
            if candidate.lead is not None:
                needed |= set(range(candidate.lead, candidate.row))
            antecedent = self.quotations.antecedent(min(needed))  # "She continued: “...”" needs who she is
            if antecedent is not None:
                needed |= set(range(antecedent, min(needed)))
            needed.update(self.quotations.introduced(max(needed)))
            rows += [row for row in sorted(needed) if row not in rows]
        return rows

    def answer(self, question: str, question_vector: np.ndarray, passages: list[Passage]) -> Answer:
        read, candidates, passages = self.prepare(question, question_vector, passages)
        chosen = self.select(read, candidates)
        confidence = self.confidence(read, candidates, chosen)  # as `refuses`, kept for the answer
        if confidence < self.calibration.threshold:
            return Answer(question=question, answer=REFUSAL, abstained=True, confidence=confidence, passages=passages)
        citations, text, after_code = [], "", False
        for number, (source, start, end, code) in enumerate(self.cited_spans(self.quotes(chosen)), start=1):
            citations.append(self.index.citation(number, source, start, end))
            quote = f"{fenced(citations[-1].quote) if code else citations[-1].quote} [{number}]"
            separator = "\n" if code or after_code else " "  # code on lines of its own
            text, after_code = f"{text}{separator}{quote}" if text else quote, code
        return Answer(
            question=question, answer=text, abstained=False, citations=citations,
            confidence=confidence, passages=passages,
        )

    def cited_spans(self, rows: list[int]) -> list[tuple[str, int, int, bool]]:
        """The spans an answer quoting the sentences at `rows` cites, as (source, start, end, is code): a sentence
        each, but the lines of one code block in one span from the start of its first line, so the code is quoted
        as it is written (indented, and fenced in the answer) and not as a run of one-line quotes."""
        spans: list[tuple[str, int, int, bool]] = []
        previous = (None, None, None)  # the source, row and code block of the sentence before
        for row in rows:
            sentence = self.index.sentences[row]
            block = self.quotations.code_block(row)
            before, previous = previous, (sentence.source, row, block)
            if block is not None and before == (sentence.source, row - 1, block):
                spans[-1] = (sentence.source, spans[-1][1], sentence.end, True)
                continue
            start = sentence.start
            if block is not None:
                text = self.index.documents[sentence.source].text
                line = max(block[0], text.rfind("\n", 0, start) + 1)
                start = line if text[line:start].isspace() else start
            spans.append((sentence.source, start, sentence.end, block is not None))
        return spans
