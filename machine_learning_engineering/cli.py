"""`mle-star`: run the agent on a task folder, show a run, build the bundled tasks, grade a submission."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

from .config import ISOLATIONS, Settings, SettingsError, env_variable

if TYPE_CHECKING:
    from google.adk.models.base_llm import BaseLlm
    from google.genai import Client

# The run may overrun its budget by the time the scripts in flight need to stop, plus this margin.
HARD_STOP_MARGIN_S = 30.0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=_log_level(args), format="%(message)s")
    for noisy in ("google_adk", "google_genai", "httpx", "LiteLLM"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    return args.handler(args)


def _log_level(args: argparse.Namespace) -> int:
    """INFO for every command but `run`, whose live view stands in for the log's lines unless --verbose."""
    if args.handler is not _cmd_run:
        return logging.INFO
    return logging.INFO if args.verbose else logging.WARNING


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mle-star", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="solve a task: retrieve, initialise, refine, ensemble, submit")
    run.add_argument("task_dir", type=Path, nargs="?",
                     help="task folder (description + data; our layout or MLE-bench's); not needed with --resume")
    run.add_argument("--resume", type=Path, metavar="RUN_DIR",
                     help="continue a run that was stopped or killed, reusing its completed work (its settings "
                          "stand; --time-budget sets the time for the rest, by default what was left)")
    run.add_argument("--model", help="offline (default), a Gemini model name, or litellm/<provider>/<model>")
    run.add_argument("--agent-model", type=_role_model, action="append", dest="agent_models", metavar="ROLE=MODEL",
                     help="one role's model, e.g. debugger=gemini-2.5-pro (repeatable; roles in .env.example)")
    run.add_argument("--time-budget", type=float, dest="time_budget_s", help="seconds for the whole run")
    run.add_argument("--max-cost", type=float, dest="max_cost_usd",
                     help="US dollars of model calls after which the run ends with its best submission")
    run.add_argument("--output", type=Path, help="run folder (default: runs/<task>-<time>)")
    run.add_argument("--solutions", type=int, dest="num_solutions", help="solutions developed in parallel")
    run.add_argument("--candidates", type=int, dest="num_candidates", help="retrieved models per solution")
    run.add_argument("--outer-steps", type=int, dest="outer_steps", help="ablation-guided refinement steps")
    run.add_argument("--extra-outer-steps", type=int, dest="extra_outer_steps",
                     help="further outer steps while the budget allows (0: exactly --outer-steps)")
    run.add_argument("--inner-steps", type=int, dest="inner_steps", help="plans tried per refined block")
    run.add_argument("--ensemble-rounds", type=int, dest="ensemble_rounds", help="ensemble plans tried")
    run.add_argument("--script-timeout", type=float, dest="script_timeout_s", help="seconds per script")
    run.add_argument("--model-cards", type=Path, action="append", dest="model_cards_dirs",
                     help="folder of your own model cards/recipes (repeatable)")
    run.add_argument("--hints", help="advice for the agents, e.g. 'the id column leaks the date'")
    run.add_argument("--isolation", choices=ISOLATIONS,
                     help="script confinement: bubblewrap, else Linux namespaces (auto), or none")
    run.add_argument("--events", type=Path, dest="events_file", metavar="FILE",
                     help="append the run's events to FILE as JSON lines, as they happen (for machines)")
    shown = run.add_mutually_exclusive_group()
    shown.add_argument("--quiet", action="store_true",
                       help="no progress: only warnings, errors and the closing summary")
    shown.add_argument("--verbose", action="store_true",
                       help="besides the progress, every line of the run's log (log.txt) as it is written")
    # Each setting's option, so that an impossible value is reported the way it was typed.
    run.set_defaults(handler=_cmd_run, options={a.dest: a.option_strings[0] for a in run._actions if a.option_strings})

    show = sub.add_parser("show", help="print a run's summary, its attempts and their tree")
    show.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    show.set_defaults(handler=_cmd_show)

    tasks = sub.add_parser("tasks", help="build the bundled example tasks")
    tasks.add_argument("out_dir", type=Path, nargs="?", default=Path("tasks"))
    tasks.add_argument("--only", nargs="*", help="task names to build")
    tasks.add_argument("--suite", choices=("tables", "lite"), default="tables",
                       help="tables: the bundled tables (default); lite: stand-ins for MLE-bench-Lite's "
                            "competitions, in MLE-bench's prepared layout")
    tasks.add_argument("--tiny", action="store_true", help="lite only: a few hundred rows each, for quick checks")
    tasks.set_defaults(handler=_cmd_tasks)

    grade = sub.add_parser("grade", help="check a submission's format and score it on the private answers")
    grade.add_argument("task_dir", type=Path)
    grade.add_argument("submission", type=Path)
    grade.set_defaults(handler=_cmd_grade)
    return parser


def _role_model(text: str) -> tuple[str, str]:
    """One `--agent-model ROLE=MODEL` value, with the role checked against the graph's roles."""
    from .models.factory import ROLES

    role, sep, model = (p.strip() for p in text.partition("="))
    if not sep or not model:
        raise argparse.ArgumentTypeError(f"{text!r} is not ROLE=MODEL, e.g. debugger=gemini-2.5-pro")
    if role not in ROLES:
        raise argparse.ArgumentTypeError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    return role, model


def _cmd_run(args: argparse.Namespace) -> int:
    # Only the preflight runs before the backends are known to work: it must fail fast, and leave no run folder.
    from .models.credentials import BackendError, check_backend
    from .record.resume import read_resume_point
    from .record.run_folder import RunFolder, RunFolderError

    try:
        if args.resume is not None:
            point = read_resume_point(args.resume)
            RunFolder(args.resume).close()  # refuses a folder another process is writing
            if args.task_dir is not None and args.task_dir.resolve() != point.task_dir.resolve():
                raise RunFolderError(f"{args.resume} is a run on {point.task_dir}, not {args.task_dir}; "
                                     "leave the task folder out to resume it")
            args.task_dir, args.output = point.task_dir, args.resume
            args.time_budget_s = args.time_budget_s or point.remaining_s
            settings = Settings.from_dict(point.settings)
        elif args.task_dir is None:
            raise RunFolderError("give the task folder to solve, or --resume RUN_DIR to continue a run")
        else:
            if args.output is not None:
                RunFolder.check_new(args.output)
            settings = Settings.from_env()
    except (RunFolderError, SettingsError) as exc:
        print(f"mle-star: {exc}", file=sys.stderr)
        return 2
    try:
        settings = settings.replace(
            model=args.model, agent_models={**settings.agent_models, **dict(args.agent_models)} if args.agent_models
            else None, time_budget_s=args.time_budget_s, num_solutions=args.num_solutions,
            num_candidates=args.num_candidates, outer_steps=args.outer_steps, extra_outer_steps=args.extra_outer_steps,
            inner_steps=args.inner_steps,
            ensemble_rounds=args.ensemble_rounds, script_timeout_s=args.script_timeout_s, isolation=args.isolation,
            hints=args.hints, max_cost_usd=args.max_cost_usd, events_file=args.events_file,
            model_cards_dirs=tuple(args.model_cards_dirs) if args.model_cards_dirs else None)
        settings.check()
    except SettingsError as exc:
        print(f"mle-star: {_as_given(exc, args)}", file=sys.stderr)
        return 2
    try:
        check_backend(settings)
    except BackendError as exc:
        print(f"mle-star: {exc}", file=sys.stderr)
        return 2

    from .task import TaskError, load_task

    try:
        task = load_task(args.task_dir)
    except TaskError as exc:
        print(f"mle-star: {exc}", file=sys.stderr)
        return 2
    if settings.model_for("candidate_writer") == "offline":
        from .models.offline.composer.brief import unsupported_task

        reason = unsupported_task(task.task_kind, task.prediction_format,
                                  len(task.classes) if task.classes is not None else None)
        if reason:
            print(f"mle-star: {task.name}: {reason}", file=sys.stderr)
            return 2
    from rich.console import Console

    from .record.progress import ProgressView, summary

    view = None if args.quiet else ProgressView(Console())
    if view is not None:
        print(task.summary())
    with view.follow() if view is not None else nullcontext():
        final = asyncio.run(run_agent(args.task_dir, settings, args.output, resume=args.resume is not None))
    print("\n".join(summary(final, task.metric.name)))
    if final is None or final.get("problems") or not final.get("submission_path"):
        print("mle-star: no valid submission was produced; see the run folder's log.txt", file=sys.stderr)
        return 1
    return 0


def _as_given(exc: SettingsError, args: argparse.Namespace) -> SettingsError:
    """The error naming the setting as the user gave it: its option, else its environment variable."""
    if getattr(args, exc.name, None) is not None:
        return exc.given_as(f"{args.options[exc.name]} {_shown(exc.value)}")
    if os.environ.get(env_variable(exc.name)):
        return exc.from_environment(os.environ)
    return exc


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (tuple, list)):
        return " ".join(map(str, value))
    return str(value)


async def run_agent(task_dir: Path, settings: Settings, run_dir: Optional[Path] = None,
                    model: Optional["BaseLlm"] = None, gemini_client: Optional["Client"] = None,
                    resume: bool = False) -> Optional[dict]:
    """Runs the whole graph on one task; returns the submitter's final result (state `final`), or
    the best submission on disk when the run ended before the submitter.

    `model` replaces every role's model (a scripted fake in tests, or any custom ADK model);
    `gemini_client` is the google-genai client of the Gemini models (default: built from the environment);
    `resume` continues the earlier run in `run_dir`."""
    from google.adk.runners import InMemoryRunner
    from google.genai import types

    from .graph import build_root_agent
    from .run_context import get_run
    from .state import FINAL, RESUME, RUN_DIR, SETTINGS, TASK_DIR

    runner = InMemoryRunner(agent=build_root_agent(settings, model=model, gemini_client=gemini_client),
                            app_name="mle_star")
    state = {TASK_DIR: str(task_dir), SETTINGS: settings.to_dict()}
    if run_dir is not None:
        state[RUN_DIR] = str(run_dir.resolve())
        state[RESUME] = resume
    session = await runner.session_service.create_session(app_name="mle_star", user_id="cli", state=state)
    message = types.Content(role="user", parts=[types.Part(text=f"Solve the task in {task_dir}")])

    async def drive() -> None:
        async for _ in runner.run_async(user_id="cli", session_id=session.id, new_message=message):
            pass

    started = time.monotonic()
    stopped = "Run stopped before its submitter ran."
    try:
        await asyncio.wait_for(drive(), timeout=settings.time_budget_s + HARD_STOP_MARGIN_S)
    except asyncio.TimeoutError:
        stopped = f"Run stopped hard after {time.monotonic() - started:.0f} s: scripts overran its budget."
        logging.getLogger("mle_star").warning(
            "hard stop after %.0f s: the best submission so far stands", time.monotonic() - started)
    except Exception:  # noqa: BLE001 - the last boundary: whatever failed, the submission on disk stands
        stopped = "Run stopped on an unexpected error (see above)."
        logging.getLogger("mle_star").exception("the run stopped on an unexpected error; the best submission "
                                                "so far stands")
    session = await runner.session_service.get_session(app_name="mle_star", user_id="cli", session_id=session.id)
    run = get_run(session.state)
    if run is not None:
        run.close()
    final = session.state.get(FINAL)
    if final is None and session.state.get(RUN_DIR):
        submission = Path(session.state[RUN_DIR]) / "submission.csv"
        best = Path(session.state[RUN_DIR]) / "best" / "score.json"
        if submission.exists() and best.exists():
            record = json.loads(best.read_text(encoding="utf-8"))
            final = {"source": f"attempt {record['attempt']}", "score": record["score"],
                     "submission_path": str(submission), "script_path": str(best.parent / "solution.py"),
                     "ended": stopped, "problems": []}
    return final


def _cmd_show(args: argparse.Namespace) -> int:
    from .record.show import NotARunError, show_run

    try:
        print(show_run(args.run_dir), end="")
    except NotARunError as exc:
        print(f"mle-star: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_tasks(args: argparse.Namespace) -> int:
    from .bundled_tasks import build_all
    from .bundled_tasks.lite import MissingSourceError, build_lite

    if args.tiny and args.suite != "lite":
        print("mle-star: --tiny applies to --suite lite only", file=sys.stderr)
        return 2
    try:
        if args.suite == "lite":
            paths = build_lite(args.out_dir, args.only or None, size="tiny" if args.tiny else "full")
        else:
            paths = build_all(args.out_dir, args.only or None)
    except (ValueError, MissingSourceError) as exc:
        print(f"mle-star: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


def _cmd_grade(args: argparse.Namespace) -> int:
    from .task import SubmissionError, TaskError, grade, load_task

    try:
        task = load_task(args.task_dir)
        score = grade(args.submission, task)
    except SubmissionError as exc:
        print("mle-star: the submission fails the format check:\n" + "\n".join(f"- {p}" for p in exc.problems),
              file=sys.stderr)
        return 1
    except TaskError as exc:
        print(f"mle-star: {exc}", file=sys.stderr)
        return 2
    print(f"test {task.metric.name} on the private answers: {score:.6g} "
          f"({'higher' if task.metric.higher_is_better else 'lower'} is better)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
