"""Load: 200 concurrent /chat requests on loopback, zero errors; p50/p95 go to reports/load.json."""

from __future__ import annotations

import asyncio
import json
import statistics
import time

import httpx
import pytest

from conftest import ROOT

QUESTIONS = [
    "Who did Ilham Aliyev speak with by phone?",
    "How many military positions did Azerbaijan's forces take?",
    "What did the Red Cross call on military authorities to do?",
    "What is the boiling point of mercury?",
]
CONCURRENT = 200


async def timed_post(client: httpx.AsyncClient, body: dict) -> tuple[int, float, dict]:
    started = time.perf_counter()
    response = await client.post("/chat", json=body)
    return response.status_code, time.perf_counter() - started, response.json()


async def burst(url: str, bodies: list[dict]) -> tuple[list[tuple[int, float, dict]], float]:
    """Send every body at once on its own connection; every wait is bounded."""
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(300, connect=30), limits=limits) as client:
        started = time.perf_counter()
        results = await asyncio.gather(*(timed_post(client, body) for body in bodies))
        return results, time.perf_counter() - started


@pytest.mark.slow
def test_two_hundred_concurrent_chats_all_succeed(server_url):
    expected = {q: httpx.post(f"{server_url}/chat", json={"question": q}, timeout=60).json() for q in QUESTIONS}
    bodies = [{"question": QUESTIONS[n % len(QUESTIONS)]} for n in range(CONCURRENT)]
    results, wall = asyncio.run(burst(server_url, bodies))

    errors = [(status, body) for status, _, body in results if status != 200]
    assert not errors, errors[:3]
    for body, (_, _, got) in zip(bodies, results):
        want = expected[body["question"]]
        assert (got["answer"], got["citations"]) == (want["answer"], want["citations"]), "an answer changed under load"

    seconds = sorted(elapsed for _, elapsed, _ in results)
    cuts = statistics.quantiles(seconds, n=100)
    report = {
        "requests": CONCURRENT, "errors": 0, "wall_seconds": round(wall, 2),
        "p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1), "max_ms": round(seconds[-1] * 1000, 1),
        "throughput_per_second": round(CONCURRENT / wall, 1),
    }
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports" / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nload: {report}")
