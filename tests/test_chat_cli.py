"""`qa chat`: the same conversation in the terminal (a REPL with history, /reset and /exit)."""

from __future__ import annotations

import os
import subprocess

from conftest import QA_BIN, ROOT


def chat(lines: list[str], index_dir) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")} | {"QA_INDEX_DIR": str(index_dir), "COLUMNS": "400"}
    return subprocess.run([*QA_BIN, "chat"], input="\n".join(lines) + "\n", cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_follow_up_reset_and_exit(seeds_settings):
    result = chat(
        [
            "How big is Russia's peacekeeping mission in Nagorno-Karabakh?",
            "What is it doing?",
            "/reset",
            "What is it doing?",
            "/exit",
            "Who did Ilham Aliyev speak with by phone?",  # never asked: /exit ended the session
        ],
        seeds_settings.index_dir,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "2,000-strong peacekeeping mission" in out
    rewritten = [line for line in out.splitlines() if "searched for:" in line]
    assert len(rewritten) == 1 and "peacekeeping" in rewritten[0]  # after /reset the follow-up stands alone
    assert "New conversation." in out
    assert "Blinken" not in out


def test_end_of_input_leaves_quietly(seeds_settings):
    result = chat(["Who did Ilham Aliyev speak with by phone?"], seeds_settings.index_dir)
    assert result.returncode == 0, result.stderr
    assert "Blinken" in result.stdout and "Sources" in result.stdout


def test_a_missing_index_is_one_line(tmp_path):
    result = chat(["anything"], tmp_path / "none")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "no index" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
