"""`POST /v1/chat/completions`: any OpenAI client can talk to `qa`, under any `model` name, plain or streamed.

The message content is the answer with its [n] markers and a short "Sources" list; the
structured `citations`, `abstained`, `confidence`, `question_used`, `mode` and `fallback` ride as extra
top-level fields (in a stream: on the first chunk and on the last one, before `data: [DONE]`).
A generated answer's stream first sends the LLM's unverified draft in the extra field `draft` of
content-less chunks, then a chunk with the extra fields: `content` only carries verified text.
"""

from __future__ import annotations

import time
import uuid
from typing import Iterator, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, field_validator, model_validator

from qa.api.common import (
    MAX_HISTORY_TURNS, STREAM_RESPONSE, Protected, ask, ask_stream, checked_question, dumps, event_stream, get_assistant,
    pieces, sources_list,
)
from qa.assistant import Assistant
from qa.types import Answer, ChatMessage, Citation


class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class CompletionMessage(BaseModel):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text for part in self.content)
        return self.content or ""


class CompletionRequest(BaseModel):
    model: str = Field(max_length=256, description="Any name: there is one assistant behind every model.")
    messages: list[CompletionMessage] = Field(min_length=1)
    stream: bool = Field(False, strict=True)
    k: int | None = Field(None, ge=1, le=50, strict=True, description="Extension: passages to retrieve (default QA_TOP_K).")
    mode: Literal["extractive", "generated"] | None = Field(
        None, description="Extension: as `mode` of /chat (default: generated when the server has an LLM)."
    )

    @field_validator("model")
    @classmethod
    def printable_model(cls, value: str) -> str:
        return value.encode("utf-8", "replace").decode("utf-8")  # it is echoed back; lone surrogates can't be

    @model_validator(mode="after")
    def ends_with_a_question(self) -> "CompletionRequest":
        turns = self.turns
        if not turns or turns[-1].role != "user":
            raise ValueError("the last user or assistant message must be the user's question")
        if len(turns) - 1 > MAX_HISTORY_TURNS:
            raise ValueError(f"at most {MAX_HISTORY_TURNS} earlier turns ({len(turns) - 1} given)")
        checked_question(turns[-1].content)
        return self

    @property
    def turns(self) -> list[ChatMessage]:
        """User and assistant messages (system, developer and tool messages do not steer retrieval)."""
        return [ChatMessage(role=m.role, content=m.text) for m in self.messages if m.role in ("user", "assistant")]

    @property
    def question(self) -> str:
        return self.turns[-1].content


class CompletionChoice(BaseModel):
    index: int = 0
    message: ChatMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Completion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    citations: list[Citation]
    abstained: bool
    confidence: float | None
    question_used: str
    mode: Literal["extractive", "generated"]
    fallback: str | None


def message_text(answer: Answer) -> str:
    return answer.answer + sources_list(answer.citations)


def extras(answer: Answer) -> dict:
    return {
        "citations": [c.model_dump() for c in answer.citations],
        "abstained": answer.abstained,
        "confidence": answer.confidence,
        "question_used": answer.question_used,
        "mode": answer.mode,
        "fallback": answer.fallback,
    }


def completion_chunks(head: dict, events: Iterator[str | Answer]) -> Iterator[tuple[None, str]]:
    """OpenAI's stream: a role chunk, content pieces, a chunk with finish_reason "stop", then [DONE]
    (for a generated answer, draft chunks and a chunk with the verified citations come before the content)."""

    def chunk(delta: dict, finish_reason: str | None = None, **more) -> tuple[None, str]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        return None, dumps({**head, "object": "chat.completion.chunk", "choices": [choice], **more})

    role = {"role": "assistant", "content": ""}
    answer = next(events)
    drafted = not isinstance(answer, Answer)
    if drafted:
        yield chunk(role)
    while not isinstance(answer, Answer):
        yield chunk({}, draft=answer)
        answer = next(events)
    yield chunk({} if drafted else role, **extras(answer))
    for piece in pieces(message_text(answer)):
        yield chunk({"content": piece})
    yield chunk({}, "stop", **extras(answer))
    yield None, "[DONE]"


router = APIRouter(dependencies=Protected, tags=["openai"])


@router.post(
    "/v1/chat/completions",
    response_model=Completion,
    responses={200: STREAM_RESPONSE},
)
async def chat_completions(body: CompletionRequest, assistant: Assistant = Depends(get_assistant)):
    """OpenAI-compatible chat: the last user message is the question, earlier turns are its history."""
    turns = body.turns
    head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": body.model}
    if body.stream:
        return event_stream(completion_chunks(head, await ask_stream(assistant, body.question, turns[:-1], body.k, body.mode)))
    answer = await ask(assistant, body.question, turns[:-1], body.k, body.mode)
    message = ChatMessage(role="assistant", content=message_text(answer))
    return Completion(**head, choices=[CompletionChoice(message=message)], **extras(answer))
