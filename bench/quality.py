"""Retrieval quality on a BEIR corpus through qa's own index and retriever.

For every query the dense and BM25 rankings of chunks are computed once (DEPTH each);
BM25 alone, dense alone and every fusion variant are then orderings of those, mapped to
documents by their best passage. Fusion parameters are chosen on the train queries only.
"""

from __future__ import annotations

from itertools import product
from bench.beir import documents_by_best_passage, score
from qa.assistant import Assistant
from qa.retrieval import Ranking, Retriever
from qa.settings import Settings

DEPTH = 1000  # chunks per ranking: enough for recall@100 over documents
RRF_GRID = {"rrf_k": [10, 30, 60, 100], "dense_weight": [0.5, 1.0, 1.5, 2.0]}
MINMAX_GRID = {"dense_weight": [0.5, 1.0, 1.5, 2.0, 3.0]}

Rankings = dict[str, tuple[Ranking, Ranking]]  # query id -> (dense, bm25)


def collect(settings: Settings, queries: dict[str, str], depth: int = DEPTH) -> Rankings:
    assistant = Assistant(settings)
    retriever = Retriever(assistant.index, settings)
    vectors = assistant.embedder.embed(list(queries.values()))
    return {
        qid: (retriever.dense_ranking(vector, depth), retriever.bm25_ranking(text, depth))
        for (qid, text), vector in zip(queries.items(), vectors)
    }


class Scorer:
    """Scores orderings of collected rankings against judgements, via the product's own fusion code."""

    def __init__(self, settings: Settings, rankings: Rankings, qrels: dict[str, dict[str, int]]) -> None:
        self.settings = settings
        self.index = Assistant(settings).index
        self.rankings = {q: r for q, r in rankings.items() if q in qrels}
        self.qrels = qrels

    def _runs(self, order) -> dict[str, list[str]]:
        chunks = self.index.chunks
        return {q: documents_by_best_passage([chunks[row].source for row, _ in order(*r)]) for q, r in self.rankings.items()}

    def dense(self) -> dict[str, float]:
        return score(self._runs(lambda dense, bm25: dense), self.qrels)

    def bm25(self) -> dict[str, float]:
        return score(self._runs(lambda dense, bm25: bm25), self.qrels)

    def hybrid(self, **fusion) -> dict[str, float]:
        retriever = Retriever(self.index, self.settings.model_copy(update=fusion))
        return score(self._runs(retriever.fuse), self.qrels)


def fusion_grid() -> list[dict]:
    rrf = [{"fusion": "rrf", "rrf_k": k, "dense_weight": w, "bm25_weight": 1.0} for k, w in product(*RRF_GRID.values())]
    minmax = [{"fusion": "minmax", "dense_weight": w, "bm25_weight": 1.0} for w in MINMAX_GRID["dense_weight"]]
    return rrf + minmax


def tune(scorer: Scorer) -> list[tuple[dict, dict[str, float]]]:
    """Every fusion variant's scores on `scorer`'s queries, best nDCG@10 first."""
    results = [(variant, scorer.hybrid(**variant)) for variant in fusion_grid()]
    return sorted(results, key=lambda item: -item[1]["ndcg@10"])
