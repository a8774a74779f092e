#!/usr/bin/env python3
"""Sanity checker for evals/questions.jsonl (stdlib only).

Checks the eval set against the RAW seed files in /work/shared/seeds
(or the directory given as the first argument):
  * ids unique, required fields present, kind/split values valid
  * every gold quote is a verbatim substring of its raw source file
  * no CJK (mojibake) characters and no " date YYYY-MM-DD" prefix in quotes
  * every answer term occurs (case-insensitive) in at least one gold quote
  * multi_doc gold cites >= 2 distinct sources, answer terms drawn from >= 2 of them
  * unanswerable: no gold, no answer terms, 1-3 absent_terms, none of which
    occurs (case-insensitive) in any seed file
  * no question shares >= 8 consecutive words with any of its gold quotes
  * minimum counts (total, per kind, per source)
Prints counts per kind / source / split. Exit status 1 on any failure.
"""
import collections
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions.jsonl"
SEEDS = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/seeds")

KINDS = {"fact", "number", "date", "person", "multi_doc", "unanswerable"}
SPLITS = {"dev", "test"}
SHORT_DOCS = ["000_9e15d06241d5e33a.txt", "001_d8453b11cfddfb99.txt",
              "003_b941ef868d848c92.txt", "004_6f489e63f227f8d9.txt"]
LONG_DOC = "002_09c5668dc815a85a.txt"
MIN_TOTAL, MIN_SHORT, MIN_LONG, MIN_MULTI, MIN_UNANS = 90, 8, 15, 10, 22
MAX_SHARED_RUN = 8  # a question may not share this many consecutive words with a quote

CJK_RE = re.compile("[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff"
                    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
DATE_PREFIX_RE = re.compile(r"\bdate \d{4}-\d{2}-\d{2}")


def tokens(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def longest_shared_run(a, b):
    """Length of the longest common run of consecutive tokens."""
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def main():
    seeds = {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    seeds_lower = {k: v.lower() for k, v in seeds.items()}
    errors = []
    rows = []
    for n, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                errors.append(f"line {n}: bad JSON: {e}")

    ids = collections.Counter(r.get("id") for r in rows)
    errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]

    by_kind, by_split = collections.Counter(), collections.Counter()
    by_source = collections.Counter()          # answerable questions citing the source
    single_source = collections.Counter()      # answerable single-doc questions
    kind_split = collections.Counter()
    for r in rows:
        qid = r.get("id", "?")
        err = lambda msg: errors.append(f"{qid}: {msg}")
        for field in ("id", "question", "reference", "answer_terms", "gold", "kind", "split"):
            if field not in r:
                err(f"missing field {field}")
        kind, split = r.get("kind"), r.get("split")
        if kind not in KINDS:
            err(f"bad kind {kind!r}")
        if split not in SPLITS:
            err(f"bad split {split!r}")
        by_kind[kind] += 1
        by_split[split] += 1
        kind_split[(kind, split)] += 1
        q = r.get("question", "")
        gold = r.get("gold", [])
        terms = r.get("answer_terms", [])

        if kind == "unanswerable":
            if gold or terms:
                err("unanswerable question must have empty gold and answer_terms")
            absent = r.get("absent_terms", [])
            if not 1 <= len(absent) <= 3:
                err("unanswerable question needs 1-3 absent_terms")
            for t in absent:
                hits = [name for name, text in seeds_lower.items() if t.lower() in text]
                if hits:
                    err(f"absent term {t!r} found in {hits}")
            continue

        if not gold:
            err("answerable question without gold")
        if not 1 <= len(terms) <= 3:
            err("needs 1-3 answer_terms")
        qtok = tokens(q)
        sources = set()
        for g in gold:
            src, quote = g.get("source"), g.get("quote", "")
            sources.add(src)
            if src not in seeds:
                err(f"unknown source {src!r}")
                continue
            if quote not in seeds[src]:
                err(f"quote not verbatim in {src}: {quote[:70]!r}")
            if CJK_RE.search(quote):
                err(f"quote contains CJK/mojibake characters: {quote[:70]!r}")
            if DATE_PREFIX_RE.search(quote):
                err("quote contains the date prefix")
            run = longest_shared_run(qtok, tokens(quote))
            if run >= MAX_SHARED_RUN:
                err(f"question shares {run} consecutive words with its gold quote")
        for t in terms:
            if not any(t.lower() in g.get("quote", "").lower() for g in gold):
                err(f"answer term {t!r} not in any gold quote")
        if kind == "multi_doc":
            if len(sources) < 2:
                err("multi_doc gold needs >= 2 distinct sources")
            term_sources = {g.get("source") for g in gold for t in terms
                            if t.lower() in g.get("quote", "").lower()}
            if len(term_sources) < 2:
                err("multi_doc answer_terms must come from >= 2 different sources")
        elif len(sources) == 1:
            single_source[next(iter(sources))] += 1
        for s in sources:
            by_source[s] += 1

    # minimum counts
    if len(rows) < MIN_TOTAL:
        errors.append(f"only {len(rows)} questions (< {MIN_TOTAL})")
    if by_kind["multi_doc"] < MIN_MULTI:
        errors.append(f"only {by_kind['multi_doc']} multi_doc (< {MIN_MULTI})")
    if by_kind["unanswerable"] < MIN_UNANS:
        errors.append(f"only {by_kind['unanswerable']} unanswerable (< {MIN_UNANS})")
    for s in SHORT_DOCS:
        if single_source[s] < MIN_SHORT:
            errors.append(f"only {single_source[s]} single-doc questions from {s} (< {MIN_SHORT})")
    if single_source[LONG_DOC] < MIN_LONG:
        errors.append(f"only {single_source[LONG_DOC]} single-doc questions from {LONG_DOC} (< {MIN_LONG})")
    for k in KINDS:
        if by_kind[k] == 0:
            errors.append(f"no questions of kind {k}")

    print(f"questions: {len(rows)}")
    print("per kind:   " + ", ".join(f"{k}={by_kind[k]}" for k in sorted(KINDS)))
    print("per split:  " + ", ".join(f"{s}={by_split[s]}" for s in sorted(SPLITS)))
    print("kind x split:")
    for k in sorted(KINDS):
        print(f"  {k:<13} dev={kind_split[(k, 'dev')]:<3} test={kind_split[(k, 'test')]}")
    print("per source (single-doc answerable / any gold citing it):")
    for s in sorted(seeds):
        print(f"  {s}: {single_source[s]} / {by_source[s]}")
    if errors:
        print(f"\nFAILED with {len(errors)} problem(s):")
        for e in errors:
            print("  - " + e)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
