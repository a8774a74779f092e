"""Lexical side: one tokenizer (lower-case, English stop words, Snowball stems) for BM25 and answer scoring."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


class BM25:
    """A bm25s index over chunks, addressed by row number."""

    def __init__(self, retriever) -> None:
        self._retriever = retriever

    @classmethod
    def build(cls, texts: list[str]) -> "BM25":
        import bm25s

        retriever = bm25s.BM25()
        retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever)

    @classmethod
    def load(cls, path: Path) -> "BM25":
        import bm25s

        return cls(bm25s.BM25.load(str(path), mmap=True))

    def save(self, path: Path) -> None:
        self._retriever.save(str(path))

    def document_frequency(self, token: str) -> int:
        """How many chunks contain `token` (0 when unknown to the corpus)."""
        token_id = self._retriever.vocab_dict.get(token)
        if token_id is None:
            return 0
        indptr = self._retriever.scores["indptr"]
        return int(indptr[token_id + 1] - indptr[token_id])

    @property
    def size(self) -> int:
        return int(self._retriever.scores["num_docs"])

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self._retriever.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)
