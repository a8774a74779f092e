"""The real server (`uvicorn server:app` on loopback): /chat plain and streamed, documents, health, limits, load."""

from __future__ import annotations

import asyncio
import json
import re
import sys

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import live_server

ANSWERABLE = "Who did Ilham Aliyev speak with by phone?"
UNANSWERABLE = "What is the boiling point of mercury?"
COMPLETION = {"model": "qa", "messages": [{"role": "user", "content": ANSWERABLE}]}
ASK_JSON_FIELDS = {"question", "answer", "abstained", "citations", "confidence", "mode", "fallback", "timings_ms"}


def post(url: str, path: str, body, **kwargs) -> httpx.Response:
    return httpx.post(f"{url}{path}", json=body, timeout=60, **kwargs)


def sse_events(text: str) -> list[tuple[str, dict]]:
    """(event, data) pairs of a text/event-stream body."""
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events


def assert_json_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    message = response.json()["error"]["message"]
    assert message
    return message


def test_health_reports_the_loaded_index(server_url):
    health = httpx.get(f"{server_url}/health", timeout=10).json()
    assert health["status"] == "ready"
    assert health["documents"] == 5 and health["chunks"] > 5


def test_chat_returns_what_qa_ask_json_prints_plus_question_used(server_url):
    response = post(server_url, "/chat", {"question": ANSWERABLE})
    assert response.status_code == 200, response.text
    result = response.json()
    assert set(result) == ASK_JSON_FIELDS | {"question_used"}
    assert result["question"] == result["question_used"] == ANSWERABLE
    assert result["abstained"] is False and "Blinken" in result["answer"]
    for citation in result["citations"]:
        assert f"[{citation['id']}]" in result["answer"]
        document = httpx.get(f"{server_url}/documents/{citation['source']}", timeout=10).json()
        assert document["text"][citation["start"] : citation["end"]] == citation["quote"]


def test_chat_refuses_plainly(server_url):
    result = post(server_url, "/chat", {"question": UNANSWERABLE}).json()
    assert result["abstained"] is True and result["citations"] == []
    assert result["answer"] == "The documents don't answer this question."


def test_chat_streams_citations_then_pieces_then_the_whole_result(server_url):
    plain = post(server_url, "/chat", {"question": ANSWERABLE, "k": 4}).json()
    response = post(server_url, "/chat", {"question": ANSWERABLE, "k": 4, "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    names = [name for name, _ in events]
    assert names[0] == "citations" and names[-1] == "done"
    assert set(names[1:-1]) == {"delta"} and len(names) > 3
    head, done = events[0][1], events[-1][1]
    assert head["citations"] == plain["citations"] and head["question_used"] == ANSWERABLE
    assert "".join(data["text"] for _, data in events[1:-1]) == plain["answer"]
    assert {k: v for k, v in done.items() if k != "timings_ms"} == {k: v for k, v in plain.items() if k != "timings_ms"}


def test_documents_list_and_text(server_url):
    listing = httpx.get(f"{server_url}/documents", timeout=10).json()
    assert len(listing) == 5
    assert set(listing[0]) == {"source", "title", "date", "chunks"}
    dated = next(d for d in listing if d["source"] == "000_9e15d06241d5e33a.txt")
    assert dated["date"] == "2023-09-20" and dated["chunks"] >= 1
    document = httpx.get(f"{server_url}/documents/000_9e15d06241d5e33a.txt", timeout=10).json()
    assert document["text"].startswith("Azerbaijan’s operation in Nagorno-Karabakh")
    missing = httpx.get(f"{server_url}/documents/no-such-file.txt", timeout=10)
    assert "no-such-file.txt" in assert_json_error(missing, 404)


def test_page_and_openapi_docs_are_served(server_url):
    page = httpx.get(server_url, timeout=10)
    assert page.status_code == 200 and "<textarea" in page.text
    assert httpx.get(f"{server_url}/static/app.js", timeout=10).status_code == 200
    schema = httpx.get(f"{server_url}/openapi.json", timeout=10).json()
    assert {"/chat", "/v1/chat/completions", "/health", "/documents", "/documents/{source}"} <= set(schema["paths"])
    docs = httpx.get(f"{server_url}/docs", timeout=10).text
    assert "swagger" in docs.lower()
    # offline: the page's script and style come from this server, not a CDN
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs)
    assert assets and all(url.startswith(("/static/swagger/", "data:")) for url in assets), assets
    for url in assets:
        if not url.startswith("data:"):
            assert httpx.get(f"{server_url}{url}", timeout=10).status_code == 200, url


def test_limits_give_clear_json_errors(server_url):
    too_long = assert_json_error(post(server_url, "/chat", {"question": "x" * 2001}), 422)
    assert "2000" in too_long
    assert post(server_url, "/chat", {"question": "x" * 2000}).status_code == 200
    history = [{"role": "user", "content": "earlier"}] * 21
    assert "20" in assert_json_error(post(server_url, "/chat", {"question": ANSWERABLE, "history": history}), 422)
    assert post(server_url, "/chat", {"question": ANSWERABLE, "history": history[:20]}).status_code == 200
    big = json.dumps({"question": ANSWERABLE, "history": [{"role": "assistant", "content": "y" * 70_000}]})
    headers = {"Content-Type": "application/json"}
    declared = httpx.post(f"{server_url}/chat", content=big, headers=headers, timeout=30)
    assert "65536" in assert_json_error(declared, 413)
    streamed = httpx.post(f"{server_url}/chat", content=iter([big[:40_000].encode(), big[40_000:].encode()]),
                          headers=headers, timeout=30)  # chunked: no Content-Length to refuse up front
    assert_json_error(streamed, 413)
    empty = assert_json_error(post(server_url, "/chat", {"question": " \n\t "}), 422)
    assert "empty" in empty
    # what the schema calls an integer or a boolean is one: JSON's true is no k, "yes" no stream (found by schemathesis)
    for path, extra in (("/chat", {"question": ANSWERABLE}), ("/v1/chat/completions", COMPLETION)):
        assert_json_error(post(server_url, path, {**extra, "k": True}), 422)
        assert_json_error(post(server_url, path, {**extra, "k": 2.5}), 422)
        assert_json_error(post(server_url, path, {**extra, "stream": "yes"}), 422)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"null",
        b"[]",
        b'"question"',
        b'{"question": 42}',
        b'{"question": null}',
        b'{"question": "ok", "k": 0}',
        b'{"question": "ok", "k": "many"}',
        b'{"question": "ok", "history": "none"}',
        b'{"question": "ok", "history": [{"role": "robot", "content": "x"}]}',
        b'{"question": "ok", "history": [{"role": "user"}]}',
        b'{"question": "\\ud800 lone surrogate"}',
        b'{"question": "\xff\xfe not utf-8"}',
        b'{"question": "ok", "stream": "maybe"}',
    ],
)
@pytest.mark.parametrize("path", ["/chat", "/v1/chat/completions"])
def test_malformed_bodies_get_a_4xx_json_error(server_url, path, body):
    response = httpx.post(f"{server_url}{path}", content=body, headers={"Content-Type": "application/json"}, timeout=30)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["message"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
chat_like = st.fixed_dictionaries(
    {},
    optional={
        "question": json_values | st.text(max_size=60),
        "history": json_values | st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "x"]),
                                                                  "content": json_values}), max_size=3),
        "k": json_values,
        "stream": json_values,
        "model": json_values,
        "messages": json_values | st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "system", "tool"]),
                                                                   "content": json_values}), max_size=3),
    },
)


@settings(max_examples=60, deadline=None)
@given(body=chat_like | json_values, path=st.sampled_from(["/chat", "/v1/chat/completions"]))
def test_no_body_ever_makes_a_500(server_url, body, path):
    response = httpx.post(f"{server_url}{path}", json=body, timeout=60)
    assert response.status_code < 500, (body, response.text)


def test_fifty_concurrent_questions_are_all_answered_correctly(server_url):
    questions = [ANSWERABLE, UNANSWERABLE, "How many military positions did Azerbaijan's forces take?",
                 "What is Nagorno-Karabakh called by Armenians?", "What did the Red Cross call on military authorities to do?"]
    expected = {q: post(server_url, "/chat", {"question": q}).json() for q in questions}

    responses = asyncio.run(ask_together(server_url, [{"question": questions[n % len(questions)]} for n in range(50)]))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200][:3]
    for n, response in enumerate(responses):
        got, want = response.json(), expected[questions[n % len(questions)]]
        assert (got["answer"], got["citations"], got["abstained"]) == (want["answer"], want["citations"], want["abstained"])


async def ask_together(url: str, bodies: list[dict]) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=httpx.Limits(max_connections=len(bodies))) as client:
        return await asyncio.gather(*(client.post("/chat", json=body) for body in bodies))


def test_questions_asked_during_start_up_wait_for_the_load_and_are_answered(seeds_settings, tmp_path):
    command = [sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1", "--port", "{port}"]
    with live_server(command, seeds_settings.index_dir, tmp_path / "log", ready=(200, 503)) as url:
        responses = asyncio.run(ask_together(url, [{"question": ANSWERABLE}] * 10))
    assert [r.status_code for r in responses] == [200] * 10, responses[0].text
    assert all("Blinken" in r.json()["answer"] for r in responses)
