"""Follow-up questions: the deterministic rewrite (qa/conversation.py) and what /chat makes of it."""

from __future__ import annotations

import httpx
import pytest

from qa.conversation import condense, is_follow_up, key_terms
from qa.types import ChatMessage


def user(text: str) -> ChatMessage:
    return ChatMessage(role="user", content=text)


def assistant(text: str) -> ChatMessage:
    return ChatMessage(role="assistant", content=text)


@pytest.mark.parametrize(
    "question",
    ["And how many of them were children?", "What about the wounded?", "Who did he call?", "Why?", "When did it start?",
     "How about Armenia?", "And in 2020?", "Who else was there?"],
)
def test_follow_ups_are_recognised(question):
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    ["How many people were killed as Azerbaijan shelled Nagorno-Karabakh?", "Who is Nikol Pashinyan?",
     "What did the Red Cross urge military authorities to do?"],
)
def test_stand_alone_questions_are_left_alone(question):
    assert not is_follow_up(question)
    assert condense(question, [user("Who is Antony Blinken?"), assistant("He is ... [1]")]) == question


def test_a_whole_follow_up_keeps_its_words_first_and_borrows_key_terms():
    used = condense("And how many of them were children?", [user("How many people were killed in the shelling?")])
    assert used.startswith("How many of them were children?")
    assert "killed" in used and "shelling" in used
    assert "were killed in the" not in used  # key terms, not the whole earlier question


def test_a_fragment_borrows_the_whole_earlier_question():
    used = condense("What about the wounded?", [user("How many people were killed in the shelling?")])
    assert used == "How many people were killed in the shelling? What about the wounded?"


@pytest.mark.parametrize(
    "earlier,follow_up,expected",
    [
        ("What did Armenia say about the Azerbaijani offensive?", "What about Russia?",
         "What did Russia say about the Azerbaijani offensive?"),
        ("What did the EU urge?", "And the Red Cross?", "What did the Red Cross urge?"),
        ("How many soldiers did Azerbaijan's army lose?", "How about Armenia?", "How many soldiers did Armenia's army lose?"),
        # no name to swap: the fragment borrows the whole earlier question
        ("What did Armenia say?", "What about Armenia?", "What did Armenia say? What about Armenia?"),
        ("When did the war start?", "What about Russia?", "When did the war start? What about Russia?"),
    ],
)
def test_a_fragment_naming_someone_else_asks_the_earlier_question_about_them(earlier, follow_up, expected):
    assert condense(follow_up, [user(earlier)]) == expected


def test_a_chain_of_follow_ups_keeps_the_topic_and_assistant_turns_are_not_searched():
    history = [
        user("Who is Armenia's human rights ombudsman?"),
        assistant("Anahit Manasyan said ... [1]"),
        user("What did she say about weapons?"),
        assistant("The Azerbaijani armed forces use large-calibre weapons ... [1]"),
    ]
    used = condense("And who did she accuse?", history)
    assert "ombudsman" in used and "weapons" in used
    assert "Manasyan" not in used and "calibre" not in used


def test_no_history_or_unusable_turns_change_nothing():
    assert condense("What is it doing?", []) == "What is it doing?"
    assert condense("What is it doing?", [user("   "), user("x" * 5000)]) == "What is it doing?"
    assert condense("Why?", [user("Why was the \ud800 road blocked?")]) == "Why? (road blocked)"


def chat(url: str, question: str, history: list[dict] | None = None) -> dict:
    response = httpx.post(f"{url}/chat", json={"question": question, "history": history or []}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    "first,follow_up,expected",
    [
        ("How many people were killed as Azerbaijan shelled Nagorno-Karabakh?", "And how many of them were children?",
         "children"),
        ("How big is Russia's peacekeeping mission in Nagorno-Karabakh?", "What is it doing?", "evacuating civilians"),
        ("How many people did the separatists say the fighting had killed?", "How many of them were civilians?",
         "two civilians"),
        ("Who is Thomas Van Linge?", "What did he write about?", "wrote about the current fighting"),
    ],
)
def test_chat_answers_a_follow_up_about_the_earlier_topic(server_url, first, follow_up, expected):
    earlier = chat(server_url, first)
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": earlier["answer"]}]
    result = chat(server_url, follow_up, history)
    assert result["question"] == follow_up
    assert set(key_terms(first)) & set(key_terms(result["question_used"])), result["question_used"]
    assert result["abstained"] is False
    assert expected in result["answer"], result
