"""The one core every face calls: `Assistant.index()`, `.search()`, `.ask()`, `.documents()`.

Models and the index load lazily and once; the index is re-opened when `qa index`
publishes a new generation (its manifest changes), so a long-running server picks up a
re-index between two questions without ever answering from a half-built index.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from qa.errors import QAError
from qa.index import MANIFEST, Index, IndexBuilder, IndexSummary, StoredDocument
from qa.settings import Settings, get_settings
from qa.types import Answer, ChatMessage, Passage

MAX_QUESTION_CHARS = 2000


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


class Assistant:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._embedder = None
        self._index: Index | None = None
        self._index_stamp: int | None = None
        self._answerer = None
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

    @property
    def index(self) -> Index:
        """The live index generation, re-opened when a newer one has been published."""
        stamp = self._manifest_stamp()
        if self._index is None or stamp != self._index_stamp:
            with self._lock:
                if self._index is None or stamp != self._index_stamp:
                    index = Index.load(self.settings, self.embedder)
                    from qa.answering import ExtractiveAnswerer

                    self._answerer = ExtractiveAnswerer(index, max_sentences=self.settings.max_answer_sentences)
                    if self.settings.min_answer_score is not None:
                        self._answerer.calibration.threshold = self.settings.min_answer_score
                    self._index, self._index_stamp = index, stamp
        return self._index

    @property
    def loaded(self) -> bool:
        """Whether an index generation is open (a server reports ready only then)."""
        return self._index is not None

    def load(self) -> "Assistant":
        """Load the index and warm the embedding model and both rankings (for servers: pay start-up once)."""
        self.search("warm up", 1)
        return self

    def index_paths(self, paths: list[Path], progress: Callable[[str, int, int], None] | None = None) -> IndexSummary:
        summary = IndexBuilder(self.settings, self.embedder, progress).build(paths)
        self._index = None
        return summary

    def embed_query(self, text: str) -> np.ndarray:
        with self._embed_lock:
            return self.embedder.embed([text])[0]

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        from qa.retrieval import Retriever

        query = normalise_question(query)
        index = self.index
        return Retriever(index, self.settings).search(query, self.embed_query(query), k)

    def ask(self, question: str, k: int | None = None, history: Sequence[ChatMessage] = ()) -> Answer:
        """Answer `question`; with `history` (earlier turns) a follow-up is first rewritten to stand alone."""
        from qa.conversation import condense
        from qa.retrieval import Retriever

        timings: dict[str, float] = {}
        started = clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[name] = round((now - clock) * 1000, 2)
            clock = now

        question = normalise_question(question)
        question_used = condense(question, history)
        index = self.index
        answerer = self._answerer
        lap("load")
        vector = self.embed_query(question_used)
        lap("embed")
        passages = Retriever(index, self.settings).search(question_used, vector, k)
        lap("retrieve")
        answer = answerer.answer(question_used, vector, passages)
        lap("answer")
        timings["total"] = round((time.perf_counter() - started) * 1000, 2)
        answer.timings_ms = timings
        answer.question, answer.question_used = question, question_used
        return answer

    def documents(self) -> list[StoredDocument]:
        return list(self.index.documents.values())

    def document(self, source: str) -> StoredDocument:
        try:
            return self.index.documents[source]
        except KeyError:
            raise QAError(f"no document {source!r} in the index") from None
