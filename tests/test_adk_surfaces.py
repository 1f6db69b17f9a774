"""The ADK commands a user types: `adk web` finds the app, `adk run` solves a task in a few lines of
chat, and `adk eval` passes the eval sets in eval/adk/ with the offline engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from google.adk.cli.utils._nested_agent_loader import NestedAgentLoader

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "machine_learning_engineering"
ADK = str(Path(sys.executable).with_name("adk"))
# Blank, not absent: `.env` never overrides a variable that is set, so a developer's .env cannot leak in.
BLANKED = ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "MLE_STAR_MODEL",
           "MLE_STAR_AGENT_MODELS", "MLE_STAR_TIME_BUDGET_S")
SMALL = {"MLE_STAR_NUM_SOLUTIONS": "1", "MLE_STAR_NUM_CANDIDATES": "2", "MLE_STAR_OUTER_STEPS": "1",
         "MLE_STAR_INNER_STEPS": "1", "MLE_STAR_ENSEMBLE_ROUNDS": "1", "MLE_STAR_SMALL_DATA_REPEATS": "1",
         "MLE_STAR_N_FOLDS": "3"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder holding tasks/wine-cultivar, built as a user builds it."""
    root = tmp_path_factory.mktemp("adk")
    subprocess.run([str(Path(sys.executable).with_name("mle-star")), "tasks", str(root / "tasks"),
                    "--only", "wine-cultivar"], check=True, capture_output=True, timeout=120)
    return root


def _adk(cwd: Path, *args: str, stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLE_STAR_")}
    env.update({name: "" for name in BLANKED}, MLE_STAR_RUNS_DIR=str(cwd / "runs"), **SMALL)
    return subprocess.run([ADK, *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
                          timeout=timeout)


def test_adk_web_lists_only_this_agent_and_loads_it_from_the_repository_root():
    assert NestedAgentLoader(str(PACKAGE)).list_agents() == ["machine_learning_engineering"]
    from_root = NestedAgentLoader(str(ROOT))
    assert from_root.list_agents() == ["machine_learning_engineering"]  # no sub-agent folder is an app
    assert from_root.load_agent("machine_learning_engineering").name == "front_door"


def test_adk_run_solves_a_task_in_a_few_lines_and_exits_0(workdir):
    done = _adk(workdir, "run", str(PACKAGE), "solve tasks/wine-cultivar in 60 seconds", timeout=300)

    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert len(lines) < 30, done.stdout
    out = done.stdout
    assert "Starting MLE-STAR on wine-cultivar (f1_macro) with a budget of 60 s" in out
    assert "Loaded task wine-cultivar" in out and "Submission written to" in out
    assert "```" not in out and "import " not in out, "a script reached the chat"
    assert list((workdir / "runs").glob("wine-cultivar-*/submission.csv"))


def test_adk_run_answers_piped_messages_until_exit(workdir):
    done = _adk(workdir, "run", str(PACKAGE), stdin="what is MLE-STAR?\nstatus?\nexit\n")

    assert done.returncode == 0, done.stderr[-3000:]
    assert "ablation" in done.stdout.lower() and "No run has started" in done.stdout


def test_adk_eval_passes_the_conversation_eval_set(workdir):
    done = _adk(workdir, "eval", str(PACKAGE), str(ROOT / "eval" / "adk" / "front_door.evalset.json"))

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Tests passed: 3" in done.stdout and "Tests failed: 0" in done.stdout


def test_adk_eval_passes_the_short_run(workdir):
    done = _adk(workdir, "eval", str(PACKAGE), str(ROOT / "eval" / "adk" / "run" / "wine_cultivar.evalset.json"),
                timeout=400)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Tests passed: 1" in done.stdout and "Tests failed: 0" in done.stdout
