"""Retrieval: dense and BM25 rankings of chunks, fused (reciprocal rank or min-max normalised scores)."""

from __future__ import annotations

import numpy as np

from qa.index import Index
from qa.lexical import tokenize
from qa.settings import Settings
from qa.types import Passage

Ranking = list[tuple[int, float]]  # (chunk row, score), best first


def reciprocal_rank_fusion(rankings: list[tuple[Ranking, float]], k: int) -> dict[int, float]:
    """Sum of weight / (k + rank) over the rankings each item appears in (rank counted from 1)."""
    fused: dict[int, float] = {}
    for ranking, weight in rankings:
        for rank, (item, _) in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def min_max_fusion(rankings: list[tuple[Ranking, float]]) -> dict[int, float]:
    """Sum of weight x score scaled to [0, 1] within each ranking's candidates (absent from a ranking: 0).

    Unlike rank fusion this keeps how far apart the scores are, which helps when one
    ranking is confident and the other is not.
    """
    fused: dict[int, float] = {}
    for ranking, weight in rankings:
        if not ranking:
            continue
        scores = [score for _, score in ranking]
        low, span = min(scores), (max(scores) - min(scores)) or 1.0
        for item, score in ranking:
            fused[item] = fused.get(item, 0.0) + weight * (score - low) / span
    return fused


class Retriever:
    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings

    def candidate_depth(self, k: int) -> int:
        return max(4 * k, 50)

    def bm25_ranking(self, query: str, depth: int) -> Ranking:
        scores = self.index.bm25.scores(tokenize([query])[0])
        depth = min(depth, len(scores))
        if depth <= 0:
            return []
        top = np.argpartition(-scores, depth - 1)[:depth]
        return [(int(i), float(scores[i])) for i in top[np.argsort(-scores[top], kind="stable")] if scores[i] > 0]

    def dense_ranking(self, query_vector: np.ndarray, depth: int) -> Ranking:
        return self.index.dense_search(query_vector, depth)

    def fuse(self, dense: Ranking, bm25: Ranking) -> Ranking:
        """One ranking from both, as QA_FUSION, QA_RRF_K and the weights say."""
        weighted = [(dense, self.settings.dense_weight), (bm25, self.settings.bm25_weight)]
        if self.settings.fusion == "minmax":
            fused = min_max_fusion(weighted)
        else:
            fused = reciprocal_rank_fusion(weighted, self.settings.rrf_k)
        return sorted(fused.items(), key=lambda item: -item[1])

    def search(self, query: str, query_vector: np.ndarray, k: int | None = None) -> list[Passage]:
        k = k or self.settings.top_k
        depth = self.candidate_depth(k)
        best = self.fuse(self.dense_ranking(query_vector, depth), self.bm25_ranking(query, depth))[:k]
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
