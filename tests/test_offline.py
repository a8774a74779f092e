"""Offline guarantee: `qa index`, `qa ask`, `qa eval` and the server reach nothing beyond loopback.

Each runs in a subprocess with an empty HOME, none of the caller's QA_/HF_/telemetry variables,
and a `sitecustomize` whose audit hook records (and refuses) every DNS lookup or connection to a
non-loopback address. Native code (onnxruntime's 1DS telemetry, Chroma's Rust core) is invisible
to audit hooks, so `strace` watches the CLI's system calls too when it is available, and HOME must
hold nothing but qa's own model cache (onnxruntime writes a device id there when its telemetry is on).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conftest import QA_BIN, ROOT, SEEDS, live_server

AUDIT_HOOK = '''"""Written by tests/test_offline.py: refuse and record any network access beyond loopback."""
import ipaddress
import os
import socket
import sys
import traceback

_LOG = os.environ["OFFLINE_AUDIT_LOG"]


def _loopback(host):
    if host is None:
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(event, target):
    with open(_LOG, "a") as log:
        log.write(f"{event} {target!r} in {sys.argv[:3]}\\n{''.join(traceback.format_stack(limit=15))}\\n")
    raise OSError(f"offline test: {event} {target!r} refused")


def _audit(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address and not _loopback(address[0]):
            _refuse(event, address)
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"):
        if not _loopback(args[0]):
            _refuse(event, args[0])


sys.addaudithook(_audit)
'''
# What a bare login shell has; everything else (QA_*, HF_*, *_OFFLINE, *_TELEMETRY, proxies) is left out.
KEPT = ("PATH", "LANG", "LC_ALL", "TERM", "TMPDIR")
QUESTION = "Who did Ilham Aliyev speak with by phone?"


class Offline:
    """A clean environment whose network use is recorded in `log` (and, with strace, in `trace`)."""

    def __init__(self, folder: Path) -> None:
        (folder / "site").mkdir()
        (folder / "site" / "sitecustomize.py").write_text(AUDIT_HOOK)
        self.home, self.log, self.trace = folder / "home", folder / "violations.log", folder / "strace.log"
        self.home.mkdir()
        self.env = {k: v for k, v in os.environ.items() if k in KEPT}
        self.env |= {"HOME": str(self.home), "PYTHONPATH": str(folder / "site"), "OFFLINE_AUDIT_LOG": str(self.log)}
        self.strace = strace_usable()

    def command(self, *args: str) -> list[str]:
        traced = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-e", "signal=none", "-A", "-o", str(self.trace)]
        return [*(traced if self.strace else []), *args]

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(*QA_BIN, *args), cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def violations(self) -> list[str]:
        found = [self.log.read_text()] if self.log.exists() else []
        if self.trace.exists():
            found += [line for line in self.trace.read_text().splitlines() if outside(line)]
        return found


def strace_usable() -> bool:
    if shutil.which("strace") is None:
        return False
    return subprocess.run(["strace", "-f", "-qq", "-o", os.devnull, "true"], capture_output=True).returncode == 0


def outside(line: str) -> bool:
    """An strace line connecting or sending to a non-loopback address, or to any DNS server."""
    if "AF_INET" not in line:
        return False
    port = re.search(r"sin6?_port=htons\((\d+)\)", line)
    address = re.search(r'inet_(?:addr|pton)\((?:AF_INET6, )?"([^"]+)"', line)
    if port and port.group(1) == "53":
        return True
    return bool(address) and address.group(1) not in ("127.0.0.1", "::1") and not address.group(1).startswith("127.")


@pytest.fixture(scope="module")
def offline(tmp_path_factory) -> Offline:
    return Offline(tmp_path_factory.mktemp("offline"))


def test_the_audit_hook_catches_what_it_should(offline):
    probe = "import socket\ntry:\n    socket.getaddrinfo('example.com', 443)\nexcept OSError as e:\n    print(e)\n"
    result = subprocess.run(offline.command(sys.executable, "-c", probe), env=offline.env, capture_output=True, text=True)
    assert "refused" in result.stdout, result.stderr
    assert "example.com" in offline.log.read_text()
    offline.log.unlink()
    if offline.strace:
        subprocess.run(offline.command(sys.executable, "-c", "import socket; socket.socket().connect_ex(('10.255.255.1', 9))"),
                       env={**offline.env, "PYTHONPATH": ""}, capture_output=True, timeout=60)
        assert any(outside(line) for line in offline.trace.read_text().splitlines())
        offline.trace.unlink()


@pytest.mark.slow
def test_index_ask_eval_and_serve_attempt_nothing_beyond_loopback(offline, seeds_settings, tmp_path):
    index_dir, corpus = tmp_path / "index", tmp_path / "docs"
    shutil.copytree(seeds_settings.index_dir, index_dir)
    shutil.copytree(SEEDS, corpus)
    (corpus / "lighthouse.txt").write_text("The Kermor lighthouse was first lit on 4 May 1851 by its keeper.")

    indexed = offline.run("index", str(corpus), "--index-dir", str(index_dir))
    assert indexed.returncode == 0 and "embedded 1 documents" in indexed.stdout, indexed.stderr
    asked = offline.run("ask", "--json", QUESTION, "--index-dir", str(index_dir))
    assert asked.returncode == 0 and "Blinken" in json.loads(asked.stdout)["answer"], asked.stderr
    evaluated = offline.run("eval", "--split", "dev", "--index-dir", str(index_dir))
    assert evaluated.returncode == 0 and "citation_validity" in evaluated.stdout, evaluated.stderr

    # Not under strace: stopping strace would leave the server it traces running.
    serve = ["env", "-i", *(f"{k}={v}" for k, v in offline.env.items()), *QA_BIN, "serve", "--port", "{port}",
             "--index-dir", str(index_dir)]
    with live_server(serve, index_dir, tmp_path / "server.log") as url:
        answer = httpx.post(f"{url}/chat", json={"question": QUESTION}, timeout=60).json()
        assert "Blinken" in answer["answer"]
        assert httpx.get(f"{url}/documents", timeout=30).status_code == 200

    assert offline.violations() == []
    # onnxruntime's telemetry would leave a device id here. ragas' log formatter stamps its log lines with
    # a local id file (sent nowhere: RAGAS_DO_NOT_TRACK is set), and the model's ONNX export is cached for
    # the user; nothing else may appear.
    written = {p.relative_to(offline.home).as_posix() for p in offline.home.rglob("*") if p.is_file()}
    exported = {f".cache/qa/models/all-MiniLM-L6-v2.onnx-v1/{name}" for name in ("export.json", "model.onnx", "tokenizer.json")}
    assert written <= {".local/share/ragas/uuid.json"} | exported, written


def test_telemetry_switches_are_off_without_any_variable(offline):
    probe = """
import qa, json, chromadb.config, huggingface_hub.constants as hub, ragas._analytics as ragas, os
print(json.dumps({
    "chroma_telemetry": chromadb.config.Settings().anonymized_telemetry,
    "hf_offline": hub.HF_HUB_OFFLINE, "hf_telemetry_disabled": hub.HF_HUB_DISABLE_TELEMETRY,
    "ragas_do_not_track": ragas.do_not_track(), "onnxruntime_telemetry": os.environ.get("ORT_DISABLE_TELEMETRY"),
}))
"""
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=offline.env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "chroma_telemetry": False, "hf_offline": True, "hf_telemetry_disabled": True,
        "ragas_do_not_track": True, "onnxruntime_telemetry": "1",
    }
