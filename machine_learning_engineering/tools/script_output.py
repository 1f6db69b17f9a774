"""What scripts print for the agents to read, besides the score line (see `sandbox.parse_score`)."""

from __future__ import annotations

import math
import re
from typing import Any, Optional

_BASELINE_RE = re.compile(r"^Ablation baseline -> (\S+)\s*$", re.M)
_RESULT_RE = re.compile(r"^Ablation result: (\w+) -> (\S+)\s*$", re.M)
_NOISE_RE = re.compile(r"^Ablation noise: (\w+) -> (\S+)\s*$", re.M)


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


def _number(text: str) -> Optional[float]:
    try:
        return float(text)
    except ValueError:
        return math.nan
