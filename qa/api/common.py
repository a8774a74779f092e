"""What every endpoint shares: limits, the API key check, JSON errors, running the assistant, streaming pieces."""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
from typing import Iterable, Iterator

from fastapi import Depends, HTTPException, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from fastapi.sse import EventSourceResponse, format_sse_event
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.assistant import MAX_QUESTION_CHARS, Assistant, normalise_question
from qa.errors import QAError
from qa.types import Answer, ChatMessage, Citation

MAX_HISTORY_TURNS = 20
MAX_BODY_BYTES = 64 * 1024
WORDS_PER_PIECE = 3
LOAD_WAIT_SECONDS = 600

logger = logging.getLogger(__name__)
_bearer = HTTPBearer(auto_error=False, description="Required when the server runs with QA_API_KEY set.")


class ErrorDetail(BaseModel):
    message: str
    type: str
    code: int


class ErrorResponse(BaseModel):
    error: ErrorDetail


# Documented on every operation, so that the OpenAPI schema describes what clients really get.
ERROR_RESPONSES: dict[int | str, dict] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in (
        (400, "The body cannot be parsed."),
        (401, "Missing or wrong API key (only when the server runs with QA_API_KEY)."),
        (404, "No such document or path."),
        (413, "The body is too large."),
        (422, "The request is invalid; the message says why."),
        (503, "The index or the vector store is unavailable."),
    )
}


# With `"stream": true` the 200 is text/event-stream; in OpenAPI 3.1 its schema describes one event.
STREAM_RESPONSE = {
    "content": {
        "text/event-stream": {
            "schema": {
                "type": "object",
                "properties": {"event": {"type": "string"}, "data": {"type": "string"}},
                "required": ["data"],
            }
        }
    }
}


def error_body(status: int, message: str, kind: str) -> JSONResponse:
    """Errors look alike everywhere and the OpenAI SDK can read them: `{"error": {"message", "type", "code"}}`."""
    return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status_code=status)


class BodyLimit:
    """ASGI middleware: a JSON 413 for a body over `limit` bytes, declared up front or found while streaming in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def too_large(self) -> HTTPException:
        return HTTPException(413, f"the request body is larger than {self.limit} bytes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            error = self.too_large()
            return await error_body(error.status_code, error.detail, "invalid_request_error")(scope, receive, send)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise self.too_large()  # inside the app, so its exception handler answers
            return message

        await self.app(scope, limited_receive, send)


class Loader:
    """Loads the assistant once, in the background, and remembers how that went."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.error: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._load, name="qa-load", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _load(self) -> None:
        try:
            self.assistant.load()
        except QAError as error:
            self.error = str(error)
        except Exception as error:  # noqa: BLE001 - /health reports it; the log keeps the traceback
            logger.exception("loading the assistant failed")
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self._done.set()

    def wait(self) -> Assistant:
        """The assistant once the start-up load has ended (lazily built state is not built twice at once)."""
        self._done.wait(LOAD_WAIT_SECONDS)
        return self.assistant

    @property
    def status(self) -> str:
        if not self._done.is_set():
            return "loading"  # the index may be open already while the model and rankings warm up
        return "ready" if self.assistant.loaded else "unavailable"


def get_assistant(request: Request) -> Assistant:
    """A sync dependency, so FastAPI runs it in a worker thread: waiting for the load blocks no other request."""
    return request.app.state.loader.wait()


def require_key(request: Request, credentials: HTTPAuthorizationCredentials | None = Security(_bearer)) -> None:
    secret = request.app.state.assistant.settings.api_key
    key = secret.get_secret_value() if secret else ""
    if not key:
        return
    if credentials is None or not secrets.compare_digest(credentials.credentials.encode(), key.encode()):
        raise HTTPException(
            401, "missing or wrong API key: send the header `Authorization: Bearer <QA_API_KEY>`",
            headers={"WWW-Authenticate": "Bearer"},
        )


Protected = [Depends(require_key)]


def checked_question(value: str) -> str:
    """A pydantic validator: the question as the assistant will read it, or a 422 saying why not."""
    if len(value) > MAX_QUESTION_CHARS:
        raise ValueError(f"the question is too long ({len(value)} characters; at most {MAX_QUESTION_CHARS})")
    try:
        return normalise_question(value)
    except QAError as error:
        raise ValueError(str(error)) from None


def checked_mode(assistant: Assistant, mode: str | None) -> str:
    """The request's answer mode, or a 422 saying why it cannot be served (generated without an LLM)."""
    try:
        return assistant.answer_mode(mode)
    except QAError as error:
        raise HTTPException(422, str(error)) from None


async def ask(assistant: Assistant, question: str, history: list[ChatMessage], k: int | None, mode: str | None = None) -> Answer:
    """Answer in a worker thread: retrieval and the model are blocking and the event loop must keep serving."""
    return log_fallback(await run_in_threadpool(assistant.ask, question, k, history, checked_mode(assistant, mode)))


async def ask_stream(
    assistant: Assistant, question: str, history: list[ChatMessage], k: int | None, mode: str | None = None
) -> Iterator[str | Answer]:
    """Retrieve in a worker thread, so that errors still become JSON errors; the iterator then yields
    a generated answer's draft tokens (none in extractive mode) and, last, the Answer."""
    events = await run_in_threadpool(assistant.ask_stream, question, k, history, checked_mode(assistant, mode))
    return (log_fallback(event) if isinstance(event, Answer) else event for event in events)


def log_fallback(answer: Answer) -> Answer:
    if answer.fallback:
        logger.warning("answered extractively: %s", answer.fallback)
    return answer


def pieces(text: str, words: int = WORDS_PER_PIECE) -> Iterator[str]:
    """The answer text in small pieces for streaming; joined they give back `text` exactly."""
    tokens = re.findall(r"\S+\s*|\s+", text)
    for start in range(0, len(tokens), words):
        yield "".join(tokens[start : start + words])


def sources_list(citations: list[Citation]) -> str:
    """The short "Sources" block a chat message carries under an answer's [n] markers."""
    if not citations:
        return ""
    lines = []
    for c in citations:
        about = c.about()
        lines.append(f"[{c.id}] {c.source}{f' ({about})' if about else ''}, characters {c.start}–{c.end}")
    return "\n\nSources:\n" + "\n".join(lines)


def event_stream(events: Iterable[tuple[str | None, str]]) -> EventSourceResponse:
    """Server-Sent Events from (event name or None, data already serialised) pairs.

    The pairs are drawn in a worker thread, so a source that blocks between events (a model
    generating text) does not hold up the event loop.
    """
    encoded = (format_sse_event(event=event, data_str=data) for event, data in events)
    return EventSourceResponse(encoded, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

