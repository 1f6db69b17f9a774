"""The leak probe and the leakage guards, on small real tasks with real sandboxed scripts: a clean
script passes, one whose score depends on the test rows is rejected and never promoted (also where the
probe compares two runs on a cut of a large training table, right after the script in its slot), a
leak the checker reports without a repair makes the attempt not count, and the task data never changes."""

from __future__ import annotations

import asyncio
import hashlib
import json
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from machine_learning_engineering.cli import run_agent
from machine_learning_engineering.config import Settings
from machine_learning_engineering.run_context import open_run
from machine_learning_engineering.sub_agents.guards import leak_probe
from machine_learning_engineering.sub_agents.roles import read_request
from machine_learning_engineering.task import load_task
from machine_learning_engineering.tools.script_output import REUSED_FIT

from ..graph_fixtures import CLEAN_SCALER, make_binary_task, script
from ..scripted_model import ScriptedModel, fenced

CLEAN = script()
CLEAN_PREPROCESSING = CLEAN_SCALER + "\nX = scaler.transform(train[features])\nX_test = scaler.transform(test[features])"
# A transductive trick that the scripted checker lets through: distances to k-means clusters found
# among train and test rows together.
KMEANS_LEAK = CLEAN.replace(CLEAN_PREPROCESSING, """\
from sklearn.cluster import KMeans
scaler = StandardScaler().fit(train[features])
both = scaler.transform(pd.concat([train[features], test[features]]))
clusters = KMeans(8, n_init=1, random_state=0).fit(both)
X = np.hstack([scaler.transform(train[features]), clusters.transform(scaler.transform(train[features]))])
X_test = np.hstack([scaler.transform(test[features]), clusters.transform(scaler.transform(test[features]))])""")
# Unseeded noise in its predictions: a score that varies between runs on the same data.
NOISY = CLEAN.replace("oof[va] = model.predict_proba(X[va])[:, 1]",
                      "oof[va] = model.predict_proba(X[va])[:, 1] + np.random.default_rng().normal(0, 0.2, len(va))")
# Clean, but it does less when its time limit is short (as a boosting model's rounds stop at its share of
# the time): its probe runs must be told the limit it ran with, or its score moves with no leak.
TIME_SIZED = CLEAN.replace("model = LogisticRegression(max_iter=1000)",
                           'import os\n    model = LogisticRegression(max_iter=1000 if float(os.environ.get('
                           '"MLE_STAR_TIME_LIMIT_S", "inf")) > 30 else 1)')


def _checksums(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _journal(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]


def test_the_shuffled_copy_permutes_each_test_feature_and_nothing_else(tmp_path):
    task = load_task(make_binary_task(tmp_path / "task"))
    before = _checksums(task.data_dir)
    dest = tmp_path / "copy"
    assert leak_probe.write_probe_copy(task, dest, seed=0) == ["test.csv: 2 columns"]

    original, shuffled = pd.read_csv(task.test_path), pd.read_csv(dest / "test.csv")
    assert list(shuffled.columns) == list(original.columns) and shuffled["id"].equals(original["id"])
    for column in ("x1", "x2"):
        assert sorted(shuffled[column]) == sorted(original[column])
        assert (shuffled[column] != original[column]).mean() > 0.9
    assert not (shuffled[["x1", "x2"]].to_numpy() == original[["x1", "x2"]].to_numpy()).all(axis=1).any()
    copied = _checksums(dest)
    assert {name: digest for name, digest in copied.items() if name != "test.csv"} == \
        {name: digest for name, digest in before.items() if name != "test.csv"}
    assert _checksums(task.data_dir) == before


def test_the_probe_passes_a_clean_script_and_rejects_one_that_uses_the_test_rows(tmp_path):
    task_dir = make_binary_task(tmp_path / "task")
    before = _checksums(task_dir / "public")
    settings = Settings(runs_dir=tmp_path / "runs", time_budget_s=300, script_timeout_s=60, max_parallel=2)
    run = open_run(task_dir, settings, tmp_path / "run")

    async def candidate(code: str, label: str):
        return await run.runner.execute(code, solution_id="s1", phase="candidate", label=label,
                                        vet=partial(leak_probe.vet, run, "candidate", code))

    async def scenario():
        leaky = await candidate(KMEANS_LEAK, "kmeans on train+test")
        clean = await candidate(CLEAN, "clean")
        noisy = await candidate(NOISY, "noisy")
        # A script that reused fits of earlier scripts: a probe run makes them again, and is budgeted so.
        reusing = await candidate(CLEAN + f'\nprint("  {REUSED_FIT} 1000.0 s (an earlier script...)")\n', "reusing")
        sized = await candidate(TIME_SIZED, "sized to its time limit")
        short = await leak_probe.probe_for(run).check(run, CLEAN + "\n# another script\n", name="short",
                                                      phase="candidate", score=0.5, duration_s=1000.0,
                                                      budget=run.budget)
        final = await leak_probe.final_verdict(run)
        return leaky, clean, noisy, reusing, sized, short, final

    try:
        leaky, clean, noisy, reusing, sized, short, final = asyncio.run(scenario())
    finally:
        run.close()

    assert leaky.failure.startswith("validation score depends on the test set: ")
    assert "with shuffled test features" in leaky.failure and leaky.score is None and not leaky.ok
    assert clean.ok and noisy.ok, "a clean script and one whose score merely varies must count"
    journal = _journal(tmp_path / "run")
    assert [a["id"] for a in journal] == [leaky.id, clean.id, noisy.id, reusing.id, sized.id], \
        "one journal line per attempt"
    assert journal[-1]["time_limit_s"] == pytest.approx(60, abs=1), "the limit its script was told is kept"
    assert journal[0]["failure"] == leaky.failure
    best = json.loads((tmp_path / "run" / "best" / "score.json").read_text())
    assert best["attempt"] == clean.id

    log = (tmp_path / "run" / "log.txt").read_text()
    assert f"new best submission: attempt {leaky.id} " not in log
    assert "leak probe of 0001-s1-candidate: LEAK: validation score depends on the test set" in log
    assert f"leak probe of 0002-s1-candidate: clean: {clean.score:.6g} with shuffled test features too" in log
    assert "leak probe of 0003-s1-candidate: inconclusive: " in log and "the score varies between runs" in log
    assert short.outcome == "skipped" and "time is short" in short.detail
    assert reusing.ok and "leak probe of 0004-s1-candidate: not probed: time is short (a probe run may take 20" in log
    assert sized.ok and f"leak probe of 0005-s1-candidate: clean: {sized.score:.6g} with shuffled" in log
    assert final.outcome == "clean"
    assert f"leak probe of 0002-s1-candidate: clean: {clean.score:.6g} with shuffled test features too " \
           "(the same script was probed before)" in log
    assert not (tmp_path / "run" / ".sandbox" / leak_probe.SHUFFLED_DIR).exists(), "the last probe frees the copy"
    assert _checksums(task_dir / "public") == before


def test_the_graph_rejects_an_unrepaired_leak_and_a_leaky_score(tmp_path):
    task_dir = make_binary_task(tmp_path / "task")
    before = _checksums(task_dir / "public")
    scripts = {"kmeans": KMEANS_LEAK, "flagged": CLEAN.replace("# [block: model]", "all_rows = 1\n# [block: model]"),
               "clean": CLEAN}

    def leakage(prompt: str) -> str:
        if "all_rows" in read_request(prompt).code:
            return fenced("json", '{"leakage": true, "explanation": "fits on all rows; no safe repair"}')
        return fenced("json", '{"leakage": false, "explanation": "ok"}')

    model = ScriptedModel(answers={
        "retriever": lambda p: fenced("json", json.dumps([{"name": n, "description": n} for n in scripts])),
        "candidate_writer": lambda p: fenced("python", scripts[read_request(p).model_name]),
        "leakage_checker": leakage,
        "usage_checker": lambda p: fenced("json", '{"all_used": true, "unused": []}'),
        "debugger": lambda p: "I cannot fix this.",
        "merger": lambda p: "I keep the base solution.",
    })
    settings = Settings(num_solutions=1, num_candidates=3, outer_steps=0, inner_steps=0, ensemble_rounds=0,
                        time_budget_s=300, script_timeout_s=60, runs_dir=tmp_path / "runs", max_parallel=2)
    run_dir = tmp_path / "run"
    final = asyncio.run(run_agent(task_dir, settings, run_dir, model=model))

    attempts = {a["label"]: a for a in _journal(run_dir)}
    assert attempts["kmeans"]["failure"].startswith("validation score depends on the test set")
    assert attempts["flagged"]["failure"] == "data leakage found and not repaired: fits on all rows; no safe repair"
    assert not (run_dir / attempts["flagged"]["workspace"] / "stdout.txt").exists(), "an unrepaired leak is not run"
    assert attempts["clean"]["failure"] is None and attempts["clean"]["submission_ok"]
    # The probe's verdict reaches the debugger like any failure; the unrepaired leak never ran.
    asked = model.prompts("debugger")
    assert asked and all("validation score depends on the test set" in p for p in asked)
    best = json.loads((run_dir / "best" / "score.json").read_text())
    assert best["attempt"] == attempts["clean"]["id"] and final["score"] == pytest.approx(attempts["clean"]["score"])
    assert _checksums(task_dir / "public") == before


def test_on_a_large_training_table_the_probe_compares_two_runs_on_the_same_cut_of_its_rows(tmp_path):
    task_dir = make_binary_task(tmp_path / "task", n=14000)  # 10,500 training rows: more than twice the cut
    before = _checksums(task_dir / "public")
    task = load_task(task_dir)
    settings = Settings(runs_dir=tmp_path / "runs", time_budget_s=300, script_timeout_s=60, max_parallel=1)
    rows, total = leak_probe.cut_training_rows(task, seed=settings.seed)
    train = pd.read_csv(task.train_path)
    assert total == len(train) == 10500 and abs(len(rows) - leak_probe.PROBE_TRAIN_ROWS) <= 1
    assert (pd.Series(rows).diff().dropna() > 0).all(), "rows kept once each, in file order"
    assert abs(train["target"].iloc[rows].mean() - train["target"].mean()) < 0.01, "each class keeps its share"

    run = open_run(task_dir, settings, tmp_path / "run")

    def candidate(code: str, label: str):
        return run.runner.execute(code, solution_id="s1", phase="candidate", label=label,
                                  vet=partial(leak_probe.vet, run, "candidate", code))

    async def scenario():
        leaky = await candidate(KMEANS_LEAK, "kmeans on train+test")
        # Another solution's script queues for the one slot while the clean candidate runs: it starts only
        # after the candidate's probe runs, which follow the candidate in its slot.
        clean = asyncio.create_task(candidate(CLEAN, "clean"))
        await asyncio.sleep(0.5)
        other = await run.runner.sandbox.run("import time\nprint('started', repr(time.time()))\n",
                                             tmp_path / "other", timeout_s=60)
        sandbox = run.folder.root / ".sandbox"
        copies = [pd.read_csv(sandbox / name / "train.csv") for name in (leak_probe.SHUFFLED_DIR, leak_probe.REAL_DIR)]
        tests = [pd.read_csv(sandbox / name / "test.csv") for name in (leak_probe.SHUFFLED_DIR, leak_probe.REAL_DIR)]
        return (leaky, await clean), float(other.stdout_tail.split()[-1]), copies, tests

    try:
        (leaky, clean), other_started, copies, tests = asyncio.run(scenario())
    finally:
        run.close()

    probe_runs = list((tmp_path / "run" / ".sandbox" / leak_probe.PROBE_DIR).glob("0002-s1-candidate-*/stdout.txt"))
    assert len(probe_runs) == 2 and other_started > max(path.stat().st_mtime for path in probe_runs)

    for copy in copies:
        assert copy.equals(train.iloc[rows].reset_index(drop=True)), "both runs see the same cut training rows"
    assert tests[1].equals(pd.read_csv(task.test_path)) and not tests[0].equals(tests[1])
    cut = f"on {len(rows):,} of the 10,500 training rows"
    assert leaky.failure.startswith("validation score depends on the test set: ") and leaky.failure.endswith(cut)
    assert clean.ok
    log = (tmp_path / "run" / "log.txt").read_text()
    assert f"probe runs see {len(rows):,} of the 10,500 rows of train.csv" in log
    verdict = next(line for line in log.splitlines() if "leak probe of 0002-s1-candidate: clean: " in line)
    assert verdict.endswith(f"with shuffled test features too {cut}")
    probed = float(verdict.split("clean: ")[1].split()[0])
    assert probed != pytest.approx(clean.score, abs=1e-9), "the compared score is the cut runs', not the attempt's"
    assert _checksums(task_dir / "public") == before
