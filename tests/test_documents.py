"""Cleaning on the real seeds: mojibake repaired, dates parsed, boilerplate gone."""

import re
from pathlib import Path

import pytest

from qa.documents import clean_text, discover, read_document, repair_mojibake
from qa.errors import DocumentError

from conftest import SEEDS

WIKI = "002_09c5668dc815a85a.txt"


@pytest.fixture(scope="module")
def docs():
    return {source: read_document(path, source) for path, source in discover(SEEDS).files}


def test_mojibake_is_repaired_in_the_wikipedia_article(docs):
    text = docs[WIKI].text
    assert "1988–1994" in text
    assert "每" not in text
    assert not re.search(r"[\u4e00-\u9fff]", text), "no CJK characters should survive repair"
    assert "Füzuli" in text and "António Guterres" in text
    assert "Тапкаракоюнлу" in text  # a Russian reference title reads as Russian again
    assert "Baku–Tbilisi–Ceyhan pipeline" in text


def test_repair_is_general_and_leaves_real_chinese_alone():
    russian = "Военный показывает журналистам ракету"
    garbled = russian.encode("gbk").decode("big5")
    assert garbled != russian
    body = "The article cites several sources in English and one in Russian. " * 3
    assert repair_mojibake(f"{body}Title: {garbled} (in Russian).") == f"{body}Title: {russian} (in Russian)."
    chinese = "納戈爾諾-卡拉巴赫衝突是一場長期的民族和領土衝突。"
    assert repair_mojibake(chinese) == chinese


def test_leading_date_line_becomes_metadata(docs):
    assert docs["000_9e15d06241d5e33a.txt"].date == "2023-09-20"
    assert docs["003_b941ef868d848c92.txt"].date == "2023-09-19"
    assert docs["000_9e15d06241d5e33a.txt"].text.startswith("Azerbaijan’s operation in Nagorno-Karabakh")
    assert "date 2023" not in docs["000_9e15d06241d5e33a.txt"].text
    assert docs["001_d8453b11cfddfb99.txt"].date is None


def test_web_boilerplate_is_dropped(docs):
    every = "\n".join(d.text for d in docs.values())
    for junk in ("Jump to navigation", "Page extended-protected", "pic.twitter.com", "From Wikipedia, the free encyclopedia"):
        assert junk not in every
    assert not re.search(r"^\s*\d{1,2}:\d{2} ?[AP]M BST\s*$", every, re.MULTILINE)
    assert "[22]" not in docs[WIKI].text, "Wikipedia footnote markers would be confused with our [n] citations"


def test_clean_text_keeps_body_text():
    text, date = clean_text(" date 2021-01-02 First line.\n\n10:45 AM GMT\n\nSecond line.\n")
    assert (text, date) == ("First line.\n\nSecond line.", "2021-01-02")


def test_unreadable_inputs_give_one_clear_error(tmp_path):
    with pytest.raises(DocumentError, match="no such file"):
        discover(tmp_path / "missing")
    slides = tmp_path / "talk.pptx"
    slides.write_bytes(b"PK\x03\x04")
    with pytest.raises(DocumentError, match=r"only \.txt, \.md, \.rst, \.html, \.htm, \.pdf, \.docx and \.odt files are supported"):
        discover(slides)
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(DocumentError, match="binary"):
        read_document(binary, "blob.txt")


@pytest.mark.parametrize(
    ("first_lines", "title"),
    [
        ("Determinants of neonatal mortality in Indonesia\n\nBACKGROUND ...", "Determinants of neonatal mortality in Indonesia"),
        ("HIV seropositivity and tuberculosis in a large general hospital in Malawi.\n\nWe ...",
         "HIV seropositivity and tuberculosis in a large general hospital in Malawi."),
        ("Mr. Aliyev and the U.S. Envoy: A Study.\n\nText.", "Mr. Aliyev and the U.S. Envoy: A Study."),
        ("The talks failed.\nBoth sides blamed each other.", None),  # a paragraph's first sentence
        ("The talks failed. Both sides blamed each other.\n\nMore.", None),  # two sentences
        ("Aliyev said operations will end if separatists “lay down their arms”.\n\nMore.", None),  # a lead with a quotation
        ("Why did the talks fail?\n\nMore.", None),
        ("One line with no blank line after it.", None),
        ("A" * 201 + "\n\nMore.", None),
    ],
)
def test_a_text_files_title_is_its_first_line_when_it_reads_as_a_title(tmp_path, first_lines, title):
    path = tmp_path / "doc.txt"
    path.write_text(first_lines)
    assert read_document(path, "doc.txt").title == title


def test_seed_titles(docs):
    titles = {source: d.title for source, d in docs.items()}
    assert titles[WIKI] == "2020 Nagorno-Karabakh conflict"
    assert titles["001_d8453b11cfddfb99.txt"] == "Azerbaijan statement"
    assert titles["000_9e15d06241d5e33a.txt"] is None, "a one-sentence lead paragraph is not a title"


def test_markdown_title_and_latin1_file(tmp_path):
    md = tmp_path / "note.md"
    md.write_text("# Ceasefire notes\n\nThe ceasefire began on 10 November.\n")
    assert read_document(md, "note.md").title == "Ceasefire notes"
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Le cessez-le-feu a été signé à Moscou, déclare le ministère.".encode("cp1252"))
    assert "été signé à Moscou" in read_document(latin, "latin.txt").text
