"""Fit the extractive answerer on the dev split: `qa eval --calibrate --split dev`.

1. Sentence model: L2-regularised logistic regression (weights of fixed sign) of "this candidate sentence overlaps a
   gold quote" on the sentence features, over every candidate of the answerable questions.
2. Answerability model: logistic regression of "the selected sentences answer right" (an answerable question
   whose quotes hold its answer terms) on the question features, over the dev questions the answerer could
   answer at all; the refusal threshold is the confidence with the best balanced accuracy on answerable vs
   unanswerable (the middle of the best interval).
3. Selection: the (runner-up share, part floor) pair with the most dev questions handled right, fewest
   sentences breaking ties.
Only dev questions are ever used: the test split stays unseen until it is measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from qa.answering import QUESTION_FEATURES, SENTENCE_FEATURES, Calibration, Candidate, ExtractiveAnswerer
from qa.assistant import normalise_question
from qa.errors import QAError
from qa.evaluation.evalset import EvalQuestion, gold_spans
from qa.question import Question

# L2 penalties on the weights: light for the sentence model (thousands of candidate sentences),
# heavier for the answerability model (one row per dev question).
SENTENCE_PENALTY = 0.1
QUESTION_PENALTY = 1.0
RUNNER_UPS = (0.3, 0.5, 0.7, 0.9, 1.0)
PART_FLOORS = (0.05, 0.1, 0.2, 0.3, 0.5)
DENSE_MARGIN = 0.15  # the closeness floor sits this far below the least close correct dev answer


@dataclass
class Example:
    question: EvalQuestion
    read: Question
    candidates: list[Candidate]
    gold_rows: set[int]  # candidate sentences overlapping a gold quote
    answerer: ExtractiveAnswerer  # the answerer of the index the question is about (examples may span corpora)

    def rescore(self, calibration: Calibration) -> None:
        """Give the example's answerer `calibration` and score the candidates under it (best first)."""
        self.answerer.calibration = calibration
        self.answerer.score(self.read, self.candidates)

    def selected(self) -> list[Candidate]:
        return self.answerer.select(self.read, self.candidates)

    def answered(self, chosen: list[Candidate]) -> list[Candidate]:
        """The selected sentences `chosen` as the answer quotes them under the answerer's calibration: [] when it
        refuses them."""
        return [] if self.answerer.refuses(self.read, self.candidates, chosen) else chosen

    def right(self, chosen: list[Candidate]) -> bool:
        """Whether quoting `chosen` answers the question right: the quotes hold every answer term of an answerable one."""
        return self.question.answerable and bool(chosen) and holds_terms(self.question, self.answerer, chosen)

    def handled(self, chosen: list[Candidate]) -> bool:
        """Whether answering with `chosen` ([] for a refusal) handles the question right: an answerable one answered
        right, an unanswerable one refused."""
        return self.right(chosen) if self.question.answerable else not chosen


def _overlaps(sentence, spans: list[tuple[str, int, int]]) -> bool:
    return any(s == sentence.source and min(sentence.end, e) - max(sentence.start, b) > 0 for s, b, e in spans)


def collect(assistant, questions: list[EvalQuestion], progress: Callable[[str, int, int], None]) -> list[Example]:
    """Candidates (with features) of every question, retrieved exactly as `Assistant.ask` retrieves them."""
    index = assistant.index
    answerer = ExtractiveAnswerer(index, Calibration(), embed=assistant.embed)
    documents = index.documents
    examples = []
    for n, question in enumerate(questions):
        progress("features", n, len(questions))
        spans = gold_spans(question, lambda source: documents[source].text)
        text = normalise_question(question.question)  # as ask reads it, for retrieval and answering alike
        vector, passages = assistant.retrieve(index, text)
        read, candidates, _ = answerer.prepare(text, vector, passages)
        gold = {c.row for c in candidates if _overlaps(index.sentences[c.row], spans)}
        examples.append(Example(question, read, candidates, gold, answerer))
    progress("features", len(questions), len(questions))
    return examples


def logistic_regression(x: np.ndarray, y: np.ndarray, signs: list[int], penalty: float = 1.0) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression whose weights keep the given signs (+1: >= 0, -1: <= 0).

    The signs say which way a feature can move the answer (more question words covered can never
    make a sentence less likely to answer); keeping them makes the fit safe on questions unlike the
    dev split's, such as ones about something else entirely.
    """
    from scipy.optimize import minimize

    y = y.astype(float)

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = params[:-1], params[-1]
        z = x @ weights + bias
        p = 1.0 / (1.0 + np.exp(-z))
        value = np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * penalty * weights @ weights
        gradient = np.append(x.T @ (p - y) + penalty * weights, np.sum(p - y))
        return value, gradient

    bounds = [(0.0, None) if sign > 0 else (None, 0.0) for sign in signs] + [(None, None)]
    found = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, bounds=bounds, method="L-BFGS-B")
    return found.x[:-1], float(found.x[-1])


def best_threshold(confidences: list[float], answerable: list[bool]) -> float:
    """The refusal threshold with the best balanced accuracy (share of answerable questions answered plus share of
    unanswerable ones refused: the two rates `qa eval` reports, whatever the mix of the set); the middle of the best
    run of cut points. A question the answerer cannot answer at all has confidence 0: it is refused at every cut, but
    still counts in its group's rate."""
    points = sorted(set(confidences))
    cuts = [points[0]] * (points[0] > 0) + [(a + b) / 2 for a, b in zip(points, points[1:])] + [1.0]
    n_yes = max(1, sum(answerable))
    n_no = max(1, len(answerable) - sum(answerable))
    scores = [
        sum(c >= cut for c, ok in zip(confidences, answerable) if ok) / n_yes
        + sum(c < cut for c, ok in zip(confidences, answerable) if not ok) / n_no
        for cut in cuts
    ]
    top = max(scores)
    best = [cut for cut, score in zip(cuts, scores) if score == top]
    return round(best[len(best) // 2], 4)


def fit_calibration(
    assistant, questions: list[EvalQuestion], progress: Callable[[str, int, int], None], source: Path | None = None
) -> Calibration:
    """Fit on the dev questions; `source`, the file of your own set (None: the bundled one), is named in `fitted_on`."""
    if any(q.split != "dev" for q in questions):
        raise QAError("calibration must only see dev questions")
    examples = collect(assistant, questions, progress)
    progress("fitting", 0, 1)
    calibration = fit(examples)
    of = "" if source is None else f" of {source}"
    calibration.fitted_on = f"dev split{of}, {len(questions)} questions"
    progress("fitting", 1, 1)
    return calibration


def fit(examples: list[Example]) -> Calibration:
    """Fit every model and setting on `examples` (of one corpus or several); their answerers take the fit."""
    rows = [(c.features, c.row in e.gold_rows) for e in examples if e.question.answerable for c in e.candidates]
    if not any(label for _, label in rows):
        raise QAError("no candidate sentence overlaps a gold quote: cannot fit the sentence model")
    x = np.array([[f[name] for name in SENTENCE_FEATURES] for f, _ in rows])
    coef, bias = logistic_regression(
        x, np.array([label for _, label in rows]), list(SENTENCE_FEATURES.values()), SENTENCE_PENALTY
    )
    calibration = Calibration(weights=dict(zip(SENTENCE_FEATURES, np.round(coef, 4).tolist())), bias=round(bias, 4))
    for example in examples:
        example.rescore(calibration)

    best = None
    for runner_up in RUNNER_UPS:
        for floor in PART_FLOORS:
            calibration.runner_up, calibration.part_floor = runner_up, floor
            fit_answerability(calibration, examples)
            score = _dev_score(examples)
            if best is None or score > best[0]:
                best = (score, runner_up, floor)
    calibration.runner_up, calibration.part_floor = best[1], best[2]
    fit_answerability(calibration, examples)
    return calibration


def fit_answerability(calibration: Calibration, examples: list[Example]) -> None:
    """Fit the closeness floor, the answerability model and the refusal threshold of `calibration` (the examples'
    answerers' own) on what the answerers now select."""
    selected = [(e, e.selected()) for e in examples]
    closeness = [max(c.features["dense"] for c in chosen) for e, chosen in selected if e.right(chosen)]
    calibration.min_dense = round(min(closeness) - DENSE_MARGIN, 4) if closeness else 0.0
    # None where the answerer cannot answer at all (it refuses whatever the model says)
    features = [
        e.answerer.question_features(e.read, e.candidates, chosen) if e.answerer.admissible(e.read, chosen) else None
        for e, chosen in selected
    ]
    usable = [(e, chosen, f) for (e, chosen), f in zip(selected, features) if f is not None]
    # the model learns whether the selected sentences answer right (a wrong quote is better refused)
    right = [e.right(chosen) for e, chosen, _ in usable]
    x = np.array([[f[n] for n in QUESTION_FEATURES] for _, _, f in usable])
    coef, bias = logistic_regression(x, np.array(right), list(QUESTION_FEATURES.values()), QUESTION_PENALTY)
    calibration.answer_weights = dict(zip(QUESTION_FEATURES, np.round(coef, 4).tolist()))
    calibration.answer_bias = round(bias, 4)
    confidences = [0.0 if f is None else calibration.confidence(f) for f in features]  # as `answerer.confidence`
    calibration.threshold = best_threshold(confidences, [e.question.answerable for e, _ in selected])


def holds_terms(question: EvalQuestion, answerer: ExtractiveAnswerer, chosen: list[Candidate]) -> bool:
    """Whether the sentences quoted for the chosen ones hold every answer term (what `qa eval` counts as correct)."""
    return not question.missing_terms(" ".join(answerer.index.sentence_text(row) for row in answerer.quotes(chosen)))


def _dev_score(examples: list[Example]) -> tuple[int, int]:
    """Questions handled right (answered with every answer term, or rightly refused); fewer sentences break ties."""
    right, sentences = 0, 0
    for example in examples:
        chosen = example.answered(example.selected())
        right += example.handled(chosen)
        sentences += len(chosen)
    return right, -sentences
