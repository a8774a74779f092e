"""Warm answers over HTTP: `uvicorn server:app` on 127.0.0.1, POST /chat, latency percentiles and peak memory."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.measure import PYTHON, ROOT, environment, peak_rss_mb, percentile

WARM_UP = 3
READY_TIMEOUT = 120.0


@dataclass
class ServerFigures:
    p50_ms: float
    p95_ms: float
    peak_mb: float
    answered: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(client, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}) before it was ready")
        try:
            if client.get("/health").status_code == 200:
                return
        except Exception:  # noqa: BLE001 - not listening yet
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the server was not ready within {READY_TIMEOUT:.0f} s")


def measure_chat(index_dir: Path, questions: list[str]) -> ServerFigures | None:
    """None when there is no server to measure (server.py missing)."""
    if not (ROOT / "server.py").is_file():
        return None
    import httpx

    port = free_port()
    command = [PYTHON, "-m", "uvicorn", "server:app", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    log = tempfile.TemporaryFile("w+")
    process = subprocess.Popen(command, cwd=ROOT, env=environment(QA_INDEX_DIR=str(index_dir)), stdout=log, stderr=log, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            try:
                wait_ready(client, process)
            except (RuntimeError, TimeoutError) as error:
                log.seek(0)
                raise RuntimeError(f"{error}; its log ends:\n{log.read()[-2000:]}") from None
            milliseconds = []
            for n, question in enumerate(questions[:WARM_UP] + questions):
                started = time.perf_counter()
                response = client.post("/chat", json={"question": question})
                elapsed = (time.perf_counter() - started) * 1000
                response.raise_for_status()
                if "answer" not in response.json():
                    raise RuntimeError(f"/chat returned no answer: {response.text[:200]}")
                if n >= WARM_UP:
                    milliseconds.append(elapsed)
            peak = peak_rss_mb(process.pid)
    finally:
        process.kill()  # measured already: no need to wait for a graceful shutdown
        process.wait()
        log.close()
    return ServerFigures(percentile(milliseconds, 50), percentile(milliseconds, 95), peak, len(milliseconds))
