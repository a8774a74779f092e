"""Re-indexing under a running server: every question is answered, from the old index until the new one is live."""

from __future__ import annotations

import shutil
import sys
import threading

import httpx
import pytest

from conftest import SEEDS, live_server, run_qa
from test_index import write_corpus

QUESTION = "Who did Ilham Aliyev speak with by phone?"


@pytest.mark.slow
def test_the_server_keeps_answering_while_qa_index_publishes_new_generations(seeds_settings, tmp_path):
    index_dir, corpus = tmp_path / "index", tmp_path / "docs"
    shutil.copytree(seeds_settings.index_dir, index_dir)
    shutil.copytree(SEEDS, corpus)
    command = [sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1", "--port", "{port}"]
    with live_server(command, index_dir, tmp_path / "server.log") as url:
        before = httpx.post(f"{url}/chat", json={"question": QUESTION}, timeout=60).json()
        stop, seen = threading.Event(), []

        def keep_asking() -> None:
            with httpx.Client(base_url=url, timeout=60) as client:
                while not stop.is_set():
                    response = client.post("/chat", json={"question": QUESTION})
                    seen.append((response.status_code, response.json()))

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            names = write_corpus(corpus, 40, seed=3)
            for step in range(3):  # three generations: the first one's folder is swept meanwhile
                (corpus / f"late_{step}.txt").write_text(f"The otter called Latecomer{step} arrived in step {step}.")
                result = run_qa("index", str(corpus), index_dir=index_dir)
                assert result.returncode == 0, result.stderr
        finally:
            stop.set()
            asker.join(timeout=120)

        assert len(seen) > 10 and all(status == 200 for status, _ in seen), [b for s, b in seen if s != 200][:3]
        after = httpx.post(f"{url}/chat", json={"question": QUESTION}, timeout=60).json()
        answers = {(body["answer"], str(body["citations"])) for _, body in seen}
        assert answers <= {(b["answer"], str(b["citations"])) for b in (before, after)}, "a half-built index answered"
        health = httpx.get(f"{url}/health", timeout=30).json()
        assert (health["generation"], health["documents"]) == (4, 48)
        source, name = next(iter(names.items()))
        answer = httpx.post(f"{url}/chat", json={"question": f"Where was the animal called {name} ringed?"}, timeout=60).json()
        assert answer["citations"] and answer["citations"][0]["source"] == source, "the new generation is live"
