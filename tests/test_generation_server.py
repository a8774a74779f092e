"""Generated mode through the real server (`uvicorn server:app`) and the fake LLM: /chat and /v1/chat/completions,
plain and streamed, the `mode` field, and a hanging LLM answered by a fallback (never a 500). A wiring test."""

from __future__ import annotations

import sys

import httpx
import openai
import pytest

from conftest import live_server
from llm_server import Reply, citing, fake, fake_llm  # noqa: F401 - fixtures
from test_server import assert_json_error, post, sse_events

QUESTION = "Who did Ilham Aliyev speak with by phone?"
TIMEOUT_SECONDS = 2


@pytest.fixture(scope="module")
def url(seeds_settings, fake_llm, tmp_path_factory):
    env = {"QA_LLM_BASE_URL": f"{fake_llm.url}/v1", "QA_LLM_MODEL": "fake-model", "QA_LLM_TIMEOUT": str(TIMEOUT_SECONDS)}
    log = tmp_path_factory.mktemp("generating-server") / "uvicorn.log"
    command = [sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1", "--port", "{port}"]
    with live_server(command, seeds_settings.index_dir, log, env=env) as address:
        yield address


def blinken(aside: str = "") -> Reply:
    return citing("Blinken", "{sentence} [{n}]" + aside)


def assert_verified_quotes(url: str, result: dict) -> None:
    assert result["citations"]
    for citation in result["citations"]:
        assert citation["verified"] is True and f"[{citation['id']}]" in result["answer"]
        text = httpx.get(f"{url}/documents/{citation['source']}", timeout=10).json()["text"]
        assert text[citation["start"] : citation["end"]] == citation["quote"]


def test_chat_generates_by_default_with_verified_citations(url, fake):
    fake.script(blinken(" Penguins attended the call [1]."))
    result = post(url, "/chat", {"question": QUESTION}).json()
    assert result["mode"] == "generated" and result["fallback"] is None
    assert "Blinken" in result["answer"] and "Penguins" not in result["answer"]
    assert_verified_quotes(url, result)


def test_chat_mode_extractive_asks_no_llm(url, fake):
    result = post(url, "/chat", {"question": QUESTION, "mode": "extractive"}).json()
    assert result["mode"] == "extractive" and result["fallback"] is None and "Blinken" in result["answer"]
    assert fake.requests == []


def test_chat_streams_the_draft_then_the_verified_answer(url, fake):
    fake.script(blinken(" Penguins attended the call [1]."))
    response = post(url, "/chat", {"question": QUESTION, "stream": True})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    names = [name for name, _ in events]
    first_citations = names.index("citations")
    assert first_citations > 3 and set(names[:first_citations]) == {"token"}
    assert set(names[first_citations + 1 : -1]) == {"delta"} and names[-1] == "done"
    draft = "".join(data["text"] for name, data in events if name == "token")
    assert "Penguins" in draft
    done = events[-1][1]
    assert "".join(data["text"] for name, data in events if name == "delta") == done["answer"]
    assert done["mode"] == "generated" and "Penguins" not in done["answer"]
    assert events[first_citations][1]["citations"] == done["citations"]


def test_a_hanging_llm_gets_the_extractive_answer_not_an_error(url, fake):
    fake.script(Reply("", hang=True), Reply("Ilham Aliyev", hang=True))
    plain = post(url, "/chat", {"question": QUESTION})
    assert plain.status_code == 200
    assert plain.json()["mode"] == "extractive" and f"within {TIMEOUT_SECONDS} s" in plain.json()["fallback"]
    streamed = post(url, "/chat", {"question": QUESTION, "stream": True})
    assert streamed.status_code == 200
    events = sse_events(streamed.text)
    assert [name for name, _ in events][:2] == ["token", "token"]  # the draft began, then stalled
    assert events[-1][0] == "done" and events[-1][1]["fallback"] and "Blinken" in events[-1][1]["answer"]


def test_openai_completions_generate_and_stream_draft_then_verified_content(url, fake):
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", timeout=60, max_retries=0)
    messages = [{"role": "user", "content": QUESTION}]
    fake.script(blinken(), blinken(" Penguins attended the call [1]."))
    plain = client.chat.completions.create(model="qa", messages=messages)
    assert plain.mode == "generated" and plain.fallback is None and "Blinken" in plain.choices[0].message.content
    chunks = list(client.chat.completions.create(model="qa", messages=messages, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    drafts = [chunk.draft for chunk in chunks if getattr(chunk, "draft", None)]
    assert "Penguins" in "".join(drafts)
    content = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert content == plain.choices[0].message.content  # only the verified text, never the draft
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].mode == "generated"
    assert chunks[-1].citations == plain.citations


def test_generated_mode_on_a_server_without_an_llm_is_refused(server_url):
    message = assert_json_error(post(server_url, "/chat", {"question": QUESTION, "mode": "generated"}), 422)
    assert "QA_LLM_BASE_URL" in message
    assert_json_error(post(server_url, "/chat", {"question": QUESTION, "mode": "poetic"}), 422)
