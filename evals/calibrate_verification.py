"""Pick the thresholds that verify generated sentences (`LEXICAL_MIN`, `NEW_WORDS_MIN`, `SIMILARITY_MIN`).

    .venv/bin/python evals/calibrate_verification.py [--index-dir DIR]

prints the three numbers to copy into qa/verification.py, fitted on the dev split, and how they
do on the dev and the (unseen) test split. No LLM runs here, so stand-in claims play the
sentences an LLM would write:

  supported     "<question>: <reference answer>" cited with the retrieved passage that holds the
                gold quote: a paraphrase in other words than the passage, as an LLM writes it
  wrong passage the same claim cited with a retrieved passage that holds neither gold quote nor
                answer term (a citation that points at the wrong place)
  wrong answer  "<question>: <the reference of the next question>" cited with the gold passage,
                when that passage holds none of the other answer's terms (right place, wrong fact)
  invented      "<question>: <absent term>" for the unanswerable questions, cited with each of the
                two best passages (the plausible answer the documents never give)

Each claim gets the features `qa.verification.support` computes: the share of its content words
the cited passage holds, the same share over the words the question does not hold (the answer it
claims), the best cosine to one of the passage's sentences, and whether every number is there.
The thresholds are the grid point (steps of 0.05) with the best balanced accuracy, the mean of
the share of supported claims kept and the share of the others removed (ties: removing more), each
threshold then moved to the middle of the run of values that score as well.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.assistant import Assistant  # noqa: E402
from qa.evaluation.evalset import gold_spans, load_questions  # noqa: E402
from qa.generation import cited_passages  # noqa: E402
from qa.index import read_manifest  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.verification import CitedPassage, Support, support  # noqa: E402

GRID = np.round(np.arange(0.0, 1.0001, 0.05), 2)
Example = tuple[str, bool, Support]  # kind, supported, features


def claim(question: str, answer: str) -> str:
    return f"{question.rstrip(' ?')}: {answer}"


def holds_gold(passage, spans) -> bool:
    return any(passage.source == s and min(passage.end, e) > max(passage.start, b) for s, b, e in spans)


def mentions(passage, terms: list[str]) -> bool:
    return any(term.casefold() in passage.text.casefold() for term in terms)


def examples(assistant: Assistant, split: str) -> list[Example]:
    """Every claim built from the questions of `split`, with its features."""
    index = assistant.index
    questions = load_questions(split=split)
    answerable = [q for q in questions if q.answerable]
    found = []

    def add(kind: str, question: str, answer: str, passage: CitedPassage) -> None:
        text = claim(question, answer)
        found.append((kind, kind == "supported", support(text, assistant.embed([text])[0], [passage], question)))

    for question in questions:
        passages = assistant.search(question.question)
        cited = cited_passages(index, passages)
        if not question.answerable:
            for term in question.absent_terms:
                for number in list(cited)[:2]:
                    add("invented", question.question, term, cited[number])
            continue
        spans = gold_spans(question, lambda source: index.documents[source].text)
        other = answerable[(answerable.index(question) + 1) % len(answerable)]
        for number, passage in enumerate(passages, start=1):
            if holds_gold(passage, spans):
                add("supported", question.question, question.reference, cited[number])
                if not mentions(passage, other.answer_terms):
                    add("wrong answer", question.question, other.reference, cited[number])
            elif not mentions(passage, question.answer_terms):
                add("wrong passage", question.question, question.reference, cited[number])
    return found


class Claims:
    def __init__(self, found: list[Example]) -> None:
        self.kinds = np.array([kind for kind, _, _ in found])
        self.truth = np.array([supported for _, supported, _ in found])
        self.features = np.array([(f.lexical, f.new_words, f.similarity, f.numbers) for _, _, f in found], dtype=float)

    def kept(self, point: tuple[float, ...]) -> np.ndarray:
        return (self.features[:, 3] > 0) & np.all(self.features[:, :3] >= np.array(point), axis=1)

    def quality(self, point: tuple[float, ...]) -> tuple[float, float]:
        """Balanced accuracy, then the share of unsupported claims removed."""
        decision = self.kept(point)
        removed = (~decision[~self.truth]).mean()
        return (decision[self.truth].mean() + removed) / 2, removed

    def report(self, point: tuple[float, ...]) -> None:
        decision = self.kept(point)
        for kind in dict.fromkeys(self.kinds):
            rows = self.kinds == kind
            medians = " ".join(
                f"{name} {np.median(self.features[rows, n]):.2f}" for n, name in enumerate(("lexical", "new", "cosine"))
            )
            print(f"  {kind:<14} {rows.sum():>4} claims  kept {decision[rows].mean():6.1%}  medians: {medians}")


def centred(best: tuple[float, ...], quality) -> tuple[float, ...]:
    """Each threshold moved to the middle of the values that score as well with the others fixed (less edge-fitted)."""
    point = list(best)
    for n in range(len(point)):
        tied = [value for value in GRID if quality(tuple(point[:n] + [value] + point[n + 1 :])) == quality(best)]
        point[n] = float(tied[len(tied) // 2])
    return tuple(point)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=None, help="An index of seeds/ (default: a new one in a temp dir).")
    args = parser.parse_args()
    index_dir = args.index_dir or Path(tempfile.mkdtemp(prefix="qa-verify-"))
    assistant = Assistant(Settings(index_dir=index_dir))
    if read_manifest(index_dir) is None:
        assistant.index_paths([ROOT / "seeds"])

    dev, test = (Claims(examples(assistant, split)) for split in ("dev", "test"))
    best = centred(max(((a, b, c) for a in GRID for b in GRID for c in GRID), key=dev.quality), dev.quality)
    print("LEXICAL_MIN = {:.2f}\nNEW_WORDS_MIN = {:.2f}\nSIMILARITY_MIN = {:.2f}".format(*best))
    for name, claims in (("dev (fitted)", dev), ("test (unseen)", test)):
        print(f"\n{name}: balanced accuracy {claims.quality(best)[0]:.3f}")
        claims.report(best)


if __name__ == "__main__":
    main()
