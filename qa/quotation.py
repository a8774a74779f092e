"""Who said it: the sentence that attributes a quoted sentence to its speaker.

A sentence that lies wholly inside quotation marks ("“Azerbaijani forces use artillery against
civilians.”") states someone's claim, not a fact; quoted alone, it reads as the documents' own word.
So a bare quotation is cited together with the sentence naming who said it:
- the sentence where the quotation opens, when it has words of its own ("Mr Blinken was told that “...");
- else the sentence where it closes, when words follow ("...,” said Laurence Broers.");
- else the sentence before it in the same paragraph ("Thomas Van Linge wrote on Tuesday morning. “...”"),
  or a sentence ending in a colon just before the paragraph;
- else, for a paragraph that opens a quotation where the one before left it open (a quotation running over
  several paragraphs: "The Red Cross said: “We are extremely concerned. ¶ “Basic commodities..."), the
  speaker of where it began.
A paragraph signed with a dash ("... — Siranush Sargsyan (@SiranushSargsy1) September 20, 2023", as an
embedded post or an epigraph is) is a quotation of its signer, with or without quotation marks.

A sentence that opens with a pronoun ("She added that another mine killed two civilians.") does not say who
speaks or what it is about either: it is cited with the sentences just before it, back to one that opens
otherwise (`antecedent`).

A line ending in a colon ("Install with pip:", "The ministry's statement reads:") says only that something
follows: it is cited with the line after it (`introduced`), or with the whole list after it, up to `LIST_ITEMS`
items ("The rules of ownership are:" is no answer without the rules), and so is a sentence just before it on its
line. So is a line followed by code, with the code (up to `CODE_LINES` lines of it): code is never quoted on its
own, because an example string in it states no fact.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qa.documents import overlaps, span_at

if TYPE_CHECKING:
    from qa.index import Index

# Curly quotations may run to the end of the paragraph unclosed (a quote continued in the next one). In single
# curly marks (British style: ‘We are concerned,’ she said), a ’ before a letter is an apostrophe ("Baku’s").
# A straight ' is both: it opens a quotation only after a space and before a letter, and must close it in the
# same paragraph after a word (before no letter), so "the soldiers' families" alone quotes nothing.
_QUOTATION = re.compile(
    r"“[^“”]*(?:”|$)|‘(?:[^‘’]|’(?=\w))*(?:’(?!\w)|$)|\"[^\"]*\"|«[^«»]*(?:»|$)|"
    r"(?<![\w'])'(?=[^\W\d_])(?:[^'\n]|'(?=\w))*?[\w.,!?]'(?!\w)"
)
_WORD = re.compile(r"\w+")
_SIGNATURE = re.compile(r"^[—–]\s*\w")
_OWN_WORDS = 2  # words outside quotation marks that make a sentence speak for itself
_PRONOUN_OPENING = re.compile(r"^\W*(?:he|she|they|it|his|her|their|its|this|these|those)\b", re.IGNORECASE)
_ANTECEDENT_REACH = 2  # sentences looked back for the one a pronoun refers to
CODE_LINES = 10  # the most lines of a code block quoted with the sentence introducing it
LIST_ITEMS = 10  # the most items of a list quoted with the line introducing it
LEAD_IN_REACH = 2  # sentences from one to the colon ending its line that introduces a list


class Quotations:
    """Finds, in the sentence rows of one index, the sentences a quoted one needs: its speaker, or whom its pronoun means."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.sentences = index.sentences

    def _same_line(self, row: int, next_row: int) -> bool:
        """Whether two neighbouring rows are sentences of one line of one document."""
        return self.sentences[row].source == self.sentences[next_row].source and "\n" not in self.index.sentence_text(row, next_row)

    def paragraph(self, row: int) -> tuple[int, int]:
        """[first, last) rows of the sentences on the same line as `row`."""
        first, last = row, row + 1
        while first > 0 and self._same_line(first - 1, first):
            first -= 1
        while last < len(self.sentences) and self._same_line(last - 1, last):
            last += 1
        return first, last

    def _quotations(self, first: int, last: int) -> list[tuple[int, int]]:
        """Quotation spans (document offsets) of the paragraph of rows [first, last)."""
        start = self.sentences[first].start
        return [(start + m.start(), start + m.end()) for m in _QUOTATION.finditer(self.index.sentence_text(first, last - 1))]

    def _own_words(self, row: int, quotations: list[tuple[int, int]]) -> int:
        """Words of the sentence outside every quotation."""
        sentence = self.sentences[row]
        return sum(
            not any(a <= sentence.start + m.start() < b for a, b in quotations)
            for m in _WORD.finditer(self.index.sentence_text(row))
        )

    def speaker(self, row: int) -> int | None:
        """The row of the sentence that says who speaks the sentence at `row`, if it is a bare quotation."""
        first, last = self.paragraph(row)
        if row != last - 1 and _SIGNATURE.match(self.index.sentence_text(last - 1)):
            return last - 1
        quotations = self._quotations(first, last)
        sentence = self.sentences[row]
        around = next((q for q in quotations if q[0] < sentence.end and sentence.start < q[1]), None)
        if around is None or self._own_words(row, quotations) > 0:
            return None
        opens = next(r for r in range(first, last) if self.sentences[r].end > around[0])
        closes = next(r for r in range(last - 1, first - 1, -1) if self.sentences[r].start < around[1])
        for candidate in (opens, closes, opens - 1):
            if candidate != row and first <= candidate < last and self._own_words(candidate, quotations) >= _OWN_WORDS:
                return candidate
        if opens == first and first > 0 and self.sentences[first - 1].source == sentence.source:
            if first in self.introduced(first - 1):  # "The Red Cross said:" before the paragraph
                return first - 1
            return self._continued_from(first - 1)
        return None

    def antecedent(self, row: int) -> int | None:
        """For a sentence opening with a pronoun, the earliest of the sentences just before it that it needs
        ("The ministry stressed that ... ¶ She stressed that ..."): back over the sentences opening with a pronoun
        too, and to code ("$ pip install x ¶ This will install x with ..."), not past a heading or the start of the
        document; None for a sentence opening otherwise."""
        at, found = row, None
        while row - at < _ANTECEDENT_REACH and _PRONOUN_OPENING.match(self.index.sentence_text(at)):
            before = at - 1
            if before < 0 or self.sentences[before].source != self.sentences[row].source:
                break
            if not (self.sentences[before].answerable or self._code(before)):  # a heading, a fragment
                break
            at = found = before
        return found

    def introduced(self, row: int) -> list[int]:
        """The rows the sentence at `row` introduces when it ends its line: when it ends in a colon, the list right
        below it (`list_below`), else the line after it and any code right below that ("This code fails:",
        "Filename: src/main.rs", the code); and the code block right below it (`code_below`). A sentence just before
        one ending its line with a colon and a list ("First, the rules. Keep them in mind:") introduces that list
        too, with the sentences between."""
        if not self._ends_line(row):
            last = self.paragraph(row)[1] - 1
            if last - row > LEAD_IN_REACH or not self.index.sentence_text(last).endswith(":") or not self._ends_line(last):
                return []
            listed = self.list_below(last)
            return list(range(row + 1, last + 1)) + listed if listed else []
        colon = []
        if self.index.sentence_text(row).endswith(":"):
            colon = self.list_below(row) or [row + 1, *self.code_below(row + 1)]
        return list(dict.fromkeys(colon + self.code_below(row)))

    def list_below(self, row: int) -> list[int]:
        """The rows of the list items right below the line the sentence at `row` ends, every sentence of up to
        `LIST_ITEMS` items; empty when no list follows."""
        rows: list[int] = []
        items = 0
        following = row + 1
        while following < len(self.sentences) and self.sentences[following].source == self.sentences[row].source:
            if not self._item(following):
                break
            items += not self._same_line(following - 1, following)
            if items > LIST_ITEMS:
                break
            rows.append(following)
            following += 1
        return rows

    def code_below(self, row: int) -> list[int]:
        """The rows of the code block right below the line the sentence at `row` ends (up to `CODE_LINES` lines),
        which is never quoted on its own: empty when no code follows, or when the sentence is code itself."""
        following = row + 1
        if not self._ends_line(row) or (block := self.code_block(following)) is None or self._code(row):
            return []
        rows = [following]
        while len(rows) < CODE_LINES and self._ends_line(rows[-1]) and self.code_block(rows[-1] + 1) == block:
            rows.append(rows[-1] + 1)
        return rows

    def _ends_line(self, row: int) -> bool:
        """Whether the sentence at `row` ends its line and another line of its document follows."""
        following = row + 1
        return (
            following < len(self.sentences)
            and self.sentences[following].source == self.sentences[row].source
            and not self._same_line(row, following)
        )

    def _code(self, row: int) -> bool:
        return self.code_block(row) is not None

    def code_block(self, row: int) -> tuple[int, int] | None:
        """The block of code (`Document.code`) the sentence at `row` is in, if it is code."""
        sentence = self.sentences[row]
        return span_at(self.index.documents[sentence.source].code, sentence.start, sentence.end)

    def _item(self, row: int) -> bool:
        sentence = self.sentences[row]
        return overlaps(self.index.documents[sentence.source].items, sentence.start, sentence.end)

    def _continued_from(self, row: int) -> int | None:
        """The speaker of a quotation left open at the end of the paragraph holding `row` (a paragraph opening
        with a quotation mark then continues it): the sentence where it opens, or that sentence's speaker."""
        first, last = self.paragraph(row)
        quotations = self._quotations(first, last)
        if not quotations:
            return None
        start, end = quotations[-1]
        if self.index.documents[self.sentences[row].source].text[end - 1] in "”’»\"'":  # closed in its paragraph
            return None
        opens = next(r for r in range(first, last) if self.sentences[r].end > start)
        return opens if self._own_words(opens, quotations) >= _OWN_WORDS else self.speaker(opens)
