"""WIRING TEST of the judge path of `qa eval`: ragas Faithfulness and ResponseRelevancy through an
OpenAI-compatible server.

No LLM weights exist on these machines, so the "judge" here is the deterministic fake server of
tests/llm_server.py on 127.0.0.1, answering ragas' JSON-mode (instructor) requests with a rule:
statements are the answer's sentences, a statement is supported when the context contains it
word for word, and the question a response answers is its first sentence. The scores prove that
requests go out, replies are parsed and numbers come back; they say nothing about answer quality
and are never reported as such.
"""

import json
import math

from qa.assistant import Assistant
from qa.evaluation.runner import run_cli
from qa.evaluation.scoring import QuestionResult
from tests.llm_server import ParsedRequest, Reply, fake, fake_llm  # noqa: F401 - fixtures
from qa.evaluation.ragas_metrics import judge_scores

CONTEXT = "Mr Blinken spoke with Ilham Aliyev by phone on Tuesday. The call was short."


def judged_input(request: ParsedRequest) -> dict:
    """The input object ragas put at the end of its prompt ("input: {...}\nOutput: ")."""
    prompt = request.content("user") or request.content("system")
    return json.loads(prompt.rsplit("input: ", 1)[1].rsplit("Output:", 1)[0])


def rule_judge(request: ParsedRequest) -> str:
    given = judged_input(request)
    if "statements" in given:  # faithfulness, step 2: is each statement in the context?
        context = given["context"].casefold()
        verdicts = [
            {"statement": s, "reason": "wiring rule: verbatim in the context", "verdict": int(s.casefold().rstrip(".") in context)}
            for s in given["statements"]
        ]
        return json.dumps({"statements": verdicts})
    if "answer" in given:  # faithfulness, step 1: the answer's statements
        return json.dumps({"statements": [s.strip() for s in given["answer"].split(". ") if s.strip()]})
    first = given["response"].split(". ")[0].rstrip(".")  # response relevancy: the question it answers
    return json.dumps({"question": f"Did {first}?", "noncommittal": 0})


def result(answer: str) -> QuestionResult:
    return QuestionResult(
        id="w1", kind="fact", split="dev", question="Who did Aliyev speak with by phone?", reference="Blinken",
        answer_terms=["Blinken"], answer=answer, abstained=False, citations=[], verdict="correct", contexts=[CONTEXT],
    )


def test_ragas_faithfulness_and_relevancy_run_end_to_end_through_the_judge(fake, assistant, seeds_settings):
    fake.script(*[Reply(rule_judge)] * 8)
    settings = seeds_settings.model_copy(
        update={"judge_base_url": f"{fake.url}/v1", "judge_model": "wiring-judge", "judge_api_key": "secret"}
    )
    answered = result("Mr Blinken spoke with Ilham Aliyev by phone on Tuesday. [1] The call lasted two hours. [1]")
    judge_scores([answered], settings, assistant.embed)

    assert answered.scores["faithfulness"] == 0.5  # one of the two statements is in the context
    assert -1.0 <= answered.scores["response_relevancy"] <= 1.0 and not math.isnan(answered.scores["response_relevancy"])
    assert len(fake.requests) == 2 + 3  # statements, verdicts; three questions for relevancy (ragas' default)
    for request in fake.requests:
        assert request.path == "/v1/chat/completions"
        assert request.body["model"] == "wiring-judge"
        assert request.body.get("response_format", {}).get("type") == "json_object"  # instructor's JSON mode
    statement_prompt = judged_input(fake.requests[0])
    assert statement_prompt["answer"].startswith("Mr Blinken spoke")  # markers stripped before judging
    assert "[1]" not in statement_prompt["answer"]


def test_qa_eval_reports_the_judge_metrics_when_a_judge_is_configured(fake, seeds_settings, tmp_path):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps({
            "id": "w1", "question": "Who did Ilham Aliyev speak with by phone?", "reference": "Antony Blinken.",
            "answer_terms": ["Blinken"], "kind": "person", "split": "dev",
            "gold": [{"source": "000_9e15d06241d5e33a.txt", "quote": "president Ilham Aliyev said in a phone call with US Secretary of State Antony Blinken."}],
        }) + "\n"
    )
    fake.script(*[Reply(rule_judge)] * 8)
    settings = seeds_settings.model_copy(update={"judge_base_url": f"{fake.url}/v1", "judge_model": "wiring-judge"})
    outcome = run_cli(Assistant(settings), "dev", lambda *_: None, questions_file=questions, mode="extractive")

    assert outcome.report.judge == "wiring-judge"
    assert "ragas_faithfulness" in outcome.report.metrics and "ragas_response_relevancy" in outcome.report.metrics
    assert "wiring-judge" in outcome.summary
    assert fake.requests, "the judge was never asked"
