"""The one core every face calls: `Assistant.index()`, `.search()`, `.ask()`, `.documents()`.

Models and the index load lazily and once; the index is re-opened when `qa index`
publishes a new generation (its manifest changes), so a long-running server picks up a
re-index between two questions without ever answering from a half-built index.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from qa.errors import QAError
from qa.index import MANIFEST, Index, IndexBuilder, IndexSummary, StoredDocument
from qa.settings import Settings, get_settings
from qa.types import Answer, ChatMessage, Passage

MAX_QUESTION_CHARS = 2000
MODES = ("extractive", "generated")


def normalise_question(question: str) -> str:
    """Drop control characters and lone surrogates; collapse whitespace; refuse empty or huge input."""
    cleaned = "".join(
        " " if ch.isspace() else ch
        for ch in question
        if ch.isspace() or (ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF)
    )
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise QAError("the question is empty")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise QAError(f"the question is too long ({len(cleaned)} characters; at most {MAX_QUESTION_CHARS})")
    return cleaned


class Stopwatch:
    """Milliseconds spent in each stage of answering one question, and in total."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.started = self.clock = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round((now - self.clock) * 1000, 2)
        self.clock = now

    def total(self) -> dict[str, float]:
        return self.timings | {"total": round((time.perf_counter() - self.started) * 1000, 2)}


class Assistant:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._embedder = None
        # (index, its answerer, manifest stamp), swapped as one so a question never pairs two generations
        self._live: tuple[Index, object, int | None] | None = None
        self._llm = None
        self._lock = threading.Lock()
        self._embed_lock = threading.Lock()  # a fast tokenizer must not be entered by two threads at once

    @property
    def embedder(self):
        if self._embedder is None:
            from qa.embeddings import Embedder

            self._embedder = Embedder.from_settings(self.settings)
        return self._embedder

    def _manifest_stamp(self) -> int | None:
        try:
            return (self.settings.index_dir / MANIFEST).stat().st_mtime_ns
        except OSError:
            return None

    def _snapshot(self) -> tuple[Index, object]:
        """The live generation and its answerer, re-opened when a newer generation has been published."""
        stamp = self._manifest_stamp()
        live = self._live
        if live is None or live[2] != stamp:
            with self._lock:
                live = self._live
                if live is None or live[2] != stamp:
                    index = Index.load(self.settings, self.embedder)
                    from qa.answering import ExtractiveAnswerer

                    answerer = ExtractiveAnswerer(
                        index, max_sentences=self.settings.max_answer_sentences, embed=self.embed,
                        calibration_file=self.settings.calibration_file, threshold=self.settings.min_answer_score,
                    )
                    live = self._live = (index, answerer, stamp)
        return live[0], live[1]

    @property
    def index(self) -> Index:
        """The live index generation."""
        return self._snapshot()[0]

    @property
    def answerer(self):
        """The live generation's extractive answerer (its calibration is read on first use)."""
        return self._snapshot()[1]

    @property
    def loaded(self) -> bool:
        """Whether an index generation is open (a server reports ready only then)."""
        return self._live is not None

    def load(self) -> "Assistant":
        """Load the index and the answerer's calibration, and warm the embedding model and both rankings
        (for servers: pay start-up once, and fail at start on a calibration file that cannot be read)."""
        self.search("warm up", 1)
        _ = self.answerer.calibration
        return self

    def index_paths(self, paths: list[Path], progress: Callable[[str, int, int], None] | None = None) -> IndexSummary:
        summary = IndexBuilder(self.settings, self.embedder, progress).build(paths)
        self._live = None
        return summary

    def embed(self, texts: list[str]) -> np.ndarray:
        with self._embed_lock:
            return self.embedder.embed(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def retrieve(
        self, index: Index, question: str, k: int | None = None, watch: Stopwatch | None = None
    ) -> tuple[np.ndarray, list[Passage]]:
        """The question's vector and passages, as every answer gets them: an acronym the documents only spell
        out is embedded and matched spelt out as they do ("ICRC" finds "International Committee of the Red Cross")."""
        from qa.question import spell_out_acronyms
        from qa.retrieval import Retriever

        query = spell_out_acronyms(question, index)
        vector = self.embed_query(query)
        if watch:
            watch.lap("embed")
        passages = Retriever(index, self.settings).search(query, vector, k)
        if watch:
            watch.lap("retrieve")
        return vector, passages

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        return self.retrieve(self.index, normalise_question(query), k)[1]

    def ask(
        self, question: str, k: int | None = None, history: Sequence[ChatMessage] = (), mode: str | None = None
    ) -> Answer:
        """Answer `question`; with `history` (earlier turns) a follow-up is first rewritten to stand alone."""
        *_, answer = self.ask_stream(question, k, history, mode)
        return answer

    def answer_mode(self, mode: str | None) -> str:
        """The mode of one request: as asked, else "generated" when an LLM is configured."""
        if mode is None:
            return "generated" if self.settings.llm_configured else "extractive"
        if mode not in MODES:
            raise QAError(f"the mode must be one of {', '.join(MODES)}, not {mode!r}")
        if mode == "generated" and not self.settings.llm_configured:
            raise QAError(
                "generated answers need an LLM: set QA_LLM_BASE_URL and QA_LLM_MODEL "
                "(or QA_LLM_PROVIDER=ollama and QA_LLM_MODEL)"
            )
        return mode

    @property
    def llm(self):
        if self._llm is None:
            from qa.generation import LLM

            self._llm = LLM(self.settings)
        return self._llm

    def ask_stream(
        self, question: str, k: int | None = None, history: Sequence[ChatMessage] = (), mode: str | None = None
    ) -> Iterator[str | Answer]:
        """Retrieve and answer extractively right away (so bad input and a missing index raise here), then
        return an iterator over the generated draft's tokens (generated mode only) and, last, the Answer."""
        from qa.conversation import condense, condense_with_llm

        mode = self.answer_mode(mode)
        watch = Stopwatch()
        question = normalise_question(question)
        question_used, failure = condense(question, history), None
        if mode == "generated" and any(m.role == "user" for m in history):
            from qa.generation import LLMError

            try:
                question_used = condense_with_llm(self.llm, question, history)
            except LLMError as error:
                failure = str(error)
            watch.lap("condense")
        index, answerer = self._snapshot()
        watch.lap("load")
        vector, passages = self.retrieve(index, question_used, k, watch)
        extractive = answerer.answer(question_used, vector, passages)
        watch.lap("answer")

        def finish(answer: Answer) -> Answer:
            answer.timings_ms = watch.total()
            answer.question, answer.question_used = question, question_used
            return answer

        if mode == "extractive":
            return iter([finish(extractive)])
        if failure:  # the LLM already failed condensing: don't wait for it a second time
            from qa.generation import fall_back

            return iter([finish(fall_back(extractive, failure))])
        return self._generate(index, question_used, passages, extractive, watch, finish)

    def _generate(
        self, index: Index, question: str, passages: list[Passage], extractive: Answer, watch: Stopwatch,
        finish: Callable[[Answer], Answer],
    ) -> Iterator[str | Answer]:
        from qa.generation import GeneratedAnswerer

        answerer = GeneratedAnswerer(index, self.llm, self.embed, self.settings.max_answer_sentences)
        for event in answerer.stream(question, passages, extractive):
            if isinstance(event, Answer):
                watch.lap("generate")
                event = finish(event)
            yield event

    def documents(self) -> list[StoredDocument]:
        return list(self.index.documents.values())

    def document(self, source: str) -> StoredDocument:
        try:
            return self.index.documents[source]
        except KeyError:
            raise QAError(f"no document {source!r} in the index") from None
