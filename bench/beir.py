"""A BEIR-format corpus (corpus.jsonl, queries.jsonl, qrels/*.tsv) made into what `qa index` reads, and scored.

Each abstract becomes one `<doc id>.txt` whose first line is the title, so the product's
normal path (read, clean, chunk, embed, index) is exactly what is measured; the document
id comes back as the citation's `source`. Documents are ranked by their best passage.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

DONE = ".complete"


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_corpus(corpus: Path, folder: Path, limit: int | None = None, ids: set[str] | None = None) -> Path:
    """Write the first `limit` documents of `corpus.jsonl` (only those of `ids`, when given) as .txt files into
    `folder` (once; reused after)."""
    records = [r for r in read_jsonl(corpus) if ids is None or r["_id"] in ids][:limit]
    stamp = folder / DONE
    if stamp.is_file() and stamp.read_text() == str(len(records)):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for record in records:
        title, text = record.get("title", "").strip(), record["text"].strip()
        (folder / f"{record['_id']}.txt").write_text(f"{title}\n\n{text}\n" if title else f"{text}\n", encoding="utf-8")
    stamp.write_text(str(len(records)))
    return folder


def read_queries(path: Path) -> dict[str, str]:
    return {record["_id"]: record["text"] for record in read_jsonl(path)}


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """query id -> {document id: relevance} (header row skipped, CRLF tolerated, zero grades dropped)."""
    qrels: dict[str, dict[str, int]] = {}
    for n, line in enumerate(path.read_text().splitlines()):
        fields = line.strip().split("\t")
        if n == 0 and not fields[-1].lstrip("-").isdigit():
            continue
        if len(fields) == 3 and int(fields[2]) > 0:
            qrels.setdefault(fields[0], {})[fields[1]] = int(fields[2])
    return qrels


def documents_by_best_passage(sources: list[str]) -> list[str]:
    """Document ids in the order of their best-ranked passage (`12345.txt` -> `12345`)."""
    return list(dict.fromkeys(Path(source).stem for source in sources))


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    """nDCG with linear gains, as trec_eval (and so BEIR's published figures) computes it."""
    gains = sum(relevant.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    ideal = sum(grade / math.log2(rank + 2) for rank, grade in enumerate(sorted(relevant.values(), reverse=True)[:k]))
    return gains / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], k: int = 100) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(relevant) if relevant else 0.0


def score(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    """Mean nDCG@10 and recall@100 over the judged queries (a query without a run scores 0)."""
    judged = [q for q in qrels if qrels[q]]
    return {
        "ndcg@10": sum(ndcg_at(runs.get(q, []), qrels[q]) for q in judged) / len(judged),
        "recall@100": sum(recall_at(runs.get(q, []), qrels[q]) for q in judged) / len(judged),
    }
