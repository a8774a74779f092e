"""Warm latencies inside one process: `python -m bench.probe INDEX_DIR QUESTIONS.json` prints JSON.

Loads the assistant as a server would, then times `ask` (a full cited answer) and `search`
(retrieval only, what the starter baseline does) per question, and reports the process's
peak memory.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import qa.offline  # noqa: F401
from bench.measure import peak_rss_mb
from qa.assistant import Assistant
from qa.settings import Settings


def timed(call, questions: list[str]) -> list[float]:
    milliseconds = []
    for question in questions:
        started = time.perf_counter()
        call(question)
        milliseconds.append((time.perf_counter() - started) * 1000)
    return milliseconds


def main(index_dir: str, questions_file: str) -> None:
    questions = json.loads(Path(questions_file).read_text())
    started = time.perf_counter()
    assistant = Assistant(Settings(index_dir=Path(index_dir))).load()
    load_seconds = time.perf_counter() - started
    timed(assistant.ask, questions[:3])  # warm-up
    result = {
        "load_seconds": load_seconds,
        "ask_ms": timed(assistant.ask, questions),
        "search_ms": timed(lambda q: assistant.search(q, 5), questions),
        "peak_mb": peak_rss_mb(os.getpid()),  # VmHWM: ru_maxrss would start at the parent's size
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
