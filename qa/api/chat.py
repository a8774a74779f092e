"""`POST /chat`: the object one line of `qa ask --json` prints, plus `question_used`; or the same as Server-Sent Events."""

from __future__ import annotations

from typing import Annotated, Iterator, Literal

from fastapi import APIRouter, Depends
from pydantic import AfterValidator, BaseModel, Field

from qa.api.common import (
    MAX_HISTORY_TURNS, STREAM_RESPONSE, Protected, ask, ask_stream, checked_question, dumps, event_stream, get_assistant, pieces,
)
from qa.assistant import MAX_QUESTION_CHARS, Assistant
from qa.types import Answer, ChatMessage, Citation

STREAM_DOC = """With `"stream": true` the answer comes as Server-Sent Events. In generated mode
`token` events (`{text}`) come first: the LLM's draft as it writes it, unverified. Then
`citations` (`{question_used, abstained, citations, mode, fallback}`), then `delta` events
(`{text}`) whose texts joined make the (verified) answer, then `done` with the whole result, the
same object as without streaming."""


class ChatRequest(BaseModel):
    question: Annotated[str, Field(max_length=MAX_QUESTION_CHARS), AfterValidator(checked_question)]
    history: list[ChatMessage] = Field(
        default_factory=list, max_length=MAX_HISTORY_TURNS, description="Earlier turns, oldest first."
    )
    k: int | None = Field(None, ge=1, le=50, strict=True, description="Passages to retrieve (default QA_TOP_K).")
    stream: bool = Field(False, strict=True, description="Answer as Server-Sent Events.")
    mode: Literal["extractive", "generated"] | None = Field(
        None,
        description="extractive: quoted sentences; generated: the configured LLM writes and every sentence is "
        "verified against what it cites. Default: generated when the server has an LLM.",
    )


class ChatResponse(BaseModel):
    question: str
    question_used: str = Field(description="The question after follow-up rewriting: what was retrieved and answered.")
    answer: str
    abstained: bool
    citations: list[Citation]
    confidence: float | None = Field(description=Answer.model_fields["confidence"].description)
    mode: Literal["extractive", "generated"]
    fallback: str | None = Field(description="Why a generated answer was replaced by the extractive one.")
    timings_ms: dict[str, float]

    @classmethod
    def of(cls, answer: Answer) -> "ChatResponse":
        return cls.model_validate(answer.model_dump(include=set(cls.model_fields)))


def chat_events(events: Iterator[str | Answer]) -> Iterator[tuple[str, str]]:
    for event in events:
        if not isinstance(event, Answer):
            yield "token", dumps({"text": event})
            continue
        result = ChatResponse.of(event)
        yield "citations", dumps(result.model_dump(include={"question_used", "abstained", "citations", "confidence", "mode", "fallback"}))
        for piece in pieces(result.answer):
            yield "delta", dumps({"text": piece})
        yield "done", result.model_dump_json()


router = APIRouter(dependencies=Protected, tags=["chat"])


@router.post(
    "/chat",
    response_model=ChatResponse,
    description=STREAM_DOC,
    responses={200: STREAM_RESPONSE},
)
async def chat(body: ChatRequest, assistant: Assistant = Depends(get_assistant)):
    """Answer a question (a follow-up is first rewritten with the history) with quotes from the documents."""
    if body.stream:
        return event_stream(chat_events(await ask_stream(assistant, body.question, body.history, body.k, body.mode)))
    return ChatResponse.of(await ask(assistant, body.question, body.history, body.k, body.mode))
