"""`make bench`: qa beside the LlamaIndex starter baseline, on this machine, now; prints Markdown tables.

    python -m bench.run [--sections seeds,scifact,scaling] [--work .qa/bench]

seeds    speed and memory on seeds/: index from scratch, re-index unchanged, a cold `qa ask`
         process, warm answers over HTTP (/chat), server peak memory; the starter beside each
scifact  BEIR SciFact nDCG@10 / recall@100 for BM25, dense and hybrid (fusion tuned on train)
scaling  index time, memory and query p50/p95 at 1k, 2.5k and all 5,183 SciFact documents

Both pipelines run in this machine's conditions at the same time, so a noisy machine
slows both: compare the ratios. Results also go to reports/bench.md and reports/bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

from bench import quality
from bench.beir import read_qrels, read_queries, write_corpus
from bench.measure import PYTHON, ROOT, SCIFACT, environment, median_run, percentile, run
from bench.serve import measure_chat
from qa.embeddings import bundled_model_dir

SEEDS = ROOT / "seeds"
QUESTIONS = ROOT / "evals" / "questions.jsonl"
SCALES = (1000, 2500, None)  # None: the whole corpus
COLD_RUNS, INDEX_RUNS = 5, 3
SCALING_QUERIES = 100
PUBLISHED = [  # from the SciFact README: other systems on the same split
    ("BM25 (BEIR paper; pyserini flat)", "0.665–0.679", ""),
    ("all-MiniLM-L6-v2 alone (MTEB)", "0.645", ""),
    ("BM25 + BGE-base, RRF k=60 (pyserini)", "0.742", ""),
]


def qa_command(*args: str) -> list[str]:
    return [PYTHON, "-m", "qa", *args]


def starter_command(*args: str) -> list[str]:
    return [PYTHON, "-m", "bench.starter", args[0], str(bundled_model_dir()), *args[1:]]


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def mb(value: float) -> str:
    return f"{value:.0f} MB"


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}×" if theirs else "n/a"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


class Bench:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.results: dict = {}
        self.out: list[str] = []

    def say(self, text: str = "") -> None:
        print(text, flush=True)
        self.out.append(text)

    def note(self, text: str) -> None:
        print(f"  … {text}", file=sys.stderr, flush=True)

    def fresh(self, name: str) -> Path:
        path = self.work / name
        shutil.rmtree(path, ignore_errors=True)
        return path

    # ---------------------------------------------------------------- seeds
    def seeds(self) -> None:
        questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
        questions_file = self.work / "questions.json"
        questions_file.write_text(json.dumps(questions))
        env = environment()

        self.note("ONNX export of the model (once per machine)")
        export_code = "from pathlib import Path; from qa.embeddings import Embedder; Embedder(cache={}).encoder"
        export = run([PYTHON, "-c", export_code.format(f"Path({str(self.fresh('export-check'))!r})")], env)
        run([PYTHON, "-c", export_code.format("None")], env)  # the default cache every qa process below uses

        self.note("starter: index the seeds")
        starter_dir = self.fresh("starter-seeds")
        starter_index = run(starter_command("index", str(starter_dir), str(SEEDS)))
        self.note("starter: cold retrieval process")
        starter_cold = median_run(starter_command("ask", str(starter_dir), questions[0]), COLD_RUNS // 2 + 1)
        self.note("starter: warm retrieval")
        starter_warm_run = run(starter_command("warm", str(starter_dir), str(questions_file)))
        starter_warm = json.loads(starter_warm_run.stdout)["milliseconds"]

        self.note("qa: index the seeds from scratch")
        index_runs = []
        for _ in range(INDEX_RUNS):
            index_dir = self.fresh("qa-seeds")
            index_runs.append(run(qa_command("index", str(SEEDS), "--index-dir", str(index_dir)), env))
        index_runs.sort(key=lambda r: r.seconds)
        ours_index = index_runs[len(index_runs) // 2]
        self.note("qa: index again, nothing changed")
        again = median_run(qa_command("index", str(SEEDS), "--index-dir", str(index_dir)), INDEX_RUNS, env)
        embedded = re.search(r"/ (\d+) texts", again.stdout)
        self.note("qa: cold `qa ask` process")
        cold = median_run(qa_command("ask", questions[0], "--index-dir", str(index_dir)), COLD_RUNS, env)
        self.note("qa: warm in-process ask and search")
        probe = json.loads(run([PYTHON, "-m", "bench.probe", str(index_dir), str(questions_file)], env).stdout)
        self.note("qa: warm answers over HTTP (/chat)")
        chat = measure_chat(index_dir, questions)

        s_p50, s_p95 = percentile(starter_warm, 50), percentile(starter_warm, 95)
        rows = [
            ["index the seeds from scratch (process)", seconds(starter_index.seconds), seconds(ours_index.seconds),
             ratio(ours_index.seconds, starter_index.seconds), "≤ 10 s", verdict(ours_index.seconds <= 10)],
            ["index again, nothing changed (process)", "n/a (rebuilds)",
             f"{seconds(again.seconds)}, {embedded.group(1) if embedded else '?'} texts embedded", "",
             "≤ 1 s, 0 embedded", verdict(again.seconds <= 1 and embedded is not None and embedded.group(1) == "0")],
            ["cold process, one question, index present", seconds(starter_cold.seconds), seconds(cold.seconds),
             ratio(cold.seconds, starter_cold.seconds), "≤ 0.25× (aim 1 s)", verdict(cold.seconds <= 0.25 * starter_cold.seconds)],
            ["cold process peak memory", mb(starter_cold.peak_mb), mb(cold.peak_mb), ratio(cold.peak_mb, starter_cold.peak_mb), "", ""],
            ["warm retrieval p50 / p95 (in-process, top 5)", f"{ms(s_p50)} / {ms(s_p95)}",
             f"{ms(percentile(probe['search_ms'], 50))} / {ms(percentile(probe['search_ms'], 95))}",
             ratio(percentile(probe["search_ms"], 50), s_p50), "", ""],
            ["warm cited answer p50 / p95 (in-process)", "n/a (retrieval only)",
             f"{ms(percentile(probe['ask_ms'], 50))} / {ms(percentile(probe['ask_ms'], 95))}", "", "", ""],
        ]
        if chat is None:
            rows.append(["warm cited answer p50 / p95, POST /chat over HTTP", "", "n/a (server missing)", "", "≤ starter warm retrieval p50", ""])
            rows.append(["server peak memory, seeds", "", "n/a (server missing)", "", "≤ 400 MB", ""])
        else:
            rows.append(["warm cited answer p50 / p95, POST /chat over HTTP", f"{ms(s_p50)} / {ms(s_p95)} (retrieval)",
                         f"{ms(chat.p50_ms)} / {ms(chat.p95_ms)}", ratio(chat.p50_ms, s_p50),
                         "≤ starter warm retrieval p50", verdict(chat.p50_ms <= s_p50)])
            rows.append(["server peak memory, seeds (starter: its warm process)", mb(starter_warm_run.peak_mb), mb(chat.peak_mb),
                         ratio(chat.peak_mb, starter_warm_run.peak_mb), "≤ 400 MB", verdict(chat.peak_mb <= 400)])
        rows.append(["one-time ONNX export of the model", "n/a", seconds(export.seconds), "", "", ""])
        self.say(f"## Speed and memory: seeds/ ({len(questions)} questions from evals/questions.jsonl)\n")
        self.say(table(["measure", "LlamaIndex starter", "qa", "qa / starter", "target", "met"], rows))
        self.say()
        self.results["seeds"] = {
            "starter": {"index_s": starter_index.seconds, "cold_s": starter_cold.seconds, "cold_peak_mb": starter_cold.peak_mb,
                        "warm_p50_ms": s_p50, "warm_p95_ms": s_p95, "warm_peak_mb": starter_warm_run.peak_mb},
            "qa": {"index_s": ours_index.seconds, "index_again_s": again.seconds,
                   "index_again_embedded": int(embedded.group(1)) if embedded else None,
                   "cold_s": cold.seconds, "cold_peak_mb": cold.peak_mb, "export_s": export.seconds,
                   "search_p50_ms": percentile(probe["search_ms"], 50), "ask_p50_ms": percentile(probe["ask_ms"], 50),
                   "chat_p50_ms": chat.p50_ms if chat else None, "chat_p95_ms": chat.p95_ms if chat else None,
                   "server_peak_mb": chat.peak_mb if chat else None},
        }

    # -------------------------------------------------------------- scifact
    def scifact_index(self, limit: int | None) -> tuple[Path, dict]:
        """Index the first `limit` SciFact documents through `qa index`; figures of that process."""
        name = "all" if limit is None else str(limit)
        folder = write_corpus(SCIFACT / "corpus.jsonl", self.work / "scifact" / f"docs-{name}", limit)
        index_dir = self.fresh(f"qa-scifact-{name}")
        self.note(f"qa: index {sum(1 for _ in folder.glob('*.txt'))} SciFact documents")
        env = environment()
        built = run(qa_command("index", str(folder), "--index-dir", str(index_dir)), env, timeout=3600)
        counts = re.search(r"(\d+) documents, (\d+) chunks, (\d+) sentences", built.stdout)
        return index_dir, {"seconds": built.seconds, "peak_mb": built.peak_mb,
                           "documents": int(counts.group(1)), "chunks": int(counts.group(2)), "sentences": int(counts.group(3))}

    def scifact(self, index_dir: Path) -> None:
        from qa.settings import Settings

        settings = Settings(index_dir=index_dir)
        queries = read_queries(SCIFACT / "queries.jsonl")
        test, train = read_qrels(SCIFACT / "qrels" / "test.tsv"), read_qrels(SCIFACT / "qrels" / "train.tsv")
        self.note("qa: SciFact rankings for train and test queries")
        started = time.perf_counter()
        rankings = quality.collect(settings, {q: queries[q] for q in {*test, *train} if q in queries})
        per_query_ms = (time.perf_counter() - started) * 1000 / len(rankings)

        tuned = quality.tune(quality.Scorer(settings, rankings, train))
        default = {"fusion": settings.fusion, "rrf_k": settings.rrf_k, "dense_weight": settings.dense_weight, "bm25_weight": settings.bm25_weight}
        best = tuned[0][0]
        on_test = quality.Scorer(settings, rankings, test)
        scores = {"bm25": on_test.bm25(), "dense": on_test.dense(), "hybrid_default": on_test.hybrid(**default),
                  "hybrid_tuned": on_test.hybrid(**best)}
        rows = [
            ["qa BM25 alone (chunks, Snowball stems)", *self.metrics(scores["bm25"])],
            ["qa dense alone (MiniLM, exact search)", *self.metrics(scores["dense"])],
            [f"qa hybrid, defaults ({describe(default)})", *self.metrics(scores["hybrid_default"])],
            [f"qa hybrid, tuned on train ({describe(best)})", *self.metrics(scores["hybrid_tuned"])],
            *[[f"published: {name}", value, extra] for name, value, extra in PUBLISHED],
        ]
        self.say(f"## Retrieval quality: BEIR SciFact, {len(test)} test queries (documents ranked by their best passage)\n")
        self.say(table(["system", "nDCG@10", "recall@100"], rows))
        self.say(f"\nTarget: hybrid nDCG@10 ≥ 0.70. Candidates: {quality.DEPTH} chunks per ranking; "
                 f"{per_query_ms:.1f} ms per query for both rankings.\n")
        tuning_rows = [[describe(variant), f"{s['ndcg@10']:.3f}", f"{s['recall@100']:.3f}"] for variant, s in tuned[:8]]
        default_train = next((s for v, s in tuned if all(v.get(k) == default[k] for k in v)), None)
        if default_train:
            tuning_rows.append([f"defaults ({describe(default)})", f"{default_train['ndcg@10']:.3f}", f"{default_train['recall@100']:.3f}"])
        self.say(f"### Fusion tuning on the {len(train)} train queries (best 8 of {len(tuned)})\n")
        self.say(table(["fusion", "train nDCG@10", "train recall@100"], tuning_rows))
        self.say()
        self.results["scifact"] = {**scores, "tuned": best, "default": default, "per_query_ms": per_query_ms}

    @staticmethod
    def metrics(scores: dict[str, float]) -> list[str]:
        return [f"{scores['ndcg@10']:.3f}", f"{scores['recall@100']:.3f}"]

    # -------------------------------------------------------------- scaling
    def scaling(self, built: dict[int | None, tuple[Path, dict]]) -> None:
        queries = read_queries(SCIFACT / "queries.jsonl")
        train = read_qrels(SCIFACT / "qrels" / "train.tsv")
        questions_file = self.work / "scaling-questions.json"
        questions_file.write_text(json.dumps([queries[q] for q in list(train)[:SCALING_QUERIES]]))
        env = environment()
        rows = []
        for limit in SCALES:
            index_dir, figures = built.get(limit) or self.scifact_index(limit)
            self.note(f"qa: warm queries over {figures['documents']} documents")
            probe = json.loads(run([PYTHON, "-m", "bench.probe", str(index_dir), str(questions_file)], env).stdout)
            figures.update(ask_p50_ms=percentile(probe["ask_ms"], 50), ask_p95_ms=percentile(probe["ask_ms"], 95),
                           search_p50_ms=percentile(probe["search_ms"], 50), serve_peak_mb=probe["peak_mb"],
                           load_s=probe["load_seconds"])
            rows.append([f"{figures['documents']:,}", f"{figures['chunks']:,}", f"{figures['sentences']:,}",
                         seconds(figures["seconds"]), mb(figures["peak_mb"]), seconds(figures["load_s"]), mb(figures["serve_peak_mb"]),
                         f"{ms(figures['ask_p50_ms'])} / {ms(figures['ask_p95_ms'])}", ms(figures["search_p50_ms"])])
            self.results.setdefault("scaling", []).append(figures)
        self.say(f"## Scaling: SciFact subsets ({SCALING_QUERIES} train claims as questions)\n")
        self.say(table(["documents", "chunks", "sentences", "index (process)", "index peak", "load", "serving peak",
                        "answer p50 / p95", "retrieval p50"], rows))
        self.say()


def describe(variant: dict) -> str:
    if variant["fusion"] == "minmax":
        return f"min-max, dense weight {variant['dense_weight']:g}"
    return f"RRF k={variant['rrf_k']}, dense weight {variant['dense_weight']:g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default="seeds,scifact,scaling", help="comma-separated: seeds, scifact, scaling")
    parser.add_argument("--work", type=Path, default=ROOT / ".qa" / "bench", help="scratch folder (indexes, corpora)")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    for key in [k for k in os.environ if k.startswith("QA_")]:
        del os.environ[key]  # the bench measures the defaults
    args.work.mkdir(parents=True, exist_ok=True)
    bench = Bench(args.work.resolve())
    started = time.perf_counter()
    bench.say(f"# qa benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})\n")
    if "seeds" in sections:
        bench.seeds()
    built: dict[int | None, tuple[Path, dict]] = {}
    if sections & {"scifact", "scaling"}:
        if not SCIFACT.is_dir():
            bench.say(f"SciFact is not at {SCIFACT}: its sections are skipped.")
        else:
            built[None] = bench.scifact_index(None)
            if "scifact" in sections:
                bench.scifact(built[None][0])
            if "scaling" in sections:
                bench.scaling(built)
    bench.say(f"_Whole benchmark: {(time.perf_counter() - started) / 60:.1f} min._")
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "bench.md").write_text("\n".join(bench.out) + "\n")
    (reports / "bench.json").write_text(json.dumps(bench.results, indent=2))


if __name__ == "__main__":
    main()
