"""Measuring tools: a subprocess's wall time and peak memory, percentiles, and clean environments."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact"  # BEIR SciFact, beside the project
SPAWN = Path(__file__).with_name("spawn.py")
PYTHON = sys.executable
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "TQDM_DISABLE": "1",
}


@dataclass
class Run:
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str


def environment(**extra: str) -> dict[str, str]:
    """This process's environment without QA_* settings, offline, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    return {**env, **OFFLINE, **extra}


def run(command: list[str], env: dict[str, str] | None = None, timeout: float = 1800) -> Run:
    """Run `command` to completion: its wall seconds and peak resident memory (see bench/spawn.py)."""
    with tempfile.TemporaryDirectory() as scratch:
        result, out, err = (Path(scratch) / name for name in ("result", "stdout", "stderr"))
        with open(out, "w") as stdout, open(err, "w") as stderr:
            wrapped = [PYTHON, "-S", str(SPAWN), str(result), *command]
            process = subprocess.run(wrapped, cwd=ROOT, env=env or environment(), stdout=stdout, stderr=stderr, timeout=timeout)
        seconds, peak_kb = result.read_text().split()
        measured = Run(float(seconds), int(peak_kb) / 1024, out.read_text(), err.read_text())
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:6])} failed ({process.returncode}):\n{measured.stderr[-3000:]}")
    return measured


def median_run(command: list[str], times: int, env: dict[str, str] | None = None) -> Run:
    """The run with the median wall time of `times` runs (its memory is that run's)."""
    runs = sorted((run(command, env) for _ in range(times)), key=lambda r: r.seconds)
    return runs[len(runs) // 2]


def percentile(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q))


def peak_rss_mb(pid: int) -> float:
    """The high-water mark of a live process's resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")
