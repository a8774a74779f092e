"""Shared fixtures: one real index of the seeds (real MiniLM, real Chroma) per test session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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


def run_qa(*args: str, index_dir: Path | None = None, cwd: Path = ROOT, timeout: float = 300,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real `qa` CLI in a subprocess (clean environment apart from the index folder and `env`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")} | (env or {})
    if index_dir is not None:
        env["QA_INDEX_DIR"] = str(index_dir)
    return subprocess.run([*QA_BIN, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def live_server(command: list[str], index_dir: Path, log: Path, env: dict[str, str] | None = None,
                timeout: float = 180, ready: tuple[int, ...] = (200,)) -> Iterator[str]:
    """Run a real server on loopback (`{port}` in `command` is filled in); yield its URL once /health's status is in `ready`."""
    import httpx

    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    environment |= {"QA_INDEX_DIR": str(index_dir), **(env or {})}
    with open(log, "wb") as output:
        process = subprocess.Popen([part.format(port=port) for part in command], cwd=ROOT, env=environment,
                                   stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not get ready (exit code {process.poll()}):\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code in ready:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield url
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Terminate a server we started, killing it if it does not exit within 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def server_url(seeds_settings, tmp_path_factory) -> Iterator[str]:
    """`uvicorn server:app` serving the seeds index on a free loopback port, for the whole session."""
    log = tmp_path_factory.mktemp("server") / "uvicorn.log"
    command = [sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1", "--port", "{port}"]
    with live_server(command, seeds_settings.index_dir, log) as url:
        yield url
