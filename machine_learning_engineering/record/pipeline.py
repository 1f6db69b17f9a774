"""The run's final pipeline: `best/` as one folder that retrains from scratch and predicts on any
data folder laid out like the task's (`python best/pipeline.py --data DIR --out FILE`).

Layout::

    best/solution.py                the winning script (reads ./input/, writes ./submission/submission.csv)
    best/members/m<ID>/solution.py  for an ensemble: each member's own script (attempt <ID>)
    best/pipeline.py                the driver: runs the members, hands their artifacts to the ensemble
    best/README.md                  how it was built, how to run it, what it needs
    best/score.json                 the winning attempt and its validation score (written by RunFolder)

Only scripts are written here, never data or artifacts: the pipeline retrains everything.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from ..tools.python_ast import parse as parse_python
from .journal import Attempt, Journal

if TYPE_CHECKING:
    from .run_folder import RunFolder

MEMBERS_DIR = "members"
_MEMBER_NAME = re.compile(r"m(\d+)")
# Files the scripts name under ./input/, in string literals ("input/extra.csv", "./input/images").
_INPUT_PATH = re.compile(r"""["'](?:\./)?input/([^"'\s{}*]+)["']""")


class PipelineError(Exception):
    """The pipeline cannot be assembled: a member of the ensemble has no script on record."""


@dataclass(frozen=True)
class Member:
    """One ensemble member: its name in the ensemble's `members/` folder, the attempt behind it,
    its script, and the files of its `artifacts/` the ensemble reads."""

    name: str
    attempt: Attempt
    code: str
    files: tuple[str, ...]


def write_pipeline(folder: "RunFolder", attempt: Attempt, code: str, journal: Journal) -> Path:
    """Writes `best/` for the promoted attempt: its script, its members' scripts (an ensemble),
    the standalone driver `pipeline.py` and `README.md`. Replaces what an earlier promotion wrote,
    except `score.json`.

    Args:
        folder: the run folder; `best/` is `folder.best_dir`.
        attempt: the promoted attempt.
        code: the script the attempt ran.
        journal: the run's journal, where the ensemble's members are looked up by attempt id.

    Returns:
        The path of the driver, `best/pipeline.py`.

    Raises:
        PipelineError: the attempt combines members (`members/m<ID>/` in its workspace) and one of
            them is not in the journal or has no `solution.py`.
    """
    best = folder.best_dir
    members = find_members(folder, attempt, journal)
    best.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(best / MEMBERS_DIR, ignore_errors=True)
    for member in members:
        target = best / MEMBERS_DIR / member.name
        target.mkdir(parents=True)
        (target / "solution.py").write_text(member.code, encoding="utf-8")
    record = folder.read_json("run.json") or {}
    brief = record.get("brief") or {}
    _write(best / "pipeline.py", driver_source(members, data_tables(brief)))
    _write(best / "README.md", readme(attempt, code, members, brief))
    _write(best / "solution.py", code)
    return best / "pipeline.py"


def find_members(folder: "RunFolder", attempt: Attempt, journal: Journal) -> list[Member]:
    """The members an ensemble attempt combined, in id order; empty for a single script.

    The ensembler copies member `<ID>`'s artifacts into the ensemble's workspace as
    `members/m<ID>/<file>`, and `<ID>` is the member's attempt id, so the member's script is the
    `solution.py` in that attempt's workspace.

    Raises:
        PipelineError: a member is not in the journal or its workspace has no `solution.py`.
    """
    members_dir = folder.workspace_of(attempt) / MEMBERS_DIR
    if not members_dir.is_dir():
        return []
    found = sorted((int(m.group(1)), path) for path in members_dir.iterdir()
                   if path.is_dir() and (m := _MEMBER_NAME.fullmatch(path.name)))
    if not found:
        return []
    by_id = {a.id: a for a in journal.read()}
    members = []
    for member_id, path in found:
        member = by_id.get(member_id)
        script = folder.workspace_of(member) / "solution.py" if member is not None else None
        if script is None or not script.exists():
            raise PipelineError(f"attempt {attempt.id} combines member {path.name}, but attempt {member_id} "
                                f"{'is not in the journal' if member is None else f'has no script at {script}'}")
        files = tuple(sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()))
        members.append(Member(name=path.name, attempt=member, code=script.read_text(encoding="utf-8"), files=files))
    return members


def required_packages(*codes: str) -> list[str]:
    """The top-level modules the scripts import that are not in Python's standard library, sorted.
    A script that does not parse contributes nothing (it ran, so this does not happen in practice)."""
    names: set[str] = set()
    for code in codes:
        try:
            tree = parse_python(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return sorted(n for n in names if n not in sys.stdlib_module_names and n != "__future__")


def input_files(*codes: str) -> list[str]:
    """The paths under `./input/` that the scripts name literally, sorted."""
    return sorted({match.group(1).rstrip("/") for code in codes for match in _INPUT_PATH.finditer(code)})


def driver_source(members: list[Member], required: list[str]) -> str:
    """The source of `pipeline.py` for these members (none: the winner is a single script), checking
    that the data folder holds the `required` files (paths relative to it)."""
    plan = {m.name: list(m.files) for m in members}
    return (_DRIVER.replace("__MEMBERS__", json.dumps(plan, indent=4))
            .replace("__REQUIRED__", json.dumps(required)))


def readme(attempt: Attempt, code: str, members: list[Member], brief: dict[str, Any]) -> str:
    """`best/README.md`: how the pipeline was built, how to run it and what it needs."""
    codes = [code, *(m.code for m in members)]
    metric = brief.get("metric")
    lines = [
        "# Final pipeline",
        "",
        f"Built from attempt {attempt.id} ({attempt.solution_id} {attempt.phase}: {attempt.label}), "
        f"validation score {_score(attempt.score)}{f' ({metric})' if metric else ''}, workspace `{attempt.workspace}`.",
        "",
    ]
    if members:
        lines += ["It is an ensemble: `solution.py` combines the saved predictions of these members, each "
                  "retrained by its own script in `members/`:", "",
                  "| member | attempt | solution | phase | label | validation score |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| `{m.name}` | {m.attempt.id} | {m.attempt.solution_id} | {m.attempt.phase} | "
                  f"{m.attempt.label.replace('|', '/')} | {_score(m.attempt.score)} |" for m in members]
        lines.append("")
    else:
        lines += ["It is a single script: `solution.py`.", ""]
    lines += [
        "## Run it",
        "",
        "```bash",
        "python pipeline.py --data DIR --out submission.csv",
        "```",
        "",
        "`DIR` is a data folder laid out like the task's (below). The driver makes a temporary work folder, "
        "shows `DIR` there as `input/`, "
        + ("runs each member's script, copies each member's `artifacts/` files into `members/<member>/` of the "
           "ensemble's folder, runs `solution.py`" if members else "runs `solution.py`")
        + " with the same Python, and copies its `submission/submission.csv` to `--out`. "
        "Everything is retrained from scratch; `--work FOLDER` keeps the work folder (scripts' outputs and "
        "artifacts) for inspection.",
        "",
        "## What it needs",
        "",
    ]
    packages = required_packages(*codes)
    lines.append("Python " + f"{sys.version_info.major}.{sys.version_info.minor} (the run's) with: "
                 + (", ".join(f"`{p}`" for p in packages) if packages else "the standard library only") + ".")
    lines.append("")
    tables = data_tables(brief)
    others = [f for f in input_files(*codes) if f not in tables]
    if tables or others:
        lines.append("Data folder (`DIR`): " + ", ".join(f"`{f}`" for f in [*tables, *others])
                     + (", as in the task's public data" if tables else "") + ".")
    else:
        lines.append("Data folder (`DIR`): the task's public data folder, same layout.")
    if brief.get("id_columns") or brief.get("target_columns"):
        lines.append(f"The submission has the sample submission's columns "
                     f"(ids {brief.get('id_columns')}, targets {brief.get('target_columns')}).")
    return "\n".join(lines) + "\n"


def data_tables(brief: dict[str, Any]) -> list[str]:
    """The task's train, test and sample submission files named by the brief (relative to the data folder)."""
    return [brief[k] for k in ("train_file", "test_file", "sample_submission_file") if brief.get(k)]


def _score(score: Optional[float]) -> str:
    return "none" if score is None else f"{score:.6g}"


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


_DRIVER = '''\
"""Retrains the run's best solution from scratch on a data folder and writes its submission.

    python pipeline.py --data DIR --out FILE [--work FOLDER]

DIR is laid out like the task's public data (train, test, sample submission, other files). Written
by MLE-STAR; needs only the standard library and the packages the scripts import (see README.md).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Ensemble members: name -> files of its artifacts/ the ensemble reads from members/<name>/.
# Empty when the winner is a single script.
MEMBERS = __MEMBERS__
# The task's tables, relative to the data folder: every script reads them.
REQUIRED = __REQUIRED__


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="the data folder, laid out like the task's")
    parser.add_argument("--out", required=True, type=Path, help="the submission CSV to write")
    parser.add_argument("--work", type=Path, help="keep the work folder here (default: a temporary one, removed)")
    args = parser.parse_args(argv)
    data = args.data.resolve()
    if not data.is_dir():
        parser.error(f"--data {args.data} is not a folder; give the folder that holds train and test data")
    missing = [name for name in REQUIRED if not (data / name).exists()]
    if missing:
        parser.error(f"--data {args.data} lacks {', '.join(missing)}; give a folder laid out like the task's "
                     "public data (see README.md)")
    out = args.out.resolve()
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        build(data, out, args.work.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="mle-star-pipeline-") as work:
            build(data, out, Path(work))
    print(f"[pipeline] submission written to {out}", file=sys.stderr)


def build(data, out, work):
    """Runs the members (if any), then the winning script, in `work`; copies the submission to `out`."""
    final = prepare(work / "final", HERE / "solution.py", data)
    for name, files in MEMBERS.items():
        member = prepare(work / name, HERE / "members" / name / "solution.py", data)
        run(member, name)
        for file in files:
            source, target = member / "artifacts" / file, final / "members" / name / file
            if not source.exists():
                sys.exit(f"[pipeline] member {name} did not write artifacts/{file}; see {member}")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    run(final, "solution")
    submission = final / "submission" / "submission.csv"
    if not submission.exists():
        sys.exit(f"[pipeline] solution.py wrote no submission/submission.csv; see {final}")
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(submission, out)


def prepare(folder, script, data):
    """A fresh folder holding the script and the data as input/ (a link, or a copy where links fail)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy2(script, folder / "solution.py")
    try:
        os.symlink(data, folder / "input", target_is_directory=True)
    except OSError:
        shutil.copytree(data, folder / "input")
    return folder


def run(folder, name):
    print(f"[pipeline] running {name} in {folder}", file=sys.stderr, flush=True)
    code = subprocess.call([sys.executable, "solution.py"], cwd=folder)
    if code != 0:
        sys.exit(f"[pipeline] {name} failed with exit status {code}; see its output above")


if __name__ == "__main__":
    main()
'''
