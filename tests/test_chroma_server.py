"""Chroma server mode: a real `chroma run` on loopback holds the vectors; BM25 stays in the index folder."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from qa.assistant import Assistant
from qa.errors import BackendUnavailableError
from qa.index import MANIFEST, chroma_client
from qa.settings import Settings

from conftest import SEEDS, free_port, live_server, run_qa, stop

CHROMA = Path(sys.executable).parent / "chroma"  # installed with the chromadb package
QUESTION = "Who did Ilham Aliyev speak with by phone?"


@contextmanager
def chroma_run(folder: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`chroma run` on a free loopback port, stopped at the end (bounded waits throughout)."""
    port = free_port()
    with open(folder / "log", "wb") as log:
        process = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None and time.monotonic() < deadline, (folder / "log").read_text()[-2000:]
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url, process
    finally:
        process.send_signal(signal.SIGCONT)
        stop(process)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory) -> Iterator[tuple[str, subprocess.Popen]]:
    with chroma_run(tmp_path_factory.mktemp("chroma-server")) as server:
        yield server


def run_with(url: str, *args: str, index_dir: Path, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    """The real CLI with QA_CHROMA_URL set (and nothing else from the caller's QA_ variables)."""
    return run_qa(*args, index_dir=index_dir, timeout=timeout, env={"QA_CHROMA_URL": url, **env})


@pytest.fixture(scope="module")
def served_index(chroma_server, tmp_path_factory) -> Path:
    url, _ = chroma_server
    index_dir = tmp_path_factory.mktemp("served-index")
    result = run_with(url, "index", str(SEEDS), index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert "indexed 5 documents" in result.stdout
    return index_dir


def test_seeds_are_indexed_into_the_server_and_answered_through_it(chroma_server, served_index, seeds_settings):
    url, _ = chroma_server
    manifest = json.loads((served_index / MANIFEST).read_text())
    assert manifest["chroma_url"] == url
    assert not (served_index / "chroma").exists(), "no embedded Chroma beside a server"
    assert (served_index / f"gen-{manifest['generation']:06d}" / "bm25").is_dir(), "BM25 stays local"
    settings = Settings(index_dir=served_index, chroma_url=url)
    assert manifest["collection"] in {c.name for c in chroma_client(settings).list_collections()}

    result = run_with(url, "ask", "--json", QUESTION, index_dir=served_index)
    assert result.returncode == 0, result.stderr
    served = json.loads(result.stdout)
    embedded = Assistant(seeds_settings).ask(QUESTION)
    assert served["answer"] == embedded.answer, "the server answers exactly as embedded Chroma does"
    assert "Blinken" in served["answer"]

    again = run_with(url, "index", str(SEEDS), index_dir=served_index)
    assert "up to date" in again.stdout and "0 texts" in again.stdout


def test_indexes_sharing_a_server_keep_to_their_own_collections(chroma_server, served_index, tmp_path):
    url, _ = chroma_server
    served = Settings(index_dir=served_index, chroma_url=url)
    live = json.loads((served_index / MANIFEST).read_text())["collection"]
    other_dir = tmp_path / "other"
    note = tmp_path / "note.txt"
    note.write_text("The Kermor lighthouse was first lit on 4 May 1851.")
    for text in ("The Kermor lighthouse was first lit on 4 May 1851.", "The Kermor fog horn sounds twice a minute."):
        note.write_text(text)
        assert run_with(url, "index", str(note), index_dir=other_dir).returncode == 0
    names = {c.name for c in chroma_client(served).list_collections()}
    assert live in names, "another index's sweep removed this index's live collection"
    assert Assistant(served).ask(QUESTION).citations


def test_a_stopped_server_gives_a_clear_error_within_seconds(chroma_server, served_index):
    url, process = chroma_server
    process.send_signal(signal.SIGSTOP)  # accepts connections, never answers: the worst case
    try:
        started = time.monotonic()
        result = run_with(url, "ask", QUESTION, index_dir=served_index, timeout=120, QA_CHROMA_TIMEOUT="2")
        elapsed = time.monotonic() - started
    finally:
        process.send_signal(signal.SIGCONT)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "cannot reach the Chroma server" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert elapsed < 60


def test_a_server_that_is_gone_is_reported_by_every_command(tmp_path):
    note, index_dir = tmp_path / "note.txt", tmp_path / "index"
    note.write_text("The Kermor lighthouse was first lit on 4 May 1851.")
    with chroma_run(tmp_path) as (url, _):
        assert run_with(url, "index", str(note), index_dir=index_dir).returncode == 0
    manifest = (index_dir / MANIFEST).read_text()
    note.write_text("The Kermor lighthouse was first lit on 5 May 1851.")  # a change that needs Chroma
    for args in (("ask", "When was the Kermor lighthouse first lit?"), ("search", "Kermor"), ("index", str(note))):
        result = run_with(url, *args, index_dir=index_dir, timeout=120)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert f"cannot reach the Chroma server at {url}" in result.stderr
    assert (index_dir / MANIFEST).read_text() == manifest
    with pytest.raises(BackendUnavailableError, match="cannot reach"):
        Assistant(Settings(index_dir=index_dir, chroma_url=url)).index.collection


def test_the_api_answers_503_while_chroma_is_stuck_and_recovers(chroma_server, served_index, tmp_path):
    url, process = chroma_server
    command = [sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1", "--port", "{port}"]
    env = {"QA_CHROMA_URL": url, "QA_CHROMA_TIMEOUT": "2"}
    with live_server(command, served_index, tmp_path / "server.log", env=env) as api:
        assert httpx.post(f"{api}/chat", json={"question": QUESTION}, timeout=60).status_code == 200
        process.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            stuck = httpx.post(f"{api}/chat", json={"question": QUESTION}, timeout=60)
            elapsed = time.monotonic() - started
        finally:
            process.send_signal(signal.SIGCONT)
        assert stuck.status_code == 503 and "Chroma" in stuck.json()["error"]["message"], stuck.text
        assert elapsed < 30
        recovered = httpx.post(f"{api}/chat", json={"question": QUESTION}, timeout=60)
        assert recovered.status_code == 200 and "Blinken" in recovered.json()["answer"]
