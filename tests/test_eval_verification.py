"""qa.verification: sentences with their [n] markers, support scores, and whole-answer checks."""

from qa.types import Answer, Citation
from qa.verification import (
    CitedSentence, check_answer, fenced, prose_and_code, split_cited_sentences, support_score, without_markers,
)

TEXT = "Azerbaijan launched an offensive on Tuesday. Mr Blinken said the United States was deeply concerned."


def test_markers_belong_to_the_sentence_they_follow_or_end():
    assert split_cited_sentences("A first one. [1] A second one [2]. A third one [2][3].") == [
        CitedSentence("A first one.", (1,)),
        CitedSentence("A second one.", (2,)),
        CitedSentence("A third one.", (2, 3)),
    ]


def test_a_sentence_without_a_marker_has_no_citation():
    found = split_cited_sentences("Cited here. [1] Nothing cites this claim. Cited again. [2]")
    assert [s.citations for s in found] == [(1,), (), (2,)]


def test_a_marker_group_ends_a_sentence_without_punctuation():
    assert split_cited_sentences("A heading [1] Then a sentence. [2]") == [
        CitedSentence("A heading", (1,)),
        CitedSentence("Then a sentence.", (2,)),
    ]


def test_abbreviations_do_not_split_a_sentence():
    assert split_cited_sentences("The U.S. Secretary of State spoke. [1]") == [
        CitedSentence("The U.S. Secretary of State spoke.", (1,))
    ]


CODE_ANSWER = "Index the vector: [1]\n```rust\nlet v = vec![1, 2, 3];\nlet third = &v[2];\n```\n[2] So it reads. [3]"


def test_a_fenced_code_block_is_one_sentence_and_its_brackets_are_no_markers():
    assert split_cited_sentences(CODE_ANSWER) == [
        CitedSentence("Index the vector:", (1,)),
        CitedSentence("let v = vec![1, 2, 3];\nlet third = &v[2];", (2,)),
        CitedSentence("So it reads.", (3,)),
    ]
    assert without_markers(CODE_ANSWER) == "Index the vector:\n```rust\nlet v = vec![1, 2, 3];\nlet third = &v[2];\n``` So it reads."
    assert [code for _, code in prose_and_code(CODE_ANSWER)] == [False, True, False]
    assert split_cited_sentences("Unclosed ``` fence [1] here. [2]")[0].citations == (1,)  # no block, so markers count
    markdown = "Fence code with:\n```\nprint(x[1])\n```"  # code quoting a fenced block gets a longer fence
    assert fenced(markdown).startswith("````\n") and split_cited_sentences(f"{fenced(markdown)} [1]") == [
        CitedSentence(markdown, (1,))
    ]


def test_a_verbatim_quote_is_fully_supported_whatever_its_spacing_and_quotes():
    assert support_score("Mr Blinken said the United States was deeply concerned.", [TEXT]) == 1.0
    assert support_score("Mr  Blinken said the “United States”", ['Mr Blinken said the "United States" was']) == 1.0


def test_support_is_the_share_of_content_words_the_cited_text_holds():
    assert support_score("Blinken was deeply concerned", [TEXT]) == 1.0  # every content word is there
    assert support_score("Blinken was happy", [TEXT]) == 0.5  # "happy" is not
    assert support_score("Blinken was deeply concerned", []) == 0.0  # nothing cited supports nothing


def test_numbers_count_as_content_words():
    assert support_score("6 people died", ["Six people died."]) < 1.0


def answer(text: str, citations: list[Citation]) -> Answer:
    return Answer(question="q", answer=text, abstained=False, citations=citations)


def citation(n: int, start: int, end: int, quote: str | None = None) -> Citation:
    return Citation(id=n, source="doc", start=start, end=end, quote=TEXT[start:end] if quote is None else quote)


def test_check_answer_accepts_a_well_cited_extractive_answer():
    first, second = TEXT.split(". ")
    check = check_answer(answer(f"{first}. [1] {second} [2]", [citation(1, 0, len(first) + 1), citation(2, len(first) + 2, len(TEXT))]), {"doc": TEXT}.__getitem__)
    assert check.all_valid
    assert [s.supported for s in check.sentences] == [True, True]


def test_check_answer_flags_wrong_offsets_unknown_documents_and_markers():
    wrong_offsets = citation(1, 1, 20, quote=TEXT[0:19])
    unknown_source = Citation(id=2, source="missing", start=0, end=5, quote="Azerb")
    check = check_answer(answer("Azerbaijan launched. [1] Azerb [2] Loose claim [3]", [wrong_offsets, unknown_source]), {"doc": TEXT}.__getitem__)
    assert check.citations_valid == [False, False]
    assert check.unknown_markers == [3]
    assert not check.all_valid
    assert not check.sentences[-1].supported  # [3] cites nothing


def test_an_uncited_sentence_is_not_supported_even_when_true():
    check = check_answer(answer("Azerbaijan launched an offensive on Tuesday.", []), {"doc": TEXT}.__getitem__)
    assert [s.supported for s in check.sentences] == [False]


def test_a_refusal_has_no_sentences_to_check():
    refusal = Answer(question="q", answer="The documents don't answer this question.", abstained=True)
    check = check_answer(refusal, {"doc": TEXT}.__getitem__)
    assert check.sentences == [] and check.all_valid
