"""Reading a question against an index: what it is about, what kind of answer it wants, and its parts.

- the question as the documents would write it: "what's" spelt in full, and names given the capitals
  the corpus gives them when it was typed all in lower case ("who is nikol pashinyan");
- content words weighted by their IDF in the index; words the corpus never uses are set
  apart as *unknown*, and capitalised ones as *unknown names* (an acronym whose expansion the
  corpus spells out, like ICRC, is not unknown);
- the expected answer: a duration (how long ...: a number with a unit of time or length), an
  amount in the unit the question names (how many minutes ..., in mg per kilogram ..., what
  percentage ...: "a 24-week programme" does not say how many minutes), an age (what was the
  median age ...: "aged 55", "a median age of 62"), a year (what year ...), a day (on what date ...:
  "10 November", "on Tuesday"; "in November 2020" does not say which), a number (how many ...),
  a date (when ...), a person (who ..., which
  minister ..., which doctor ...; titles such as "Prime Minister" are no name; "Who brokered it?" also
  takes the agent of "brokered by Russia" or "brokered in Moscow by a Russian envoy") or a name (where ...,
  which company ..., which cities ..., which brand ...), each with the pattern an answer sentence must
  match with words the question does not already contain; or a description (what is X, tell me about
  X, who is <Name>: "X, the sole highway ..."), which raises the sentences that give one without ruling
  out those that describe X otherwise;
- what rules a sentence out though it may hold such an answer: it mentions the thing a which-question
  asks about without saying which ("an air defense system"), or it tells of another day than the one
  the question asks about ("On 27 October, the president dismissed ..." for "... dismissed on 8 October?");
- parts: "When did X start, and on what date was Y signed?" asks two questions, each answered
  on its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Set
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from weakref import WeakKeyDictionary

from qa.index import Index
from qa.verification import content_terms, joined_words

_MONTHS = ("Jan(?:uary)?", "Feb(?:ruary)?", "Mar(?:ch)?", "Apr(?:il)?", "May", "June?", "July?", "Aug(?:ust)?",
           "Sep(?:t(?:ember)?)?", "Oct(?:ober)?", "Nov(?:ember)?", "Dec(?:ember)?")
# Capitalised or in capitals, even where the rest is read without case: "may" and "mar" are verbs.
_MONTH = "(?-i:" + "|".join(f"{month}|{month.upper()}" for month in _MONTHS) + ")"
_MONTH_ABBREVIATIONS = [month[:3].lower() for month in _MONTHS]
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundreds?|"
    r"thousands?|millions?|dozens?|half|once|twice"
)
_TIME_UNIT = (
    r"(?:centur(?:y|ies)|decades?|years?|months?|weeks?|days?|hours?|minutes?|(?:milli|micro|nano)?seconds?)"
)
# How a text may shorten a unit of time a question spells out: "90 min", "24 h", "100 ms".
_TIME_ABBREVIATIONS = {"hour": "h|hrs?", "minute": "mins?", "second": "secs?", "millisecond": "ms|msecs?",
                       "microsecond": "[µμ]s|us", "nanosecond": "ns"}
_QUANTITY = re.compile(
    rf"\d[\d,.]*|\b(?:{_NUMBER_WORDS})\b|\b(?:a|an|several|a few|many)\s+{_TIME_UNIT}\b",
    re.IGNORECASE,
)
_YEAR = r"(?:1[5-9]|20)\d\d"  # 1500-2099
YEAR = re.compile(rf"\b{_YEAR}\b")
_WEEKDAY = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DATE = re.compile(
    rf"\b{_YEAR}\b|\b{_MONTH}\b\.?(?:\s+\d{{1,2}}\b)?|\b\d{{1,2}}\s+{_MONTH}\b|\b\d{{1,2}}:\d\d\b|"
    rf"\b(?:{_WEEKDAY}|yesterday|today|tonight|noon|midnight|morning|afternoon|evening|dawn)\b",
    re.IGNORECASE,
)


def _capitalised_word(excluded: str, word: str) -> str:
    """A pattern for `word` unless it is one of the `excluded` alternatives, in capitals too ("AND" of a heading
    run into its paragraph: "METHODS AND FINDINGS Between 2003 and 2009, ...")."""
    return rf"(?!(?i:{excluded})\b){word}"


# Capitalised words that name nothing: function words, titles, months and weekdays ("On Tuesday" is no name).
_NOT_PROPER = (
    r"The|A|An|On|In|At|By|For|From|To|Of|And|But|Or|As|If|It|Its|He|She|They|We|His|Her|Their|This|That|"
    r"These|Those|There|When|While|After|Before|During|Since|Until|With|Mr|Mrs|Ms|Dr|Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|October|"
    r"November|December"
)
_PROPER = _capitalised_word(_NOT_PROPER, r"[A-Z][\w’'-]+")
# A word of a person's name: not in capitals ("DEFENCE MINISTRY"), not a word naming an institution.
_INSTITUTION = (
    r"Ministry|Ministries|Committee|Council|Party|Union|Republic|Army|Force|Forces|Office|Government|Agency|"
    r"Court|Assembly|Parliament|Church|Cross|News|Press|University|Department|Service|Services|Nations|Bank|"
    r"Company|Corporation|Institute|Organi[sz]ation|Group|Movement|Front|Guard|Police|Navy|Corridor|Region|"
    r"State|States|Statement|Affairs|Defen[cs]e|Security|Foreign|Human|Rights|International|National|"
    r"President|Prime|Minister|Secretary|Ombudsman|General|Commander|Chief|Spokes(?:man|woman|person)|Ambassador|"
    r"Deputy|Mayor|Governor|Director|Envoy|Colonel|Major|Lieutenant|Captain|Sergeant"
)
_PERSON_WORD = _capitalised_word(f"{_INSTITUTION}|{_NOT_PROPER}", r"[A-Z][a-z][\w’'-]*")
_NAME = re.compile(
    rf"\b{_PERSON_WORD}(?:\s+(?:(?:de|van|von|der|al|bin|da|del|la|le)\s+)?{_PERSON_WORD})+|"
    r"\b(?:Mr|Mrs|Ms|Dr)\.?\s+[A-Z][a-z][\w’'-]*"
)
_ROLE = (
    r"person|people|official|minister|president|leader|spokes(?:person|man|woman)|reporter|journalist|"
    r"correspondent|expert|analyst|advis[eo]r|aide|fellow|prosecutor|director|member|commander|ambassador|"
    r"chief|head|envoy|diplomat|politician|ombudsman|defender|secretary|general|researcher|writer|author|"
    r"photographer|activist|founder|chairman|chair|mayor|governor|king|queen|pope|judge|doctor|physician|surgeon|"
    r"nurse|scientist|engineer|architect|designer|inventor|professor|teacher|librarian|lawyer|officer|manager|owner|"
    r"artist|poet|composer|player|coach|candidate|priest|bishop"
)
_ENTITY = (
    r"company|firm|organi[sz]ation|agency|newspaper|channel|outlet|party|group|country|city|town|village|"
    r"region|province|district|place|street|road|bridge|airport|river|mountain|building|cathedral|church|"
    r"university|institution|ministry|court|team|club|stadium|hospital|museum|brand|manufacturer|maker|publisher|"
    r"journal|magazine|database|website|airline|language|award|prize"
)
# "Which cities ...", "which two roads ...": the same, more than one.
_ENTITIES = "|".join(
    noun[:-1] + "ies" if noun.endswith("y") else noun + ("es" if noun.endswith("ch") else "s") for noun in _ENTITY.split("|")
)
# A name the question does not already contain: a capitalised word that does not start the sentence.
_PROPER_WORD = re.compile(rf"(?<![.!?:]\s)(?<!^)\b{_PROPER}")
# A heading in capitals run into the sentence it opens, as structured abstracts print them ("METHODS AND FINDINGS
# Between 2003 and 2009, ...", "DESIGN, SETTING, AND PARTICIPANTS ..."), and the word opening the sentence after
# it: capitals that name nothing.
_HEADING_RUN = re.compile(r"^\s*(?:[A-Z]{2,}[,:;]?\s+){2,}(?:[A-Z][\w’'-]*\b)?")
_LENGTH_UNIT = r"(?:km|kilomet(?:er|re)s?|miles?|met(?:er|re)s?|feet|foot|cm|centimet(?:er|re)s?|mm|millimet(?:er|re)s?)"
_MASS_UNIT = r"(?:[mµμk]g|micrograms?|milligrams?|grams?|kilograms?|tonnes?|tons?)"  # not "g" ("G-7") or "pounds" (£)
_PERCENT = r"(?:%|per\s?cent\b|percentage points?\b)"
# Money: an amount after a currency's sign or code ("$150 million", "US$1,500", "€5", "USD 20") or before its name or
# code ("2 billion dollars", "300 manats", "5 billion AMD"); a count alone ("150 million") is none.
_CURRENCY_CODE = r"(?-i:USD|EUR|GBP|JPY|CNY|RUB|CHF|INR|CAD|AUD|AMD|AZN)"
_CURRENCY = rf"(?:[$€£¥₹₽₼֏]|\b{_CURRENCY_CODE})\s?\d[\d,.]*(?:\s?(?:thousand|million|billion|trillion|bn|m)\b)?"
_CURRENCY_NAME = (
    r"(?:(?:thousand|million|billion|trillion|bn)\s+)?(?:(?:US|American|Canadian|Australian)\s+)?(?:dollars?|euros?|"
    rf"pounds?|yen|yuan|renminbi|r[ou]{{1,2}}bles?|manats?|drams?|rupees?|francs?|liras?|pesos?|cents?|{_CURRENCY_CODE})"
)
# An amount before its unit: "150 minutes", "300mg", "two hours", "a few days".
_AMOUNT = rf"(?:\d[\d,.]*[\s-]*|\b(?:{_NUMBER_WORDS}|a|an|several|a few|many)[\s-]+)"


def _measured_in(unit: str) -> str:
    """A pattern for an amount in `unit`: "10 mg/kg", "26%", "twenty per cent"."""
    return rf"{_AMOUNT}{unit}(?!\w)"


# "How long ..." is answered by a length of time or of road, "what year ..." by a year: a bare number or day is no answer.
_YEAR_SPAN = rf"\b{_YEAR}\s*(?:-|–|to|until)\s*(?:1[5-9]|20)?\d\d\b"  # "1988-94" too
_DURATION = re.compile(rf"{_measured_in(f'(?:{_TIME_UNIT}|{_LENGTH_UNIT})')}|{_YEAR_SPAN}", re.IGNORECASE)
# "What was the median age ...?" is answered by an age: "aged 55", "20 years old", "a median age of 62", "mean age, 58.3".
_AGE = re.compile(
    rf"{_measured_in('years?')}|\baged\s+(?:\w+\s+)?\d|\bages?\b[\s,:=(]*(?:(?:was|were|is|of|at \w+)\s+)*\d",
    re.IGNORECASE,
)
# A rate, prevalence or share ("what proportion ...", "how common ...") is a percentage, an amount per something
# ("3.2 per 100,000", "70 beats per minute") or a fraction ("a third", "one in five"); a count alone is none.
_SHARE = re.compile(
    rf"{_measured_in(_PERCENT)}|\d[\d,.]*(?:\s+[\w-]+){{0,3}}\s+per\s+[\w,]+|"
    r"\b(?:half|(?:a|one|two)\s+(?:third|quarter|fifth|tenth)s?|one\s+in\s+[\w,]+)\b",
    re.IGNORECASE,
)
# A day of a month, either way round: "8 October", "the 8th of October", "Sept. 19"; or days: "1-20 October".
_DAY_OF_MONTH = re.compile(
    r"\b(?:(?P<first>\d{1,2})(?:st|nd|rd|th)?\s*(?P<joined>-|–|to|and|until)\s*)?"
    rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_MONTH})\b|"
    rf"\b(?P<month_first>{_MONTH})\.?\s+(?P<day_after>\d{{1,2}})(?:st|nd|rd|th)?\b(?![:\d])"
)
_DAY = re.compile(
    rf"{_DAY_OF_MONTH.pattern}|\b\d{{4}}-\d\d-\d\d\b|\b(?:{_WEEKDAY})\b",
    re.IGNORECASE,
)
# The day a question's event fell on: "dismissed on 8 October 2020", "as of 28 October", not "the 10 October truce".
_ON_DAY = re.compile(rf"\b(?:on|as of|by|since|until)\s+(?:\w+day,?\s+)?(?={_DAY_OF_MONTH.pattern})", re.IGNORECASE)


# What joins two days into the span between them: "27 September - 10 November", "8 to 27 October"; "and" only
# after "between", for "on 8 and 27 October" names two days.
_SPAN_TO = re.compile(r"\s*(?:-|–|to|until|till|through)\s*", re.IGNORECASE)
_SPAN_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween\s+$", re.IGNORECASE)


def _joins_span(joined: str, before: str) -> bool:
    """Whether `joined`, the text between two days, makes them the ends of one span; `before` precedes the first."""
    return bool(_SPAN_TO.fullmatch(joined) or (_SPAN_AND.fullmatch(joined) and _BETWEEN.search(before)))


def days_of_month(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The days of a month `text` names, in order, each as the (month, day) it starts and ends on: a day ends where
    it starts, "1-20 October", "from 27 September to 10 November" and "between 1 and 20 October" are spans."""
    days: list[tuple[tuple[int, int], bool]] = []  # each day named, and whether it ends a span from the one before
    previous = None
    for named in _DAY_OF_MONTH.finditer(text):
        month = _MONTH_ABBREVIATIONS.index((named["month"] or named["month_first"])[:3].lower()) + 1
        after_previous = previous is not None and _joins_span(
            text[previous.end() : named.start()], text[: previous.start()]
        )
        if named["first"]:
            days.append(((month, int(named["first"])), after_previous))
            after_previous = _joins_span(f" {named['joined']} ", text[: named.start()])
        days.append(((month, int(named["day"] or named["day_after"])), after_previous))
        previous = named
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for day, ends_span in days:
        if ends_span:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


# Digits that count nothing: a model or code name ("T-72", "COVID-19", "9K33") or a date ("27 September 2020").
_NOT_QUANTITY = re.compile(rf"[A-Za-z]+-?\d[\w-]*|\d+[A-Z]+\d[\w-]*|{_DATE.pattern}", re.IGNORECASE)
# Words between "which"/"what" and the noun it asks about ("which Azerbaijani official"); a verb ends them:
# "what did the director say" asks what was said, not which director.
_AUXILIARY = r"did|does|do|is|was|were|are|has|have|had|will|would|can|could|should|may|might"
_MODIFIERS = rf"(?:(?!(?:{_AUXILIARY})\b)[\w'’-]+\s+)"


# What the measure kinds below ask for, by the noun naming it: "what percentage ...", "what proportion ...", "what
# was the median age ...", "what was the budget ..."; money also by a verb ("how much did it cost ...").
_PERCENTAGE_WORD = r"percentage|per\s?cent"
_SHARE_WORD = r"rates?|prevalence|incidence|proportion|share"
_AGE_WORD = r"ages?"
_MONEY_WORD = r"costs?|price|pay|salary|wages?|budget|income|fees?|fines?|revenue|funding|profits?|spending"
_MONEY_VERB = r"cost|pay|paid|spend|spent|raised?|earn(?:ed)?|charged?|donated?|invested?|owed?|worth|sold for|fund(?:ed)?"
# "What will a dose cost?", "What did the renovation cost in total?": a price, unless it cost someone something
# ("What did the war cost Armenia?", "What did it cost him?") or "cost" is a noun ("What did they say about the cost?").
_WHAT_COST = (
    r"\bwhat\s+(?:will|would|did|does|do|could|might|should)\s+(?:[\w'’-]+\s+){1,6}?"
    r"(?<!\bthe\s)(?<!\ba\s)(?<!\ban\s)(?<!\bits\s)(?<!\btheir\s)(?<!\bthis\s)(?<!\babout\s)(?<!\bof\s)cost\b"  # the verb
    r"(?!\s+(?:of\b|him|her|them|us|me|you\b|(?-i:[A-Z])))"
)
# "What is the superintendent paid per year?", "What do nurses earn?": pay, not what it was paid for or to whom, nor an
# earned thing ("What did the report earn its author?").
_WHAT_PAID = (
    rf"\bwhat\s+(?:{_AUXILIARY})\s+(?:[\w'’-]+\s+){{1,6}}?(?:be(?:en)?\s+)?(?:paid|earn(?:ed|s)?)\b"
    r"(?!\s+(?:for|to|by|a|an|the|his|her|its|their|him|them|praise|respect|tribute|attention)\b)"
)
# What a number measures: "what worldwide prevalence ...", "what annual cost ...", "what was the mean BMI ...". The
# kinds above take their own measures first; all are here, so that "what is the fee ..." asks for no description.
_MEASURE = (
    rf"{_PERCENTAGE_WORD}|{_SHARE_WORD}|{_AGE_WORD}|{_MONEY_WORD}|numbers?|population|amount|size|distance|tolls?|"
    r"ratios?|odds|doses?|dosage|length|height|weight|width|depth|speed|temperature|score|count|total|sum|mean|"
    r"median|average|coordinates|concentration"
)


@dataclass(frozen=True)
class Evidence:
    """What an answer of one kind looks like (`pattern`), minus what only looks like it (`not_it`, blanked first)."""

    pattern: re.Pattern
    not_it: re.Pattern | None = None
    names: bool = False  # an answer is a name: words that name no one (`not_names`) do not count
    # A required kind rules out a sentence without it ("how many" needs a number). A kind many answers
    # give in other words (a description) only raises the sentences that hold it.
    required: bool = True

    def answers(self, text: str) -> tuple[str, ...]:
        """The answers of this kind in `text`: each match, or the part of it a pattern names `answer`."""
        return _answers_in(self, text)


@lru_cache(maxsize=8192)  # a sentence is asked about by every part of a question and again by the next question
def _answers_in(evidence: Evidence, text: str) -> tuple[str, ...]:
    """`Evidence.answers`, kept: the costliest step of reading a sentence, asked again for each part of a question."""
    if evidence.not_it is not None:
        text = evidence.not_it.sub(lambda m: " " * len(m.group()), text)
    return tuple(match.groupdict().get("answer") or match.group() for match in evidence.pattern.finditer(text))


def _in_units(unit: str, or_else: str | None = None) -> Evidence:
    """An answer that is an amount in `unit` (or matches `or_else`)."""
    return Evidence(re.compile(_measured_in(unit) + (f"|{or_else}" if or_else else ""), re.IGNORECASE))


@lru_cache(maxsize=16)
def _time_in(unit: str) -> Evidence:
    """An amount in the unit of time the question names: "how many minutes" is answered by "150 minutes" or "90 min",
    not by "a 24-week programme"; "how many years" by a span of years too ("from 1988 to 1994")."""
    unit = unit.lower().removesuffix("s")
    if unit.startswith("centur"):
        return _in_units("centur(?:y|ies)")
    if unit == "year":
        return _in_units("years?", _YEAR_SPAN)
    short = _TIME_ABBREVIATIONS.get(unit)
    return _in_units(f"(?:{unit}s?|{short})" if short else f"{unit}s?")


# "What was the median ...", "what annual ...": the words before the noun naming what is measured.
_WHAT_MEASURE = rf"\b(?:what|which) (?:(?:is|was|are|were) (?:the |its |their )?)?{_MODIFIERS}{{0,3}}?"
# "what exact date", "which years": a time noun after which/what, perhaps with a word that narrows it.
_WHEN_NOUN = r"\b(?:what|which)\s+(?:(?:exact|precise|specific|particular|same)\s+)?"
_ASKS = (
    ("duration", re.compile(r"\bhow long\b", re.IGNORECASE), Evidence(_DURATION)),
    ("duration", re.compile(rf"\bhow many (?P<unit>{_TIME_UNIT})", re.IGNORECASE), lambda asked: _time_in(asked["unit"])),
    # A question that names its unit ("how many km", "in mg per kilogram", "what percentage") is answered by an
    # amount in a unit of that measure: a number in another ("a 24-week programme") is no answer.
    *(
        (name, re.compile(rf"\bhow (?:many|much) {unit}\b|\bin {unit}\b", re.IGNORECASE), _in_units(unit))
        for name, unit in (("length", _LENGTH_UNIT), ("mass", _MASS_UNIT))
    ),
    ("percentage", re.compile(rf"{_WHAT_MEASURE}(?:{_PERCENTAGE_WORD})\b", re.IGNORECASE), _in_units(_PERCENT)),
    (
        "share",
        re.compile(
            rf"{_WHAT_MEASURE}(?:{_SHARE_WORD})\b|\bhow (?:common|prevalent)\b", re.IGNORECASE
        ),
        Evidence(_SHARE),
    ),
    ("age", re.compile(rf"{_WHAT_MEASURE}(?:{_AGE_WORD})\b", re.IGNORECASE), Evidence(_AGE)),
    (
        "money",
        re.compile(
            rf"\bhow much (?:money|cash|funding)\b|\bhow much\b[^?]*\b(?:{_MONEY_VERB})\b|{_WHAT_MEASURE}(?:{_MONEY_WORD})\b|"
            rf"{_WHAT_COST}|{_WHAT_PAID}",
            re.IGNORECASE,
        ),
        Evidence(re.compile(rf"{_CURRENCY}|{_measured_in(_CURRENCY_NAME)}", re.IGNORECASE)),
    ),
    ("year", re.compile(rf"{_WHEN_NOUN}years?\b", re.IGNORECASE), Evidence(YEAR)),
    # "On what date ...", "which day ...": a day, of a month or of the week ("On Tuesday"); a year or month is none.
    ("day", re.compile(rf"{_WHEN_NOUN}(?:dates?|days?)\b", re.IGNORECASE), Evidence(_DAY)),
    (
        "number",
        re.compile(
            r"\bhow (?:many|much|far|close|large|big|old|often|high|deep|wide|frequent(?:ly)?)\b|"  # "how common": a share
            rf"{_WHAT_MEASURE}(?:{_MEASURE})\b",
            re.IGNORECASE,
        ),
        Evidence(_QUANTITY, _NOT_QUANTITY),
    ),
    (
        "date",
        re.compile(
            r"^\s*(?:since |until |by |on |in |at )?when\b|"
            rf"{_WHEN_NOUN}(?:months?|time|weeks?|decades?|century)\b",  # "what year", "what date": the kinds above
            re.IGNORECASE,
        ),
        Evidence(_DATE),
    ),
    (
        "person",
        re.compile(
            rf"^\s*(?:who|whom|whose)\b|\b(?:which|what)\s+{_MODIFIERS}{{0,4}}?(?:{_ROLE})s?\b|"
            rf"\bnames? of (?:the |a |an )?(?:[\w'’-]+\s+){{0,4}}?(?:{_ROLE})s?\b",
            re.IGNORECASE,
        ),
        Evidence(_NAME, names=True),
    ),
    (
        "name",
        re.compile(rf"^\s*where\b|\b(?:which|what)\s+{_MODIFIERS}{{0,3}}?(?:{_ENTITY}|{_ENTITIES})\b", re.IGNORECASE),
        Evidence(_PROPER_WORD, _HEADING_RUN, names=True),
    ),
)
# "What is the Lachin corridor?", "Tell me about the Lachin corridor.", "Who was Arman Tatoyan?": a description
# of something the question names.
_DEFINITION = re.compile(
    r"^\s*(?:(?:what\s+(?:is|was|are|were)|(?:please\s+)?(?:tell\s+me\s+about|describe|explain)|"
    r"what\s+do\s+(?:the\s+documents|they|you)\s+(?:say|know)\s+about)\s+(?:(?:the|a|an)\s+)?"
    r"(?!(?:in|on|at|by|for|from|to|of|with|it|this|that|these|those|there|he|she|they|his|her|their|its|"
    r"how|why|what|when|where|who|which|whether)\b)"  # "Explain why ..." asks for a reason
    r"(?!\w+(?:ing|ed)\b)(?P<thing>[^?,;:]{2,60}?)"
    r"|who\s+(?:is|was|are|were)\s+(?:the\s+)?"  # a name alone: "Who was Stepanakert shelled by?" asks for another
    r"(?P<person>(?-i:[A-Z][\w’'.-]*(?:\s+(?:(?:de|van|von|der|al|bin|da|del|la|le)\s+)?[A-Z][\w’'.-]*){0,4})))\s*[?.!]?\s*$",
    re.IGNORECASE,
)
# "What does 'Contribution' mean?", "What does ASGI stand for?", "What does path.join do?": a description too
# ("What does Aliyev mean by a local operation?" asks what someone meant).
_MEANING = re.compile(
    r"^\s*what\s+(?:does|do)\s+(?P<thing>[^?,;:]{2,60}?)\s+(?:mean(?!\s+by\b)|stand\s+for|do\s*[?.!]?\s*$)", re.IGNORECASE
)
# What a thing is called in a manual: "The path.join() method joins ...", "The recursive option creates ..."
_THING = r"method|function|class|module|property|option|command|field|event|flag|attribute|parameter|setting|macro|variable"
# A quoted term opening the subject is what it asks about: 'What is a "Derivative Work" under the licence?' (but
# in "What is Azerbaijan's 'anti-terrorist' operation?" the quotation marks only doubt a word).
_QUOTED_TERM = re.compile(r"[\"“'‘](?P<term>[^\"“”'‘’]{2,60})[\"”'’](?!\w)")
# ...unless it asks for someone holding a role, a measure, a name or a time: "Who is the regional director?", or
# for pay: "What were the fighters paid?"
_NOT_DESCRIBED = re.compile(
    rf"\b(?:{_ROLE}|{_MEASURE}|{_ENTITY}|names?|dates?|years?|days?|months?|time|reasons?)\b|\b(?:paid|earn(?:ed|s)?)$",
    re.IGNORECASE,
)


def _described(subject: str) -> Evidence:
    """Sentences that say what `subject` is: "the Lachin corridor, the sole highway ...", "Siranush Sargsyan, a
    freelance journalist", "X is a ...", "X joins ...", "known as X", "Nagorno-Karabakh (Artsakh)", "President Ilham Aliyev",
    "the region's capital, Stepanakert", and as glossaries and licences define terms: '"Derivative Works" shall
    mean ...', "ASGI stands for ...".
    Soft: a description takes many other forms."""
    name = r"\s+".join(re.escape(word) for word in subject.split())
    first_word = r"\s+[\w’'-]+"  # the first word of the description, which the question does not hold
    said = (
        rf"\b{name}(?:e?s)?[\"”’']?\s*(?:\([^)]{{1,60}}\)\s*)?(?:shall\s+mean|means|refers?\s+to|is\s+defined\s+as|"
        rf"stands?\s+for|denotes)\b{first_word}|"
        rf"\b{name}\b(?:\s*\([^)]{{1,60}}\))?\s*,\s*(?:(?:a|an|the|whose|known|also|one|once|now|formerly)\b{first_word}|"
        rf"(?:who|which)\s+(?!(?:the|a|an|he|she|it|they|we|you|i)\b)(?-i:[a-z])[\w’'-]*)|"  # "which connects", not "which Bellingcat ..."
        rf"\b{name}\s+(?:is|was|are|were)\s+(?:a|an|the|one|known)\b{first_word}|"
        rf"\b{name}(?:\([^)]{{0,40}}\))?\s+(?:(?:{_THING})\s+)?(?-i:[a-z]{{3,}}s)\b|"  # "path.join() joins ...": what it does
        rf"[\w’'-]+\s+(?:is|was|are|were)\s+(?:a|an|the)\s+{name}\b|"
        rf"\b{name}\s*\([A-Za-z][^)]{{2,60}}\)|[\w-]+\s*\(\s*{name}\s*\)|"
        rf"\b(?:known as|called|named|dubbed)\s+(?:the\s+)?{name}\b|"
        rf"\b(?:{_ROLE})s?(?:\s+of\s+[\w-]+)?,?\s+{name}\b|"
        rf"\b(?:the|a|an)\s+(?:[\w’'-]+\s+){{0,3}}?(?-i:[a-z])[\w’'-]*,\s+(?:the\s+)?{name}\b"  # "the region's capital, Stepanakert"
    )
    return Evidence(re.compile(said, re.IGNORECASE), required=False)


# Words that frame a question rather than say what it is about.
_FRAME = re.compile(
    r"^\s*(?:please\s+)?(?:tell me about|describe|explain)\b|\bwhat do (?:the documents|they|you) (?:say|know) about\b|"
    r"\bhow (?:many|much|long|far|close|large|big|old|often|high|deep|wide)\b|\b(?:what|which) is the name of\b|"
    r"\bname of\b|\baccording to\b|\bwhat (?:kind|sort|type) of\b|\b(?:what|which) (?:year|date|day|month|time)\b",
    re.IGNORECASE,
)
# Where a question asks a second question: "...? ...", "...; ...", "..., and when ...". An aside in brackets after
# the question mark is no second question: "What did he share? (Arman Tatoyan)", as a follow-up is rewritten.
_PART_BREAK = re.compile(
    r"[?;](?!\s*\()\s*|,?\s+(?:and|but|or)\s+(?=(?:(?:after|before|in|on|at|by|with|for|from|to|of|during|since|under)\s+)?"
    r"(?:how|what|when|where|who|whom|whose|which|why)\b)",
    re.IGNORECASE,
)
# "..., both during X and after Y?" asks the same thing twice: once with X, once with Y.
_BOTH = re.compile(r"^(?P<head>.+?),?\s+both\s+(?P<first>.+?)\s+and\s+(?P<second>[^?]+)\??\s*$", re.IGNORECASE)
_ATOM = re.compile(r"\w+(?:[.,]\d+)*")
_POSSESSIVE = re.compile(r"['’]s\b")
_STEM_FORM = 5  # least length of a stem whose longer or shorter form counts as the same word


_NOT_NAMES: WeakKeyDictionary = WeakKeyDictionary()
_WRITTEN_CAPITALISED: WeakKeyDictionary = WeakKeyDictionary()
# "what's", "who're": a question word run into its verb
_CONTRACTED = re.compile(r"\b(what|who|where|when|how|which|why|that)['’](s|re)\b", re.IGNORECASE)
_TYPED_WORD = re.compile(r"[\w’'-]+")


def place_adjectives(place: str) -> set[str]:
    """The adjectives (and their plurals) a place name may make: Armenia-n, Azerbaijan-i, Iran-ian, Ukrain(e)-ian,
    Chin(a)-ese, Turk-ish."""
    stem = place[:-1] if place[-1] in "ae" else place
    found = {place + "i", place + "ian", stem + "ian", stem + "ese", place + "ish"}
    if place.endswith("a"):
        found.add(place + "n")
    return found | {word + "s" for word in found}


def not_names(index: Index) -> frozenset[str]:
    """Lower-cased capitalised words of the corpus that name no one: words it also writes in lower case
    ("Armed" of "Armenian Armed Forces", "HANDOUT" of a photo credit), adjectives of places it names
    ("Armenian" beside "Armenia") and acronyms of terms ("BMI" of "body mass index")."""
    if index not in _NOT_NAMES:
        lower, capitalised, terms = index.case_forms
        places = {adjective for place in capitalised if len(place) >= 4 for adjective in place_adjectives(place)}
        common = {w.lower() for w in capitalised if w.lower() in lower or w in places}
        _NOT_NAMES[index] = frozenset(common | {t.lower() + plural for t in terms for plural in ("", "s")})
    return _NOT_NAMES[index]


def written_capitalised(index: Index) -> dict[str, str]:
    """Words the corpus only ever writes capitalised (names: "Pashinyan", "Stepanakert"), by their lower case."""
    if index not in _WRITTEN_CAPITALISED:
        lower, capitalised, _ = index.case_forms
        found: dict[str, str] = {}
        for word in sorted(capitalised, reverse=True):  # "Nato" before "NATO": the title-case form wins
            if word.lower() not in lower:
                found.setdefault(word.lower(), word)
        _WRITTEN_CAPITALISED[index] = found
    return _WRITTEN_CAPITALISED[index]


def as_written(question: str, index: Index) -> str:
    """The question as the documents would write it: "what's" spelt in full, and, when it was typed all in
    lower case, each word the corpus only ever writes capitalised given its capitals ("who is nikol pashinyan"
    reads as "who is Nikol Pashinyan"), so that it is read as asking about them."""
    question = _CONTRACTED.sub(lambda m: f"{m[1]} {'is' if m[2].lower() == 's' else 'are'}", question)
    if any(ch.isupper() for ch in question[1:]):
        return question  # capitalised as its writer meant it
    names = written_capitalised(index)
    return _TYPED_WORD.sub(lambda m: names.get(m.group(), m.group()), question)


def atoms(text: str) -> set[str]:
    """Lower-cased words and numbers of `text` ("3,154" stays one), without the "s" of a possessive: "Armenia's
    army" names no one the question "Who leads Armenia?" does not."""
    return set(_ATOM.findall(_POSSESSIVE.sub("", text.casefold())))


@dataclass
class Part:
    """One question within a question (most questions are a single part)."""

    text: str
    terms: dict[str, float]  # content words with their IDF
    evidence: Evidence | None  # what a sentence answering it must hold
    own: dict[str, float] = field(default_factory=dict)  # its words no other part has (what sets it apart)
    kind: str | None = None  # the kind of answer it asks for (`expected_type`)
    unnamed: re.Pattern | None = None  # the thing it asks which of, mentioned without saying which (`unnamed_mention`)


# "Which air defence system did ...": the thing a which-question asks to be identified (its last word before the verb).
_WHICH_THING = re.compile(
    r"^\s*(?:which|what)\s+(?:(?:type|kind|sort|make|model|brand)s?\s+of\s+)?"
    rf"(?:(?!(?:{_AUXILIARY}|of|in|on|for|to|from|by|with|at)\b)[\w-]+\s+){{0,3}}?"  # no possessive: "which country's"
    r"(?!(?:it|they|he|she|we|you|this|that|these|those|there)\b)(?P<thing>(?-i:[a-z][\w-]+))"
    rf"\s+(?:{_AUXILIARY})\b",
    re.IGNORECASE,
)


def unnamed_mention(question: str) -> re.Pattern | None:
    """For a question asking which thing ("Which Turkish satellite were they protesting?"), the thing as a sentence
    may mention it without saying which: after an article or a possessive ("the Turkish satellite", "an air defense
    system", "its drones") and not followed by a name, a number or what tells it apart ("of ...", "called ..."),
    nor set off by a comma after what it describes ("polyethylene glycol, a waxy substance").
    A name among its `modifiers` says which too ("the Ghazanchetsots Cathedral"; see `Question.leaves_unnamed`)."""
    asked = _WHICH_THING.match(question)
    if asked is None:
        return None
    thing = re.escape(asked["thing"].lower())
    return re.compile(
        r"(?<![,(–—]\s)\b(?:a|an|the|this|that|these|those|its|their|his|her)\s+"  # not an appositive: ", a ..."
        rf"(?P<modifiers>(?:[\w'’-]+\s+){{0,3}}?){thing}(?:s|es)?\b"
        r"(?!(?:\s*[,(:–—-]\s*(?:(?:a|an|the)\s+)?|\s*)"  # then nothing that says which
        r"(?:(?-i:[A-Z0-9])|[“\"'‘]|(?:of|called|named|known|dubbed|nicknamed|codenamed)\b))",
        re.IGNORECASE,
    )


# Verbs a who-question may ask the agent of, in the form a passive sentence gives it ("brokered by Russia").
_PARTICIPLE = re.compile(r"\b(?:[a-z]{3,}ed|led|won|held|given|taken|written|made|built|shot|hit|sent|sold|bought)\b")


# What "by the ..." names when it tells when, not who: "built by the end of 1871".
_NOT_AGENT = r"time|end|start|beginning|middle|close|turn|way|year|month|week|day|hour"


def _agent_named(question: str, evidence: Evidence) -> Evidence:
    """A who-question's evidence, plus the agent of its own verb: "Who brokered the ceasefire?" is answered by
    "a ceasefire brokered by Russia", though a country is no person's name, and "Who built the lighthouse?" by
    "built in 1871 by the harbour board", a body named in lower case after an article."""
    verbs = sorted(set(_PARTICIPLE.findall(question)))
    if not verbs:
        return evidence
    agent = (
        rf"\b(?:{'|'.join(verbs)})(?:\s+(?!by\b)[\w’'-]+){{0,3}}\s+by\s+(?:(?P<article>the|an?)\s+)?(?P<answer>"
        rf"(?(article)(?!(?:{_NOT_AGENT})\b)(?:[^\W\d][\w’'-]+\s+)?[a-z][\w’'-]+|(?!))|"  # lower case after an article
        rf"{_PROPER}(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'-]+)*)"
    )
    return Evidence(re.compile(f"{evidence.pattern.pattern}|{agent}"), names=True)


def expected_type(question: str) -> tuple[str | None, Evidence | None]:
    """The kind of answer a question asks for and the pattern an answer of that kind matches."""
    definition = _DEFINITION.match(question) or _MEANING.match(question)
    subject = definition and (definition.groupdict().get("thing") or definition.groupdict().get("person"))
    if subject and (quoted := _QUOTED_TERM.match(subject)):
        subject = quoted["term"]
    if subject and content_terms(subject) and not _NOT_DESCRIBED.search(subject):
        return "definition", _described(subject)
    for name, asks, evidence in _ASKS:
        if asked := asks.search(question):
            if callable(evidence):
                evidence = evidence(asked)
            return name, _agent_named(question, evidence) if name == "person" else evidence
    return None, None


def _spelt_out(acronym: str) -> re.Pattern:
    """Capitalised words with the acronym's initials ("ICRC": International Committee of the Red Cross)."""
    filler = r"(?:[^\S\n]+(?:of|the|and|for|on|de|du|des|la|le)\b)*[^\S\n]+"  # on one line
    return re.compile(r"\b" + filler.join(rf"{letter}[\w’'-]*" for letter in acronym) + r"\b")


_ACRONYM = re.compile(r"\b(?![IVXLCDM]+\b)[A-Z]{2,6}\b")  # not a Roman numeral ("Karekin II")
_SPELLINGS: WeakKeyDictionary = WeakKeyDictionary()


def spelling(acronym: str, index: Index) -> str | None:
    """How the corpus spells out an acronym it never writes ("ICRC": "International Committee of the Red
    Cross"), or None; each acronym's documents are scanned once per index."""
    if any(index.bm25.document_frequency(t) for t in content_terms(acronym)):
        return None
    found = _SPELLINGS.setdefault(index, {})
    if acronym not in found:
        pattern = _spelt_out(acronym)
        found[acronym] = next((m.group() for d in index.documents.values() for m in [pattern.search(d.text)] if m), None)
    return found[acronym]


def spell_out_acronyms(text: str, index: Index) -> str:
    """`text` with each acronym the corpus never writes but spells out followed by how it spells it:
    "What did the ICRC say?" -> "What did the ICRC (International Committee of the Red Cross) say?", so
    that retrieval finds the passages naming it."""

    def spelt(match: re.Match) -> str:
        found = spelling(match.group(), index)
        return f"{match.group()} ({found})" if found else match.group()

    return _ACRONYM.sub(spelt, text)


class Question:
    """A question read once against the index it will be answered from (see the module docstring)."""

    def __init__(self, text: str, index: Index) -> None:
        text = as_written(text, index)
        self.text = text
        self.index = index
        self.atoms = atoms(text)
        self.years = set(YEAR.findall(text))
        self.days = {days_of_month(text[on.end():])[0][0] for on in _ON_DAY.finditer(text)}  # the days it asks about
        terms = self.weighted_terms(text)
        self.whole = self._part(text, terms)
        self.unknown = {t: w for t, w in terms.items() if index.bm25.document_frequency(t) == 0}
        total = sum(terms.values())
        self.unknown_share = sum(self.unknown.values()) / total if total else 0.0
        self.acronyms = {w.lower(): _spelt_out(w) for w in _ACRONYM.findall(text)}
        self.unknown_names = [w for w in _PROPER_WORD.findall(text) if self._unknown_name(w)]
        self.parts = self._parts()

    @property
    def terms(self) -> dict[str, float]:
        return self.whole.terms

    def idf(self, term: str) -> float:
        """BM25's IDF over chunks; a word the corpus never uses weighs as much as the rarest one it does."""
        n, df = self.index.bm25.size, max(1, self.index.bm25.document_frequency(term))
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def weighted_terms(self, text: str) -> dict[str, float]:
        """Content words of `text` (framing words dropped; single characters are not indexed) with their IDF."""
        return {t: self.idf(t) for t in content_terms(_FRAME.sub(" ", text)) if len(t) > 1}

    def _unknown_name(self, word: str) -> bool:
        if not any(t in self.unknown for t in content_terms(word)):
            return False
        return not (_ACRONYM.fullmatch(word) and spelling(word, self.index))  # an acronym the corpus spells out is known

    @cached_property
    def _stem_forms(self) -> tuple[frozenset[str], dict[str, set[str]]]:
        """The question's words of 5 letters or more, and each of their prefixes of 5 or more with the words it starts."""
        long = frozenset(t for t in self.terms if len(t) >= _STEM_FORM)
        starting: dict[str, set[str]] = {}
        for term in long:
            for end in range(_STEM_FORM, len(term) + 1):
                starting.setdefault(term[:end], set()).add(term)
        return long, starting

    @cached_property
    def _compounds(self) -> dict[str, set[str]]:
        """Two neighbouring question words written as one ("key pair": "keypair"), with the question's terms they are."""
        compounds: dict[str, set[str]] = {}
        for joined, first, second in joined_words(self.text):
            terms = {t for t in content_terms(f"{first} {second}") if t in self.terms}
            if terms and len(joined) >= _STEM_FORM:
                compounds.setdefault(joined, set()).update(terms)
        return compounds

    def related(self, words: Set[str], text: str) -> set[str]:
        """Question words `text` holds in another form: a longer or shorter form of the same stem
        ("partner", "partnership"; both of 5 letters or more), written as one word or as two ("keypair" for
        "key pair", "cease-fire" for "ceasefire"), or the words an acronym stands for ("ICRC")."""
        long, starting = self._stem_forms
        found: set[str] = set()
        for word in words:
            if word[:_STEM_FORM] in starting:  # shares its first 5 letters with a question word
                found |= starting.get(word, set())  # the question's word is a longer form
                found.update(word[:end] for end in range(_STEM_FORM, len(word) + 1) if word[:end] in long)  # a shorter one
            found |= self._compounds.get(word, set())
        found.update(joined for joined, *_ in joined_words(text) if joined in self.terms)
        found = {t for t in found if t not in words}
        return found | {t for t, spelt in self.acronyms.items() if t in self.terms and spelt.search(text)}

    @staticmethod
    def _part(text: str, terms: dict[str, float]) -> Part:
        """A question (or one within it) read for the kind of answer it asks for; one asking for none ("which
        satellite ...?") may still ask which thing, and a mere mention of that thing does not answer it."""
        kind, evidence = expected_type(text)
        return Part(text, terms, evidence, kind=kind, unnamed=None if kind else unnamed_mention(text))

    def _parts(self) -> list[Part]:
        pieces = [p.strip() for p in _PART_BREAK.split(self.text) if p and p.strip()]
        if len(pieces) == 1 and (both := _BOTH.match(self.text)):
            pieces = [f"{both['head']} {both['first']}", f"{both['head']} {both['second']}"]
        parts = [self._part(p, self.weighted_terms(p)) for p in pieces]
        parts = [part for part in parts if part.terms]
        if len(parts) < 2:
            return [self.whole]
        for part in parts:
            others = {t for other in parts if other is not part for t in other.terms}
            part.own = {t: w for t, w in part.terms.items() if t not in others}
        return parts

    def covered(self, part: Part, words: set[str], own: bool = False) -> float:
        """The IDF share of the part's words (or only of its own words) among `words`."""
        terms = part.own if own else part.terms
        total = sum(terms.values())
        return sum(w for t, w in terms.items() if t in words) / total if total else 1.0

    def year_match(self, words: set[str]) -> float:
        """+1 if `words` name a year the question names, -1 if they name only other years, else 0."""
        years = {w for w in words if YEAR.fullmatch(w)}
        if not self.years or not years:
            return 0.0
        return 1.0 if years & self.years else -1.0

    def kind_match(self, part: Part, text: str) -> float:
        """+1 if `text` holds the kind of answer the part asks for, -1 if it lacks a required one, mentions the
        thing the part asks which of only without saying which, or tells of another day than the question's,
        else 0."""
        if self.ruled_out(part, text):
            return -1.0
        if part.evidence is None:
            return 0.0
        if self.has_evidence(part, text):
            return 1.0
        return -1.0 if part.evidence.required else 0.0

    def ruled_out(self, part: Part, text: str) -> bool:
        """Whether `text` cannot answer the part whatever it holds: it leaves the thing asked about unnamed, or
        tells of another day."""
        return self.leaves_unnamed(part, text) or self.on_other_day(text)

    def on_other_day(self, text: str) -> bool:
        """Whether `text` names days of a month and none is (nor spans) the day the question asks about: "On 27
        October, the president dismissed ..." tells of another dismissal than "Whom did he dismiss on 8 October?"."""
        if not self.days:  # most questions name no day: no sentence is read for days then
            return False
        spans = days_of_month(text)
        return bool(spans) and not any(first <= day <= last for first, last in spans for day in self.days)

    def holds_answer(self, part: Part, text: str) -> bool:
        """Whether `text` holds what the part asks for: an answer of its kind, soft or required (any text, when
        it asks for none). Selection keeps looking until a chosen sentence does: "What is X?" wants the one
        sentence that says what X is, not only the likeliest that mentions it."""
        if self.ruled_out(part, text):
            return False
        return part.evidence is None or self.has_evidence(part, text)

    def leaves_unnamed(self, part: Part, text: str) -> bool:
        """Whether `text` mentions the thing the part asks which of without saying which: "Azerbaijan recently tested
        an air defense system" does not answer "Which air defence system did Azerbaijan test?"."""
        if part.unnamed is None:
            return False
        return any(
            not any(atoms(word) - self.atoms for word in mention["modifiers"].split() if not word.islower())
            for mention in part.unnamed.finditer(text)
        )

    def can_answer(self, part: Part, text: str) -> bool:
        """Whether `text` may answer the part: it asks for no kind of answer, or a soft kind, or `text` holds one."""
        return self.kind_match(part, text) >= 0

    def has_evidence(self, part: Part, text: str) -> bool:
        """Whether `text` holds an answer of the kind the part asks for, in words the question does not hold."""
        if part.evidence is None:
            return False
        ignored = not_names(self.index) if part.evidence.names else frozenset()
        return any(atoms(answer) - self.atoms - ignored for answer in part.evidence.answers(text))
