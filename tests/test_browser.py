"""The web page in a real headless Chromium (Debian's, driven by Playwright): ask, see the cited answer stream in,
click a citation, see the quoted span highlighted in its document; at laptop and at phone width.

Screenshots go to the test's temporary folder, and also to $QA_SCREENSHOT_DIR when set (`make screenshots`).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import httpx
import pytest

from conftest import live_server
from qa.assistant import Assistant
from qa.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
QUESTION = "How many people were killed as Azerbaijan shelled Nagorno-Karabakh?"
FOLLOW_UP = "And how many of them were children?"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
        )
        yield context
        context.close()


@pytest.fixture
def page(browser, server_url):
    page = browser.new_page()
    page.set_default_timeout(60_000)
    page.goto(server_url)
    yield page
    page.close()


def screenshot(page, tmp_path, name: str) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path))
    if folder := os.environ.get("QA_SCREENSHOT_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / name)


def ask(page, question: str):
    """Type a question, press Enter, wait for the answer to finish; return the answer's box."""
    answered = page.locator(".bot").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    box = page.locator(".bot").nth(answered)
    box.locator(".answer:not(.pending)").wait_for()
    return box


def in_view(page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
             return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
        selector,
    )


def check_citation_opens_highlighted(page, box, server_url) -> None:
    cite = box.locator(".answer .cite").first
    number = int(cite.inner_text())
    cite.click()
    mark = page.locator("#viewer-text mark")
    mark.wait_for()
    quote = box.locator(".sources .source").nth(number - 1).locator(".source-quote").inner_text().strip("“”")
    assert mark.inner_text() == quote
    page.wait_for_function("() => !document.querySelector('#viewer-meta').textContent.startsWith('Loading')")
    assert in_view(page, "#viewer-text mark")
    assert "characters" in page.inner_text("#viewer-meta")


def test_ask_follow_up_and_open_a_citation_on_a_laptop(page, server_url, tmp_path):
    page.set_viewport_size(LAPTOP)
    assert "documents indexed" in page.inner_text("#corpus") and page.locator("#keybox").is_hidden()
    first = ask(page, QUESTION)
    assert "killed" in first.locator(".answer").inner_text()
    assert 0 < float(first.locator(".confidence").inner_text().removeprefix("confidence ")) <= 1
    assert first.locator(".sources li").count() == first.locator(".answer .cite").count() >= 1
    follow = ask(page, FOLLOW_UP)
    assert "children" in follow.locator(".answer").inner_text()
    assert "Searched for:" in follow.locator(".used").inner_text()
    check_citation_opens_highlighted(page, follow, server_url)
    viewer, chat = page.locator("#viewer").bounding_box(), page.locator(".chat").bounding_box()
    assert viewer["x"] >= chat["x"] + chat["width"] - 1  # side by side, not covering the conversation
    screenshot(page, tmp_path, "screenshot.png")


def test_deep_citation_is_scrolled_into_view_on_a_phone(page, server_url, tmp_path):
    page.set_viewport_size(PHONE)
    box = ask(page, "Which countries supported Azerbaijan in the 2020 Nagorno-Karabakh conflict?")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sticks out sideways
    screenshot(page, tmp_path, "screenshot-phone-chat.png")
    check_citation_opens_highlighted(page, box, server_url)
    viewer = page.locator("#viewer").bounding_box()
    assert viewer["width"] == PHONE["width"]  # the document takes the whole small screen
    screenshot(page, tmp_path, "screenshot-phone.png")
    page.click("#viewer-close")
    assert page.locator("#viewer").is_hidden() and box.is_visible()


def test_refusal_is_shown_plainly(page):
    box = ask(page, "What is the boiling point of mercury?")
    assert "refusal" in box.get_attribute("class")
    assert box.locator(".answer").inner_text() == "The documents don't answer this question."
    assert box.locator(".sources").count() == 0
    assert box.locator(".confidence").inner_text().startswith("confidence 0.")  # how near it came to answering


def test_reset_starts_a_new_conversation(page):
    ask(page, QUESTION)
    page.click("#reset")
    assert page.locator("#log li").count() == 0 and page.locator("#empty").is_visible()
    box = ask(page, FOLLOW_UP)
    assert box.locator(".used").is_hidden()  # nothing earlier to lean on


def test_server_errors_are_shown_in_the_conversation(page, server_url):
    assert httpx.post(f"{server_url}/chat", json={"question": "x" * 2001}, timeout=30).status_code == 422
    page.evaluate("document.querySelector('#question').removeAttribute('maxlength')")
    box = ask(page, "x" * 2001)
    assert "error" in box.get_attribute("class") and "2000" in box.inner_text()


def test_api_docs_render_every_endpoint(browser, server_url, tmp_path):
    """Swagger UI must be able to read FastAPI's OpenAPI 3.1 schema (Swagger UI 4 showed only an error)."""
    page = browser.new_page()
    try:
        page.goto(f"{server_url}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        paths = {path.get_attribute("data-path") for path in page.locator(".opblock-summary-path").all()}
        assert {"/chat", "/v1/chat/completions", "/health", "/documents", "/documents/{source}"} <= paths
        assert page.locator(".errors-wrapper").count() == 0
        screenshot(page, tmp_path, "docs.png")
    finally:
        page.close()


CODE_GUIDE = """# The keeper model

Encode your sentences with the keeper model.

```python
vectors = model.encode(sentences)
for vector in vectors:
    print(vector[1])
```

The vectors have 384 dimensions.
"""


def test_quoted_code_is_shown_as_written_and_its_brackets_are_no_citations(browser, tmp_path):
    """A server over a small guide with code: the answer shows the code block it quotes indented, in one box."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text(CODE_GUIDE)
    Assistant(Settings(index_dir=tmp_path / "index")).index_paths([tmp_path / "docs"])
    command = [sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1", "--port", "{port}"]
    with live_server(command, tmp_path / "index", tmp_path / "uvicorn.log") as url:
        page = browser.new_page()
        try:
            page.goto(url)
            box = ask(page, "How do I encode sentences with the keeper model?")
            code = CODE_GUIDE.split("```python\n")[1].split("\n```")[0]
            assert box.locator(".answer pre.code").inner_text() == code
            assert box.locator(".answer .cite").count() == box.locator(".sources li").count() == 2
            screenshot(page, tmp_path, "screenshot-code.png")
        finally:
            page.close()
