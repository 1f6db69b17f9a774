"""`mle-star run` checks the model backends first: a misconfigured run fails at once, in one line,
with exit code 2 and no run folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from machine_learning_engineering.bundled_tasks import build_task

# Blank, not absent: `.env` never overrides a variable that is set, so a developer's .env cannot leak in.
BLANKED = ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT",
           "GOOGLE_CLOUD_LOCATION", "OPENAI_API_KEY", "OPENAI_API_BASE", "OPENAI_BASE_URL",
           "MLE_STAR_MODEL", "MLE_STAR_AGENT_MODELS")


def _mle_star(cwd: Path, *args: str, **variables: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLE_STAR_")}
    env.update({name: "" for name in BLANKED}, MLE_STAR_RUNS_DIR=str(cwd / "runs"))
    env.update(variables)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "machine_learning_engineering.cli", "run", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=60)
    return done, time.monotonic() - started


def test_gemini_without_credentials_fails_fast_in_one_line_and_creates_no_run_folder(tmp_path):
    task_dir = build_task("wine-cultivar", tmp_path / "tasks")
    done, seconds = _mle_star(tmp_path, str(task_dir), "--model", "gemini-2.5-flash", "--output", "out")

    assert done.returncode == 2
    assert seconds < 5, f"the preflight took {seconds:.1f} s"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mle-star: ")
    for name in ("GOOGLE_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION"):
        assert name in lines[0]
    assert not (tmp_path / "runs").exists() and not (tmp_path / "out").exists()


def test_agent_model_sets_one_role_and_checks_role_names(tmp_path):
    done, _ = _mle_star(tmp_path, "tasks/none", "--agent-model", "debugger=gemini-2.5-pro")
    assert done.returncode == 2 and "'gemini-2.5-pro' (role debugger)" in done.stderr

    done, _ = _mle_star(tmp_path, "tasks/none", "--agent-model", "debugger=offline", "--model", "litellm/openai/gpt-4o",
                        MLE_STAR_AGENT_MODELS="planner=gemini-2.5-pro,debugger=gemini-2.5-pro")
    assert done.returncode == 2 and "'litellm/openai/gpt-4o' (every agent except planner, debugger)" in done.stderr

    done, _ = _mle_star(tmp_path, "tasks/none", "--agent-model", "debugger=offline", "--model", "offline",
                        MLE_STAR_AGENT_MODELS="planner=gemini-2.5-pro,debugger=gemini-2.5-pro")
    assert done.returncode == 2 and "'gemini-2.5-pro' (role planner)" in done.stderr  # the flag wins for debugger

    done, _ = _mle_star(tmp_path, "tasks/none", "--agent-model", "debuger=gemini-2.5-pro")
    assert done.returncode == 2 and "unknown role 'debuger'" in done.stderr and "usage_checker" in done.stderr

    done, _ = _mle_star(tmp_path, "tasks/none", "--agent-model", "debugger")
    assert done.returncode == 2 and "is not ROLE=MODEL" in done.stderr
    assert not (tmp_path / "runs").exists()


def test_grade_says_the_score_is_the_test_score(tmp_path):
    from tests.graph_fixtures import make_binary_task

    task_dir = make_binary_task(tmp_path / "task")
    perfect = tmp_path / "perfect.csv"
    perfect.write_text((task_dir / "private" / "answers.csv").read_text())
    done = subprocess.run([sys.executable, "-m", "machine_learning_engineering.cli", "grade", str(task_dir),
                           str(perfect)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "test roc_auc on the private answers: 1 (higher is better)"
