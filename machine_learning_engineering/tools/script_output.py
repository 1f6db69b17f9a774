"""What scripts print for the agents to read, besides the score line (see `sandbox.parse_score`)."""

from __future__ import annotations

import math
import re
from typing import Any, Optional

_BASELINE_RE = re.compile(r"^Ablation baseline -> (\S+)\s*$", re.M)
_RESULT_RE = re.compile(r"^Ablation result: (\w+) -> (\S+)\s*$", re.M)
_NOISE_RE = re.compile(r"^Ablation noise: (\w+) -> (\S+)\s*$", re.M)
# A script that reuses a model fit an earlier script of its run made prints this, then the seconds the fit took.
REUSED_FIT = "reused fit, first made in"
_REUSED_RE = re.compile(r"^\s*" + re.escape(REUSED_FIT) + r" ([0-9.]+) s\b", re.M)


def parse_ablation(stdout: str) -> dict[str, Any]:
    """{"baseline": float | None, "blocks": {block: score}, "noise": {block: standard error}} from an
    ablation study's output: the line `Ablation baseline -> <score>`, one `Ablation result: <block> ->
    <score>` per variant (nan when the variant failed) and, where the study measured it, one `Ablation
    noise: <block> -> <se>`. Output without a baseline line gives {"baseline": None, "blocks": {}, "noise": {}}."""
    baseline = _BASELINE_RE.findall(stdout)
    if not baseline:
        return {"baseline": None, "blocks": {}, "noise": {}}
    return {"baseline": _number(baseline[-1]),
            "blocks": {name: _number(value) for name, value in _RESULT_RE.findall(stdout)},
            "noise": {name: _number(value) for name, value in _NOISE_RE.findall(stdout)}}


def reused_fit_seconds(stdout: str) -> float:
    """The seconds that the fits a script reused (its `REUSED_FIT` lines) took when they were made: what
    running it again without the run's cache adds to its own time."""
    return sum(float(seconds) for seconds in _REUSED_RE.findall(stdout))


def _number(text: str) -> Optional[float]:
    try:
        return float(text)
    except ValueError:
        return math.nan
