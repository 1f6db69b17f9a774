"""Loads the task named in session state (or in the user's message) and opens the run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import AsyncGenerator, Optional

from google.adk.agents.invocation_context import InvocationContext
from google.adk.events import Event

from ...config import Settings
from ...record.run_folder import RunFolderError
from ...run_context import get_run, open_run
from ...state import BRIEF, RESUME, RUN_DIR, SETTINGS, TASK_DIR, TASK_SUMMARY
from ...task import TaskError
from ..boundary import StepAgent
from ..llm_steps import state_event


class TaskSetupAgent(StepAgent):
    """First step of the graph: task folder -> validated task, brief and run folder."""

    settings: Settings

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="task_setup", description="Loads and checks the task; opens the run folder.",
                         settings=settings)

    async def _step(self, ctx: InvocationContext) -> AsyncGenerator[Event, None]:
        state = ctx.session.state
        if get_run(state) is not None:
            return
        task_dir = state.get(TASK_DIR) or _path_in_message(ctx)
        if not task_dir:
            yield state_event(self, ctx, {}, text="Tell me the folder of the task to solve, e.g. "
                                                  "`tasks/breast-cancer` (it holds description.md and the data).")
            return
        settings = Settings.from_dict(state[SETTINGS]) if state.get(SETTINGS) else self.settings
        try:
            run = open_run(task_dir, settings, Path(state[RUN_DIR]) if state.get(RUN_DIR) else None,
                           resume=bool(state.get(RESUME)))
        except (TaskError, RunFolderError) as exc:
            yield state_event(self, ctx, {}, text=f"The run could not start: {exc}")
            return
        yield state_event(self, ctx, {TASK_DIR: str(task_dir), RUN_DIR: str(run.folder.root),
                                      SETTINGS: settings.to_dict(), BRIEF: run.brief,
                                      TASK_SUMMARY: run.task.summary()},
                          text=f"Loaded task {run.task.name}; run folder {run.folder.root}")


def _path_in_message(ctx: InvocationContext) -> Optional[str]:
    """The first existing folder named in the user's message."""
    content = ctx.user_content
    text = " ".join(p.text for p in (content.parts or []) if p.text) if content else ""
    for token in re.findall(r"[\w./~-]+", text):
        path = Path(token).expanduser()
        if path.is_dir():
            return str(path)
    return None
