"""`report.html`: the story of a run as one page that opens from disk with no network: inline CSS, no
script, the plots embedded as PNG data URIs (and kept as files in `plots/`). Every section is always
there, saying so when it has nothing to show; all text is escaped, since plans are written by a model."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from ..state import EnsembleState, FinalResult, SolutionState, read_ensemble, read_solution, solution_ids
from ..task import Task
from ..task.metrics import format_score
from .journal import Attempt
from .plots import ScorePoint, bar_chart, score_over_time
from .run_folder import RunFolder
from .show import outcome, shorten

REPORT_NAME = "report.html"
PLOTS_DIR = "plots"
LABEL_WIDTH = 110

SECTIONS = (("summary", "Summary"), ("score-over-time", "Score over time"), ("attempts", "Tree of attempts"),
            ("ablation", "Ablation"), ("refinement", "Refinement per block"), ("ensemble", "Ensemble"),
            ("final", "Final choice"), ("cost", "Cost"))
"""Id and title of every section, in page order (the ids are stable: tests and links use them)."""


def write_html_report(folder: RunFolder, state: Mapping[str, Any], task: Task, final: FinalResult,
                      usage: Optional[Mapping[str, Any]] = None) -> Path:
    """Writes report.html (and the PNGs under plots/) in the run folder and returns its path.

    A plot that cannot be drawn leaves a note in its place and its traceback in errors.log; the page
    is written all the same. `usage` is `ExchangeLog.summary()`.
    """
    record = folder.read_json("run.json") or {}
    attempts = sorted(folder.journal.read(), key=lambda a: a.id)
    best_id = (folder.best_record() or {}).get("attempt")
    solutions = [read_solution(state, sid)
                 for sid in solution_ids(int(record.get("settings", {}).get("num_solutions", 1)))]
    ensemble = read_ensemble(state)
    plotter = _Plotter(folder)
    bodies = {"summary": _summary(folder, record, task, final),
              "score-over-time": _score_over_time(plotter, attempts, record, task),
              "attempts": _attempt_tree(attempts, best_id),
              "ablation": _ablation(plotter, solutions),
              "refinement": _refinement(solutions),
              "ensemble": _ensemble(plotter, ensemble, attempts, best_id),
              "final": _final(folder, final),
              "cost": _cost(usage or {})}
    path = folder.root / REPORT_NAME
    path.write_text(_page(task, bodies), encoding="utf-8")
    return path


class _Plotter:
    """Draws a plot into plots/ and returns the <img> that embeds it, or a note when drawing failed."""

    def __init__(self, folder: RunFolder) -> None:
        self.folder = folder

    def image(self, name: str, alt: str, draw: Callable[[Path], Path]) -> str:
        try:
            png = draw(self.folder.root / PLOTS_DIR / f"{name}.png")
        except Exception as exc:  # noqa: BLE001 - a plot is an illustration: its failure must not cost the report
            self.folder.record_error(f"{REPORT_NAME} plot {name}", exc)
            return f'<p class="note">The plot could not be drawn ({escape(type(exc).__name__)}; see errors.log).</p>'
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        return (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(alt)}">'
                f'<figcaption>{escape(alt)} (<a href="{PLOTS_DIR}/{escape(png.name)}">{escape(png.name)}</a>)'
                "</figcaption></figure>")


def _summary(folder: RunFolder, record: Mapping[str, Any], task: Task, final: FinalResult) -> str:
    direction = "higher" if task.metric.higher_is_better else "lower"
    rows = [("Task", f"{task.name} ({record.get('brief', {}).get('task_kind', 'unknown kind')})"),
            ("Metric", f"{task.metric.name}, {direction} is better"),
            ("Status", record.get("status", "unknown")),
            ("Why it ended", final.ended or "not recorded")]
    cells = [(name, escape(value)) for name, value in rows]
    cells += [("Validation score", _score_html(final.score, "validation-score")),
              ("Test score", _test_score_html(final.test_score, "test-score"))]
    cells += [("Submission", _path_html(folder, final.submission_path)),
              ("Pipeline", _path_html(folder, _pipeline(folder))),
              ("Run folder", f"<code>{escape(str(folder.root))}</code>")]
    cells += [("Problem", f'<span class="bad">{escape(p)}</span>') for p in final.problems]
    return _key_values(cells)


def _score_over_time(plotter: _Plotter, attempts: list[Attempt], record: Mapping[str, Any], task: Task) -> str:
    scored = [a for a in attempts if a.ok]
    if not scored:
        return _empty("No attempt produced a score, so there is nothing to plot.")
    # A resumed run restarts the clock in run.json; its earlier attempts still count from the first start.
    starts = [a.finished_at - a.duration_s for a in attempts if a.finished_at]
    if record.get("started_at"):
        starts.append(float(record["started_at"]))
    origin = min(starts, default=0.0)
    points = [ScorePoint(max(0.0, a.finished_at - origin), float(a.score), a.phase, bool(a.submission_ok))
              for a in scored]
    failed = len(attempts) - len(scored)
    image = plotter.image("score-over-time", f"{task.metric.name} of every scored attempt over the run",
                          lambda p: score_over_time(p, points, task.metric.name, task.metric.higher_is_better))
    return image + (f"<p>{len(scored)} attempts scored, {failed} failed (not plotted). The line is the best "
                    "submission so far: only attempts whose submission passed the format check count.</p>")


def _attempt_tree(attempts: list[Attempt], best_id: Optional[int]) -> str:
    """Each solution's first attempts, with what was derived from each beneath it (as `mle-star show`)."""
    if not attempts:
        return _empty("No attempt was run.")
    ids = {a.id for a in attempts}
    children: dict[Optional[int], list[Attempt]] = {}
    for attempt in attempts:
        children.setdefault(attempt.parent if attempt.parent in ids else None, []).append(attempt)
    roots = children.get(None, [])
    parts = []
    for solution in dict.fromkeys(a.solution_id for a in roots):
        parts.append(f'<h3>{escape(solution)}</h3>')
        parts.append(_branch([a for a in roots if a.solution_id == solution], children, best_id))
    return "".join(parts)


def _branch(nodes: list[Attempt], children: dict[Optional[int], list[Attempt]], best_id: Optional[int]) -> str:
    items = []
    for node in nodes:
        state = "best" if node.id == best_id else "ok" if node.ok else "failed"
        score = format_score(node.score) if node.ok else "—"
        items.append(f'<li id="attempt-{node.id}" class="attempt {state}"><span class="aid">#{node.id}</span> '
                     f'<span class="phase">{escape(node.phase)}</span> '
                     f'<span class="label" title="{escape(node.label)}">{escape(shorten(node.label, LABEL_WIDTH))}'
                     f'</span> <span class="score">{score}</span> '
                     f'<span class="outcome">{escape(outcome(node, best_id))}</span> '
                     f'<span class="time">{node.duration_s:.1f} s</span>'
                     f'{_branch(children[node.id], children, best_id) if node.id in children else ""}</li>')
    return f'<ul class="tree">{"".join(items)}</ul>'


def _ablation(plotter: _Plotter, solutions: list[SolutionState]) -> str:
    parts = []
    for solution in solutions:
        for n, step in enumerate(solution.steps, 1):
            if not step.ablation:
                continue
            baseline = step.ablation.get("baseline", step.score_before)
            blocks = [(name, score) for name, score in step.ablation.items() if name != "baseline"]
            chosen = next((i for i, (name, _) in enumerate(blocks) if name == step.block), None)
            parts.append(f"<h3>{escape(solution.id)}, step {n}</h3>")
            if blocks and baseline is not None:
                changes = [score - baseline for _, score in blocks]
                errors = [step.ablation_noise.get(name, 0.0) for name, _ in blocks]
                parts.append(plotter.image(
                    f"ablation-{solution.id}-step{n}",
                    f"{solution.id} step {n}: change of the score when each block is ablated "
                    f"(baseline {format_score(baseline)}; whiskers: the noise; green: the block refined)",
                    lambda p: bar_chart(p, [name for name, _ in blocks], changes,
                                        title=f"Ablation ({solution.id}, step {n})",
                                        xlabel="score with the block ablated minus baseline", highlight=chosen,
                                        zero_line=True, signed=True, errors=errors)))
            rows = [[escape(name), format_score(score),
                     f"{score - baseline:+.4g}" if baseline is not None else "",
                     f"{step.ablation_noise[name]:.2g}" if name in step.ablation_noise else "",
                     "refined" if name == step.block else ""] for name, score in step.ablation.items()]
            parts.append(_table(["block", "score", "change", "noise", ""], rows))
            if step.ablation_summary:
                parts.append(f'<p class="why">{escape(step.ablation_summary)}</p>')
            if step.ablation_output:
                parts.append(f"<details><summary>Ablation script output</summary>"
                             f"<pre>{escape(step.ablation_output)}</pre></details>")
    return "".join(parts) or _empty("No ablation was run.")


def _refinement(solutions: list[SolutionState]) -> str:
    parts = []
    for solution in solutions:
        if not solution.steps:
            continue
        parts.append(f"<h3>{escape(solution.id)}</h3><p>Initial solution: {format_score(solution.initial_score)}"
                     f"; final: {format_score(solution.score)}.</p>")
        for n, step in enumerate(solution.steps, 1):
            parts.append(f"<h4>Step {n}: block <code>{escape(step.block or 'none chosen')}</code>, from "
                         f"{format_score(step.score_before)}</h4>")
            rows = [[str(i), escape(t.plan), escape(t.recipe or ""),
                     format_score(t.score) if t.failure is None else f'<span class="bad">{escape(t.failure)}</span>',
                     "kept" if t.kept else ""] for i, t in enumerate(step.trials, 1)]
            parts.append(_table(["#", "plan", "recipe", "score", ""], rows, kept_column=4) if rows
                         else _empty("No plan was tried on this block."))
    return "".join(parts) or _empty("No block was refined.")


def _ensemble(plotter: _Plotter, ensemble: EnsembleState, attempts: list[Attempt], best_id: Optional[int]) -> str:
    if not ensemble.trials:
        return _empty("No ensemble was tried.")
    by_id = {str(a.id): a for a in attempts}
    members = [by_id[m] for m in ensemble.members if m in by_id and by_id[m].ok]
    parts = [f"<p>Members: {', '.join(_attempt_link(a) for a in members) or 'none'}.</p>"]
    rows = [[str(i), escape(t.plan), escape(t.strategy or ""),
             format_score(t.score) if t.failure is None else f'<span class="bad">{escape(t.failure)}</span>',
             "best ensemble" if t.attempt_id is not None and t.attempt_id == ensemble.best_attempt_id else ""]
            for i, t in enumerate(ensemble.trials, 1)]
    parts.append(_table(["#", "plan", "strategy", "score", ""], rows, kept_column=4))
    bars = [(f"member #{a.id} ({a.solution_id} {a.phase})", float(a.score), a.id) for a in members]
    bars += [(f"ensemble {i}: {t.strategy or 'plan'}", t.score, t.attempt_id)
             for i, t in enumerate(ensemble.trials, 1) if t.failure is None and t.score is not None]
    if bars:
        submission = next((i for i, (_, _, attempt_id) in enumerate(bars) if attempt_id == best_id), None)
        parts.append(plotter.image(
            "ensemble", "validation score of each member and each ensemble (green: the run's submission)",
            lambda p: bar_chart(p, [label for label, _, _ in bars], [score for _, score, _ in bars],
                                title="Members and ensembles", xlabel="validation score", highlight=submission)))
    return "".join(parts)


def _final(folder: RunFolder, final: FinalResult) -> str:
    if final.problems:
        return "<p>No valid submission:</p><ul>" + "".join(f'<li class="bad">{escape(p)}</li>'
                                                          for p in final.problems) + "</ul>"
    test = _test_score_html(final.test_score)
    if final.test_score is not None:
        test += " <small>(graded on the private answers after the run chose; never used to decide)</small>"
    return _key_values([("Source", escape(final.source)),
                        ("Validation score", _score_html(final.score)),
                        ("Test score", test),
                        ("Submission", _path_html(folder, final.submission_path)),
                        ("Script", _path_html(folder, final.script_path))])


def _cost(usage: Mapping[str, Any]) -> str:
    """Tokens and cost per role, as in report.md."""
    roles = usage.get("roles") or {}
    if not roles:
        return _empty("No model was called.")

    def row(name: str, u: Mapping[str, Any]) -> list[str]:
        cost = f"${u['cost_usd']:.4f}" + ("" if u.get("cost_known", True) else " (some calls unpriced)")
        return [name, str(u["calls"]), str(u["failures"]), str(u["prompt_tokens"]), str(u["output_tokens"]),
                f"{u['seconds']:.1f}", cost]

    rows = [row(escape(role), u) for role, u in roles.items()]
    rows.append([f"<strong>{cell}</strong>" for cell in row("total", usage["total"])])
    budget = f" The cost budget was ${usage['max_cost_usd']:.2f}." if usage.get("max_cost_usd") else ""
    return (_table(["role", "calls", "unusable or failed", "prompt tokens", "output tokens", "seconds", "cost"],
                   rows, numeric_from=1)
            + f"<p>Every prompt and answer is in <code>exchanges/</code> (index: <code>exchanges.jsonl</code>); "
              f"the offline engine's tokens are estimates (4 characters a token) and cost nothing.{budget}</p>")


def _page(task: Task, bodies: Mapping[str, str]) -> str:
    nav = "".join(f'<a href="#{sid}">{escape(title)}</a>' for sid, title in SECTIONS)
    sections = "".join(f'<section id="{sid}"><h2>{escape(title)}</h2>{bodies[sid]}</section>'
                       for sid, title in SECTIONS)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            # Nothing may load from anywhere but this file: no network, no script (model text is in it).
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
            f'style-src \'unsafe-inline\'">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
            f'<title>MLE-STAR run on {escape(task.name)}</title><style>{CSS}</style></head><body>'
            f'<header><h1>MLE-STAR run on {escape(task.name)}</h1><nav>{nav}</nav></header>'
            f'<main>{sections}</main></body></html>\n')


def _table(header: list[str], rows: list[list[str]], *, kept_column: Optional[int] = None,
           numeric_from: Optional[int] = None) -> str:
    """A table of cells that are already HTML; `kept_column` marks rows whose cell there is set."""
    def cells(row: list[str], tag: str) -> str:
        return "".join(f"<{tag} class=\"num\">{c}</{tag}>" if numeric_from is not None and i >= numeric_from
                       else f"<{tag}>{c}</{tag}>" for i, c in enumerate(row))

    def kept(row: list[str]) -> str:
        return ' class="kept"' if kept_column is not None and row[kept_column] else ""

    body = "".join(f"<tr{kept(row)}>{cells(row, 'td')}</tr>" for row in rows)
    return f"<table><thead><tr>{cells([escape(h) for h in header], 'th')}</tr></thead><tbody>{body}</tbody></table>"


def _key_values(rows: list[tuple[str, str]]) -> str:
    return '<dl class="kv">' + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _score_html(score: Optional[float], css_id: Optional[str] = None) -> str:
    """A score; `css_id` is given in the summary only (ids are unique on the page)."""
    attribute = f' id="{css_id}"' if css_id else ""
    return f'<span class="score"{attribute}>{format_score(score)}</span>'


def _test_score_html(score: Optional[float], css_id: Optional[str] = None) -> str:
    if score is None:
        return "not graded (the task has no private answers, or the submission failed its check)"
    return _score_html(score, css_id)


def _path_html(folder: RunFolder, path: Optional[str | Path]) -> str:
    """A path, linked (relative to report.html) when it lies in the run folder."""
    if not path:
        return "none"
    shown = f"<code>{escape(str(path))}</code>"
    try:
        relative = Path(path).resolve().relative_to(folder.root)
    except ValueError:
        return shown
    return f'<a href="{escape(relative.as_posix())}">{shown}</a>'


def _pipeline(folder: RunFolder) -> Optional[Path]:
    return next((p for p in (folder.best_dir / "pipeline.py", folder.best_dir / "solution.py") if p.exists()), None)


def _attempt_link(attempt: Attempt) -> str:
    return (f'<a href="#attempt-{attempt.id}">#{attempt.id}</a> ({escape(attempt.solution_id)} '
            f"{escape(attempt.phase)}, {format_score(attempt.score)})")


def _empty(text: str) -> str:
    return f'<p class="empty">{escape(text)}</p>'


CSS = """
:root { --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --soft: #f6f8fa; --good: #1a7f37; --bad: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); background: #eef1f4; }
header { background: #24292f; color: #fff; padding: 18px 32px 12px; }
header h1 { margin: 0 0 8px; font-size: 22px; font-weight: 600; }
nav { display: flex; flex-wrap: wrap; gap: 4px 16px; }
nav a { color: #c9d1d9; text-decoration: none; font-size: 14px; }
nav a:hover { color: #fff; text-decoration: underline; }
main { max-width: 1080px; margin: 0 auto; padding: 20px 24px 48px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 4px 24px 18px;
          margin: 0 0 20px; }
h2 { font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
h4 { font-size: 15px; font-weight: 600; margin: 14px 0 6px; }
code, pre { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
code { background: var(--soft); padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: var(--soft); padding: 10px; overflow: auto; max-height: 320px; white-space: pre-wrap; }
a { color: #0969da; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 12px 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; }
.score { font-variant-numeric: tabular-nums; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.kept td { background: #dafbe1; }
.bad { color: var(--bad); }
.empty, .note { color: var(--muted); font-style: italic; }
.why { color: var(--muted); }
figure { margin: 10px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: 13px; }
ul.tree { list-style: none; margin: 0; padding-left: 20px; border-left: 1px solid var(--line); }
main > section > ul.tree { border-left: 0; padding-left: 0; }
li.attempt { padding: 3px 0 3px 6px; }
li.attempt > span { margin-right: 6px; }
.aid { color: var(--muted); font-variant-numeric: tabular-nums; }
.phase { display: inline-block; min-width: 72px; padding: 0 6px; border-radius: 10px; background: var(--soft);
         border: 1px solid var(--line); font-size: 12px; text-align: center; }
.outcome, .time { color: var(--muted); font-size: 13px; }
li.failed > .score, li.failed > .outcome { color: var(--bad); }
li.best > .label { background: #dafbe1; border-radius: 4px; padding: 0 4px; }
li.best > .outcome { color: var(--good); font-weight: 600; }
details summary { cursor: pointer; color: var(--muted); }
"""
