"""Bad input: every case gets a clear message, nothing crashes, nothing already indexed is lost."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from qa.assistant import MAX_QUESTION_CHARS, normalise_question
from qa.documents import read_document
from qa.errors import QAError
from qa.index import MANIFEST

from conftest import QA_BIN, ROOT, run_qa

GOOD = "Who did Ilham Aliyev speak with by phone?"


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), (" \t\n\r ", "empty"), ("\x00\x07\x1b", "empty"), ("\ud800\udfff", "empty"),
     ("x" * 100_000, "too long")],
)
def test_unusable_questions_are_refused_clearly(assistant, question, message):
    with pytest.raises(QAError, match=message):
        assistant.ask(question)


def test_control_characters_and_lone_surrogates_are_dropped_not_fatal(assistant):
    noisy = f"\x1b{GOOD[:10]}\ud83d{GOOD[10:]}\x00\x07"
    assert normalise_question(noisy) == GOOD
    assert assistant.ask(noisy).answer == assistant.ask(GOOD).answer
    assert len(normalise_question("word " * (MAX_QUESTION_CHARS // 5))) <= MAX_QUESTION_CHARS


def run_qa_bytes(*args: bytes | str, index_dir) -> subprocess.CompletedProcess:
    """Like run_qa, but arguments may be raw bytes (not valid UTF-8), as a shell can pass them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")} | {"QA_INDEX_DIR": str(index_dir)}
    return subprocess.run([*QA_BIN, *args], cwd=ROOT, env=env, capture_output=True, timeout=300)


def test_the_cli_survives_invalid_utf8_huge_and_markup_questions(seeds_settings):
    index_dir = seeds_settings.index_dir
    result = run_qa_bytes("ask", "--json", GOOD.encode() + b"\xff\xfe", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["abstained"] is False

    result = run_qa_bytes("ask", "[/bold] [red]", b"\xed\xa0\x80?", GOOD, index_dir=index_dir)
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr

    result = run_qa("ask", "x" * 100_000, index_dir=index_dir)
    assert result.returncode == 1 and "too long" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def messy_folder(tmp_path_factory):
    """One folder with every kind of file a careless corpus holds, and one good document."""
    folder = tmp_path_factory.mktemp("messy")
    (folder / "good.txt").write_text("The lighthouse at Kermor was first lit on 4 May 1851 by the keeper Yann Le Gall.")
    (folder / "latin1.txt").write_bytes("Le phare de Kermor fut allumé en mai 1851, à la demande du préfet.".encode("cp1252"))
    (folder / "utf16.txt").write_text("The fog horn at Kermor sounds twice every thirty seconds.", encoding="utf-16")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text(" \n\t\n \u00a0\n")
    with open(folder / "huge.txt", "w") as handle:  # 50 MB, over the default QA_MAX_FILE_MB
        line = "The keeper wrote the same line in the log book every night of the winter.\n"
        handle.write(line * (50_000_000 // len(line) + 1))
    (folder / "loop_a.txt").symlink_to(folder / "loop_b.txt")
    (folder / "loop_b.txt").symlink_to(folder / "loop_a.txt")
    (folder / "dangling.txt").symlink_to(folder / "nowhere.txt")
    (folder / "sub").mkdir()
    (folder / "sub" / "around.md").symlink_to(folder, target_is_directory=True)  # a directory loop
    (folder / "sub" / "note.md").write_text("# Keeper's note\n\nThe lamp burned colza oil until 1875.\n")
    (folder / "sub" / "log.pdf").write_bytes(b"%PDF-1.4")  # cut short
    (folder / "sub" / "minutes.docx").write_bytes(b"PK\x03\x04")  # cut short
    (folder / "page.html").write_text("<nav>Home</nav><main><p>The keeper's page.</p></main>")
    (folder / "sub" / "tables.rst").write_text("+------+\n| Year |\n+---\n")  # a table cut short
    (folder / "sub" / "guide.adoc").write_text("= Guide\n")  # kinds qa does not read, said once
    (folder / "sub" / "notes.rtf").write_text("{\\rtf1 Notes}")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("[core]\n")  # hidden: not the user's documents
    return folder


def test_a_messy_folder_indexes_what_it_can_and_says_what_it_skipped(messy_folder, tmp_path):
    result = run_qa("index", str(messy_folder), index_dir=tmp_path / "index", timeout=300)
    assert result.returncode == 0, result.stderr
    assert "indexed 5 documents" in result.stdout, result.stdout
    stderr = " ".join(result.stderr.split())
    assert "binary.txt: it looks like a binary file" in stderr
    assert "empty.txt has no text" in stderr and "blank.md has no text" in stderr
    assert "huge.txt is too large (50.0 MB; QA_MAX_FILE_MB is 20)" in stderr
    assert "log.pdf: a damaged PDF" in stderr and "minutes.docx: a damaged Word file" in stderr
    assert "tables.rst: Malformed table" in stderr
    assert "2 files of other kinds were not read: .adoc (1), .rtf (1); qa reads .txt, .md, .rst, .html, .htm, .pdf, .docx and .odt files" in stderr
    assert "Traceback" not in result.stderr

    asked = run_qa("ask", "--json", "When was the Kermor lighthouse first lit?", index_dir=tmp_path / "index")
    answer = json.loads(asked.stdout)
    assert not answer["abstained"] and answer["citations"][0]["source"] == "good.txt"
    found = run_qa("search", "--json", "allumé préfet", "colza oil", "fog horn", index_dir=tmp_path / "index")
    tops = [json.loads(line)["results"][0]["source"] for line in found.stdout.splitlines()]
    assert tops == ["latin1.txt", "sub/note.md", "utf16.txt"]


def test_a_huge_file_is_skipped_before_it_is_read(messy_folder):
    with pytest.raises(QAError, match="too large"):
        read_document(messy_folder / "huge.txt", "huge.txt", max_bytes=20_000_000)


def test_failed_index_runs_leave_the_index_answering(tmp_path, messy_folder):
    index_dir = tmp_path / "index"
    assert run_qa("index", str(messy_folder / "good.txt"), index_dir=index_dir).returncode == 0
    manifest = (index_dir / MANIFEST).read_text()
    (tmp_path / "nothing").mkdir()
    (tmp_path / "only-junk").mkdir()
    (tmp_path / "only-junk" / "a.txt").write_bytes(b"\x00\x01binary")
    (tmp_path / "only-junk" / "b.pdf").write_bytes(b"%PDF-1.4")
    failures = [
        ((str(tmp_path / "nothing"),), "no documents qa reads (.txt, .md, .rst, .html, .htm, .pdf, .docx and .odt files)"),
        ((str(tmp_path / "only-junk"),), "no documents qa reads (.txt, .md, .rst, .html, .htm, .pdf, .docx and .odt files)"),
        ((str(tmp_path / "missing"),), "no such file or folder"),
        ((str(messy_folder / "good.txt"), str(tmp_path / "missing")), "no such file or folder"),
    ]
    for paths, message in failures:
        result = run_qa("index", *paths, index_dir=index_dir)
        assert result.returncode == 1 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert (index_dir / MANIFEST).read_text() == manifest
    asked = run_qa("ask", "--json", "When was the Kermor lighthouse first lit?", index_dir=index_dir)
    assert json.loads(asked.stdout)["citations"][0]["source"] == "good.txt"
