"""Entry point for `adk web`, `adk run` and `adk eval`: assembles `root_agent`, the front door.

Settings come from the environment and `.env` (see `.env.example`): MLE_STAR_MODEL picks the model,
MLE_STAR_TIME_BUDGET_S the default budget. The message names the task folder and, optionally, the
budget: "solve tasks/breast-cancer in 10 minutes".
"""

from .config import Settings
from .sub_agents.front_door.front_door import build_front_door

root_agent = build_front_door(Settings.from_env())
