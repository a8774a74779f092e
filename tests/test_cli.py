"""The real `qa` command: JSON shape, options anywhere, clear one-line errors."""

import json

from conftest import run_qa
from pdf_files import make_pdf

from qa.api.common import sources_list
from qa.types import Citation


def test_ask_json_shape(seeds_settings):
    result = run_qa("ask", "--json", "Who did Ilham Aliyev speak with by phone?", "What is the boiling point of mercury?",
                    index_dir=seeds_settings.index_dir)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert set(first) == {"question", "answer", "abstained", "citations", "confidence", "mode", "fallback", "timings_ms"}
    assert first["confidence"] > second["confidence"] >= 0
    assert first["mode"] == "extractive" and first["fallback"] is None
    assert first["abstained"] is False and "Blinken" in first["answer"]
    assert set(first["citations"][0]) >= {"id", "source", "start", "end", "quote"}
    assert all(f"[{c['id']}]" in first["answer"] for c in first["citations"])
    assert second["abstained"] is True and second["citations"] == []
    assert "total" in first["timings_ms"]


def test_options_may_follow_the_questions(seeds_settings):
    result = run_qa("ask", "Who did Ilham Aliyev speak with by phone?", "--json", "--index-dir", str(seeds_settings.index_dir))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["abstained"] is False


def test_search_json_shape(seeds_settings):
    result = run_qa("search", "--json", "--k", "3", "Stepanakert shelling", "Red Cross", index_dir=seeds_settings.index_dir)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["Stepanakert shelling", "Red Cross"]
    for line in lines:
        assert len(line["results"]) == 3
        assert set(line["results"][0]) == {"source", "start", "end", "score", "text"}


def test_human_output_lists_numbered_sources(seeds_settings):
    result = run_qa("ask", "Who did Ilham Aliyev speak with by phone?", index_dir=seeds_settings.index_dir)
    assert result.returncode == 0
    assert "Sources" in result.stdout and "[1]" in result.stdout and "000_9e15d06241d5e33a.txt" in result.stdout


def test_a_quote_from_a_pdf_names_its_page(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    pages = [["The Kermor light was first lit in 1851."], ["The harbour wall at Kermor was rebuilt in 1902 after a storm."]]
    (folder / "kermor.pdf").write_bytes(make_pdf(pages, title="Kermor"))
    assert run_qa("index", str(folder), index_dir=tmp_path / "index").returncode == 0
    result = run_qa("ask", "When was the harbour wall at Kermor rebuilt?", index_dir=tmp_path / "index")
    assert result.returncode == 0, result.stderr
    assert "kermor.pdf (Kermor, p. 2)" in result.stdout, result.stdout
    asked = run_qa("ask", "--json", "When was the harbour wall at Kermor rebuilt?", index_dir=tmp_path / "index")
    assert json.loads(asked.stdout)["citations"][0]["page"] == 2
    cited = Citation(id=1, source="kermor.pdf", start=40, end=101, quote="...", title="Kermor", page=2)
    assert sources_list([cited]).endswith("[1] kermor.pdf (Kermor, p. 2), characters 40–101")


def test_errors_are_one_line_without_traceback(tmp_path, seeds_settings):
    cases = [
        (("ask", "anything"), tmp_path / "no-index", "no index"),
        (("ask", "   "), seeds_settings.index_dir, "empty"),
        (("index", str(tmp_path / "missing")), tmp_path / "idx", "no such file"),
    ]
    for args, index_dir, message in cases:
        result = run_qa(*args, index_dir=index_dir)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr
        assert message in result.stderr.lower(), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_index_reports_a_summary_and_skips_unchanged(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The ceasefire was signed in Moscow on 10 November 2020 by three leaders.")
    first = run_qa("index", str(corpus), index_dir=tmp_path / "idx")
    assert first.returncode == 0, first.stderr
    assert "indexed 1 documents" in first.stdout
    second = run_qa("index", str(corpus), index_dir=tmp_path / "idx")
    assert "up to date" in second.stdout and "0 texts" in second.stdout
