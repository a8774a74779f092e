"""Sentence-by-sentence verification of generated answers (`qa.verification.verify_sentences`), with real MiniLM vectors."""

from __future__ import annotations

import pytest

from qa.verification import CitedPassage, SourceSentence, is_refusal, numbers_in, verify_sentences

COUNCIL = ["The Harbor Council approved 4.2 million euros for pier repairs on 3 May 2021.", "The vote was unanimous."]
CHAIR = ["Councillor Mara Vint chaired the session.", "She has led the council since 2019."]


@pytest.fixture(scope="module")
def passages(assistant) -> dict[int, CitedPassage]:
    found = {}
    for n, sentences in enumerate((COUNCIL, CHAIR), start=1):
        text = " ".join(sentences)
        vectors = assistant.embed(sentences)
        spans = []
        for sentence, vector in zip(sentences, vectors):
            start = text.index(sentence)
            spans.append(SourceSentence(f"doc{n}.txt", start, start + len(sentence), sentence, vector))
        found[n] = CitedPassage(text, spans)
    return found


@pytest.fixture(scope="module")
def verify(assistant, passages):
    return lambda answer, question="": verify_sentences(answer, passages, assistant.embed, question)


def test_a_quote_and_a_paraphrase_are_supported_by_the_sentence_they_restate(verify):
    quote, paraphrase = verify(f"{COUNCIL[0]} [1] Repairs to the pier got 4.2 million euros from the Harbor Council [1].")
    assert quote.supported and quote.overall.lexical == 1.0 and quote.supports[1].best.text == COUNCIL[0]
    assert paraphrase.supported and paraphrase.supports[1].passes and paraphrase.supports[1].best.text == COUNCIL[0]


def test_a_wrong_number_or_a_wrong_passage_is_not_supported(verify):
    wrong_number, wrong_passage = verify(
        "The Harbor Council approved 5.7 million euros for pier repairs [1]. Mara Vint chaired the session [1]."
    )
    assert not wrong_number.overall.numbers and not wrong_number.supported
    assert not wrong_passage.supported and wrong_passage.overall.new_words < 0.4


def test_citation_numbers_that_point_at_no_passage_are_dropped(verify):
    kept, orphan, uncited = verify(f"{CHAIR[0]} [2][7] The vote was unanimous [9]. The vote was unanimous.")
    assert kept.supported and kept.dropped == (7,) and list(kept.supports) == [2]
    assert orphan.dropped == (9,) and not orphan.supports and not orphan.supported
    assert uncited.supports == {} and not uncited.supported


def test_words_and_numbers_of_the_question_are_not_claims(verify):
    question = "In 2021, how much did the Harbor Council of Ostholm approve for pier repairs?"
    alone, asked = (
        verify("In 2021 the Harbor Council of Ostholm approved 4.2 million euros for pier repairs [1].", q)[0]
        for q in ("", question)
    )
    assert not alone.overall.numbers or alone.overall.new_words < 1.0
    assert asked.supported and asked.overall.numbers and asked.overall.new_words == 1.0


def test_a_sentence_needing_two_passages_is_kept_with_unverified_citations(verify):
    (sentence,) = verify("Mara Vint chaired the 2021 session that approved 4.2 million euros for pier repairs [1][2].")
    assert sentence.supported and set(sentence.supports) == {1, 2}
    assert not sentence.supports[2].passes  # passage 2 alone has neither the sum nor the repairs


@pytest.mark.parametrize(
    "reply, refused",
    [
        ("The documents don't answer this question.", True),
        ("The documents do not answer this question.", True),
        ("the documents don’t answer this question", True),
        ("The documents answer this question [1].", False),
    ],
)
def test_refusals_are_recognised(reply, refused):
    assert is_refusal(reply) is refused


def test_numbers_are_compared_without_thousands_separators():
    assert numbers_in("2,000 peacekeepers and 3.5% of 12 000") == {"2000", "3.5", "12", "000"}
