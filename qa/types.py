"""Typed results shared by every face of `qa`: the CLI prints them, the server returns them, the eval scores them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Passage(BaseModel):
    """A retrieved chunk: `text == cleaned_text(source)[start:end]`."""

    chunk_id: str
    source: str
    start: int
    end: int
    text: str
    score: float = 0.0
    title: str | None = None
    date: str | None = None


class Citation(BaseModel):
    """One `[id]` marker of an answer: `quote == cleaned_text(source)[start:end]`."""

    id: int
    source: str
    start: int
    end: int
    quote: str
    title: str | None = None
    date: str | None = None
    page: int | None = Field(None, description="The page the quote starts on, for a paged document (PDF).")
    verified: bool = True

    def about(self) -> str:
        """Where the quote is from beyond its file, as lists of sources show it: "Title, 2023-09-20, p. 4"."""
        return ", ".join(x for x in (self.title, self.date, self.page and f"p. {self.page}") if x)


class ChatMessage(BaseModel):
    """One earlier turn of a conversation, in the shape chat APIs use."""

    role: Literal["system", "user", "assistant"]
    content: str


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    confidence: float | None = Field(
        None,
        description="Extractive answers: how likely the quoted sentences answer the question (0-1, the answerability "
        "model of qa.answering); below the calibrated threshold the answer is a refusal. Null for generated answers.",
    )
    mode: str = "extractive"
    fallback: str | None = None
    question_used: str | None = None
    passages: list[Passage] = Field(default_factory=list, exclude=True)
    timings_ms: dict[str, float] = Field(default_factory=dict)
