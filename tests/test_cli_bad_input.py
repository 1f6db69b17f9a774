"""`mle-star run` on bad input (task folders, settings on the command line, in the environment or .env):
one line on stderr that names the bad value and the fix, exit code 2, no traceback, no run folder, and
the task folder byte for byte as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

import numpy as np
import pandas as pd
import pytest

from tests.task.conftest import binary_frames, write_task

# Blank, not absent: `.env` never overrides a variable that is set, so a developer's .env cannot leak in.
BLANKED = ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT",
           "GOOGLE_CLOUD_LOCATION", "OPENAI_API_KEY", "OPENAI_API_BASE", "OPENAI_BASE_URL")
NOBODY = 65534
# Files larger than this are compared by size and modification time (the sparse multi-GB table).
HASHED_UP_TO = 64 * 2**20


def _mle_star(cwd: Path, *args: str, env: Optional[dict[str, str]] = None,
              as_nobody: bool = False) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MLE_STAR_")}
    environ.update({name: "" for name in BLANKED}, MLE_STAR_RUNS_DIR=str(cwd / "runs"))
    environ.update(env or {})
    # setpriv, not subprocess's `user=`: the latter cannot exec a venv whose interpreter lies under /root.
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if as_nobody else []
    return subprocess.run([*prefix, sys.executable, "-m", "machine_learning_engineering.cli", "run", *args],
                          cwd=cwd, env=environ, capture_output=True, text=True, timeout=120)


def _snapshot(root: Path) -> dict[str, tuple]:
    if not root.exists():
        return {}
    seen: dict[str, tuple] = {str(root): (root.stat().st_mode,)}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        if path.is_file() and info.st_size <= HASHED_UP_TO:
            seen[str(path)] = (info.st_mode, hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            seen[str(path)] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return seen


def _task(root: Path, **changes) -> Path:
    """A small valid binary task (ours: public/ + private/), with `changes` to its frames or files."""
    parts: dict = dict(binary_frames())
    parts.update(changes)
    parts.setdefault("description", "# Toy\n\nSubmissions are evaluated on area under the ROC curve.\n")
    return write_task(root, **parts)


def _edit(path: Path, edit: Callable[[bytes], bytes]) -> None:
    path.write_bytes(edit(path.read_bytes()))


def _replace_line(index: int, line: bytes) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        lines[index] = line
        return b"".join(lines)
    return edit


# ----------------------------------------------------------------------------- bad task folders
# Each builder makes the bad input under `tmp` and returns the task folder to give `mle-star run`.


def _missing(tmp: Path) -> Path:
    return tmp / "no-such-task"


def _empty(tmp: Path) -> Path:
    (tmp / "empty").mkdir()
    return tmp / "empty"


def _a_file(tmp: Path) -> Path:
    return _task(tmp / "t") / "public" / "train.csv"


def _no_description(tmp: Path) -> Path:
    return _task(tmp / "t", description=None)


def _unreadable(tmp: Path) -> Path:
    root = _task(tmp / "t")
    (root / "public" / "train.csv").chmod(0)
    return root


def _mixed_encoding(tmp: Path) -> Path:
    root = _task(tmp / "t")
    _edit(root / "public" / "train.csv", _replace_line(12, "111,38.5,gr\xfcn,1\n".encode("latin-1")))
    return root


def _ragged(tmp: Path) -> Path:
    root = _task(tmp / "t")
    _edit(root / "public" / "train.csv", _replace_line(6, b"105,41.0,red,1,oops,again\n"))
    return root


def _garbage(tmp: Path) -> Path:
    root = _task(tmp / "t")
    (root / "public" / "test.csv").write_bytes(np.random.default_rng(0).bytes(30_000))
    return root


def _test_columns_differ(tmp: Path) -> Path:
    frames = binary_frames()
    return _task(tmp / "t", test=frames["test"].rename(columns={"age": "height", "color": "weight"}))


def _test_column_renamed(tmp: Path) -> Path:
    frames = binary_frames()
    return _task(tmp / "t", test=frames["test"].rename(columns={"color": "Color"}))


def _sample_ids_differ(tmp: Path) -> Path:
    sample = binary_frames()["sample"]
    return _task(tmp / "t", sample=sample.assign(id=sample["id"] + 1000))


def _wrong_id_in_yaml(tmp: Path) -> Path:
    return _task(tmp / "t", config={"id_column": "row_id"})


def _wrong_target_in_yaml(tmp: Path) -> Path:
    return _task(tmp / "t", config={"target_column": "label"})


def _single_class(tmp: Path) -> Path:
    return _task(tmp / "t", train=binary_frames()["train"].assign(target=0))


def _huge(tmp: Path) -> Path:
    """A 3 GB train.csv (sparse: a few MB of rows, then a hole) and a task.yaml naming an unknown metric:
    the refusal comes from the metric, in seconds, so the table was not read whole."""
    root = _task(tmp / "t", config={"metric": "bleu"})
    train = root / "public" / "train.csv"
    rng = np.random.default_rng(1)
    rows = 400_000
    pd.DataFrame({"id": range(rows), "age": rng.normal(40, 10, rows).round(1),
                  "color": rng.choice(["red", "green", "blue"], rows), "target": np.arange(rows) % 2}
                 ).to_csv(train, index=False)
    os.truncate(train, 3 * 2**30)
    return root


def _unknown_metric_yaml(tmp: Path) -> Path:
    return _task(tmp / "t", config={"metric": "gini"})


def _unknown_metric_description(tmp: Path) -> Path:
    return _task(tmp / "t", description="# Claims\n\nSubmissions are scored using the normalized Gini coefficient.\n")


def _ranked_labels(tmp: Path) -> Path:
    frames = binary_frames()
    letters = np.array(list("abcd"))
    train = frames["train"].assign(target=letters[np.arange(len(frames["train"])) % 4])
    sample = frames["sample"].assign(target="a b c")
    answers = frames["answers"].assign(target="a")
    return _task(tmp / "t", train=train, sample=sample, answers=answers,
                 description="# Toy\n\nSubmissions are evaluated on mean average precision at 3 (MAP@3).\n")


def _text_to_text(tmp: Path) -> Path:
    """Token normalisation's shape: the target is the written-out form of each token, thousands of them."""
    n = 1200
    train = pd.DataFrame({"id": range(n), "before": [str(i) for i in range(n)],
                          "after": [f"number {i}" for i in range(n)]})
    test = pd.DataFrame({"id": range(n, n + 10), "before": [str(i) for i in range(n, n + 10)]})
    sample = test[["id"]].assign(after="x")
    return _task(tmp / "t", train=train, test=test, sample=sample, answers=sample,
                 description="# Normalise\n\nSubmissions are evaluated on accuracy.\n")


def _yaml_file(text: str) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        root = _task(tmp / "t")
        (root / "public" / "task.yaml").write_text(text, encoding="utf-8")
        return root
    return build


TASK_CASES = {
    "missing folder": (_missing, ["no-such-task does not exist"]),
    "empty folder": (_empty, ["empty is empty", "train.csv", "description.md"]),
    "file, not folder": (_a_file, ["train.csv is a file, not a task folder", "public"]),
    "no description": (_no_description, ["no task description", "description.md"]),
    "unreadable csv": (_unreadable, ["cannot read", "train.csv: permission denied", "chmod"]),
    "mixed encoding": (_mixed_encoding, ["train.csv is not valid UTF-8: line 13 holds byte 0xfc", "iconv"]),
    "ragged rows": (_ragged, ["train.csv is not a well-formed csv table: line 7 has 6 fields where the header has 4"]),
    "binary garbage": (_garbage, ["test.csv holds binary data, not csv text"]),
    "test lacks the features": (_test_columns_differ, ["test.csv has none of train.csv's feature columns (age, color)"]),
    "test column renamed": (_test_column_renamed, ["test.csv spells train.csv's column 'color' as 'Color'"]),
    "sample ids differ": (_sample_ids_differ, ["sample_submission.csv does not match test.csv on id"]),
    "wrong id in task.yaml": (_wrong_id_in_yaml, ["names id column 'row_id', but test.csv has no such column"]),
    "wrong target in task.yaml": (_wrong_target_in_yaml, ["names target column(s) label", "sample_submission.csv"]),
    "single-class target": (_single_class, ["target column 'target' holds one value (0)", "nothing to learn"]),
    "huge table": (_huge, ["unknown metric 'bleu'"]),
    "unknown metric in task.yaml": (_unknown_metric_yaml, ["task.yaml: unknown metric 'gini'", "roc_auc"]),
    "unknown metric in description": (_unknown_metric_description,
                                      ["metric this agent does not know ('the normalized gini coefficient')"]),
    "ranked labels, offline": (_ranked_labels, ["does not write ranked label lists (MAP@K submissions) yet",
                                                "--model gemini-2.5-pro"]),
    "text to text, offline": (_text_to_text, ["the target has 1,200 distinct values",
                                              "classifiers for up to 1,000 classes"]),
    "task.yaml syntax": (_yaml_file("metric: rmse\n  id_column: id\n"),
                         ["task.yaml is not valid YAML (line 2, column 12: mapping values are not allowed here)"]),
    "task.yaml type": (_yaml_file("metric: [rmse]\n"), ["`metric` must be one value, not a list (['rmse'])"]),
    "task.yaml unknown key": (_yaml_file("target_col: target\n"), ["unknown key `target_col`",
                                                                   "did you mean `target_column`?"]),
}


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder that the `nobody` user can enter too (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="mle-star-bad-input-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def _assert_refused(done: subprocess.CompletedProcess, words: list[str], tmp: Path, before: dict, task_dir: Path,
                    info_lines: int = 0) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 + info_lines and lines[-1].startswith("mle-star: "), done.stderr
    for word in words:
        assert word in lines[-1], (word, lines[-1])
    assert not (tmp / "runs").exists() and not (tmp / "out").exists()
    assert _snapshot(task_dir) == before
    return lines[-1]


@pytest.mark.parametrize("case", list(TASK_CASES))
def test_bad_task_folders_are_refused_in_one_line(case: str, shared_tmp: Path):
    build, words = TASK_CASES[case]
    task_dir = build(shared_tmp)
    for folder in [shared_tmp, *[p for p in shared_tmp.rglob("*") if p.is_dir()]]:
        folder.chmod(0o755)
    before = _snapshot(task_dir)
    # Root reads any file: the unreadable table is read as an ordinary user.
    as_nobody = case == "unreadable csv" and os.geteuid() == 0
    if as_nobody and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv to read the table as another user")
    started = time.monotonic()
    done = _mle_star(shared_tmp, str(task_dir), "--output", str(shared_tmp / "out"), as_nobody=as_nobody)
    seconds = time.monotonic() - started
    # The large table's size is reported first (a warning line), then the refusal.
    _assert_refused(done, words, shared_tmp, before, task_dir, info_lines=1 if case == "huge table" else 0)
    if case == "huge table":
        assert "train.csv is 3.0 GB: the task checks read its first 8.0 MB only" in done.stderr
        assert seconds < 30, f"checking the 3 GB table took {seconds:.1f} s"


# ----------------------------------------------------------------------------- impossible settings

SETTING_CASES = {
    "budget 0": (["--time-budget", "0"], {}, ["--time-budget 0 must be positive: a run needs at least 17 s"]),
    "negative budget": (["--time-budget", "-30"], {}, ["--time-budget -30 must be positive"]),
    "budget too small": (["--time-budget", "5"], {},
                         ["--time-budget 5 is too short for one candidate script: a run needs at least 17 s",
                          "5 s for the shortest useful script, 5 s kept for the final submission", "give 17 or more"]),
    "no solutions": (["--solutions", "0"], {}, ["--solutions 0 must be at least 1"]),
    "no candidates": (["--candidates", "0"], {}, ["--candidates 0 must be at least 1"]),
    "negative outer steps": (["--outer-steps", "-1"], {}, ["--outer-steps -1 must be zero or more"]),
    "negative inner steps": (["--inner-steps", "-3"], {}, ["--inner-steps -3 must be zero or more"]),
    "script timeout 0": (["--script-timeout", "0"], {}, ["--script-timeout 0 must be positive", "give 5 or more"]),
    "script timeout too small": (["--script-timeout", "1"], {}, ["--script-timeout 1 is too short"]),
    "unknown model": (["--model", "gpt4"], {}, ["unknown model 'gpt4'", "'offline'", "'gemini-2.5-flash'",
                                                "'litellm/<provider>/<model>'"]),
    "missing model cards": (["--model-cards", "my_cards"], {}, ["--model-cards my_cards names no folder",
                                                                "my_cards does not exist"]),
    "env: no solutions": ([], {"MLE_STAR_NUM_SOLUTIONS": "0"},
                          ["MLE_STAR_NUM_SOLUTIONS='0' in the environment or .env must be at least 1"]),
    "env: budget too small": ([], {"MLE_STAR_TIME_BUDGET_S": "10"},
                              ["MLE_STAR_TIME_BUDGET_S='10' in the environment or .env is too short"]),
    "env: not a number": ([], {"MLE_STAR_SCRIPT_TIMEOUT_S": "ten"},
                          ["MLE_STAR_SCRIPT_TIMEOUT_S='ten' in the environment or .env is not a valid float"]),
}


@pytest.mark.parametrize("case", list(SETTING_CASES))
def test_impossible_settings_are_refused_in_one_line(case: str, tmp_path: Path):
    args, env, words = SETTING_CASES[case]
    task_dir = _task(tmp_path / "task")
    before = _snapshot(task_dir)
    done = _mle_star(tmp_path, str(task_dir), "--output", str(tmp_path / "out"), *args, env=env)
    _assert_refused(done, words, tmp_path, before, task_dir)


def test_a_bad_value_in_dotenv_names_the_variable(tmp_path: Path):
    task_dir = _task(tmp_path / "task")
    (tmp_path / ".env").write_text("MLE_STAR_OUTER_STEPS=-2\n", encoding="utf-8")
    done = _mle_star(tmp_path, str(task_dir))
    _assert_refused(done, ["MLE_STAR_OUTER_STEPS='-2' in the environment or .env must be zero or more"], tmp_path,
                    _snapshot(task_dir), task_dir)


def test_the_flag_wins_over_the_environment_in_the_message(tmp_path: Path):
    task_dir = _task(tmp_path / "task")
    done = _mle_star(tmp_path, str(task_dir), "--time-budget", "8", env={"MLE_STAR_TIME_BUDGET_S": "900"})
    assert done.returncode == 2 and done.stderr.startswith("mle-star: --time-budget 8 is too short")


def test_refusals_come_before_adk_and_scikit_learn_are_imported(tmp_path: Path):
    # Importing them takes seconds: a refusal that waits for them keeps the user waiting too.
    task_dir = _task(tmp_path / "task", config={"metric": "bleu"})
    probe = ("import sys; from machine_learning_engineering.cli import main; "
             f"code = main(['run', {str(task_dir)!r}, '--quiet']); "
             "print(code, 'google.adk' in sys.modules, 'sklearn' in sys.modules)")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MLE_STAR_")}
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=environ, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["2", "False", "False"], done.stderr
