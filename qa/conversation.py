"""Follow-up questions: make "And how many of them were children?" stand on its own.

Offline there is no language model to condense a conversation, so the rewrite is
deterministic. A question is a follow-up when it opens like one ("and …", "what about …"),
leans on a pronoun ("them", "he", "it") or has almost no words of its own ("Why?"). It then
borrows from the previous user question (itself rewritten first, so a chain keeps its topic):

    whole question  "How many of them were children? (people killed Azerbaijani shelling)"
                    keeps its own words first (and so its answer type) and adds the key terms
    another name    "What did Armenia say?" then "What about Russia?" -> "What did Russia say?"
                    the previous question, its first name swapped for the new one
    fragment        "How many people were killed in the shelling? What about the wounded?"
                    has no predicate, so the previous question supplies it

The rewritten question is what retrieval and answer scoring see, and faces show it as
`question_used`. In generated mode the configured LLM condenses instead (`condense_with_llm`,
prompts/condense.*.txt, the earlier turns fenced as quoted data); this rewrite stays the fallback.
"""

from __future__ import annotations

import re
from typing import Iterable

from bm25s.stopwords import STOPWORDS_EN_PLUS

from qa.assistant import normalise_question
from qa.errors import QAError
from qa.types import ChatMessage

MAX_CONTEXT_TERMS = 8
MAX_FRAME_CHARS = 300  # a longer previous question lends its key terms, not its whole text

_OPENER = re.compile(r"^(?:(?:and|but|so|also|then|ok(?:ay)?|well)\b[\s,]*)+", re.IGNORECASE)
_FRAGMENT_OPENER = re.compile(r"^(?:what|how)\s+about\b|^what\s+of\b", re.IGNORECASE)
_QUESTION_WORD = re.compile(
    r"^(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|can|could|will|would|"
    r"should|has|have|had|may|might|must|shall|list|name|tell|give|describe|explain)\b",
    re.IGNORECASE,
)
_ANAPHORA = frozenset(
    "he she him her his hers himself herself they them their theirs themselves it its itself "
    "this these those else".split()
)
_FUNCTION_WORDS = frozenset(STOPWORDS_EN_PLUS) | frozenset(
    "many much could would may might must shall also else according us one ones".split()
)
_WORD = re.compile(r"\w+(?:[’'.-]\w+)*")
# A name: capitalised words, maybe joined by "of"/"the" and led by "the" ("the Red Cross", "Ilham Aliyev").
_NAME = re.compile(r"(?:\b[Tt]he\s+)?\b[A-Z][\w’'-]*(?:\s+(?:(?:of|the|of the)\s+)?[A-Z][\w’'-]*)*")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def key_terms(text: str) -> list[str]:
    """Content words in order of first appearance, each once (case-insensitively)."""
    seen: set[str] = set()
    terms = []
    for word in words(text):
        folded = word.casefold()
        if folded in _FUNCTION_WORDS or folded in seen:
            continue
        seen.add(folded)
        terms.append(word)
    return terms


def is_fragment(question: str) -> bool:
    """No predicate of its own: "What about Armenia?", "And the wounded?"."""
    rest = _OPENER.sub("", question)
    return bool(_FRAGMENT_OPENER.match(rest)) or not _QUESTION_WORD.match(rest)


def is_follow_up(question: str) -> bool:
    folded = [w.casefold() for w in words(question)]
    return (
        bool(_OPENER.match(question) or _FRAGMENT_OPENER.match(question))
        or any(w in _ANAPHORA for w in folded)
        or len(key_terms(question)) < 2
    )


def swapped_name(fragment: str, previous: str) -> str | None:
    """ "What about Russia?" after "What did Armenia say about the offensive?": the earlier question with its first
    name swapped for the new one ("What did Russia say about the offensive?"); None when either has no name."""
    rest = _FRAGMENT_OPENER.sub("", _OPENER.sub("", fragment)).strip(" ?.!")
    new = _NAME.fullmatch(rest)
    if new is None:
        return None
    for old in _NAME.finditer(previous):
        name, possessive = re.fullmatch(r"(.+?)((?:['’]s)?)", old.group()).groups()
        if old.start() > 0 and name.casefold() != new.group().casefold():
            return f"{previous[: old.start()]}{new.group()}{possessive}{previous[old.end():]}"
    return None


def stand_alone(question: str, previous: str | None) -> str:
    """`question` rewritten to carry the topic of `previous` (a stand-alone question) when it is a follow-up."""
    if previous is None or not is_follow_up(question):
        return question
    if is_fragment(question) and len(previous) <= MAX_FRAME_CHARS:
        return swapped_name(question, previous) or f"{previous} {question}"
    own = {t.casefold() for t in key_terms(question)}
    borrowed = [t for t in key_terms(previous) if t.casefold() not in own][:MAX_CONTEXT_TERMS]
    if not borrowed:
        return question
    own_words = _OPENER.sub("", question) or question
    return f"{own_words[0].upper()}{own_words[1:]} ({' '.join(borrowed)})"


def condense(question: str, history: Iterable[ChatMessage]) -> str:
    """The question to retrieve and answer with, given the earlier turns of the conversation."""
    previous = None
    for message in history:
        if message.role != "user":
            continue
        try:
            previous = stand_alone(normalise_question(message.content), previous)
        except QAError:  # an empty or over-long turn lends nothing
            continue
    return stand_alone(question, previous)


def condense_with_llm(llm, question: str, history: Iterable[ChatMessage]) -> str:
    """The LLM's stand-alone version of `question` (a `qa.generation.LLMError` when it fails or says nothing usable)."""
    from qa.generation import LLMError, condense_messages, without_thinking

    reply = without_thinking(llm.chat(condense_messages(question, history)))
    line = next((line.strip().strip('"“”') for line in reply.splitlines() if line.strip()), "")
    try:
        return normalise_question(line)
    except QAError as error:
        raise LLMError(f"the LLM gave no usable stand-alone question ({error})") from None
