"""`qa serve` with QA_API_KEY set: everything but /health, the page's files and the API docs asks for the key."""

from __future__ import annotations

import sys

import httpx
import openai
import pytest
from conftest import live_server

KEY = "correct horse battery staple"


@pytest.fixture(scope="module")
def keyed_url(seeds_settings, tmp_path_factory):
    log = tmp_path_factory.mktemp("keyed-server") / "qa-serve.log"
    command = [sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1", "--port", "{port}",
               "--index-dir", str(seeds_settings.index_dir)]
    with live_server(command, tmp_path_factory.mktemp("ignored"), log, env={"QA_API_KEY": KEY}) as url:
        yield url  # QA_INDEX_DIR points nowhere useful: --index-dir must win


PROTECTED = [
    ("POST", "/chat", {"question": "Who did Ilham Aliyev speak with by phone?"}),
    ("POST", "/v1/chat/completions", {"model": "qa", "messages": [{"role": "user", "content": "Who is Blinken?"}]}),
    ("GET", "/documents", None),
    ("GET", "/documents/000_9e15d06241d5e33a.txt", None),
]


@pytest.mark.parametrize("method,path,body", PROTECTED)
def test_protected_endpoints_need_the_key(keyed_url, method, path, body):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"}):
        response = httpx.request(method, f"{keyed_url}{path}", json=body, headers=headers, timeout=60)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
        assert "API key" in response.json()["error"]["message"]
    allowed = httpx.request(method, f"{keyed_url}{path}", json=body, headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
    assert allowed.status_code == 200, allowed.text


@pytest.mark.parametrize("path", ["/health", "/", "/static/app.js", "/static/style.css", "/docs", "/openapi.json"])
def test_health_the_page_and_the_docs_stay_open(keyed_url, path):
    assert httpx.get(f"{keyed_url}{path}", timeout=10).status_code == 200


def test_the_docs_declare_the_key_so_swagger_ui_can_send_it(keyed_url):
    schema = httpx.get(f"{keyed_url}/openapi.json", timeout=10).json()
    schemes = schema["components"]["securitySchemes"]
    assert [scheme["scheme"] for scheme in schemes.values()] == ["bearer"]
    chat = schema["paths"]["/chat"]["post"]
    assert chat["security"] and set(chat["security"][0]) <= set(schemes)


def test_openai_sdk_sends_the_key_as_bearer(keyed_url):
    messages = [{"role": "user", "content": "Who did Ilham Aliyev speak with by phone?"}]
    wrong = openai.OpenAI(base_url=f"{keyed_url}/v1", api_key="wrong", max_retries=0, timeout=60)
    with pytest.raises(openai.AuthenticationError):
        wrong.chat.completions.create(model="qa", messages=messages)
    right = openai.OpenAI(base_url=f"{keyed_url}/v1", api_key=KEY, max_retries=0, timeout=60)
    assert "Blinken" in right.chat.completions.create(model="qa", messages=messages).choices[0].message.content
