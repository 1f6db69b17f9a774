"""The agent rows of fresh 300 s runs (results.csv of each OUT given) beside AutoGluon best_quality's rows of
2026-12-06 (same machine kind); run from the repository root: python beside_agbest.py OUT [OUT ...]"""
import csv, sys
ag = {r["task"]: r for r in csv.DictReader(open("eval/bench/reports/2026-12-06-tables-300s-1core-agbest/results.csv"))}
rows = []
for out in sys.argv[1:]:
    rows += list(csv.DictReader(open(f"{out}/results.csv")))
TOL = 0.001
tot_a = tot_g = 0; w = t = l = 0
print("| task | metric | agent | AutoGluon best_quality (2026-12-06) | agent normalised | AG normalised | result | agent unused budget | agent outside scripts |")
print("|---|---|---|---|---|---|---|---|---|")
for r in sorted(rows, key=lambda r: r["task"]):
    task = r["task"]; a = float(r["score"]); g = float(ag[task]["autogluon_best"]); triv = float(r["trivial_score"])
    sign = 1 if r["higher_is_better"] == "True" else -1
    best = max(sign * a, sign * g)
    na = (sign * a - sign * triv) / (best - sign * triv); ng = (sign * g - sign * triv) / (best - sign * triv)
    na, ng = max(0, min(1, na)), max(0, min(1, ng))
    gap = abs(best - sign * triv)
    res = "tie" if abs(a - g) <= TOL * gap else ("win" if sign * a > sign * g else "loss")
    w += res == "win"; t += res == "tie"; l += res == "loss"; tot_a += na; tot_g += ng
    print(f"| {task} | {r['metric']} | {a:.5g} | {g:.5g} | {na:.4f} | {ng:.4f} | {res} | {float(r['unused_budget_share']):.1%} | {float(r['outside_scripts_share']):.1%} |")
n = len(rows)
print(f"\nmean normalised: agent {tot_a/n:.4f}, AG best {tot_g/n:.4f}; agent wins {w}, ties {t}, losses {l} of {n}")
print(f"agent unused budget mean {sum(float(r['unused_budget_share']) for r in rows)/n:.1%}; outside scripts mean {sum(float(r['outside_scripts_share']) for r in rows)/n:.2%}, max {max(float(r['outside_scripts_share']) for r in rows):.2%}")
