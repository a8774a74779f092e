"""Run the assistant over evaluation questions and score every answer.

Per question: where the first gold passage was retrieved, whether the answer holds every
answer term (or rightly refuses), whether each citation's quote equals the cleaned source
text at its offsets, and how well each answer sentence is supported by what it cites
(`qa.verification`, which knows nothing about how the answer was made).
"""

from __future__ import annotations

from typing import Callable

from pydantic import BaseModel, Field

from qa.evaluation.evalset import EvalQuestion, gold_spans
from qa.types import Answer, Citation
from qa.verification import check_answer

CORRECT, INCOMPLETE, WRONGLY_REFUSED = "correct", "missing answer terms", "wrongly refused"
REFUSED, NOT_REFUSED = "rightly refused", "answered an unanswerable question"
HIT_DEPTH = 5


class SentenceResult(BaseModel):
    text: str
    citations: list[int]
    support: float
    supported: bool


class QuestionResult(BaseModel):
    id: str
    kind: str
    split: str
    question: str
    reference: str
    answer_terms: list[str]
    answer: str
    abstained: bool
    citations: list[Citation]
    confidence: float | None = None  # the extractive answerer's (None for generated answers)
    mode: str = "extractive"
    fallback: str | None = None  # why a generated answer was replaced by the extractive one
    verdict: str
    missing_terms: list[str] = Field(default_factory=list)
    gold_rank: int | None = None  # 1-based rank of the first retrieved passage holding a gold quote
    citations_valid: list[bool] = Field(default_factory=list)
    sentences: list[SentenceResult] = Field(default_factory=list)
    gold_quotes: list[str] = Field(default_factory=list)  # cleaned gold quotes (ragas reference contexts)
    contexts: list[str] = Field(default_factory=list)  # retrieved passage texts (ragas/judge contexts)
    scores: dict[str, float] = Field(default_factory=dict)  # ragas metrics of this question

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def gold_rank(answer: Answer, spans: list[tuple[str, int, int]]) -> int | None:
    """Rank of the first passage overlapping at least half of a gold quote (or half of itself)."""
    for rank, passage in enumerate(answer.passages, start=1):
        for source, start, end in spans:
            shared = _overlap((passage.start, passage.end), (start, end)) if passage.source == source else 0
            if shared and shared * 2 >= min(end - start, passage.end - passage.start):
                return rank
    return None


def verdict_of(question: EvalQuestion, answer: Answer) -> tuple[str, list[str]]:
    if not question.answerable:
        return (REFUSED if answer.abstained else NOT_REFUSED), []
    if answer.abstained:
        return WRONGLY_REFUSED, list(question.answer_terms)
    missing = question.missing_terms(answer.answer)
    return (INCOMPLETE if missing else CORRECT), missing


def score_question(question: EvalQuestion, answer: Answer, text_of: Callable[[str], str]) -> QuestionResult:
    spans = gold_spans(question, text_of)
    check = check_answer(answer, text_of)
    verdict, missing = verdict_of(question, answer)
    return QuestionResult(
        id=question.id,
        kind=question.kind,
        split=question.split,
        question=question.question,
        reference=question.reference,
        answer_terms=question.answer_terms,
        answer=answer.answer,
        abstained=answer.abstained,
        citations=answer.citations,
        confidence=answer.confidence,
        mode=answer.mode,
        fallback=answer.fallback,
        verdict=verdict,
        missing_terms=missing,
        gold_rank=gold_rank(answer, spans),
        citations_valid=check.citations_valid + [False] * len(check.unknown_markers),
        sentences=[
            SentenceResult(text=s.text, citations=list(s.citations), support=round(s.support, 4), supported=s.supported)
            for s in check.sentences
        ],
        gold_quotes=[text_of(source)[start:end] for source, start, end in spans],
        contexts=[p.text for p in answer.passages],
    )


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def summarise(results: list[QuestionResult]) -> dict[str, float | None]:
    """The headline metrics (None when no question of the needed kind is present)."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    ranks = [r.gold_rank for r in answerable]
    return {
        "retrieval_hit_at_1": _share([rank == 1 for rank in ranks]),
        f"retrieval_hit_at_{HIT_DEPTH}": _share([rank is not None and rank <= HIT_DEPTH for rank in ranks]),
        "retrieval_mrr": round(sum(1 / rank for rank in ranks if rank) / len(ranks), 4) if ranks else None,
        "answer_correctness": _share([r.verdict == CORRECT for r in answerable]),
        "unanswerable_refused": _share([r.abstained for r in unanswerable]),
        "answerable_refused": _share([r.abstained for r in answerable]),
        "citation_validity": _share([ok for r in results for ok in r.citations_valid]) if any(r.citations for r in results) else 1.0,
        "supported_sentences": _share([s.supported for r in results if not r.abstained for s in r.sentences]),
        "mean_answer_sentences": round(
            sum(len(r.sentences) for r in results if not r.abstained) / max(1, sum(not r.abstained for r in results)), 2
        ),
    }
