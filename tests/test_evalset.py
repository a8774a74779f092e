"""The evaluation set itself: well-formed, grounded in the cleaned seed texts, and written as a reader would ask.

Runs without an index: it reads and cleans the seeds with `qa.documents` directly.
"""

from collections import Counter
from pathlib import Path

import pytest

from bench import scifact_questions
from qa.documents import clean_fragment, read_document
from qa.evaluation.evalset import gold_spans, load_questions, longest_shared_run, words
from tests.conftest import SEEDS

# The set, the fresh questions kept out of every fit (`evals/cross_validate.py --fresh evals/fresh.jsonl`), the
# out-of-domain questions about SciFact abstracts (`bench/scifact_questions.py`), the paraphrased questions about
# four documents of their own (`evals/paraphrase/`) and the blind set about five more (`evals/blind/`), each checked
# against its own corpus.
EVALS = Path(__file__).resolve().parents[1] / "evals"
FRESH = EVALS / "fresh.jsonl"
OWN_CORPORA = ("paraphrase", "blind")  # sets with documents of their own, in evals/<name>/docs
SEED_QUESTIONS = load_questions() + load_questions(FRESH)
SCIFACT_QUESTIONS = load_questions(scifact_questions.QUESTIONS)
SCIFACT_IDS = {q.id for q in SCIFACT_QUESTIONS}
OWN_QUESTIONS = {name: load_questions(EVALS / name / "questions.jsonl") for name in OWN_CORPORA}
OWN_CORPUS_OF = {q.id: name for name, questions in OWN_QUESTIONS.items() for q in questions}
QUESTIONS = SEED_QUESTIONS + SCIFACT_QUESTIONS + [q for questions in OWN_QUESTIONS.values() for q in questions]
ANSWERABLE = [q for q in QUESTIONS if q.answerable]
UNANSWERABLE = [q for q in QUESTIONS if not q.answerable]
SHORT_DOCUMENTS = ["000_9e15d06241d5e33a.txt", "001_d8453b11cfddfb99.txt", "003_b941ef868d848c92.txt", "004_6f489e63f227f8d9.txt"]
LONG_DOCUMENT = "002_09c5668dc815a85a.txt"


def read_folder(folder: Path, pattern: str = "*.txt") -> dict[str, str]:
    return {path.name: read_document(path, path.name).text for path in sorted(folder.glob(pattern))}


@pytest.fixture(scope="module")
def seed_texts() -> dict[str, str]:
    return read_folder(SEEDS)


@pytest.fixture(scope="module")
def scifact_texts(tmp_path_factory) -> dict[str, str]:
    if not (scifact_questions.SCIFACT / "corpus.jsonl").is_file():
        pytest.skip("the SciFact corpus (../shared/benchmarks/scifact) is not beside the project")
    return read_folder(scifact_questions.write_documents(tmp_path_factory.mktemp("scifact")))


@pytest.fixture(scope="module")
def own_texts() -> dict[str, dict[str, str]]:
    return {name: read_folder(EVALS / name / "docs", "*") for name in OWN_CORPORA}


@pytest.fixture
def cleaned(request) -> dict[str, str]:
    """The cleaned documents of the corpus the test's question is about (only SciFact's need ../shared)."""
    asked = request.node.callspec.params["question"].id
    if asked in OWN_CORPUS_OF:
        return request.getfixturevalue("own_texts")[OWN_CORPUS_OF[asked]]
    return request.getfixturevalue(f"{'scifact' if asked in SCIFACT_IDS else 'seed'}_texts")


def test_ids_are_unique_and_both_splits_hold_every_kind():
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)
    kinds = {q.kind for q in SEED_QUESTIONS}
    assert kinds == {"fact", "number", "date", "person", "multi_doc", "unanswerable"}
    for split in ("dev", "test"):
        assert {q.kind for q in SEED_QUESTIONS if q.split == split} == kinds
    assert {q.split for q in QUESTIONS if q not in SEED_QUESTIONS} == {"test"}  # never fitted on


def test_counts_the_issue_asks_for():
    assert len(SEED_QUESTIONS) >= 80
    kinds = Counter(q.kind for q in SEED_QUESTIONS)
    assert kinds["multi_doc"] >= 10
    assert kinds["unanswerable"] >= 20
    single_source = Counter(q.gold[0].source for q in SEED_QUESTIONS if q.answerable and q.kind != "multi_doc" and len({g.source for g in q.gold}) == 1)
    for source in SHORT_DOCUMENTS:
        assert single_source[source] >= 8, source
    assert single_source[LONG_DOCUMENT] >= 8


@pytest.mark.parametrize("question", ANSWERABLE, ids=lambda q: q.id)
def test_every_gold_quote_is_in_its_cleaned_document(question, cleaned):
    assert question.gold and 1 <= len(question.answer_terms) <= 3
    for source, start, end in gold_spans(question, cleaned.__getitem__):
        assert cleaned[source][start:end].strip()


@pytest.mark.parametrize("question", ANSWERABLE, ids=lambda q: q.id)
def test_every_answer_term_is_in_a_gold_quote(question):
    quotes = [clean_fragment(g.quote).casefold() for g in question.gold]
    for term in question.answer_terms:
        assert any(term.casefold() in quote for quote in quotes), term


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q.kind == "multi_doc"], ids=lambda q: q.id)
def test_multi_document_questions_need_two_documents(question):
    sources_with_terms = {
        g.source for g in question.gold for t in question.answer_terms if t.casefold() in g.quote.casefold()
    }
    assert len(sources_with_terms) >= 2


@pytest.mark.parametrize("question", ANSWERABLE, ids=lambda q: q.id)
def test_questions_are_not_copied_from_their_quotes(question):
    for gold in question.gold:
        assert longest_shared_run(words(question.question), words(gold.quote)) < 8


def test_the_eight_word_rule_catches_a_copied_question():
    quote = "Azerbaijan said its forces had taken control of more than 60 military positions on Tuesday."
    assert longest_shared_run(words("Is it true its forces had taken control of more than 60 positions?"), words(quote)) >= 8


@pytest.mark.parametrize("question", UNANSWERABLE, ids=lambda q: q.id)
def test_unanswerable_key_terms_are_absent_from_the_corpus(question, cleaned):
    assert not question.gold and not question.answer_terms
    assert 1 <= len(question.absent_terms) <= 3
    for term in question.absent_terms:
        for source, text in cleaned.items():
            assert term.casefold() not in text.casefold(), f"{term!r} occurs in {source}"
