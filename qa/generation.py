"""Generated answers: a configured LLM writes from numbered, fenced passages, then every sentence is verified.

1. The passages are the same retrieval as extractive answering, numbered [1]..[k] and fenced as
   quoted data in the prompt (`prompts/answer.*.txt`); a fence delimiter inside a passage is
   neutralised, so a document cannot close its fence and speak as an instruction.
2. The LLM (llama-index's `OpenAILike` for any OpenAI-compatible server, or `Ollama`) streams
   its draft token by token.
3. `qa.verification` keeps only the sentences the passages they cite support; each kept
   citation points at the best-supporting sentence span of its passage, so
   `cleaned_text[start:end] == quote` holds as for extractive answers.
4. If no sentence survives, the LLM refuses while the extractive answerer has an answer, or the
   LLM fails or times out, the extractive answer is returned with `fallback` saying why.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from string import Formatter
from typing import Callable, Iterable, Iterator

import numpy as np

from qa.answering import REFUSAL
from qa.index import Index
from qa.settings import Settings
from qa.types import Answer, ChatMessage, Citation, Passage
from qa.verification import CitedPassage, SourceSentence, VerifiedSentence, is_refusal, verify_sentences

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
OLLAMA_URL = "http://localhost:11434"
MAX_CONVERSATION_TURNS = 6
MAX_TURN_CHARS = 1000

# "<passage", "</passage", "< /conversation" ... in quoted data: the lookalike "‹" keeps it from closing a fence
_FENCE_TAG = re.compile(r"<(?=\s*/?\s*(?:passage|conversation)\b)", re.IGNORECASE)
_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)


class LLMError(Exception):
    """The LLM could not give an answer; the message is the reason shown as `fallback`."""


@dataclass(frozen=True)
class Prompt:
    """A prompt kept as two files, `prompts/<name>.system.txt` and `prompts/<name>.user.txt`, with {placeholders}."""

    name: str
    system: str
    user: str

    @classmethod
    def load(cls, name: str, directory: Path = PROMPTS_DIR) -> "Prompt":
        """Read at every use, so an edited prompt takes effect without a restart."""
        return cls(name, *((directory / f"{name}.{part}.txt").read_text(encoding="utf-8") for part in ("system", "user")))

    @property
    def placeholders(self) -> set[str]:
        return {field for text in (self.system, self.user) for _, field, _, _ in Formatter().parse(text) if field}

    def render(self, **values: object) -> list[ChatMessage]:
        """The system and user messages with every placeholder filled (and no value left unused)."""
        if values.keys() != self.placeholders:
            raise ValueError(f"prompt {self.name!r} takes {sorted(self.placeholders)}, was given {sorted(values)}")
        return [
            ChatMessage(role="system", content=self.system.format_map(values).strip()),
            ChatMessage(role="user", content=self.user.format_map(values).strip()),
        ]


def quoted(text: str) -> str:
    """Untrusted text made safe to put inside a fence: no fence delimiter survives in it."""
    return _FENCE_TAG.sub("‹", text)


def format_passages(passages: list[Passage]) -> str:
    blocks = []
    for n, passage in enumerate(passages, start=1):
        about = " · ".join(x for x in (passage.source, passage.title, passage.date) if x)
        blocks.append(f'<passage n="{n}">\n{quoted(about)}\n\n{quoted(passage.text.strip())}\n</passage>')
    return "\n\n".join(blocks)


def answer_messages(question: str, passages: list[Passage], max_sentences: int) -> list[ChatMessage]:
    return Prompt.load("answer").render(
        passages=format_passages(passages), question=question, refusal=REFUSAL, max_sentences=max_sentences
    )


def condense_messages(question: str, history: Iterable[ChatMessage]) -> list[ChatMessage]:
    """The condensing prompt: the last turns (each cut short) fenced as a conversation, then the question."""
    turns = [m for m in history if m.role in ("user", "assistant")][-MAX_CONVERSATION_TURNS:]
    conversation = "\n".join(f"{m.role.title()}: {quoted(' '.join(m.content.split())[:MAX_TURN_CHARS])}" for m in turns)
    return Prompt.load("condense").render(conversation=conversation, question=question)


def without_thinking(text: str) -> str:
    """The reply without a reasoning model's <think>…</think> block."""
    return _THINKING.sub("", text).strip()


def failure_reason(error: Exception, settings: Settings) -> str:
    name = type(error).__name__
    if "Timeout" in name:
        return f"the LLM did not answer within {settings.llm_timeout:g} s"
    if "Connect" in name or isinstance(error, ConnectionError):
        return f"the LLM at {llm_url(settings)} cannot be reached"
    return f"the LLM failed ({name}: {' '.join(str(error).split())[:200]})"


def llm_url(settings: Settings) -> str:
    return settings.llm_base_url or (OLLAMA_URL if settings.llm_provider == "ollama" else "")


class LLM:
    """The configured LLM through llama-index; every failure becomes an `LLMError`, nothing is retried."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def client(self):
        settings = self.settings
        if settings.llm_provider == "ollama":
            from llama_index.llms.ollama import Ollama

            return Ollama(
                base_url=llm_url(settings), model=settings.llm_model, request_timeout=settings.llm_timeout,
                temperature=settings.llm_temperature, context_window=settings.llm_context_window,
                additional_kwargs={"num_predict": settings.llm_max_tokens},
            )
        from llama_index.llms.openai_like import OpenAILike

        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
        return OpenAILike(
            api_base=settings.llm_base_url, model=settings.llm_model, api_key=key, is_chat_model=True,
            timeout=settings.llm_timeout, max_retries=0, temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens, context_window=settings.llm_context_window,
        )

    @staticmethod
    def _messages(messages: list[ChatMessage]):
        from llama_index.core.llms import ChatMessage as LlamaMessage

        return [LlamaMessage(role=m.role, content=m.content) for m in messages]

    def stream(self, messages: list[ChatMessage]) -> Iterator[str]:
        """The reply's text, piece by piece as the server sends it, within QA_LLM_TIMEOUT seconds overall."""
        try:
            client, prompt = self.client, self._messages(messages)  # importing llama-index takes seconds the first time
            deadline = time.monotonic() + self.settings.llm_timeout
            for chunk in client.stream_chat(prompt):
                if chunk.delta:
                    yield chunk.delta
                if time.monotonic() > deadline:
                    raise TimeoutError("the reply took too long")
        except Exception as error:  # noqa: BLE001 - any LLM failure means: answer extractively instead
            raise LLMError(failure_reason(error, self.settings)) from error

    def chat(self, messages: list[ChatMessage]) -> str:
        try:
            return self.client.chat(self._messages(messages)).message.content or ""
        except Exception as error:  # noqa: BLE001 - as in stream()
            raise LLMError(failure_reason(error, self.settings)) from error


def cited_passages(index: Index, passages: list[Passage]) -> dict[int, CitedPassage]:
    """Each numbered passage with its sentences (offsets and stored vectors), for verification."""
    found = {}
    for n, passage in enumerate(passages, start=1):
        chunk = index.chunks[index.row_of_chunk[passage.chunk_id]]
        text = index.documents[chunk.source].text
        sentences = [
            SourceSentence(s.source, s.start, s.end, text[s.start : s.end], np.asarray(index.sentence_vectors[row], np.float32))
            for row in range(*chunk.sentences)
            for s in (index.sentences[row],)
        ]
        found[n] = CitedPassage(passage.text, sentences)
    return found


def fall_back(extractive: Answer, reason: str) -> Answer:
    return extractive.model_copy(update={"fallback": reason})


class GeneratedAnswerer:
    def __init__(self, index: Index, llm: LLM, embed: Callable[[list[str]], np.ndarray], max_sentences: int = 3) -> None:
        self.index = index
        self.llm = llm
        self.embed = embed
        self.max_sentences = max_sentences

    def stream(self, question: str, passages: list[Passage], extractive: Answer) -> Iterator[str | Answer]:
        """The LLM's draft token by token, then the verified Answer (or `extractive` with the reason it is used)."""
        if not passages:
            yield fall_back(extractive, "no passages were retrieved")
            return
        draft = []
        try:
            for token in self.llm.stream(answer_messages(question, passages, self.max_sentences)):
                draft.append(token)
                yield token
        except LLMError as error:
            yield fall_back(extractive, str(error))
            return
        yield self.verified(question, "".join(draft), passages, extractive)

    def verified(self, question: str, draft: str, passages: list[Passage], extractive: Answer) -> Answer:
        """The draft's supported sentences with their citations renumbered in order of appearance."""
        text = without_thinking(draft)
        checked = verify_sentences(text, cited_passages(self.index, passages), self.embed, question)
        sentences = [s for s in checked if s.supported]
        if not sentences:
            if not is_refusal(text):
                return fall_back(extractive, "no sentence of the LLM's answer is supported by the passages it cites")
            if not extractive.abstained:
                return fall_back(extractive, "the LLM said the documents don't answer, but the extractive answerer found an answer")
            return Answer(question=question, answer=REFUSAL, abstained=True, mode="generated", passages=passages)
        text, citations = self.cite(sentences)
        return Answer(question=question, answer=text, abstained=False, citations=citations, mode="generated", passages=passages)

    def cite(self, sentences: list[VerifiedSentence]) -> tuple[str, list[Citation]]:
        """The answer text with [n] markers renumbered from 1, and one citation per distinct supporting sentence.

        A citation quotes the sentence of the cited passage that best supports the answer
        sentence; it is `verified` when that passage alone passes every threshold (else the
        answer sentence needed all of its cited passages together).
        """
        citations: dict[tuple[str, int, int], Citation] = {}
        parts = []
        for sentence in sentences:
            numbers = []
            for support in sentence.supports.values():
                best = support.best
                key = (best.source, best.start, best.end)
                if key not in citations:
                    citations[key] = self.index.citation(len(citations) + 1, *key, verified=support.passes)
                citations[key].verified |= support.passes
                if citations[key].id not in numbers:
                    numbers.append(citations[key].id)
            parts.append(sentence.text + " " + "".join(f"[{n}]" for n in numbers))
        return " ".join(parts), list(citations.values())
