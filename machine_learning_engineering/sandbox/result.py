"""What one sandboxed script run produced, and the score protocol every generated script follows.

A script reports its validation score by printing a line `Final Validation Performance: <number>`;
the last such line counts. A script that exits 0 without a finite score has failed: it never scores 0.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Optional

SCORE_MARKER = "Final Validation Performance"

# Also accepts a wrapped scalar such as `np.float64(0.81)` or `tensor(0.81)`: scripts print these by
# accident and the number is unambiguous.
_SCORE_PATTERN = (
    SCORE_MARKER
    + r"\s*:\s*(?:[A-Za-z_][\w.]*\(\s*)?"
    + r"([-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|(?i:nan|inf(?:inity)?)))"
)
_SCORE_RE = re.compile(_SCORE_PATTERN)
SCORE_RE_BYTES = re.compile(_SCORE_PATTERN.encode("ascii"))

TRUNCATION_NOTE = "[... truncated ...]"
# How the failure of a script that never started begins: it has no code fault to debug.
NOT_STARTED = "could not start"


def parse_score(stdout: str) -> Optional[float]:
    """The value of the last `Final Validation Performance: <number>` line of `stdout`.

    Returns:
        The number as printed, which may be nan or infinite (the caller decides what that means),
        or None when no line matches.
    """
    for line in reversed(stdout.splitlines()):
        match = _SCORE_RE.search(line)
        if match:
            return float(match.group(1))
    return None


@dataclass
class ExecutionResult:
    """The outcome of one script run in the sandbox.

    Attributes:
        workspace: the folder the script ran in (its files, `stdout.txt` and `stderr.txt`).
        returncode: exit status; minus the signal number when killed by one (under bubblewrap too);
            None when the script never started.
        stdout_tail: the last part of standard output (capped; starts with "[... truncated ...]" when cut).
        stderr_tail: the last part of standard error, capped the same way.
        duration_s: wall-clock seconds from start to exit.
        timed_out: the script was killed at its time limit.
        memory_exceeded: the script was killed for memory, or died of a memory error.
        input_modified: the task's input data changed while the script ran; the attempt is void.
        score: the validation score, set only when the run succeeded (then it is finite).
        failure: one-line reason the run failed, None when it succeeded.
        peak_memory_mb: the largest memory use seen for the script and its children (sampled every
            0.2 s; resident sizes summed, so pages shared by forked workers may count twice).
        time_limit_s: the time limit the script was told (MLE_STAR_TIME_LIMIT_S, which sizes its
            time-bounded fits); None when it had none or never started.
    """

    workspace: Path
    returncode: Optional[int] = None
    stdout_tail: str = ""
    stderr_tail: str = ""
    duration_s: float = 0.0
    timed_out: bool = False
    memory_exceeded: bool = False
    input_modified: bool = False
    score: Optional[float] = None
    failure: Optional[str] = None
    peak_memory_mb: float = 0.0
    time_limit_s: Optional[float] = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (the workspace as a string)."""
        data = asdict(self)
        data["workspace"] = str(self.workspace)
        return data


def score_failure(score: Optional[float]) -> Optional[str]:
    """Why a cleanly exiting script's score does not count, or None when it does."""
    if score is None:
        return f"exited 0 but printed no '{SCORE_MARKER}: <number>' line"
    if not math.isfinite(score):
        return f"validation score is not finite ({score})"
    return None
