"""The evaluation set: questions written from the seed texts, with gold quotes and answer terms.

`evals/questions.jsonl` holds one question per line. Gold quotes are substrings of the raw
seed files; `clean_fragment(quote)` is a substring of the document's cleaned text, which
is what `gold_spans` locates so that retrieved passages can be matched by offsets.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from qa.documents import clean_fragment
from qa.errors import QAError

EVALS_DIR = Path(__file__).resolve().parents[2] / "evals"
QUESTIONS_FILE = EVALS_DIR / "questions.jsonl"

Kind = Literal["fact", "number", "date", "person", "multi_doc", "unanswerable"]
Split = Literal["dev", "test"]


class GoldQuote(BaseModel):
    source: str
    quote: str


class EvalQuestion(BaseModel):
    id: str
    question: str
    reference: str
    answer_terms: list[str] = Field(default_factory=list)
    gold: list[GoldQuote] = Field(default_factory=list)
    kind: Kind
    split: Split
    absent_terms: list[str] = Field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"

    def missing_terms(self, text: str) -> list[str]:
        """The answer terms `text` does not contain (case-insensitive): none, for a correct answer."""
        folded = text.casefold()
        return [term for term in self.answer_terms if term.casefold() not in folded]


def load_questions(path: Path = QUESTIONS_FILE, split: str | None = None) -> list[EvalQuestion]:
    """The questions of `path`, only those of `split` when given ("all" or None: every question)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise QAError(f"cannot read the evaluation set {path}: {error.strerror or error}") from None
    questions = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                questions.append(EvalQuestion.model_validate_json(line))
            except ValidationError as error:
                problem = error.errors()[0]
                where = ".".join(str(part) for part in problem["loc"])
                raise QAError(f"{path} line {number}: {where + ': ' if where else ''}{problem['msg']}") from None
    if split in (None, "all"):
        return questions
    return [q for q in questions if q.split == split]


def gold_spans(question: EvalQuestion, text_of) -> list[tuple[str, int, int]]:
    """(source, start, end) of each gold quote in its cleaned document (`text_of(source)` gives the text)."""
    spans = []
    for gold in question.gold:
        quote = clean_fragment(gold.quote).strip()
        start = text_of(gold.source).find(quote)
        if start < 0:
            raise QAError(f"{question.id}: gold quote not found in the cleaned text of {gold.source}: {quote[:60]!r}")
        spans.append((gold.source, start, start + len(quote)))
    return spans


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def longest_shared_run(a: list[str], b: list[str]) -> int:
    """Length of the longest run of consecutive words `a` and `b` share."""
    best, previous = 0, [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best
