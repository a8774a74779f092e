"""Fusion functions, and the exact dense search agreeing with Chroma's on the real seeds index."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from qa.index import Index
from qa.retrieval import Retriever, min_max_fusion, reciprocal_rank_fusion


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = reciprocal_rank_fusion([([(1, 9.0), (2, 8.0)], 1.0), ([(2, 0.5), (3, 0.4)], 1.0)], k=60)
    assert max(fused, key=fused.get) == 2
    assert fused[1] == pytest.approx(1 / 61) and fused[3] == pytest.approx(1 / 62)


def test_min_max_fusion_keeps_score_gaps_and_weights():
    dense = [(1, 0.9), (2, 0.2), (3, 0.1)]  # confident: 1 far ahead
    bm25 = [(2, 10.0), (1, 9.9), (3, 0.0)]  # hesitant: 2 and 1 nearly tied
    fused = min_max_fusion([(dense, 1.0), (bm25, 1.0)])
    assert fused == pytest.approx({1: 1.0 + 0.99, 2: 0.125 + 1.0, 3: 0.0})
    ranks = reciprocal_rank_fusion([(dense, 1.0), (bm25, 1.0)], k=60)
    assert ranks[1] == pytest.approx(ranks[2])  # rank fusion cannot tell them apart
    weighted = min_max_fusion([(dense, 0.0), (bm25, 1.0)])
    assert weighted[2] > weighted[1]
    assert min_max_fusion([([(7, 3.0)], 1.0), ([], 1.0)]) == {7: 0.0}  # one candidate: no spread, no crash


def test_fuse_follows_the_fusion_setting(assistant):
    index = assistant.index
    vector = assistant.embed_query("Who did Ilham Aliyev speak with by phone?")
    retriever = Retriever(index, assistant.settings)
    dense, bm25 = retriever.dense_ranking(vector, 50), retriever.bm25_ranking("Who did Ilham Aliyev speak with by phone?", 50)
    for fusion in ("rrf", "minmax"):
        fused = Retriever(index, assistant.settings.model_copy(update={"fusion": fusion})).fuse(dense, bm25)
        assert {row for row, _ in fused} == {row for row, _ in dense} | {row for row, _ in bm25}
        assert [s for _, s in fused] == sorted((s for _, s in fused), reverse=True)


def test_exact_search_agrees_with_chroma(assistant):
    """The matrix-product scan over chunks.npy and Chroma's HNSW index find the same chunks, same scores."""
    settings = assistant.settings
    exact = Index.load(settings.model_copy(update={"dense_search": "exact"}))
    chroma = Index.load(settings.model_copy(update={"dense_search": "chroma"}))
    assert exact.searches_exactly and not chroma.searches_exactly
    for question in ["Who did Ilham Aliyev speak with by phone?", "How many people were displaced?", "ceasefire"]:
        vector = assistant.embed_query(question)
        got, want = exact.dense_search(vector, 10), chroma.dense_search(vector, 10)
        assert [row for row, _ in got] == [row for row, _ in want]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-4)
    assert exact.dense_search(vector, 10_000)[-1][0] in range(len(exact.chunks))  # k beyond the corpus is capped


def test_auto_searches_exactly_only_for_embedded_chroma(assistant):
    index = assistant.index
    assert assistant.settings.dense_search == "auto" and index.searches_exactly
    remote = SimpleNamespace(
        settings=assistant.settings.model_copy(update={"chroma_url": "http://127.0.0.1:9"}),
        chunk_matrix=index.chunk_matrix,
        chunks=index.chunks,
    )
    assert not Index.searches_exactly.fget(remote)


def test_stored_chunk_vectors_are_the_chroma_vectors(assistant):
    index = assistant.index
    rows = list(range(0, len(index.chunks), 7))
    got = index.collection.get(ids=[index.chroma_ids[r] for r in rows], include=["embeddings"])
    by_id = dict(zip(got["ids"], got["embeddings"]))
    np.testing.assert_allclose(index.chunk_vectors(rows), [by_id[index.chroma_ids[r]] for r in rows], atol=1e-6)
