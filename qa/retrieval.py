"""Retrieval: dense (Chroma) and BM25 rankings of chunks, fused by weighted reciprocal rank fusion."""

from __future__ import annotations

import numpy as np

from qa.index import Index
from qa.lexical import tokenize
from qa.settings import Settings
from qa.types import Passage


def reciprocal_rank_fusion(rankings: list[tuple[list[int], float]], k: int) -> dict[int, float]:
    """Sum of weight / (k + rank) over the rankings each item appears in (rank counted from 1)."""
    fused: dict[int, float] = {}
    for ranking, weight in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


class Retriever:
    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings

    def candidate_depth(self, k: int) -> int:
        return max(4 * k, 50)

    def bm25_ranking(self, query: str, depth: int) -> list[int]:
        scores = self.index.bm25.scores(tokenize([query])[0])
        depth = min(depth, len(scores))
        top = np.argpartition(-scores, depth - 1)[:depth]
        return [int(i) for i in top[np.argsort(-scores[top])] if scores[i] > 0]

    def dense_ranking(self, query_vector: np.ndarray, depth: int) -> list[int]:
        return [row for row, _ in self.index.dense_search(query_vector, depth)]

    def search(self, query: str, query_vector: np.ndarray, k: int | None = None) -> list[Passage]:
        k = k or self.settings.top_k
        depth = self.candidate_depth(k)
        fused = reciprocal_rank_fusion(
            [
                (self.dense_ranking(query_vector, depth), self.settings.dense_weight),
                (self.bm25_ranking(query, depth), self.settings.bm25_weight),
            ],
            self.settings.rrf_k,
        )
        best = sorted(fused.items(), key=lambda item: -item[1])[:k]
        return [self.passage(row, score) for row, score in best]

    def passage(self, row: int, score: float) -> Passage:
        chunk = self.index.chunks[row]
        document = self.index.documents[chunk.source]
        return Passage(
            chunk_id=chunk.chunk_id,
            source=chunk.source,
            start=chunk.start,
            end=chunk.end,
            text=document.text[chunk.start : chunk.end],
            score=round(score, 6),
            title=document.title,
            date=document.date,
        )
