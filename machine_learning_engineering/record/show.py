"""`mle-star show RUN_DIR`: a run folder read back as plain text: its summary, a table of every
attempt in the journal, and the tree of attempts (each under the attempt it was derived from)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

from ..task.metrics import format_score
from .journal import Attempt, Journal
from .run_folder import RUN_RECORD

LABEL_WIDTH = 44
FAILURE_WIDTH = 60


class NotARunError(Exception):
    """The folder holds no run (no run.json and no journal)."""


def show_run(run_dir: Path) -> str:
    """The run in `run_dir` as text; it reads the folder only, so a run still going can be shown.

    Raises:
        NotARunError: `run_dir` is not a run folder.
    """
    record_path, journal_path = run_dir / RUN_RECORD, run_dir / "journal.jsonl"
    if not record_path.exists() and not journal_path.exists():
        raise NotARunError(f"{run_dir} is not a run folder (it has no {RUN_RECORD} or journal.jsonl); give the "
                           "folder `mle-star run` wrote, e.g. runs/<task>-<time>")
    record = _read_json(record_path) or {}
    best = _read_json(run_dir / "best" / "score.json")
    attempts = Journal(journal_path).read()
    best_id = best.get("attempt") if best else None
    sections = [_summary(run_dir, record, best), _table(attempts, best_id), _tree(attempts, best_id)]
    return "\n\n".join(s for s in sections if s) + "\n"


def _summary(run_dir: Path, record: dict[str, Any], best: Optional[dict[str, Any]]) -> str:
    brief, final = record.get("brief") or {}, record.get("final") or {}
    direction = "higher" if brief.get("higher_is_better", True) else "lower"
    rows = [("Run", str(run_dir)),
            ("Task", f"{record.get('task_name', '?')} ({brief.get('task_kind', '?')}), metric "
                     f"{brief.get('metric', '?')}, {direction} is better"),
            ("Status", record.get("status", "unknown"))]
    if final.get("ended"):
        rows.append(("Ended", final["ended"]))
    if best is not None:
        test = f", test {format_score(final['test_score'])}" if final.get("test_score") is not None else ""
        rows.append(("Best", f"attempt {best['attempt']} ({best['solution_id']} {best['phase']}: "
                             f"{shorten(best['label'], LABEL_WIDTH)}): "
                             f"validation {format_score(best['score'])}{test}"))
    submission = final.get("submission_path") or (run_dir / "submission.csv")
    if Path(submission).exists():
        rows.append(("Submission", str(submission)))
    pipeline = next((p for p in (run_dir / "best" / "pipeline.py", run_dir / "best" / "solution.py") if p.exists()),
                    None)
    if pipeline is not None:
        rows.append(("Pipeline", str(pipeline)))
    for problem in final.get("problems") or []:
        rows.append(("Problem", problem))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def _table(attempts: list[Attempt], best_id: Optional[int]) -> str:
    if not attempts:
        return "No attempts yet."
    header = ("id", "solution", "phase", "parent", "label", "score", "time", "outcome")
    rows = [(str(a.id), a.solution_id, a.phase, str(a.parent) if a.parent is not None else "-",
             shorten(a.label, LABEL_WIDTH), format_score(a.score) if a.ok else "-", f"{a.duration_s:.1f}s",
             outcome(a, best_id)) for a in sorted(attempts, key=lambda a: a.id)]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {0, 3, 5, 6}  # numbers line up on the right
    lines = ["  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in [header, *rows]]
    return f"Attempts ({len(attempts)})\n" + "\n".join(lines)


def _tree(attempts: list[Attempt], best_id: Optional[int]) -> str:
    """Each solution's first attempts, with what was derived from each (debug rounds, refinements)
    beneath it; every list in id order."""
    if not attempts:
        return ""
    ids = {a.id for a in attempts}
    children: dict[Optional[int], list[Attempt]] = {}
    for attempt in sorted(attempts, key=lambda a: a.id):
        children.setdefault(attempt.parent if attempt.parent in ids else None, []).append(attempt)
    lines = ["Tree"]
    solutions = list(dict.fromkeys(a.solution_id for a in children.get(None, [])))
    for solution in solutions:
        lines.append(solution)
        roots = [a for a in children.get(None, []) if a.solution_id == solution]
        _branch(roots, children, "", best_id, lines)
    return "\n".join(lines)


def _branch(nodes: list[Attempt], children: dict[Optional[int], list[Attempt]], indent: str,
            best_id: Optional[int], lines: list[str]) -> None:
    for i, node in enumerate(nodes):
        last = i == len(nodes) - 1
        result = format_score(node.score) if node.ok else "failed"
        mark = " (best)" if node.id == best_id else ""
        lines.append(f"{indent}{'└── ' if last else '├── '}{node.id} {node.phase}: "
                     f"{shorten(node.label, LABEL_WIDTH)} -> {result}{mark}")
        _branch(children.get(node.id, []), children, indent + ("    " if last else "│   "), best_id, lines)


def outcome(attempt: Attempt, best_id: Optional[int] = None) -> str:
    """One word or phrase for how an attempt went: best, ok, submission rejected, or why it failed."""
    if not attempt.ok:
        return "failed: " + shorten(attempt.failure or "no score printed", FAILURE_WIDTH)
    if attempt.id == best_id:
        return "best"
    return "submission rejected" if attempt.submission_ok is False else "ok"


def shorten(text: str, width: int) -> str:
    """`text` on one line, cut at the last word boundary that fits `width` (with an ellipsis)."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[:width - 1]
    if " " in cut:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def _read_json(path: Path) -> Optional[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
