"""`report.md`: the story of a run, from retrieval to the final choice, for a person to read."""

from __future__ import annotations

from typing import Any, Mapping

from ..state import RETRIEVED_MODELS, FinalResult, read_ensemble, read_solution, solution_ids
from ..task import Task
from ..task.metrics import format_score
from .run_folder import RunFolder


def write_report(folder: RunFolder, state: Mapping[str, Any], task: Task, final: FinalResult,
                 usage: Mapping[str, Any] | None = None) -> str:
    """Writes report.md in the run folder and returns its text; `usage` is `ExchangeLog.summary()`."""
    lines = [f"# MLE-STAR run on {task.name}", "",
             f"Metric: {task.metric.name} ({'higher' if task.metric.higher_is_better else 'lower'} is better)", ""]
    lines += ["## Retrieved models", ""]
    lines += [f"- {m['name']}: {m.get('description', '')[:200]}" for m in state.get(RETRIEVED_MODELS, [])] or ["- none"]
    settings = (folder.read_json("run.json") or {}).get("settings", {})
    for sid in solution_ids(int(settings.get("num_solutions", 1))):
        solution = read_solution(state, sid)
        lines += ["", f"## Solution {sid}", "", "| candidate | score | note |", "|---|---|---|"]
        lines += [f"| {c.model} | {format_score(c.score)} | {c.failure or ''} |" for c in solution.candidates]
        for merge in solution.merges:
            lines.append(f"\nMerge with {merge.model}: {format_score(merge.score)}")
        lines.append(f"\nInitial solution score: {format_score(solution.initial_score)}")
        for n, step in enumerate(solution.steps, 1):
            lines += ["", f"### Refinement step {n}: block `{step.block}`", "",
                      f"Ablation: {step.ablation or 'no results'}"
                      + (f" (noise: {step.ablation_noise})" if step.ablation_noise else ""),
                      "", f"Why: {step.ablation_summary}", ""]
            lines += [f"{i}. {t.plan} -> {format_score(t.score)}{' (kept)' if t.kept else ''}"
                      for i, t in enumerate(step.trials, 1)]
        lines.append(f"\nFinal score of {sid}: {format_score(solution.score)}")
    ensemble = read_ensemble(state)
    lines += ["", "## Ensemble", ""]
    lines += [f"{i}. {t.plan} -> {format_score(t.score) if t.failure is None else t.failure}"
              for i, t in enumerate(ensemble.trials, 1)] or ["No ensemble was tried."]
    lines += ["", "## Final choice", ""]
    if final.problems:
        lines += [f"- {p}" for p in final.problems]
    else:
        lines += [f"Source: {final.source}", f"Validation score: {format_score(final.score)}"]
        if final.test_score is not None:
            lines.append(f"Test score (the task's private answers, graded after the run chose): "
                         f"{format_score(final.test_score)}")
        lines += [f"Submission: {final.submission_path}", f"Script: {final.script_path}"]
    lines += _usage_lines(usage or {})
    text = "\n".join(lines) + "\n"
    (folder.root / "report.md").write_text(text, encoding="utf-8")
    return text


def _usage_lines(usage: Mapping[str, Any]) -> list[str]:
    """Tokens and cost per role: every exchange is in exchanges/ (index: exchanges.jsonl)."""
    roles = usage.get("roles") or {}
    lines = ["", "## Model calls", ""]
    if not roles:
        return lines + ["No model was called."]

    def cost(u: Mapping[str, Any]) -> str:
        return f"${u['cost_usd']:.4f}" + ("" if u.get("cost_known", True) else " (some calls unpriced)")

    lines += ["| role | calls | unusable or failed | prompt tokens | output tokens | seconds | cost |",
              "|---|---|---|---|---|---|---|"]
    for role, u in roles.items():
        lines.append(f"| {role} | {u['calls']} | {u['failures']} | {u['prompt_tokens']} | {u['output_tokens']} "
                     f"| {u['seconds']:.1f} | {cost(u)} |")
    total = usage["total"]
    lines.append(f"| **total** | {total['calls']} | {total['failures']} | {total['prompt_tokens']} "
                 f"| {total['output_tokens']} | {total['seconds']:.1f} | {cost(total)} |")
    if usage.get("max_cost_usd"):
        lines.append(f"\nCost budget: ${usage['max_cost_usd']:.2f}.")
    lines.append("\nEvery prompt and answer is in `exchanges/` (index: `exchanges.jsonl`); the offline engine's "
                 "tokens are estimates (4 characters a token) and cost nothing.")
    return lines
