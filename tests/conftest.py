"""Shared fixtures: one real index of the seeds (real MiniLM, real Chroma) per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import qa.offline  # noqa: F401
from qa.assistant import Assistant
from qa.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
QA_BIN = [sys.executable, "-m", "qa"]


@pytest.fixture(scope="session")
def seeds_settings(tmp_path_factory) -> Settings:
    settings = Settings(index_dir=tmp_path_factory.mktemp("seeds-index"))
    Assistant(settings).index_paths([SEEDS])
    return settings


@pytest.fixture(scope="session")
def assistant(seeds_settings) -> Assistant:
    return Assistant(seeds_settings).load()


def run_qa(*args: str, index_dir: Path | None = None, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real `qa` CLI in a subprocess (clean environment apart from the index folder)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    if index_dir is not None:
        env["QA_INDEX_DIR"] = str(index_dir)
    return subprocess.run([*QA_BIN, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
