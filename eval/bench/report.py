"""From graded runs to the bench's answer: ranks, normalised scores, wins/ties/losses, tables and plots.

The input is one row per (task, system, budget) with the columns of `RESULT_COLUMNS`. Definitions:

- rank: 1 is the best score on the task at that budget; equal scores share a rank; invalid runs share
  the last rank (one past the valid ones).
- normalised score: (score - trivial) / (best - trivial), oriented so that higher is better, where
  trivial is the trivial predictor's score (class priors, majority class or the best constant, graded by
  the same grader) and best the best valid score in the group. It is clipped to [0, 1]: a run worse than
  the trivial predictor, and an invalid run, count 0. When no system beats the trivial predictor all get
  0; when the trivial score is missing, the worst valid run is 0.
- wins/ties/losses of the agent against a peer, per task: a valid run beats an invalid one, two invalid
  runs tie, and two valid runs tie when their scores differ by at most `tolerance` times the
  trivial-to-best gap (0.1% by default), so noise in the last digits is not a win.
- beyond the test noise: a win (loss) whose paired-bootstrap interval of the agent's advantage over the
  peer on the test rows (`bootstrap.py`, 95%) lies wholly above (below) zero; it would hold on another
  draw of as many test rows. Counted beside the wins and losses, which it does not change.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Collection, Iterable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

# outside_scripts_share and unused_budget_share are the agent's own (run.json's time_use), peers leave them
# empty; advantage_low and advantage_high, on a peer's row, bound the agent's advantage over it on the test
# rows (the agent's row leaves them empty).
RESULT_COLUMNS = ("task", "system", "budget", "metric", "higher_is_better", "score", "valid", "wall_s",
                  "timed_out", "error", "grader", "trivial_score", "outside_scripts_share", "unused_budget_share",
                  "advantage_low", "advantage_high")
CSV_COLUMNS = ("task", "system", "budget", "score", "rank", "normalised", "wall_s", "valid", "timed_out",
               "error", "metric", "higher_is_better", "trivial_score", "grader", "outside_scripts_share",
               "unused_budget_share", "advantage_low", "advantage_high")
DEFAULT_TIE_TOLERANCE = 0.001


def _anchors(group: pd.DataFrame) -> tuple[float, float, float]:
    """(sign, best, trivial) of a group, with scores multiplied by sign so that higher is better."""
    sign = 1.0 if bool(group["higher_is_better"].iloc[0]) else -1.0
    valid = sign * group.loc[group["valid"], "score"].astype(float)
    if valid.empty:
        return sign, math.nan, math.nan
    trivial = float(group["trivial_score"].iloc[0]) if "trivial_score" in group else math.nan
    trivial = sign * trivial if math.isfinite(trivial) else float(valid.min())
    return sign, float(valid.max()), trivial


def add_ranks(frame: pd.DataFrame, by: Sequence[str] = ("task", "budget")) -> pd.DataFrame:
    """A copy of `frame` with a `rank` column (1 = best within each group of `by`)."""
    frame = frame.copy()
    frame["rank"] = np.nan
    for _, group in frame.groupby(list(by), sort=False):
        sign = 1.0 if bool(group["higher_is_better"].iloc[0]) else -1.0
        valid = group["valid"].astype(bool)
        oriented = (sign * group.loc[valid, "score"].astype(float))
        frame.loc[oriented.index, "rank"] = oriented.rank(ascending=False, method="min")
        frame.loc[group.index[~valid], "rank"] = int(valid.sum()) + 1
    frame["rank"] = frame["rank"].astype(int)
    return frame


def add_normalised(frame: pd.DataFrame, by: Sequence[str] = ("task", "budget")) -> pd.DataFrame:
    """A copy of `frame` with a `normalised` column in [0, 1] computed within each group of `by`."""
    frame = frame.copy()
    frame["normalised"] = 0.0
    for _, group in frame.groupby(list(by), sort=False):
        sign, best, trivial = _anchors(group)
        gap = best - trivial
        if not (math.isfinite(gap) and gap > 0):
            continue
        valid = group["valid"].astype(bool)
        raw = (sign * group.loc[valid, "score"].astype(float) - trivial) / gap
        frame.loc[raw.index, "normalised"] = raw.clip(0.0, 1.0)
    return frame


def wins_ties_losses(frame: pd.DataFrame, agent: str, tolerance: float = DEFAULT_TIE_TOLERANCE,
                     by: Sequence[str] = ("budget",)) -> pd.DataFrame:
    """The agent's record against each peer: one row per (budget, peer) with wins, ties and losses, and
    how many of the wins and losses are beyond the test rows' noise."""
    rows = []
    for keys, part in frame.groupby(list(by), sort=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        peers = [s for s in part["system"].unique() if s != agent]
        tally = {peer: [0, 0, 0, 0, 0] for peer in peers}
        for _, group in part.groupby("task", sort=False):
            mine = group[group["system"] == agent]
            if mine.empty:
                continue
            sign, best, trivial = _anchors(group)
            scale = best - trivial if math.isfinite(best - trivial) and best > trivial else 0.0
            a = mine.iloc[0]
            for peer in peers:
                theirs = group[group["system"] == peer]
                if theirs.empty:
                    continue
                b = theirs.iloc[0]
                outcome = _compare(a, b, sign, scale, tolerance)
                tally[peer][outcome] += 1
                # Rows of results written before the bootstrap have no interval: never beyond the noise.
                if outcome == 0 and b.get("advantage_low", math.nan) > 0:
                    tally[peer][3] += 1
                elif outcome == 2 and b.get("advantage_high", math.nan) < 0:
                    tally[peer][4] += 1
        for peer, (wins, ties, losses, clear_wins, clear_losses) in tally.items():
            rows.append({**dict(zip(by, keys)), "peer": peer, "wins": wins, "ties": ties, "losses": losses,
                         "wins_beyond_noise": clear_wins, "losses_beyond_noise": clear_losses})
    return pd.DataFrame(rows, columns=[*by, "peer", "wins", "ties", "losses", "wins_beyond_noise",
                                       "losses_beyond_noise"])


def _compare(a: pd.Series, b: pd.Series, sign: float, scale: float, tolerance: float) -> int:
    """0 = a wins, 1 = tie, 2 = a loses."""
    if not a["valid"] and not b["valid"]:
        return 1
    if a["valid"] != b["valid"]:
        return 0 if a["valid"] else 2
    diff = sign * (float(a["score"]) - float(b["score"]))
    if abs(diff) <= tolerance * scale or diff == 0:
        return 1
    return 0 if diff > 0 else 2


def summarise(frame: pd.DataFrame, by: Sequence[str] = ("budget",)) -> pd.DataFrame:
    """Per (budget, system): mean normalised score, mean rank, valid runs, runs and total wall time."""
    grouped = frame.groupby([*by, "system"], sort=False)
    table = grouped.agg(mean_normalised=("normalised", "mean"), mean_rank=("rank", "mean"),
                        valid=("valid", "sum"), runs=("valid", "size"), wall_s=("wall_s", "sum")).reset_index()
    return table.sort_values([*by, "mean_normalised"], ascending=[True] * len(by) + [False]).reset_index(drop=True)


def score_table(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with ranks and normalised scores per (task, budget), in the CSV's column order."""
    frame = add_normalised(add_ranks(frame))
    return frame[list(CSV_COLUMNS)].sort_values(["budget", "task", "rank", "system"]).reset_index(drop=True)


# ----------------------------------------------------------------------------- writing


def _fmt(value: object, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, columns: Mapping[str, str], digits: int = 4) -> str:
    """A Markdown table of `frame`'s columns (keys), with headers (values)."""
    lines = ["| " + " | ".join(columns.values()) + " |", "|" + "---|" * len(columns)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(_fmt(row[c], digits) for c in columns) + " |")
    return "\n".join(lines)


def _interval(low: float, high: float) -> str:
    """A bootstrap interval as "[low, high]", or "—" when there is none."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "—"
    return f"[{low:+.4g}, {high:+.4g}]"


def _short(text: object, limit: int = 160) -> str:
    text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _time_use_lines(table: pd.DataFrame, agent: str) -> list[str]:
    """The agent's mean share of wall time outside generated code and of budget left unused, per run."""
    rows = table[table["system"] == agent]
    if rows["outside_scripts_share"].isna().all():
        return []
    outside, unused = rows["outside_scripts_share"].dropna(), rows["unused_budget_share"].dropna()
    return [f"`{agent}` time use over {len(outside)} run(s): on average {outside.mean():.1%} of its wall time "
            f"outside generated code (at most {outside.max():.1%}); {unused.mean():.1%} of the budget left "
            f"unused (at most {unused.max():.1%}).", ""]


def _summary_lines(table: pd.DataFrame, agent: str, tolerance: float) -> list[str]:
    """The summary table and the agent's wins, ties and losses against each peer."""
    return [
        markdown_table(summarise(table), {"system": "system", "mean_normalised": "mean normalised score",
                                          "mean_rank": "mean rank", "valid": "valid runs", "runs": "runs",
                                          "wall_s": "total wall (s)"}, digits=3),
        "",
        *_time_use_lines(table, agent),
        f"`{agent}` against each peer, per task (ties: within {tolerance:.1%} of the trivial-to-best gap):",
        "",
        markdown_table(wins_ties_losses(table, agent, tolerance),
                       {"peer": "peer", "wins": "wins", "ties": "ties", "losses": "losses",
                        "wins_beyond_noise": "wins beyond the test noise",
                        "losses_beyond_noise": "losses beyond the test noise"}),
        "",
    ]


def _held_out_lines(table: pd.DataFrame, agent: str, tolerance: float, held_out: Collection[str]) -> list[str]:
    """The summary again over the held-out tasks alone, when the bench ran any."""
    names = sorted(set(table["task"]) & set(held_out))
    if not names:
        return []
    return ["### Held-out tasks", "",
            f"No default of `{agent}` was chosen on these tasks ({', '.join(f'`{n}`' for n in names)}); "
            "normalised scores are those of the whole bench.", "",
            *_summary_lines(table[table["task"].isin(names)], agent, tolerance)]


def results_markdown(table: pd.DataFrame, *, budget: float, agent: str, systems: Mapping[str, str],
                     cores: int, grace_s: float, tolerance: float, notes: Mapping[str, str],
                     held_out: Collection[str] = (), dev: bool = False) -> str:
    """The report for one budget: setup, summary (again over the held-out tasks alone, when there are
    any), wins/ties/losses, and one table per task. `dev`: the tasks are dev splits (`dev_split.py`)."""
    table = table[table["budget"] == budget]
    lines = [
        f"# Benchmark: {agent} against AutoML peers",
        "",
        f"Every system got the same budget of **{budget:g} s** per task, the same **{cores}** CPU core(s) "
        f"(pinned, with thread variables set to {cores}), and a hard stop at budget + {grace_s:g} s. "
        + ("Every task is a dev split: a fifth of its public training rows held back as answers, so these "
         "scores are validation evidence (the private answers were not used)." if dev else
         "Every submission was graded by the same grader on the private answers."),
        "",
        "Systems:",
        *[f"- `{name}`: {label}" for name, label in systems.items()],
        "",
        "## Summary",
        "",
        *_summary_lines(table, agent, tolerance),
        *_held_out_lines(table, agent, tolerance, held_out),
        "Normalised score = (score − trivial) / (best − trivial) on each task, oriented so that higher is "
        "better: 0 is the trivial predictor (class priors, majority class or best constant from the training "
        "targets, graded by the same grader), 1 the best system on the task. It is clipped to [0, 1]; an "
        "invalid run counts 0. Rank 1 is the best score; invalid runs share the last rank. A wall time "
        "marked (over) ran past the budget (each system enforces the budget itself; the bench only kills at "
        "the hard stop).",
        "",
        "## Per task",
    ]
    for task, rows in table.groupby("task", sort=True):
        first = rows.iloc[0]
        direction = "higher is better" if first["higher_is_better"] else "lower is better"
        lines += ["", f"### {task}", "",
                  f"Metric: `{first['metric']}` ({direction}); grader: {', '.join(sorted(set(rows['grader'])))}; "
                  f"trivial predictor: "
                  f"{_fmt(first['trivial_score'], 5)}."]
        if notes.get(task):
            lines += ["", f"Note: {notes[task]}."]
        shown = rows.assign(error=rows["error"].map(_short), wall_s=rows["wall_s"].map(
            lambda w: f"{w:.1f}" + (" (over)" if w > budget else "")),
            advantage=[_interval(low, high) for low, high in zip(rows["advantage_low"], rows["advantage_high"])]
        ).sort_values(["rank", "system"])
        lines += ["", markdown_table(shown, {"system": "system", "score": "score", "normalised": "normalised",
                                             "rank": "rank", "wall_s": "wall (s)", "valid": "valid",
                                             "advantage": f"{agent}'s advantage over it (95%, test rows)",
                                             "error": "error"}, digits=5)]
    return "\n".join(lines) + "\n"


def plot_normalised(table: pd.DataFrame, path: Path, *, budget: float, systems: Sequence[str]) -> None:
    """Grouped bars: one group per task, one bar per system, height = normalised score."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = table[table["budget"] == budget]
    pivot = table.pivot_table(index="task", columns="system", values="normalised", aggfunc="first")
    valid = table.pivot_table(index="task", columns="system", values="valid", aggfunc="first")
    order = [s for s in systems if s in pivot.columns]
    pivot, valid = pivot.reindex(columns=order), valid.reindex(columns=order).fillna(False).astype(bool)
    tasks = list(pivot.index)
    width = 0.8 / max(1, len(order))
    figure, axes = plt.subplots(figsize=(max(6.0, 1.3 * len(tasks) + 3), 4.2))
    x = np.arange(len(tasks))
    for i, system in enumerate(order):
        offsets = x + (i - (len(order) - 1) / 2) * width
        heights = pivot[system].fillna(0.0)
        bars = axes.bar(offsets, heights, width, label=system)
        colour = bars.patches[0].get_facecolor()
        # Values near 1 look alike at this scale; the printed number tells them apart.
        for offset, height, ok in zip(offsets, heights, valid[system]):
            label = dict(rotation=90, ha="center", fontsize=6)
            if not ok:
                axes.text(offset, 0.01, "invalid", va="bottom", color=colour, **label)
            elif height > 0.3:
                axes.text(offset, height - 0.02, f"{height:.3f}", va="top", color="white", **label)
            else:
                axes.text(offset, height + 0.01, f"{height:.3f}", va="bottom", color=colour, **label)
    axes.set_xticks(x, tasks, rotation=30, ha="right")
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("normalised score (0 trivial, 1 best)")
    axes.set_title(f"Normalised score per task, budget {budget:g} s")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def sweep_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Runs at every budget, normalised per task across all budgets (so scores compare across budgets)."""
    frame = add_normalised(add_ranks(frame), by=("task",))
    columns = ["task", "system", "budget", "score", "normalised", "rank", "wall_s", "valid", "metric",
               "higher_is_better"]
    return frame[columns].sort_values(["task", "system", "budget"]).reset_index(drop=True)


def sweep_markdown(sweep: pd.DataFrame, agent: str) -> str:
    mean = sweep.pivot_table(index="system", columns="budget", values="normalised", aggfunc="mean")
    mean = mean.sort_values(mean.columns[-1], ascending=False)
    lines = ["# Budget sweep", "",
             "Mean normalised score per system and budget (seconds). Here each task is normalised across all "
             "budgets: 1 is the best run of any system at any budget, 0 the trivial predictor.", "",
             _pivot_markdown(mean, "system"), "", "## Scores per task", ""]
    for task, rows in sweep.groupby("task", sort=True):
        scores = rows.pivot_table(index="system", columns="budget", values="score", aggfunc="first")
        lines += [f"### {task} (`{rows['metric'].iloc[0]}`)", "", _pivot_markdown(scores, "system"), ""]
    return "\n".join(lines)


def _pivot_markdown(pivot: pd.DataFrame, index_name: str) -> str:
    header = "| " + index_name + " | " + " | ".join(f"{c:g} s" for c in pivot.columns) + " |"
    lines = [header, "|" + "---|" * (len(pivot.columns) + 1)]
    for name, row in pivot.iterrows():
        lines.append(f"| {name} | " + " | ".join(_fmt(v, 5) for v in row) + " |")
    return "\n".join(lines)


def plot_sweep(sweep: pd.DataFrame, path: Path, systems: Sequence[str]) -> None:
    """Score against budget: the mean normalised score, then each task's raw score (invalid runs left out)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = sorted(sweep["task"].unique())
    budgets = sorted(sweep["budget"].unique())
    panels = 1 + len(tasks)
    columns = min(4, panels)
    rows = math.ceil(panels / columns)
    figure, grid = plt.subplots(rows, columns, figsize=(3.8 * columns, 3.1 * rows), squeeze=False)
    axes = list(grid.ravel())
    present = [s for s in systems if s in set(sweep["system"])]
    mean = sweep.groupby(["system", "budget"])["normalised"].mean()
    for system in present:
        series = mean.loc[system]
        axes[0].plot(series.index, series.values, marker="o", label=system)
    axes[0].set_title("mean normalised score", fontsize=10)
    for ax, task in zip(axes[1:], tasks):
        rows_of_task = sweep[(sweep["task"] == task) & sweep["valid"]]
        for system in present:
            points = rows_of_task[rows_of_task["system"] == system].sort_values("budget")
            ax.plot(points["budget"], points["score"], marker="o", label=system)
        first = sweep[sweep["task"] == task].iloc[0]
        direction = "higher" if first["higher_is_better"] else "lower"
        ax.set_title(f"{task}: {first['metric']} ({direction} is better)", fontsize=9)
    for ax in axes[:panels]:
        ax.set_xscale("log")
        ax.set_xticks(budgets, [f"{b:g}" for b in budgets])
        ax.minorticks_off()
        ax.set_xlabel("budget (s)")
        ax.tick_params(labelsize=8)
    for ax in axes[panels:]:
        ax.axis("off")
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_reports(frame: pd.DataFrame, out_dir: Path, *, budget: float, agent: str, systems: Mapping[str, str],
                  cores: int, grace_s: float, tolerance: float = DEFAULT_TIE_TOLERANCE,
                  notes: Optional[Mapping[str, str]] = None, held_out: Collection[str] = (),
                  dev: bool = False) -> list[Path]:
    """Writes results.csv, results.md and normalised.png (and the sweep files when several budgets ran).
    `held_out`: tasks no default was chosen on, summarised apart as well; `dev`: the tasks are dev splits."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = score_table(frame)
    written = [out_dir / "results.csv", out_dir / "results.md", out_dir / "normalised.png"]
    table.to_csv(written[0], index=False)
    written[1].write_text(results_markdown(table, budget=budget, agent=agent, systems=systems, cores=cores,
                                           grace_s=grace_s, tolerance=tolerance, notes=notes or {},
                                           held_out=held_out, dev=dev),
                          encoding="utf-8")
    plot_normalised(table, written[2], budget=budget, systems=list(systems))
    if frame["budget"].nunique() > 1:
        sweep = sweep_table(frame)
        paths = [out_dir / "sweep.csv", out_dir / "sweep.md", out_dir / "sweep.png"]
        sweep.to_csv(paths[0], index=False)
        paths[1].write_text(sweep_markdown(sweep, agent), encoding="utf-8")
        plot_sweep(sweep, paths[2], list(systems))
        written += paths
    return written


def results_frame(records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Records (dicts with `RESULT_COLUMNS`) as a typed frame."""
    frame = pd.DataFrame(list(records), columns=list(RESULT_COLUMNS))
    frame["valid"] = frame["valid"].astype(bool)
    frame["timed_out"] = frame["timed_out"].astype(bool)
    frame["higher_is_better"] = frame["higher_is_better"].astype(bool)
    for column in ("budget", "score", "wall_s", "trivial_score", "outside_scripts_share", "unused_budget_share",
                   "advantage_low", "advantage_high"):
        frame[column] = frame[column].astype(float)
    frame["error"] = frame["error"].fillna("").astype(str)
    return frame
