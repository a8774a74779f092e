"""Retrieval and extractive answers on the real seed index (real MiniLM, real Chroma)."""

from qa.answering import REFUSAL


def test_retrieval_finds_the_known_passage(assistant):
    passages = assistant.search("phone call between Aliyev and Blinken", k=5)
    assert any(p.source == "000_9e15d06241d5e33a.txt" and "Blinken" in p.text for p in passages)
    for p in passages:
        assert assistant.document(p.source).text[p.start : p.end] == p.text


def test_answer_names_blinken_with_a_citation_into_the_news_story(assistant):
    answer = assistant.ask("Who did Ilham Aliyev speak with by phone?")
    assert not answer.abstained
    assert "Blinken" in answer.answer
    assert any(c.source == "000_9e15d06241d5e33a.txt" and "Blinken" in c.quote for c in answer.citations)


def test_every_answer_sentence_is_a_cited_verbatim_quote(assistant):
    questions = [
        "How many people has the fighting killed according to the separatists?",
        "What did the Red Cross say?",
        "When did the 2020 war start?",
        "Which weapons did Azerbaijan say it used?",
    ]
    for question in questions:
        answer = assistant.ask(question)
        if answer.abstained:
            continue
        text = answer.answer
        for c in answer.citations:
            assert assistant.document(c.source).text[c.start : c.end] == c.quote
            assert f"{c.quote} [{c.id}]" in text
            text = text.replace(f"{c.quote} [{c.id}]", "")
        assert text.strip() == "", f"uncited text left in answer: {text!r}"


def test_off_topic_question_is_refused(assistant):
    answer = assistant.ask("What is the boiling point of mercury?")
    assert answer.abstained
    assert answer.answer == REFUSAL
    assert answer.citations == []
