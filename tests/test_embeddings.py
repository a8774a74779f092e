"""The ONNX backend must give sentence-transformers' vectors and token counts (the reference)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.documents import read_document
from qa.embeddings import Embedder, OnnxEncoder, SentenceTransformerEncoder, export_dir

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def onnx(tmp_path_factory) -> Embedder:
    embedder = Embedder(cache=tmp_path_factory.mktemp("models"))
    assert isinstance(embedder.encoder, OnnxEncoder)
    return embedder


@pytest.fixture(scope="module")
def reference() -> Embedder:
    embedder = Embedder(backend="sentence-transformers")
    assert isinstance(embedder.encoder, SentenceTransformerEncoder)
    return embedder


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Real seed text of varied lengths: words, sentences, paragraphs, and whole pages beyond the 256-piece window."""
    out = []
    for path in sorted(SEEDS.iterdir()):
        text = read_document(path, path.name).text
        paragraphs = [p for p in text.split("\n") if p.strip()]
        out += [paragraphs[0].split()[0], paragraphs[0], paragraphs[len(paragraphs) // 2], " ".join(paragraphs[:3])]
        out.append(text[:6000])
    out += ["Ünïcödé — “quotes” and émojis 🙂", "   ", "x" * 3000]
    return out


def test_onnx_vectors_match_sentence_transformers(onnx, reference, texts):
    assert max(reference.count_tokens(texts)) > 256  # truncation is exercised
    got, want = onnx.embed(texts), reference.embed(texts)
    assert got.shape == want.shape == (len(texts), 384)
    assert got.dtype == np.float32
    assert float(np.abs(got - want).max()) < 1e-4
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_batching_does_not_change_a_vector(onnx, texts):
    """Padding to the longest text of a batch must not leak into shorter texts' vectors."""
    together = onnx.embed(texts, batch_tokens=4096)
    alone = np.concatenate([onnx.embed([t]) for t in texts])
    assert float(np.abs(together - alone).max()) < 1e-5


def test_token_counts_match_the_reference_tokenizer(onnx, reference, texts):
    expected = [len(ids) for ids in reference.encoder.model.tokenizer(texts, add_special_tokens=False)["input_ids"]]
    assert onnx.count_tokens(texts) == expected
    assert onnx.max_tokens == reference.max_tokens == 254


def test_export_is_reused_and_keyed_by_model(onnx):
    folder = export_dir(onnx.cache, onnx.model_id)
    assert (folder / "model.onnx").is_file() and (folder / "export.json").is_file()
    assert not [p for p in onnx.cache.iterdir() if p.name.startswith(".")]  # no staging folder left behind
    again = Embedder(cache=onnx.cache)
    assert again.encoder.folder == folder
    assert float(np.abs(again.embed(["same"]) - onnx.embed(["same"])).max()) == 0.0


def test_unwritable_cache_falls_back_to_a_temporary_folder(onnx, tmp_path, monkeypatch):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    monkeypatch.setattr("tempfile.tempdir", str(onnx.cache.parent))
    (onnx.cache.parent / f"qa-models-{os.getuid()}").mkdir(exist_ok=True)
    fallback = export_dir(onnx.cache.parent / f"qa-models-{os.getuid()}", onnx.model_id)
    if not fallback.exists():
        fallback.symlink_to(export_dir(onnx.cache, onnx.model_id))
    embedder = Embedder(cache=blocked / "models")
    assert embedder.encoder.folder == fallback


def test_query_path_does_not_import_torch(onnx):
    """A question is embedded without torch or sentence-transformers (their import costs seconds)."""
    code = (
        "import sys; from pathlib import Path; from qa.embeddings import Embedder;"
        f"Embedder(cache=Path({str(onnx.cache)!r})).embed(['who?']);"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, "HOME": "/nonexistent"})
    assert out.stdout.strip() == "[]"


def test_a_model_the_export_does_not_cover_runs_on_sentence_transformers(reference, tmp_path):
    """Max pooling is not exported: such a model still embeds, through the reference backend."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Pooling

    transformer = reference.encoder.model[0]
    custom = SentenceTransformer(modules=[transformer, Pooling(reference.dimension, pooling_mode="max")])
    custom.save(str(tmp_path / "max-pooled"))
    embedder = Embedder(str(tmp_path / "max-pooled"), cache=tmp_path / "models")
    assert isinstance(embedder.encoder, SentenceTransformerEncoder)
    assert embedder.embed(["a question"]).shape == (1, 384)
    assert not list((tmp_path / "models").glob("*.onnx-v*"))  # nothing half-exported left behind


def test_the_model_cache_is_the_users_not_the_working_folders(monkeypatch, tmp_path):
    """One export per user: `qa` run from another folder must not export the model again."""
    from qa.settings import Settings

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("QA_MODEL_CACHE", raising=False)
    assert Settings().model_cache == tmp_path / "xdg" / "qa" / "models"
    assert Embedder().cache == tmp_path / "xdg" / "qa" / "models"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert Settings().model_cache == Path.home() / ".cache" / "qa" / "models"
