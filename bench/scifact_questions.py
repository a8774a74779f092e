"""Out-of-domain check: `qa eval` on questions about SciFact abstracts, with the answerer calibrated on the seeds only.

    python -m bench.scifact_questions [--work .qa/bench]

`evals/scifact/questions.jsonl` holds 73 questions (50 answerable, 23 unanswerable but on-topic) about 30
abstracts of ../shared/benchmarks/scifact, written by a writer who never ran the answerer. The abstracts are
written out (title, blank line, text: as `make bench` writes them) and `qa eval` runs on them; the report goes
to reports/eval-scifact.md and .json. Nothing here is gated or fitted: it shows how the answerer carries over
to a corpus and a question writer it has never seen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.beir import write_corpus
from bench.measure import ROOT, SCIFACT
from qa.evaluation.evalset import load_questions

QUESTIONS = ROOT / "evals" / "scifact" / "questions.jsonl"


def write_documents(folder: Path) -> Path:
    """The abstracts the questions' gold quotes come from, as .txt files in `folder`."""
    corpus = SCIFACT / "corpus.jsonl"
    if not corpus.is_file():
        sys.exit(f"no SciFact corpus at {corpus}: the benchmarks folder (../shared) must sit beside the project")
    ids = {Path(g.source).stem for q in load_questions(QUESTIONS) for g in q.gold}
    return write_corpus(corpus, folder, ids=ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / ".qa" / "bench")
    args = parser.parse_args()
    from typer.main import get_command

    from qa.cli import app

    documents = write_documents(args.work / "scifact" / "docs-questions")
    reports = ROOT / "reports"
    get_command(app).main(
        [
            "eval", "--questions", str(QUESTIONS), "--docs", str(documents), "--split", "all", "--mode", "extractive",
            "--markdown", str(reports / "eval-scifact.md"), "--json", str(reports / "eval-scifact.json"),
        ],
        prog_name="qa",
    )


if __name__ == "__main__":
    main()
