"""Incremental indexing that never loses data: content hashes, generations, leases, locks, SIGKILL.

Everything runs on real Chroma and the real MiniLM model, against corpora generated here.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

import qa.documents

from qa.assistant import Assistant
from qa.embeddings import Embedder
from qa.errors import IndexMismatchError, QAError
from qa.index import CASE_FORMS, CHROMA_IDS, MANIFEST, WRITE_LOCK, Index, IndexBuilder, chroma_client
from qa.lexical import tokenize
from qa.settings import Settings

from conftest import QA_BIN, ROOT, SEEDS, run_qa

SYLLABLES = ["ka", "lo", "mi", "ru", "ze", "tan", "vor", "pel", "qui", "dax", "ni", "sho", "bre", "gul"]
ANIMALS = ["heron", "badger", "otter", "lynx", "marmot", "ibis", "stoat", "tapir"]
PLACES = ["Vellmar", "Ostrava", "Kirkwall", "Tromso", "Bergamo", "Aarhus", "Ghent", "Zadar"]


def codename(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(4)).capitalize()


def write_corpus(folder: Path, count: int, seed: int = 0, paragraphs: int = 2) -> dict[str, str]:
    """`count` varied documents of real-looking prose; returns {source: the codename only it mentions}."""
    rng = random.Random(seed)
    words = [w for w in (SEEDS / "002_09c5668dc815a85a.txt").read_text().split() if w.isalpha()]
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for n in range(count):
        name = codename(rng) + str(n)
        fact = (
            f"The {rng.choice(ANIMALS)} called {name} was ringed near {rng.choice(PLACES)} "
            f"and weighed {rng.randint(2, 90)} kilograms."
        )
        body = [
            " ".join(" ".join(rng.choices(words, k=rng.randint(8, 22))).capitalize() + "." for _ in range(6))
            for _ in range(paragraphs)
        ]
        body.insert(rng.randint(0, len(body)), fact)
        (folder / f"gen_{n:03d}.txt").write_text(f"Field notes {n}\n\n" + "\n\n".join(body) + "\n")
        names[f"gen_{n:03d}.txt"] = name
    return names


@pytest.fixture(scope="module")
def embedder():
    return Embedder.from_settings(Settings())


def build(settings: Settings, embedder, *paths: Path):
    return IndexBuilder(settings, embedder).build(list(paths))


def sources_mentioning(index: Index, word: str) -> set[str]:
    """Documents whose chunks contain `word`, according to BM25 and to the generation's chunks in Chroma."""
    (term,) = tokenize([word])[0]
    scores = index.bm25.scores([term])
    from_bm25 = {index.chunks[row].source for row in range(len(scores)) if scores[row] > 0}
    stored = index.collection.get(ids=index.chroma_ids, include=["documents", "metadatas"])
    from_chroma = {m["source"] for m, text in zip(stored["metadatas"], stored["documents"]) if word in text}
    assert from_bm25 == from_chroma, "BM25 and Chroma disagree"
    return from_bm25


def as_a_newer_qa(monkeypatch) -> None:
    """A newer qa's readers are other code, so their fingerprint differs and every file is read again."""
    monkeypatch.setattr("qa.index.reader_fingerprint", lambda: "a newer reader")


def count_calls(monkeypatch, name: str) -> list[str]:
    """Record each call of `qa.documents.<name>` (by its first argument), still calling it."""
    original, calls = getattr(qa.documents, name), []

    def counted(raw, *args):
        calls.append(raw)
        return original(raw, *args)

    monkeypatch.setattr(f"qa.documents.{name}", counted)
    return calls


def collections(settings: Settings) -> set[str]:
    return {getattr(c, "name", c) for c in chroma_client(settings).list_collections()}


def test_unchanged_documents_are_skipped_changed_replaced_deleted_removed(tmp_path, embedder):
    corpus, settings = tmp_path / "docs", Settings(index_dir=tmp_path / "index")
    names = write_corpus(corpus, 6)
    first = build(settings, embedder, corpus)
    assert (first.documents, first.embedded_documents, first.reused_documents) == (6, 6, 0)

    (corpus / "gen_001.txt").touch()  # a new mtime with the same content changes nothing
    again = build(settings, embedder, corpus)
    assert not again.changed and again.texts_embedded == 0

    changed = corpus / "gen_002.txt"
    changed.write_text(changed.read_text().replace(names["gen_002.txt"], "Brandnewname"))
    (corpus / "gen_004.txt").unlink()
    third = build(settings, embedder, corpus)
    assert (third.documents, third.embedded_documents, third.reused_documents, third.removed_documents) == (5, 1, 4, 1)

    index = Index.load(settings, embedder)
    assert set(index.documents) == set(names) - {"gen_004.txt"}
    assert sources_mentioning(index, names["gen_004.txt"]) == set(), "a deleted document is still searchable"
    assert sources_mentioning(index, names["gen_002.txt"]) == set(), "a changed document's old text survived"
    assert sources_mentioning(index, "Brandnewname") == {"gen_002.txt"}
    assert sources_mentioning(index, names["gen_003.txt"]) == {"gen_003.txt"}
    reused = index.collection.get(ids=index.chroma_ids, include=["embeddings"])
    assert len(reused["ids"]) == len(index.chunks) == index.bm25.size

    del index
    gc.collect()
    build(settings, embedder, corpus)  # sweeps the generation before: Chroma holds the live chunks, and only them
    live = Index.load(settings, embedder)
    assert sorted(live.collection.get(include=[])["ids"]) == sorted(live.chroma_ids)


def test_a_re_index_adds_to_chroma_only_what_changed_and_each_generation_searches_its_own_chunks(
    tmp_path, embedder, monkeypatch
):
    corpus, settings = tmp_path / "docs", Settings(index_dir=tmp_path / "index", dense_search="chroma")
    names = write_corpus(corpus, 6)
    build(settings, embedder, corpus)
    before = Index.load(settings, embedder)  # a server still answering from the first generation
    added = []
    monkeypatch.setattr("chromadb.api.models.Collection.Collection.add", lambda self, ids, **_: added.extend(ids))

    changed = corpus / "gen_002.txt"
    changed.write_text(changed.read_text().replace(names["gen_002.txt"], "Brandnewname"))
    build(settings, embedder, corpus)
    after = Index.load(settings, embedder)
    changed_ids = {after.chroma_ids[row] for row in after.chunk_rows_of_source["gen_002.txt"]}
    assert added and set(added) <= changed_ids, "a re-index uploaded chunks of unchanged files"
    assert sorted(added) == sorted(set(after.chroma_ids) - set(before.chroma_ids)), "a chunk Chroma held went again"
    monkeypatch.undo()

    # both generations share the collection; each finds k chunks of its own, however many it holds of the other
    for _ in range(3):
        for n in range(6):
            (corpus / f"gen_{n:03d}.txt").write_text((corpus / f"gen_{n:03d}.txt").read_text() + " More notes.")
        build(settings, embedder, corpus)
    own = set(before.chroma_ids)
    vector = embedder.embed([f"the animal called {names['gen_002.txt']}"])[0]
    nearest = before.collection.query(query_embeddings=[vector.tolist()], n_results=5, include=[])["ids"][0]
    assert set(nearest) - own, "no chunk of a later generation is among the nearest: nothing to search past"
    found = before.dense_search(vector, 5)
    assert len(found) == 5 and before.chunks[found[0][0]].source == "gen_002.txt"
    exact = Index.load(settings.model_copy(update={"dense_search": "exact"}), embedder, before.manifest)
    assert [row for row, _ in found] == [row for row, _ in exact.dense_search(vector, 5)]


def test_a_reader_that_titles_documents_differently_retitles_them_without_re_embedding(tmp_path, embedder, monkeypatch):
    corpus, settings = tmp_path / "docs", Settings(index_dir=tmp_path / "index")
    names = write_corpus(corpus, 2)
    build(settings, embedder, corpus)
    retitled = lambda text: next(f"About {name}" for name in names.values() if name in text)  # noqa: E731
    monkeypatch.setattr("qa.documents._find_title", retitled)  # as a newer qa would
    as_a_newer_qa(monkeypatch)
    again = build(settings, embedder, corpus)
    assert again.changed and again.texts_embedded == 0 and again.reused_documents == 2
    assert {d.title for d in Index.load(settings, embedder).documents.values()} == {f"About {name}" for name in names.values()}


def test_a_reader_that_cleans_a_file_differently_re_reads_only_that_file(tmp_path, embedder, monkeypatch):
    corpus, settings = tmp_path / "docs", Settings(index_dir=tmp_path / "index")
    names = write_corpus(corpus, 2)
    build(settings, embedder, corpus)
    clean_text = qa.documents.clean_text

    def newer_clean_text(raw: str) -> tuple[str, str | None]:
        """As a newer qa might clean this one file: the same bytes give another text."""
        text, date = clean_text(raw)
        return (text.replace("kilograms", "kg") if names["gen_000.txt"] in raw else text), date

    monkeypatch.setattr("qa.documents.clean_text", newer_clean_text)
    as_a_newer_qa(monkeypatch)
    again = build(settings, embedder, corpus)
    assert again.changed and again.reused_documents == 1 and again.embedded_documents == 1
    index = Index.load(settings, embedder)
    text = index.documents["gen_000.txt"].text
    assert "kg" in text and "kilograms" not in text
    assert all(text[s.start : s.end] == index.sentence_text(row) for row, s in enumerate(index.sentences) if s.source == "gen_000.txt")


def test_a_reader_that_finds_other_headings_in_a_file_re_reads_it(tmp_path, embedder, monkeypatch):
    """Same bytes, same text, but a heading found (or no longer found) changes which sentences may be answers."""
    corpus, settings = tmp_path / "docs", Settings(index_dir=tmp_path / "index")
    corpus.mkdir()
    (corpus / "notes.md").write_text("# Ringing the herons of Vellmar\n\nThe herons were ringed in May.\n")
    build(settings, embedder, corpus)
    heading = Index.load(settings, embedder).sentences[0]
    assert not heading.answerable

    clean_markdown = qa.documents.clean_markdown
    monkeypatch.setattr("qa.documents.clean_markdown", lambda raw: clean_markdown(raw)._replace(headings=()))
    as_a_newer_qa(monkeypatch)
    again = build(settings, embedder, corpus)
    assert again.changed and again.embedded_documents == 1 and again.reused_documents == 0
    assert Index.load(settings, embedder).sentences[0].answerable


def test_a_file_is_read_again_only_when_its_bytes_or_the_readers_change(tmp_path, embedder, monkeypatch):
    """Reading a book-length PDF takes seconds: re-indexing a folder reads only the files it has not read before."""
    corpus, settings = tmp_path / "docs", Settings(index_dir=tmp_path / "index")
    corpus.mkdir()
    (corpus / "herons.md").write_text("# Herons of Vellmar\n\nThe herons were ringed in May.\n")
    (corpus / "otters.md").write_text("# Otters of Zadar\n\nThe otters were counted in June.\n")
    build(settings, embedder, corpus)
    assert json.loads((settings.index_dir / MANIFEST).read_text())["reader"] == qa.documents.reader_fingerprint()
    rendered = count_calls(monkeypatch, "render_markdown")

    (corpus / "otters.md").write_text("# Otters of Zadar\n\nThe otters were counted in July.\n")
    (corpus / "copy of herons.md").write_bytes((corpus / "herons.md").read_bytes())
    again = build(settings, embedder, corpus)
    assert len(rendered) == 1 and "July" in rendered[0], "an unchanged file, or a copy of one, was read again"
    index = Index.load(settings, embedder)
    assert index.documents["copy of herons.md"].text == index.documents["herons.md"].text
    assert index.documents["copy of herons.md"].headings == index.documents["herons.md"].headings == ((0, 17),)
    assert again.embedded_documents == 2 and again.reused_documents == 1

    as_a_newer_qa(monkeypatch)
    unchanged = build(settings, embedder, corpus)
    assert len(rendered) == 4 and not unchanged.changed, "a newer reader did not read every file"
    assert json.loads((settings.index_dir / MANIFEST).read_text())["reader"] == "a newer reader"
    build(settings, embedder, corpus)
    assert len(rendered) == 4, "the newer reader's fingerprint was not recorded"


def test_the_readers_fingerprint_follows_their_code_and_libraries(tmp_path, monkeypatch):
    reader = tmp_path / "newer_reader.py"
    reader.write_text("WIDTH = 50\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("newer_reader")
    monkeypatch.setattr("qa.documents._READER_MODULES", (*qa.documents._READER_MODULES, "newer_reader"))
    first = qa.documents.reader_fingerprint()
    assert qa.documents.reader_fingerprint() == first
    reader.write_text("WIDTH = 60\n")
    assert qa.documents.reader_fingerprint() != first
    monkeypatch.setattr("qa.documents._READER_LIBRARIES", (*qa.documents._READER_LIBRARIES, "numpy"))
    with_numpy = qa.documents.reader_fingerprint()
    monkeypatch.setattr("importlib.metadata.version", lambda name: "99.0")
    assert qa.documents.reader_fingerprint() != with_numpy


def test_how_the_corpus_writes_its_words_is_stored_with_the_generation(tmp_path, embedder):
    """Which words the corpus writes capitalised gives a question typed in lower case its names; it is read at
    indexing, not from every document at the first such question, and an older generation without it still works."""
    corpus, settings = tmp_path / "docs", Settings(index_dir=tmp_path / "index")
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Armed men met Vardanyan in Goris.\n\nThey were armed and waited for the body mass index (BMI) and the "
        "Organization for Security and Co-operation in Europe (OSCE), whose monitors (OSCE) flew unmanned aerial "
        "vehicles (UAVs).\n"
    )
    build(settings, embedder, corpus)
    index = Index.load(settings, embedder)
    forms = index.case_forms
    assert {"Armed", "Vardanyan", "Goris"} <= forms.capitalised and "armed" in forms.lower and "vardanyan" not in forms.lower
    assert forms.terms == {"BMI", "UAV"}  # OSCE is also introduced after a name: a name
    (index.gen_dir / CASE_FORMS).write_text(json.dumps({"lower": [], "capitalised": []}))  # before `terms` was stored
    assert Index.load(settings, embedder).case_forms == forms
    (index.gen_dir / CASE_FORMS).unlink()
    assert Index.load(settings, embedder).case_forms == forms
    assert not build(settings, embedder, corpus).changed and Index.load(settings, embedder).case_forms == forms
    assert (index.gen_dir / CASE_FORMS).is_file()  # written now


def test_a_reader_keeps_its_generation_until_it_lets_go(tmp_path, embedder):
    corpus, settings = tmp_path / "docs", Settings(index_dir=tmp_path / "index")
    names = write_corpus(corpus, 3)
    build(settings, embedder, corpus)
    reader = Index.load(settings, embedder)  # a server answering from generation 1
    for n in range(3):  # three more generations: 1 is neither live nor previous any more
        (corpus / f"extra_{n}.txt").write_text(f"Extra note {n} about the otter called Extranote{n}.")
        build(settings, embedder, corpus)
    assert (settings.index_dir / "gen-000001").is_dir()
    assert reader.manifest["collection"] in collections(settings)
    assert sources_mentioning(reader, names["gen_000.txt"]) == {"gen_000.txt"}, "the old generation still answers"

    del reader
    gc.collect()
    (corpus / "extra_0.txt").unlink()
    build(settings, embedder, corpus)
    generations = sorted(p.name for p in settings.index_dir.glob("gen-*"))
    assert generations == ["gen-000004", "gen-000005"], "unleased old generations are swept, the previous kept"
    (shared,) = collections(settings)
    held = {i for name in generations for i in json.loads((settings.index_dir / name / CHROMA_IDS).read_text())["ids"]}
    stored = set(chroma_client(settings).get_collection(shared).get(include=[])["ids"])
    assert stored == held, "Chroma holds other chunks than those of the generations left"


def test_leftovers_of_a_crashed_run_are_swept(tmp_path, embedder):
    corpus, settings = tmp_path / "docs", Settings(index_dir=tmp_path / "index")
    write_corpus(corpus, 2)
    build(settings, embedder, corpus)
    live = json.loads((settings.index_dir / MANIFEST).read_text())["collection"]
    client = chroma_client(settings)
    # as if killed after adding chunks, before publishing; and an older qa's numbered collection of such a run
    client.get_collection(live).add(ids=["gen_000.txt#0@orphan"], embeddings=[[0.1] * 384])
    client.create_collection(live.rsplit("_", 1)[0] + "_000002", embedding_function=None)
    (settings.index_dir / "gen-000002.partial" / "bm25").mkdir(parents=True)
    shutil.copytree(settings.index_dir / "gen-000001", settings.index_dir / "gen-000003")  # renamed, never published

    summary = build(settings, embedder, corpus)
    assert not summary.changed
    assert sorted(p.name for p in settings.index_dir.glob("gen-*")) == ["gen-000001"]
    assert collections(settings) == {live}
    index = Index.load(settings, embedder)
    assert sorted(index.collection.get(include=[])["ids"]) == sorted(index.chroma_ids)


def test_settings_that_change_the_index_ask_for_a_re_index(tmp_path, embedder):
    corpus, settings = tmp_path / "docs", Settings(index_dir=tmp_path / "index")
    write_corpus(corpus, 1)
    build(settings, embedder, corpus)
    changed = [
        (settings.model_copy(update={"chunk_tokens": 120}), "chunker settings"),
        (settings.model_copy(update={"chunk_overlap_tokens": 10}), "chunker settings"),
        (settings.model_copy(update={"chroma_url": "http://127.0.0.1:9"}), "QA_CHROMA_URL"),
    ]
    for other, message in changed:
        with pytest.raises(IndexMismatchError, match=message) as raised:
            Index.load(other, embedder)
        assert "re-index" in str(raised.value)
    manifest = json.loads((settings.index_dir / MANIFEST).read_text())
    for key, value in (("embed_model", "another-model"), ("schema_version", 99)):
        with pytest.raises(IndexMismatchError, match="re-index"):
            Index.load(settings, embedder, {**manifest, key: value})

    summary = build(settings.model_copy(update={"chunk_tokens": 120}), embedder, corpus)
    assert summary.changed and summary.embedded_documents == 1, "new chunker settings re-embed everything"


def test_a_second_writer_is_refused_with_a_clear_message(tmp_path, embedder):
    corpus, index_dir = tmp_path / "docs", tmp_path / "index"
    write_corpus(corpus, 1)
    index_dir.mkdir()
    with open(index_dir / WRITE_LOCK, "a") as held:  # the lock another `qa index` would hold
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run_qa("index", str(corpus), index_dir=index_dir)
    assert result.returncode == 1 and "another `qa index` is writing" in result.stderr
    assert not (index_dir / MANIFEST).exists()
    assert run_qa("index", str(corpus), index_dir=index_dir).returncode == 0, "the lock dies with its holder"


def test_a_damaged_manifest_is_reported_and_rebuilt(tmp_path, embedder):
    corpus, settings = tmp_path / "docs", Settings(index_dir=tmp_path / "index")
    write_corpus(corpus, 1)
    build(settings, embedder, corpus)
    (settings.index_dir / MANIFEST).write_text("{not json")
    with pytest.raises(QAError, match="cannot read the index manifest .*; run `qa index` again"):
        Index.load(settings, embedder)
    assert build(settings, embedder, corpus).changed
    assert Index.load(settings, embedder).documents


def answers(assistant: Assistant, questions: list[str]) -> list[dict]:
    return [assistant.ask(q).model_dump(include={"answer", "abstained", "citations"}) for q in questions]


@pytest.mark.slow
def test_sigkill_mid_index_loses_nothing_and_the_next_run_completes(tmp_path, seeds_settings):
    """Kill `qa index` at a random moment of a long run: the old index answers as before."""
    index_dir = tmp_path / "index"
    shutil.copytree(seeds_settings.index_dir, index_dir)  # a live index of the seeds, as a user has it
    corpus = tmp_path / "docs"
    shutil.copytree(SEEDS, corpus)
    names = write_corpus(corpus, 100, seed=7, paragraphs=3)  # ~2,000 texts to embed: several seconds
    questions = [json.loads(line)["question"] for line in (ROOT / "evals" / "questions.jsonl").read_text().splitlines()]
    settings = Settings(index_dir=index_dir)
    before = answers(Assistant(settings), questions)

    process = subprocess.Popen(
        [*QA_BIN, "index", str(corpus), "--index-dir", str(index_dir)], cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("QA_")},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not list(index_dir.glob("gen-*.partial")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    delay = random.uniform(0.2, 3.0)  # somewhere in chunking, embedding or storing
    time.sleep(delay)
    assert process.poll() is None, "indexing finished before it could be killed: make the corpus larger"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert json.loads((index_dir / MANIFEST).read_text())["generation"] == 1, "nothing was published"
    assert answers(Assistant(settings), questions) == before, f"answers changed after a kill at +{delay:.2f} s"

    finished = run_qa("index", str(corpus), index_dir=index_dir)
    assert finished.returncode == 0, finished.stderr
    assert "indexed 105 documents" in finished.stdout and "reused 5" in finished.stdout
    assert not list(index_dir.glob("*.partial"))
    source, name = next(iter(names.items()))
    answer = Assistant(settings).ask(f"Where was the animal called {name} ringed?")
    assert not answer.abstained and answer.citations[0].source == source
