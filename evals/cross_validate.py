"""Estimate how the extractive answerer does on questions it was not fitted on, from the dev split alone.

    .venv/bin/python evals/cross_validate.py [--folds 5] [--repeats 4] [--show]
    .venv/bin/python evals/cross_validate.py --docs DIR --questions FILE [--split dev|test|all]   # your own set

Fitting on every dev question and scoring the same questions says little (the models have seen every
answer). Here the dev questions are split into folds, stratified by answerable/unanswerable; each
fold is answered by a calibration fitted (`qa.evaluation.calibrate.fit`) on the other folds, and
the splitting is repeated with other seeds. The figures are the three `qa eval` reports
(answer correctness, unanswerable refused, answerable wrongly refused), averaged over repeats, plus
`selected_right` (correct if nothing were refused: how good the sentence choice alone is) and
`balanced` (the mean of correctness and refusals, one number to compare changes by).
`--fresh FILE` instead fits on every dev question and scores the questions of FILE (new questions
nobody has tuned on); `--pool FILE` cross-validates over the dev questions and those of FILE together
(more questions, so less noise when comparing two answerers; the shipped calibration still sees dev only);
`--also DIR` pools a set with documents of its own (`evals/paraphrase`: DIR/docs and DIR/questions.jsonl), so
that a change is judged on more than one corpus, and reports each corpus's figures as well.
This is how changes to the answerer are compared: the test split is never looked at.
`--show` lists the held-out questions handled wrong in the first repeat.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.assistant import Assistant  # noqa: E402
from qa.evaluation.calibrate import collect, fit  # noqa: E402
from qa.evaluation.evalset import QUESTIONS_FILE, load_questions  # noqa: E402
from qa.evaluation.runner import SEEDS_DIR, eval_index_dir, index_documents  # noqa: E402
from qa.settings import Settings  # noqa: E402


def folds_of(examples, k: int, seed: int) -> list[list]:
    """k folds, answerable and unanswerable questions dealt out separately so each fold has both."""
    rng = random.Random(seed)
    folds: list[list] = [[] for _ in range(k)]
    for answerable in (True, False):
        group = [e for e in examples if e.question.answerable == answerable]
        rng.shuffle(group)
        for n, example in enumerate(group):
            folds[n % k].append(example)
    return folds


def fitted_on(train, scored) -> list[tuple]:
    """(example, its answer's sentences or [] when refused, the sentences selected before the refusal check)
    for every scored example, under a fit on `train`."""
    calibration = fit(train)
    outcomes = []
    for example in scored:
        example.rescore(calibration)
        chosen = example.selected()
        outcomes.append((example, example.answered(chosen), chosen))
    return outcomes


def held_out(examples, k: int, seed: int) -> list[tuple]:
    """Every example answered by a fit on the folds without it."""
    folds = folds_of(examples, k, seed)
    return [
        outcome
        for n, fold in enumerate(folds)
        for outcome in fitted_on([e for m, other in enumerate(folds) if m != n for e in other], fold)
    ]


def figures(outcomes) -> dict[str, float]:
    answerable = [(e, c) for e, c, _ in outcomes if e.question.answerable]
    unanswerable = [(e, c) for e, c, _ in outcomes if not e.question.answerable]
    correct = sum(e.right(c) for e, c in answerable) / len(answerable)
    refused = sum(not c for _, c in unanswerable) / len(unanswerable)
    return {
        "selected_right": sum(e.right(c) for e, _, c in outcomes if e.question.answerable) / len(answerable),
        "answer_correctness": correct,
        "unanswerable_refused": refused,
        "answerable_refused": sum(not c for _, c in answerable) / len(answerable),
        "balanced": (correct + refused) / 2,  # one number to compare changes by
    }


def quiet(*_) -> None:
    """No progress shown."""


def indexed(docs: Path, index_dir: Path | None = None) -> Assistant:
    """An assistant whose index holds exactly `docs` (by default `qa eval`'s own index of that folder)."""
    assistant = Assistant(Settings(index_dir=index_dir or eval_index_dir(docs)))
    index_documents(assistant, docs)
    return assistant


def own_corpus(folder: Path) -> list:
    """The examples of a set with documents of its own (`evals/paraphrase/`), read from its own index."""
    return collect(indexed(folder / "docs"), load_questions(folder / "questions.jsonl"), quiet)


def report(runs: list[list[tuple]]) -> None:
    scores = [figures(outcomes) for outcomes in runs]
    for name in scores[0]:
        values = [s[name] for s in scores]
        print(f"  {name:22s} {sum(values) / len(values):.3f}  (runs: {', '.join(f'{v:.2f}' for v in values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--index-dir", type=Path, help="index of --docs (default: qa eval's own, one per folder)")
    parser.add_argument("--docs", type=Path, default=SEEDS_DIR, help="documents the questions are about (default: seeds/)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS_FILE, help="the evaluation set (default: the seeds')")
    parser.add_argument("--split", default="dev", help="its questions to cross-validate over: dev (default), test or all")
    parser.add_argument("--fresh", type=Path, help="instead: fit on all dev questions, score the questions of this file")
    parser.add_argument("--pool", type=Path, help="cross-validate over the dev questions and the questions of this file")
    parser.add_argument(
        "--also", type=Path, action="append", default=[],
        help="pool a set with documents of its own too: a folder holding docs/ and questions.jsonl (all its questions)",
    )
    parser.add_argument("--show", action="store_true", help="list the held-out failures of the first repeat")
    args = parser.parse_args()

    assistant = indexed(args.docs, args.index_dir)
    questions = load_questions(args.questions, args.split) + (load_questions(args.pool) if args.pool else [])
    examples = collect(assistant, questions, quiet)
    corpora = {args.docs.name: examples}
    for folder in args.also:
        corpora[folder.name] = own_corpus(folder)
        examples = examples + corpora[folder.name]
    if args.fresh:
        fresh = collect(assistant, load_questions(args.fresh), quiet)
        runs = [fitted_on(examples, fresh)]
        corpora = {}  # one set scored: nothing to break down
        print(f"fitted on {len(examples)} dev questions, scored on {len(fresh)} of {args.fresh}")
    else:
        runs = [held_out(examples, args.folds, seed) for seed in range(args.repeats)]
        pooled = "".join(f" + {other}" for other in [args.pool, *args.also] if other)
        print(f"{args.split} split of {args.questions}{pooled}, {len(examples)} questions, {args.folds}-fold cross-validation x {args.repeats}")
    report(runs)
    if len(corpora) > 1:  # each corpus's share of the held-out answers
        for name, own in corpora.items():
            print(f"{name} ({len(own)} questions):")
            ids = {id(example) for example in own}
            report([[outcome for outcome in outcomes if id(outcome[0]) in ids] for outcomes in runs])
    if args.show:
        for example, chosen, _ in runs[0]:
            q = example.question
            if example.handled(chosen):
                continue
            verdict = "refused" if not chosen else "answered" if not q.answerable else "wrong"
            said = " | ".join(c.text[:110] for c in chosen)
            print(f"- {q.id} [{verdict}] {q.question}\n    terms {q.answer_terms}: {said}")


if __name__ == "__main__":
    main()
