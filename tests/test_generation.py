"""Generated mode against the fake LLM server (tests/llm_server.py): a WIRING test, never one of answer quality.

It checks what goes to the LLM (model, options, numbered fenced passages), what verification does
with the reply (keeps supported sentences, drops invented citation numbers and unsupported
sentences, citations at exact offsets), and that every failure falls back to the extractive answer.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from conftest import run_qa
from llm_server import Reply, citing, fake, fake_llm  # noqa: F401 - fixtures
from qa.answering import REFUSAL
from qa.assistant import Assistant
from qa.errors import QAError
from qa.types import Answer, ChatMessage

ANSWERABLE = "Who did Ilham Aliyev speak with by phone?"


def with_llm(settings, fake, **more) -> Assistant:
    return Assistant(settings.model_copy(update={"llm_base_url": f"{fake.url}/v1", "llm_model": "fake-model", **more}))


@pytest.fixture(scope="module")
def generating(seeds_settings, fake_llm) -> Assistant:
    return with_llm(seeds_settings, fake_llm, llm_timeout=10).load()


def assert_exact(answer: Answer, assistant: Assistant) -> None:
    for citation in answer.citations:
        assert assistant.document(citation.source).text[citation.start : citation.end] == citation.quote
        assert f"[{citation.id}]" in answer.answer


def test_an_llm_makes_generated_the_default_mode(generating, seeds_settings):
    assert generating.answer_mode(None) == "generated"
    assert Assistant(seeds_settings).answer_mode(None) == "extractive"


def test_the_request_carries_the_model_options_and_the_numbered_fenced_passages(generating, fake):
    answer = generating.ask(ANSWERABLE, k=4)
    (request,) = fake.requests
    assert request.path == "/v1/chat/completions"
    body = request.body
    assert body["model"] == "fake-model" and body["stream"] is True
    assert body["temperature"] == 0 and body["max_tokens"] == 512
    system, user = body["messages"]
    assert system["role"] == "system" and REFUSAL in system["content"]
    assert user["role"] == "user" and f"Question: {ANSWERABLE}" in user["content"]
    assert sorted(request.passages) == [1, 2, 3, 4]
    for n, passage in enumerate(answer.passages, start=1):
        assert " ".join(passage.text.split()) in " ".join(request.passages[n].split())
    assert passage.text not in request.instructions  # every passage sits inside its fence


def test_supported_sentences_are_kept_with_exact_verified_citations(generating, fake):
    fake.script(citing("Blinken", "{sentence} [{n}] Mr Aliyev spoke with US Secretary of State Antony Blinken by phone."))
    answer = generating.ask(ANSWERABLE)
    assert answer.mode == "generated" and answer.fallback is None and not answer.abstained
    assert answer.confidence is None  # the LLM's answer has no calibrated confidence
    assert "Blinken" in answer.answer
    assert [c.id for c in answer.citations] == [1] and answer.citations[0].verified
    assert answer.answer.count("[1]") == 1  # the uncited second sentence is removed, however true
    assert_exact(answer, generating)


def test_a_paraphrase_is_verified_against_the_sentence_it_restates(generating, fake):
    paraphrase = "Ilham Aliyev spoke with US Secretary of State Antony Blinken in a phone call [{n}]."
    fake.script(citing("phone call with US Secretary of State Antony Blinken", paraphrase))
    answer = generating.ask(ANSWERABLE)
    assert answer.mode == "generated", answer.fallback
    assert answer.answer == "Ilham Aliyev spoke with US Secretary of State Antony Blinken in a phone call. [1]"
    (citation,) = answer.citations
    assert citation.verified and "phone call with US Secretary of State Antony Blinken" in citation.quote
    assert_exact(answer, generating)


def test_invented_citation_numbers_are_dropped(generating, fake):
    fake.script(citing("Blinken", "{sentence} [{n}][9] Azerbaijan won the 2022 Eurovision Song Contest [42]."))
    answer = generating.ask(ANSWERABLE, k=4)
    assert answer.mode == "generated"
    assert re.findall(r"\[(\d+)\]", answer.answer) == ["1"]
    assert "Eurovision" not in answer.answer and len(answer.citations) == 1


def test_an_unsupported_sentence_is_removed(generating, fake):
    fake.script(citing("Blinken", "{sentence} [{n}] The talks were held on the Moon and 12,345 astronauts attended [{n}]."))
    answer = generating.ask(ANSWERABLE)
    assert answer.mode == "generated"
    assert "Moon" not in answer.answer and "Blinken" in answer.answer


def test_nothing_verified_falls_back_to_the_extractive_answer(generating, fake):
    extractive = generating.ask(ANSWERABLE, mode="extractive")
    fake.script("Aliyev phoned the Pope on the Moon in 1850 [1].")
    answer = generating.ask(ANSWERABLE)
    assert answer.mode == "extractive" and "no sentence" in answer.fallback
    assert answer.answer == extractive.answer and answer.citations == extractive.citations


def test_a_wrong_refusal_falls_back_but_an_agreed_one_stands(generating, seeds_settings, fake):
    fake.script(REFUSAL, "The documents do not answer this question.")
    wrong = generating.ask(ANSWERABLE)
    assert wrong.mode == "extractive" and not wrong.abstained and "don't answer" in wrong.fallback
    refusing = with_llm(seeds_settings, fake, min_answer_score=1e9)  # the extractive answerer refuses too
    agreed = refusing.ask(ANSWERABLE)
    assert agreed.mode == "generated" and agreed.abstained and agreed.fallback is None
    assert agreed.answer == REFUSAL and agreed.citations == []


def test_extractive_mode_asks_no_llm(generating, fake):
    answer = generating.ask(ANSWERABLE, mode="extractive")
    assert answer.mode == "extractive" and answer.fallback is None and fake.requests == []


def test_generated_mode_without_an_llm_is_an_error(assistant):
    with pytest.raises(QAError, match="QA_LLM_BASE_URL"):
        assistant.ask(ANSWERABLE, mode="generated")
    with pytest.raises(QAError, match="mode"):
        assistant.ask(ANSWERABLE, mode="poetic")


def test_streaming_yields_the_draft_then_the_verified_answer(generating, fake):
    fake.script(citing("Blinken", "{sentence} [{n}] An unsupported aside about penguins [1]."))
    events = list(generating.ask_stream(ANSWERABLE))
    *tokens, answer = events
    assert len(tokens) > 5 and all(isinstance(t, str) for t in tokens)
    assert "penguins" in "".join(tokens)
    assert isinstance(answer, Answer) and answer.mode == "generated" and "penguins" not in answer.answer
    assert "generate" in answer.timings_ms and answer.timings_ms["total"] >= answer.timings_ms["generate"]


def test_an_llm_that_hangs_times_out_into_the_extractive_answer(seeds_settings, fake):
    slow = with_llm(seeds_settings, fake, llm_timeout=1)
    fake.script(Reply("", hang=True), Reply("Ilham Aliyev spoke", hang=True))
    for _ in range(2):  # hangs before answering, then stalls halfway through streaming
        started = time.monotonic()
        answer = slow.ask(ANSWERABLE)
        assert time.monotonic() - started < 8
        assert answer.mode == "extractive" and answer.fallback == "the LLM did not answer within 1 s"
        assert not answer.abstained and "Blinken" in answer.answer


def test_a_dead_llm_server_falls_back(seeds_settings):
    dead = Assistant(seeds_settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "m"}))
    answer = dead.ask(ANSWERABLE)
    assert answer.mode == "extractive" and "cannot be reached" in answer.fallback and "Blinken" in answer.answer


def test_a_follow_up_is_condensed_by_the_llm(generating, fake):
    history = [
        ChatMessage(role="user", content="Who is the president of Azerbaijan?"),
        ChatMessage(role="assistant", content="Ilham Aliyev [1]."),
    ]
    fake.script("Who did Ilham Aliyev speak with by phone?", citing("Blinken"))
    answer = generating.ask("Who did he call?", history=history)
    assert answer.question == "Who did he call?" and answer.question_used == ANSWERABLE
    condensing, answering = fake.requests
    conversation = condensing.body["messages"][1]["content"]
    assert "<conversation>\nUser: Who is the president of Azerbaijan?\nAssistant: Ilham Aliyev [1].\n</conversation>" in conversation
    assert "Last question: Who did he call?" in conversation
    assert f"Question: {ANSWERABLE}" in answering.body["messages"][1]["content"]
    assert answer.mode == "generated" and "Blinken" in answer.answer and "condense" in answer.timings_ms


def test_a_failed_condensing_keeps_the_rewrite_and_waits_no_second_time(seeds_settings, fake):
    slow = with_llm(seeds_settings, fake, llm_timeout=1)
    fake.script(Reply("", hang=True))
    history = [ChatMessage(role="user", content="What did Ilham Aliyev say in his phone call?")]
    answer = slow.ask("And who was it with?", history=history)
    assert len(fake.requests) == 1  # no answering request after the failed condensing
    assert answer.mode == "extractive" and "within 1 s" in answer.fallback
    assert "Aliyev" in answer.question_used  # the deterministic rewrite


def test_ollama_native_api(seeds_settings, fake):
    ollama = Assistant(seeds_settings.model_copy(update={"llm_provider": "ollama", "llm_base_url": fake.url, "llm_model": "llama3.2"}))
    fake.script(citing("Blinken"))
    answer = ollama.ask(ANSWERABLE)
    (request,) = fake.requests
    assert request.path == "/api/chat"
    assert request.body["model"] == "llama3.2" and request.body["stream"] is True
    assert request.body["options"] == {"temperature": 0.0, "num_ctx": 8192, "num_predict": 512}
    assert [m["role"] for m in request.body["messages"]] == ["system", "user"]
    assert answer.mode == "generated" and "Blinken" in answer.answer and answer.citations[0].verified


def test_cli_ask_generated_json_and_the_fallback_warning(seeds_settings, fake):
    env = {"QA_LLM_BASE_URL": f"{fake.url}/v1", "QA_LLM_MODEL": "fake-model", "QA_LLM_TIMEOUT": "1"}
    fake.script(citing("Blinken"), Reply("", hang=True))
    result = run_qa("ask", "--json", ANSWERABLE, ANSWERABLE, index_dir=seeds_settings.index_dir, env=env)
    assert result.returncode == 0, result.stderr
    generated, fallen_back = (json.loads(line) for line in result.stdout.splitlines())
    assert generated["mode"] == "generated" and generated["fallback"] is None and generated["citations"][0]["verified"]
    assert fallen_back["mode"] == "extractive" and fallen_back["fallback"]
    assert "qa: warning: the LLM did not answer within 1 s" in result.stderr

    result = run_qa("ask", "--mode", "extractive", ANSWERABLE, index_dir=seeds_settings.index_dir, env=env)
    assert result.returncode == 0 and "Blinken" in result.stdout and len(fake.requests) == 2


def test_cli_generated_mode_without_an_llm_is_one_line_error(seeds_settings):
    result = run_qa("ask", "--mode", "generated", ANSWERABLE, index_dir=seeds_settings.index_dir)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "qa: error: generated answers need an LLM: set QA_LLM_BASE_URL and QA_LLM_MODEL "
        "(or QA_LLM_PROVIDER=ollama and QA_LLM_MODEL)"
    ]
