"""Extractive answering: quote the best sentences of the retrieved passages, or refuse.

Every candidate is a sentence span stored at index time with its vector, so scoring is a
matrix product plus a little lexical work. A sentence's score combines
  dense     cosine(question, sentence)
  coverage  share of the question's IDF mass (stemmed content words) the sentence contains
  rank      1 / (1 + rank of the best passage holding it)
  type      whether it holds what the question asks for (a number, a date, a name)
  support   share of the question's IDF mass found anywhere in the retrieved passages
with weights and a refusal threshold fitted on the eval set's dev split (`qa eval --calibrate`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from qa.index import Index
from qa.lexical import tokenize
from qa.types import Answer, Citation, Passage

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
REFUSAL = "The documents don't answer this question."

_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(?:1[89]|20)\d\d\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|\d\s+(?:jan|feb|mar|apr|"
    r"may|jun|jul|aug|sep|sept|oct|nov|dec)|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")
_QUESTION_TYPES = (
    ("number", re.compile(r"\b(?:how many|how much|what (?:number|percentage|share|proportion|amount))\b", re.I), _NUMBER),
    ("date", re.compile(r"^\s*(?:when\b|(?:in|on|by)?\s*what (?:year|date|day|month)\b)", re.I), _DATE),
    ("person", re.compile(r"^\s*(?:who|whom|whose)\b|\bwhich (?:person|official|minister|president|leader)\b", re.I), _NAME),
)


@dataclass
class Calibration:
    """Scoring weights and the refusal threshold; `qa eval --calibrate` refits them on the dev split."""

    weights: dict[str, float] = field(
        default_factory=lambda: {"dense": 1.0, "coverage": 0.6, "rank": 0.15, "type": 0.1, "support": 0.3}
    )
    threshold: float = 0.75
    margin: float = 0.08
    fitted_on: str = "defaults"

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> "Calibration":
        if path.is_file():
            return cls(**json.loads(path.read_text()))
        return cls()

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")


@dataclass
class Candidate:
    row: int  # sentence row in the index
    passage_rank: int
    features: dict[str, float]
    terms: set[str]
    score: float = 0.0


def expected_type(question: str):
    for name, pattern, evidence in _QUESTION_TYPES:
        if pattern.search(question):
            return name, evidence
    return None, None


class ExtractiveAnswerer:
    def __init__(self, index: Index, calibration: Calibration | None = None, max_sentences: int = 3) -> None:
        self.index = index
        self.calibration = calibration or Calibration.load()
        self.max_sentences = max_sentences

    def idf(self, term: str) -> float:
        n, df = self.index.bm25.size, self.index.bm25.document_frequency(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def candidates(self, question: str, question_vector: np.ndarray, passages: list[Passage]) -> list[Candidate]:
        """All quotable sentences of the passages with their features (each sentence once, at its best rank)."""
        index = self.index
        seen: dict[int, int] = {}
        for rank, passage in enumerate(passages):
            chunk = index.chunks[index.row_of_chunk[passage.chunk_id]]
            for row in range(*chunk.sentences):
                if index.sentences[row].answerable and row not in seen:
                    seen[row] = rank
        if not seen:
            return []
        rows = list(seen)
        texts = [self.sentence_text(row) for row in rows]
        dense = np.asarray(index.sentence_vectors[rows], dtype=np.float32) @ question_vector
        question_terms = set(tokenize([question])[0])
        weights = {t: self.idf(t) for t in question_terms}
        total = sum(weights.values()) or 1.0
        sentence_terms = [set(terms) for terms in tokenize(texts)]
        passage_terms = set().union(*sentence_terms, *(set(t) for t in tokenize([p.text for p in passages])))
        support = sum(w for t, w in weights.items() if t in passage_terms) / total
        _, evidence = expected_type(question)
        found = []
        for row, text, terms, cosine in zip(rows, texts, sentence_terms, dense):
            if evidence is None:
                type_match = 0.0
            else:
                type_match = 1.0 if evidence.search(text) else -1.0
            features = {
                "dense": float(cosine),
                "coverage": sum(w for t, w in weights.items() if t in terms) / total,
                "rank": 1.0 / (1 + seen[row]),
                "type": type_match,
                "support": support,
            }
            found.append(Candidate(row, seen[row], features, terms & question_terms))
        for candidate in found:
            candidate.score = sum(self.calibration.weights.get(k, 0.0) * v for k, v in candidate.features.items())
        found.sort(key=lambda c: -c.score)
        return found

    def sentence_text(self, row: int) -> str:
        sentence = self.index.sentences[row]
        return self.index.documents[sentence.source].text[sentence.start : sentence.end]

    def select(self, candidates: list[Candidate]) -> list[Candidate]:
        """The best sentence, then up to two more that score close to it or cover question words it lacks."""
        cal = self.calibration
        if not candidates or candidates[0].score < cal.threshold:
            return []
        best = candidates[0]
        chosen, covered = [best], set(best.terms)
        vectors = self.index.sentence_vectors
        for candidate in candidates[1:]:
            if len(chosen) >= self.max_sentences or candidate.score < cal.threshold:
                break
            adds_terms = bool(candidate.terms - covered)
            if candidate.score < best.score - cal.margin and not adds_terms:
                continue
            similarity = max(
                float(np.dot(np.asarray(vectors[candidate.row], np.float32), np.asarray(vectors[c.row], np.float32)))
                for c in chosen
            )
            if similarity > 0.9:
                continue
            chosen.append(candidate)
            covered |= candidate.terms
        return chosen

    def answer(self, question: str, question_vector: np.ndarray, passages: list[Passage]) -> Answer:
        chosen = self.select(self.candidates(question, question_vector, passages))
        if not chosen:
            return Answer(question=question, answer=REFUSAL, abstained=True, passages=passages)
        citations, parts = [], []
        for number, candidate in enumerate(chosen, start=1):
            sentence = self.index.sentences[candidate.row]
            document = self.index.documents[sentence.source]
            quote = document.text[sentence.start : sentence.end]
            citations.append(
                Citation(
                    id=number, source=sentence.source, start=sentence.start, end=sentence.end,
                    quote=quote, title=document.title, date=document.date,
                )
            )
            parts.append(f"{quote} [{number}]")
        return Answer(question=question, answer=" ".join(parts), abstained=False, citations=citations, passages=passages)
