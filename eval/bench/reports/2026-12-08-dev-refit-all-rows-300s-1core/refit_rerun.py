"""Reruns a finished agent run's final choice (an ensemble: each member with a weight above zero, then the ensemble
script) with its test predictions from the folds' average as they were (MODE folds) or from the mean of that and
one fit on every training row but a stop set of min(10%, 2,500) rows (MODE mean), and grades the submission on the
dev table's held-back answers. Validation only: the tables are dev tables, not bench tasks.

    python refit_rerun.py RUN_AGENT_DIR DEV_TASK_DIR MODE OUT_DIR     (from the repository root)
"""
import re, shutil, subprocess, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[4]))
from machine_learning_engineering.task import grade, load_task

run, task_dir, MODE, OUT = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
task = load_task(task_dir)
report = (run / "report.md").read_text()
source = int(re.search(r"Source: attempt (\d+)", report).group(1))
attempt = next(run.glob(f"attempts/{source:04d}-*"))
out = OUT / f"{task_dir.name}-{MODE}"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)

PATCH = '''
def refit_predictions():
    """Test predictions of one fit on all training rows but a stop set for early stopping."""
    n = len(y_all)
    order = np.random.RandomState(SEED + 1000).permutation(n)
    n_stop = int(min(0.1 * n, 2500))
    stop_idx, fit_idx = np.sort(order[:n_stop]), np.sort(order[n_stop:])
    share_fit_time(1)
    rest = pd.concat([train_df.iloc[stop_idx], test_df])
    tr_feat, rest_feat = add_features(train_df.iloc[fit_idx], rest)
    X_tr, X_rest = preprocess(tr_feat, rest_feat)
    X_va, X_te = X_rest[: len(stop_idx)], X_rest[len(stop_idx):]
    start = time.time()
    pred_va, pred_te = fit_predict_targets(X_tr, y_all[fit_idx], X_va, y_all[stop_idx], X_te)
    print(f"refit on {len(fit_idx)} rows: stop-set {METRIC}={score_predictions(y_all[stop_idx], pred_va):.5f} [{time.time() - start:.1f}s]")
    return np.asarray(pred_te)


refit_te = refit_predictions()
test_pred = REFIT_MIX(test_pred, refit_te)
'''

def rerun(script_dir, dest, members=None, patch=True):
    dest.mkdir(parents=True)
    (dest / "input").symlink_to((task_dir / "public").resolve())
    src = (script_dir / "solution.py").read_text()
    if patch:
        mix = "(lambda folds, refit: (folds + refit) / 2)"
        anchor = "oof, test_pred = run_cv()\n"
        assert anchor in src
        src = src.replace(anchor, anchor + PATCH.replace("REFIT_MIX", mix))
    (dest / "solution.py").write_text(src)
    if members:
        shutil.copytree(members, dest / "members")
    t = time.time()
    p = subprocess.run([sys.executable, "solution.py"], cwd=dest, capture_output=True, text=True)
    if p.returncode:
        print(p.stderr[-2000:])
    refit_line = [l for l in p.stdout.splitlines() if l.startswith("refit on")]
    v = float(re.findall(r"Final Validation Performance: (\S+)", p.stdout)[-1])
    return v, time.time() - t, refit_line

total = 0
if (attempt / "members").is_dir():
    weights = re.search(r"weights on all rows: (.*)", (attempt / "stdout.txt").read_text())
    used = {k for k, w in (kv.split("=") for kv in weights.group(1).split(", ")) if float(w) > 0} if weights else None
    members = out / "members"; members.mkdir()
    for m in sorted((attempt / "members").iterdir()):
        if used is not None and m.name not in used:
            shutil.copytree(m, members / m.name)
            continue
        ma = next(run.glob(f"attempts/{int(m.name[1:]):04d}-*"))
        v, t, line = rerun(ma, out / m.name, patch=MODE != "folds")
        total += t
        shutil.copytree(out / m.name / "artifacts", members / m.name)
        print(f"member {m.name}: val {v:.6g} in {t:.1f}s {line}", flush=True)
    v, t, _ = rerun(attempt, out / "final", members, patch=False)
    total += t
else:
    v, total, line = rerun(attempt, out / "final", patch=MODE != "folds")
    print(line)
score = grade(out / "final" / "submission" / "submission.csv", task)
orig = re.search(r"Test score[^:]*: (\S+)", report).group(1)
print(f"RESULT {task_dir.name} {MODE}: val {v:.6g} test {score:.6g} (original run {orig}) seconds {total:.0f}")
