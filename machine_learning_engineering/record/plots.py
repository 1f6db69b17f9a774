"""The PNG plots of a run's report: score over time and horizontal bar charts (ablation, ensemble).

Figures are built as bare `Figure`s, never through pyplot, so no global backend or figure registry
is touched (other threads of the run go on meanwhile) and nothing needs a display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from matplotlib.figure import Figure

PHASE_COLOURS = {"candidate": "#4c72b0", "merge": "#8172b3", "ablation": "#937860", "refine": "#55a868",
                 "ensemble": "#dd8452", "submit": "#c44e52", "debug": "#8c8c8c"}
OTHER_COLOUR = "#64b5cd"
HIGHLIGHT_COLOUR = "#2ca02c"
BAR_COLOUR = "#4c72b0"
DPI = 110


@dataclass(frozen=True)
class ScorePoint:
    """One scored attempt on the time axis.

    Attributes:
        elapsed_s: seconds from the start of the run to the end of the attempt.
        score: its validation score.
        phase: its phase (colours the point).
        eligible: whether it could become the submission (ok and passed the format check), i.e.
            whether it moves the best-so-far line.
    """

    elapsed_s: float
    score: float
    phase: str
    eligible: bool


def score_over_time(path: Path, points: Sequence[ScorePoint], metric: str, higher_is_better: bool) -> Path:
    """Every scored attempt as a dot coloured by phase, with the best-so-far submission as a step line.

    Returns:
        `path`, where the PNG was written.
    """
    figure = Figure(figsize=(9, 4.2), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    for phase in dict.fromkeys(p.phase for p in points):
        mine = [p for p in points if p.phase == phase]
        axes.scatter([p.elapsed_s for p in mine], [p.score for p in mine], s=36, zorder=3, label=phase,
                     color=PHASE_COLOURS.get(phase, OTHER_COLOUR), edgecolors="white", linewidths=0.6)
    times, bests = _best_so_far(points, higher_is_better)
    if times:
        end = max(p.elapsed_s for p in points)
        axes.step([*times, end], [*bests, bests[-1]], where="post", color="#222222", linewidth=1.4, zorder=2,
                  label="best so far")
    axes.set_xlabel("seconds since the run started (attempt end)")
    axes.set_ylabel(f"{metric} ({'higher' if higher_is_better else 'lower'} is better)")
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize=8, frameon=False)
    return _save(figure, path)


def bar_chart(path: Path, labels: Sequence[str], values: Sequence[float], *, title: str, xlabel: str,
              highlight: Optional[int] = None, zero_line: bool = False, signed: bool = False,
              errors: Optional[Sequence[float]] = None) -> Path:
    """Horizontal bars, the first label on top, each annotated with its value.

    Args:
        highlight: index of the bar to draw in the highlight colour (the chosen one).
        zero_line: bars start at 0 (differences); otherwise the axis is zoomed onto the values, since
            scores of one task differ in their third or fourth digit.
        signed: annotate with a sign (+0.01, -0.002).
        errors: a half-width per bar (e.g. the noise of a difference), drawn as an error bar; 0 draws none.

    Returns:
        `path`, where the PNG was written.
    """
    figure = Figure(figsize=(9, 0.9 + 0.42 * len(labels)), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    rows = list(range(len(labels)))[::-1]
    colours = [HIGHLIGHT_COLOUR if i == highlight else BAR_COLOUR for i in range(len(labels))]
    spread = list(errors) if errors is not None else [0.0] * len(values)
    low = min(v - e for v, e in zip(values, spread))
    high = max(v + e for v, e in zip(values, spread))
    if zero_line:
        low, high = min(low, 0.0), max(high, 0.0)
        if low == high:  # every difference is zero: a symmetric axis shows the bars sit on the line
            low, high = -1e-3, 1e-3
        base = 0.0
    else:
        base = low - _pad(low, high)
    left = min(base, low)  # the axis starts at the bars' base, or further left for negative bars and whiskers
    span = high - left or 1.0
    axes.barh(rows, [v - base for v in values], left=base, color=colours, height=0.6,
              xerr=spread if any(spread) else None, ecolor="#444444", capsize=3)
    for row, value, error in zip(rows, values, spread):
        axes.annotate(f"{value:+.4g}" if signed else f"{value:.6g}", (max(value + error, base), row),
                      xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    axes.set_xlim(left - (0.05 * span if zero_line and low < 0 else 0.0), high + 0.18 * span)
    if zero_line:
        axes.axvline(0.0, color="#222222", linewidth=0.8)
    axes.set_yticks(rows, labels, fontsize=8)
    axes.set_title(title, fontsize=10)
    axes.set_xlabel(xlabel)
    axes.grid(axis="x", alpha=0.3)
    return _save(figure, path)


def _best_so_far(points: Sequence[ScorePoint], higher_is_better: bool) -> tuple[list[float], list[float]]:
    """The times the best eligible score improved and its value from then on."""
    times: list[float] = []
    bests: list[float] = []
    for point in sorted((p for p in points if p.eligible and not math.isnan(p.score)), key=lambda p: p.elapsed_s):
        if not bests or (point.score > bests[-1] if higher_is_better else point.score < bests[-1]):
            times.append(point.elapsed_s)
            bests.append(point.score)
    return times, bests


def _pad(low: float, high: float) -> float:
    """Room below the smallest bar so that it still shows; equal values get a small fixed margin."""
    return (high - low) * 0.5 if high > low else max(abs(low) * 0.01, 1e-3)


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
