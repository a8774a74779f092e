"""`qa eval`: scoring, reports, the gate and calibration, on the real seed index (real MiniLM, real Chroma).

The full runs over the dev and test splits are `make test`'s gate (`qa eval --split test --gate`);
these tests use a few questions so that they stay quick.
"""

import json

import numpy as np
import pytest

from qa.errors import QAError
from qa.evaluation.calibrate import best_threshold, fit_calibration, logistic_regression
from qa.evaluation.evalset import EvalQuestion, load_questions
from qa.evaluation.gate import failures, load_thresholds
from qa.evaluation.scoring import CORRECT, INCOMPLETE, NOT_REFUSED, REFUSED, WRONGLY_REFUSED, gold_rank, summarise, verdict_of
from qa.types import Answer, Passage
from tests.conftest import run_qa

BLINKEN = {
    "id": "t1", "question": "Who did Ilham Aliyev speak with by phone?", "reference": "Antony Blinken.",
    "answer_terms": ["Blinken"], "kind": "person", "split": "dev",
    "gold": [{"source": "000_9e15d06241d5e33a.txt", "quote": "president Ilham Aliyev said in a phone call with US Secretary of State Antony Blinken."}],
}
MERCURY = {
    "id": "t2", "question": "What is the boiling point of mercury?", "reference": "The documents do not say.",
    "kind": "unanswerable", "split": "dev", "absent_terms": ["mercury"],
}


def question(**fields) -> EvalQuestion:
    return EvalQuestion.model_validate({**BLINKEN, **fields})


def reply(text: str, abstained: bool = False, passages: list[Passage] = ()) -> Answer:
    return Answer(question="q", answer=text, abstained=abstained, passages=list(passages))


def test_verdicts():
    assert verdict_of(question(), reply("... Antony Blinken. [1]")) == (CORRECT, [])
    assert verdict_of(question(answer_terms=["Blinken", "Tuesday"]), reply("Blinken [1]")) == (INCOMPLETE, ["Tuesday"])
    assert verdict_of(question(), reply("refused", abstained=True))[0] == WRONGLY_REFUSED
    unanswerable = EvalQuestion.model_validate(MERCURY)
    assert verdict_of(unanswerable, reply("refused", abstained=True))[0] == REFUSED
    assert verdict_of(unanswerable, reply("Something [1]"))[0] == NOT_REFUSED


def test_gold_rank_is_the_first_passage_holding_most_of_a_gold_quote():
    def passage(source, start, end):
        return Passage(chunk_id=f"{source}#{start}", source=source, start=start, end=end, text="x")

    spans = [("a.txt", 100, 200)]
    answer = reply("x", passages=[passage("b.txt", 100, 200), passage("a.txt", 0, 120), passage("a.txt", 90, 400)])
    assert gold_rank(answer, spans) == 3  # the second passage holds only a fifth of the quote
    assert gold_rank(reply("x", passages=[passage("b.txt", 0, 999)]), spans) is None


def test_gate_lists_every_metric_off_its_threshold():
    thresholds = {"answer_correctness": {"min": 0.8}, "answerable_refused": {"max": 0.1}, "citation_validity": {"min": 1.0}}
    assert failures({"answer_correctness": 0.9, "answerable_refused": 0.05, "citation_validity": 1.0}, thresholds) == []
    failed = failures({"answer_correctness": 0.7, "answerable_refused": 0.2, "citation_validity": None}, thresholds)
    assert [line.split()[0] for line in failed] == ["answer_correctness", "answerable_refused", "citation_validity:"]


def test_committed_thresholds_hold_citation_validity_and_support_at_one():
    thresholds = load_thresholds()
    assert thresholds["citation_validity"] == {"min": 1.0}
    assert thresholds["supported_sentences"] == {"min": 1.0}
    for name in ("answer_correctness", "unanswerable_refused", "answerable_refused", "retrieval_hit_at_5"):
        assert name in thresholds


def test_logistic_regression_keeps_the_signs_it_is_given():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] - x[:, 1] + rng.normal(scale=0.5, size=400)) > 0
    free, _ = logistic_regression(x, y, [1, -1])
    assert free[0] > 1 and free[1] < -1  # the data agree with the signs: both weights are used
    forced, _ = logistic_regression(x, y, [1, 1])
    assert forced[0] > 1 and forced[1] == 0.0  # the second would have to be negative: it is held at 0


def test_threshold_is_the_middle_of_the_best_cut():
    assert best_threshold([0.1, 0.2, 0.8, 0.9], [False, False, True, True]) == 0.5
    assert best_threshold([0.1, 0.6, 0.7, 0.9], [False, True, False, True]) in (0.35, 0.8)


def test_threshold_counts_questions_that_cannot_be_answered_in_their_group():
    confidences, answerable = [0.3, 0.4, 0.5, 0.9], [False, True, False, True]
    assert best_threshold(confidences, answerable) == 0.7
    # Two more unanswerable questions the answerer cannot answer at all (confidence 0) are refused at any cut.
    # Counted in the refused rate, each refusal at 0.3 or 0.5 is worth less: answering the one at 0.4 now wins.
    assert best_threshold([0.0, 0.0] + confidences, [False, False] + answerable) == 0.35


def test_calibration_refuses_to_see_test_questions(assistant):
    with pytest.raises(QAError, match="dev"):
        fit_calibration(assistant, load_questions(split="test")[:2], lambda *_: None)


def test_summary_on_a_handful_of_answers():
    from qa.evaluation.scoring import QuestionResult, SentenceResult

    def result(kind, verdict, abstained=False, rank=None, supported=True):
        sentences = [] if abstained else [SentenceResult(text="s", citations=[1], support=1.0 if supported else 0.2, supported=supported)]
        return QuestionResult(
            id="x", kind=kind, split="dev", question="q", reference="r", answer_terms=[], answer="a",
            abstained=abstained, citations=[], verdict=verdict, gold_rank=rank, sentences=sentences,
        )

    metrics = summarise([
        result("fact", CORRECT, rank=1),
        result("fact", INCOMPLETE, rank=3, supported=False),
        result("fact", WRONGLY_REFUSED, abstained=True),
        result("unanswerable", REFUSED, abstained=True),
    ])
    assert metrics["answer_correctness"] == round(1 / 3, 4)
    assert metrics["answerable_refused"] == round(1 / 3, 4)
    assert metrics["unanswerable_refused"] == 1.0
    assert metrics["retrieval_hit_at_1"] == round(1 / 3, 4) and metrics["retrieval_hit_at_5"] == round(2 / 3, 4)
    assert metrics["retrieval_mrr"] == round((1 + 1 / 3) / 3, 4)
    assert metrics["supported_sentences"] == 0.5
    assert metrics["citation_validity"] == 1.0  # no citation at all: nothing invalid


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory):
    path = tmp_path_factory.mktemp("evalset") / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in (BLINKEN, MERCURY)))
    return path


def test_cli_writes_json_and_markdown_reports(seeds_settings, tiny_set, tmp_path):
    done = run_qa(
        "eval", "--split", "dev", "--questions", str(tiny_set), "--mode", "extractive",
        "--json", str(tmp_path / "r.json"), "--markdown", str(tmp_path / "r.md"), "--index-dir", str(seeds_settings.index_dir),
    )
    assert done.returncode == 0, done.stderr
    assert "| answer_correctness |" in done.stdout  # the summary table

    report = json.loads((tmp_path / "r.json").read_text())
    assert report["questions"] == 2 and report["unanswerable"] == 1
    by_id = {r["id"]: r for r in report["results"]}
    assert by_id["t1"]["verdict"] == CORRECT and by_id["t1"]["gold_rank"] is not None
    assert by_id["t2"]["verdict"] == REFUSED
    assert report["metrics"]["citation_validity"] == 1.0 and report["metrics"]["supported_sentences"] == 1.0
    assert "ragas_non_llm_context_recall" in report["metrics"]

    markdown = (tmp_path / "r.md").read_text()
    assert markdown.index("| metric | value | meaning |") < markdown.index("| id | kind | question | answer | verdict |")
    assert "| t1 | person | Who did Ilham Aliyev speak with by phone? |" in markdown
    assert "000_9e15d06241d5e33a.txt" in markdown  # citations are listed


def test_cli_gates_your_own_set_on_your_own_thresholds(seeds_settings, tmp_path):
    only_unanswerable = tmp_path / "one.jsonl"
    only_unanswerable.write_text(json.dumps(MERCURY) + "\n")
    thresholds = tmp_path / "thresholds.json"

    def gate(*args: str):
        return run_qa(
            "eval", "--split", "dev", "--questions", str(only_unanswerable), "--mode", "extractive", *args,
            "--index-dir", str(seeds_settings.index_dir),
        )

    done = gate("--gate")
    assert done.returncode == 1 and "needs --thresholds FILE" in done.stderr, "the seeds' figures gated another set"

    thresholds.write_text(json.dumps({"unanswerable_refused": {"min": 1.0}, "citation_validity": {"min": 1.0}}))
    done = gate("--thresholds", str(thresholds))
    assert done.returncode == 0, done.stderr

    thresholds.write_text(json.dumps({"unanswerable_refused": {"min": 1.0}, "answer_correctness": {"min": 0.5}}))
    done = gate("--thresholds", str(thresholds))
    assert done.returncode == 1
    assert "qa: gate: answer_correctness: not measured" in done.stderr  # no answerable question in this set

    thresholds.write_text(json.dumps({"answer_correctness": 0.5}))
    done = gate("--thresholds", str(thresholds))
    assert done.returncode == 1 and "answer_correctness: 0.5 is not a bound like" in done.stderr
    assert "| answer_correctness |" not in done.stdout, "a broken gate file is reported before the run, not after"


def test_cli_evaluates_your_own_documents_and_questions(tmp_path):
    documents = tmp_path / "docs"
    documents.mkdir()
    (documents / "harbour.txt").write_text(
        "The Old Harbour\n\nThe old harbour of Pellmar was rebuilt in 1887 after a storm destroyed the pier. "
        "Its lighthouse keeper, Ada Varn, kept the lamp lit for forty-one years.\n"
    )
    (documents / "mill.txt").write_text("The Mill\n\nThe grain mill on the river Tolle grinds barley and rye for three villages.\n")
    questions = tmp_path / "mine.jsonl"
    keeper = {
        "id": "m1", "question": "Who looked after the lighthouse at Pellmar?", "reference": "Ada Varn.", "answer_terms": ["Ada Varn"],
        "kind": "person", "split": "test", "gold": [{"source": "harbour.txt", "quote": "Its lighthouse keeper, Ada Varn, kept the lamp lit for forty-one years."}],
    }
    questions.write_text(json.dumps(keeper) + "\n")
    done = run_qa(
        "eval", "--questions", str(questions), "--docs", str(documents), "--mode", "extractive",
        "--index-dir", str(tmp_path / "index"), "--json", str(tmp_path / "r.json"),
    )
    assert done.returncode == 0, done.stderr
    (result,) = json.loads((tmp_path / "r.json").read_text())["results"]
    assert result["gold_rank"] == 1 and result["verdict"] == CORRECT
    assert {c["source"] for c in result["citations"]} == {"harbour.txt"}

    # A gold quote from a file that is not among the documents is named before anything is asked.
    questions.write_text(json.dumps({**keeper, "gold": [{"source": "harbor.txt", "quote": "Ada Varn"}]}) + "\n")
    done = run_qa("eval", "--questions", str(questions), "--docs", str(documents), "--index-dir", str(tmp_path / "index"))
    assert done.returncode == 1
    assert done.stderr.strip() == f"qa: error: 1 gold quote source(s) are not documents of {documents}: harbor.txt (m1)"


def test_a_malformed_question_is_reported_by_line(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps(BLINKEN) + "\n\n" + json.dumps({**BLINKEN, "kind": "trivia"}) + "\n")
    with pytest.raises(QAError, match=r"mine.jsonl line 3: kind: Input should be 'fact', 'number'"):
        load_questions(path)


def test_cli_calibrates_on_dev_only(seeds_settings):
    done = run_qa("eval", "--split", "test", "--calibrate", "--index-dir", str(seeds_settings.index_dir))
    assert done.returncode == 1
    assert done.stderr.strip() == "qa: error: --calibrate fits on the dev split only: use --split dev"


def test_calibrating_on_your_own_questions_writes_your_file_and_answers_read_it(seeds_settings, tmp_path):
    """The bundled calibration is the seeds' own; a fit on other questions goes to QA_CALIBRATION_FILE, which
    `qa eval` and `qa ask` then read (a missing one is an error, not a silent fall-back)."""
    from qa.answering import CALIBRATION_FILE

    mine = tmp_path / "mine.jsonl"
    dev = load_questions(split="dev")[:40]
    mine.write_text("".join(q.model_dump_json(exclude_none=True) + "\n" for q in dev))
    bundled = CALIBRATION_FILE.read_bytes()
    index = seeds_settings.index_dir
    args = ("eval", "--questions", str(mine), "--split", "dev", "--calibrate", "--index-dir", str(index))

    done = run_qa(*args)
    assert done.returncode == 1
    assert "would overwrite the bundled calibration" in done.stderr and "QA_CALIBRATION_FILE" in done.stderr

    ours = tmp_path / "calibrations" / "mine.json"
    done = run_qa(*args, env={"QA_CALIBRATION_FILE": str(ours)})
    assert done.returncode == 0, done.stderr
    fitted = json.loads(ours.read_text())
    assert fitted["fitted_on"] == f"dev split of {mine}, 40 questions"
    assert f"answerer calibrated on: dev split of {mine}, 40 questions" in done.stdout
    assert CALIBRATION_FILE.read_bytes() == bundled

    question = "Who did Ilham Aliyev speak with by phone?"
    answered = json.loads(run_qa("ask", "--json", question, index_dir=index, env={"QA_CALIBRATION_FILE": str(ours)}).stdout)
    assert not answered["abstained"]
    ours.write_text(json.dumps({**fitted, "threshold": 1.01}))  # a calibration that refuses everything
    refused = json.loads(run_qa("ask", "--json", question, index_dir=index, env={"QA_CALIBRATION_FILE": str(ours)}).stdout)
    assert refused["abstained"]

    done = run_qa("ask", question, index_dir=index, env={"QA_CALIBRATION_FILE": str(tmp_path / "none.json")})
    assert done.returncode == 1
    assert "cannot read the calibration" in done.stderr and "none.json" in done.stderr
