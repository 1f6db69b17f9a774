"""The retriever's tool: relevance search over the local catalog of model cards.

Offered to every backend (offline engine, Gemini, LiteLLM); the catalog includes the user's own
cards from the folders given by `MLE_STAR_MODEL_CARDS_DIRS` / `--model-cards`.
"""

from __future__ import annotations

from typing import Any

from google.adk.tools import ToolContext

from ..run_context import get_run
from ..state import BRIEF


def search_model_cards(query: str, tool_context: ToolContext, k: int = 8) -> dict[str, Any]:
    """Searches the local catalog of model cards for models that suit the task.

    Args:
        query: what to look for, e.g. "gradient boosting for tabular binary classification with categoricals".
        k: how many cards to return.

    Returns:
        {"models": [{"name", "title", "summary", "task_kinds", "example_code"}, ...]}, best match first.
    """
    run = get_run(tool_context.state)
    if run is None:
        return {"error": "no task is loaded yet; load a task folder first", "models": []}
    brief = tool_context.state.get(BRIEF) or run.brief
    cards = run.catalog.search_for_task(query, brief, k=int(k))
    return {"models": [{"name": c.name, "title": c.title, "summary": c.summary,
                        "task_kinds": list(c.task_kinds), "example_code": c.code} for c in cards]}
