"""`qa eval`: ask every question of a split, score the answers, add ragas metrics, build the report."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from qa.answering import CALIBRATION_FILE
from qa.errors import QAError
from qa.evaluation.evalset import EVALS_DIR, QUESTIONS_FILE, EvalQuestion, load_questions
from qa.evaluation.gate import EXAMPLE, THRESHOLDS_FILE, failures, load_thresholds
from qa.evaluation.ragas_metrics import judge_configured, judge_scores, non_llm_scores
from qa.evaluation.report import EvalReport, mean_scores, render_markdown, render_summary
from qa.evaluation.scoring import score_question, summarise

SEEDS_DIR = EVALS_DIR.parent / "seeds"
EVAL_INDEX_DIR = Path(".qa/eval-index")  # `qa eval` keeps the seeds apart from the index of your own documents

Progress = Callable[[str, int, int], None]


def eval_index_dir(documents_dir: Path) -> Path:
    """Where `qa eval` indexes a folder by default: one index per folder, so switching folders re-embeds nothing."""
    folder = documents_dir.resolve()
    if folder == SEEDS_DIR.resolve():
        return EVAL_INDEX_DIR
    return EVAL_INDEX_DIR.with_name(f"eval-index-{hashlib.sha1(str(folder).encode()).hexdigest()[:10]}")


def index_documents(assistant, documents_dir: Path = SEEDS_DIR, progress: Progress | None = None) -> None:
    """Make the assistant's index hold exactly the documents the questions are about (unchanged files are not
    embedded again; a missing folder is reported by the index, as for `qa index`)."""
    assistant.index_paths([documents_dir], progress)


def check_gold_sources(questions: list[EvalQuestion], documents: dict, documents_dir: Path) -> None:
    """A gold quote's source must be an indexed document: say which are not, rather than fail mid-run."""
    missing = sorted({(q.id, g.source) for q in questions for g in q.gold if g.source not in documents})
    if missing:
        listed = ", ".join(f"{source} ({qid})" for qid, source in missing[:3]) + (" …" if len(missing) > 3 else "")
        raise QAError(f"{len(missing)} gold quote source(s) are not documents of {documents_dir}: {listed}")


def run_evaluation(
    assistant,
    questions: list[EvalQuestion],
    split: str,
    progress: Progress = lambda stage, done, total: None,
    mode: str | None = None,
) -> EvalReport:
    mode = assistant.answer_mode(mode)
    documents = assistant.index.documents

    def text_of(source: str) -> str:
        return documents[source].text

    results = []
    for n, question in enumerate(questions):
        progress("asking", n, len(questions))
        results.append(score_question(question, assistant.ask(question.question, mode=mode), text_of))
    progress("asking", len(questions), len(questions))

    progress("ragas", 0, 1)
    non_llm_scores(results)
    progress("ragas", 1, 1)
    settings = assistant.settings
    if judge_configured(settings):
        done = iter(range(1, len(results) + 1))
        judge_scores(results, settings, assistant.embedder.embed, lambda: progress("judge", next(done), len(results)))

    metrics = {**summarise(results), **mean_scores(results)}
    if mode == "generated":
        metrics["llm_fallbacks"] = round(sum(r.fallback is not None for r in results) / len(results), 4)
    return EvalReport(
        split=split,
        mode=mode,
        questions=len(results),
        answerable=sum(r.answerable for r in results),
        unanswerable=sum(not r.answerable for r in results),
        calibration=assistant.answerer.calibration.fitted_on,
        judge=settings.judge_model if judge_configured(settings) else None,
        metrics=metrics,
        results=results,
    )


@dataclass
class EvalOutcome:
    report: EvalReport
    summary: str
    failures: list[str]  # gate failures, one line each (empty when not gating or all met)


def run_cli(
    assistant,
    split: str,
    progress: Progress,
    questions_file: Path | None = None,
    calibrate: bool = False,
    json_file: Path | None = None,
    markdown_file: Path | None = None,
    gate: bool = False,
    mode: str | None = None,
    documents_dir: Path = SEEDS_DIR,
    thresholds_file: Path | None = None,
) -> EvalOutcome:
    """Everything `qa eval` does: index the documents (the seeds by default) if needed, (re)calibrate, evaluate,
    write reports, gate (on `thresholds_file`, default the seeds' `evals/thresholds.json`)."""
    path = questions_file or QUESTIONS_FILE
    target = assistant.settings.calibration_file or CALIBRATION_FILE  # where --calibrate writes
    own_set = path.resolve() != QUESTIONS_FILE.resolve() or documents_dir.resolve() != SEEDS_DIR.resolve()
    gate = gate or thresholds_file is not None
    if gate and own_set and thresholds_file is None:
        raise QAError(
            f"--gate on your own questions or documents needs --thresholds FILE: {THRESHOLDS_FILE} holds the "
            f"seeds' figures, e.g. {EXAMPLE}"
        )
    thresholds = load_thresholds(thresholds_file or THRESHOLDS_FILE) if gate else {}  # a broken file fails before the run
    if calibrate and assistant.settings.calibration_file is None and own_set:
        raise QAError(
            "--calibrate on your own questions or documents would overwrite the bundled calibration "
            f"({CALIBRATION_FILE}, fitted on the seeds): set QA_CALIBRATION_FILE to the file to write, "
            "and keep it set for qa ask, qa chat and qa serve"
        )
    questions = load_questions(path, split)
    if not questions:
        raise QAError(f"no {split} questions in {path}")
    index_documents(assistant, documents_dir, progress)
    check_gold_sources(questions, assistant.index.documents, documents_dir)
    if calibrate:
        from qa.evaluation.calibrate import fit_calibration

        fit_calibration(assistant, questions, progress, path if own_set else None).save(target)
        assistant = type(assistant)(assistant.settings)  # a fresh answerer reads the new calibration
    report = run_evaluation(assistant, questions, split, progress, mode)
    failed = failures(report.metrics, thresholds)  # none when not gating: no thresholds
    if json_file:
        _write(json_file, report.model_dump_json(indent=2))
    if markdown_file:
        _write(markdown_file, render_markdown(report, failed if gate else None))
    return EvalOutcome(report, render_summary(report), failed)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
