"""`/v1/chat/completions` through the official `openai` SDK, plain and streamed, against the real server."""

from __future__ import annotations

import openai
import pytest

QUESTION = "Who did Ilham Aliyev speak with by phone?"


@pytest.fixture
def client(server_url) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server_url}/v1", api_key="unused", timeout=60, max_retries=0)


def test_plain_completion_carries_answer_sources_and_citations(client):
    completion = client.chat.completions.create(
        model="any-name-works", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}]
    )
    assert completion.object == "chat.completion" and completion.model == "any-name-works"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    content = choice.message.content
    answer, sources = content.split("\n\nSources:\n")
    assert "Blinken" in answer and "[1]" in answer
    assert completion.abstained is False
    citations = completion.citations
    assert citations and {"id", "source", "start", "end", "quote"} <= set(citations[0])
    for citation in citations:
        assert f"[{citation['id']}] {citation['source']}" in sources
        assert citation["quote"] in answer
    assert completion.question_used == QUESTION


def test_streamed_completion_matches_the_plain_one(client):
    plain = client.chat.completions.create(model="qa", messages=[{"role": "user", "content": QUESTION}])
    chunks = list(client.chat.completions.create(model="qa", messages=[{"role": "user", "content": QUESTION}], stream=True))
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[0].citations == plain.citations  # citations first
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].abstained is False
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert streamed == plain.choices[0].message.content
    assert len(chunks) > 4


def test_refusal_has_no_sources(client):
    completion = client.chat.completions.create(
        model="qa", messages=[{"role": "user", "content": "What is the boiling point of mercury?"}]
    )
    assert completion.abstained is True and completion.citations == []
    assert completion.choices[0].message.content == "The documents don't answer this question."


def test_earlier_messages_steer_a_follow_up(client):
    completion = client.chat.completions.create(
        model="qa",
        messages=[
            {"role": "user", "content": "How big is Russia's peacekeeping mission in Nagorno-Karabakh?"},
            {"role": "assistant", "content": "Russia said its 2,000-strong peacekeeping mission ... [1]"},
            {"role": "user", "content": [{"type": "text", "text": "What is it doing?"}]},
        ],
    )
    assert "peacekeeping" in completion.question_used
    assert "evacuating civilians" in completion.choices[0].message.content


def test_errors_surface_as_sdk_exceptions(client):
    with pytest.raises(openai.UnprocessableEntityError) as too_long:
        client.chat.completions.create(model="qa", messages=[{"role": "user", "content": "x" * 2001}])
    assert "2000" in str(too_long.value)
    with pytest.raises(openai.UnprocessableEntityError) as no_question:
        client.chat.completions.create(model="qa", messages=[{"role": "system", "content": "hello"}])
    assert "question" in str(no_question.value)
