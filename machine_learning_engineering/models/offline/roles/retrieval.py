"""Retriever: search the model-card catalog with a query built from the task, then pick models."""

from __future__ import annotations

from typing import Mapping

from ....knowledge import Catalog
from ....protocol import ModelListAnswer
from ....state import RetrievedModel
from ....sub_agents.retriever.prompt import RetrievalRequest
from .common import Reply, ToolCall, brief_of

SEARCH_TOOL = "search_model_cards"


def retrieve(request: RetrievalRequest, catalog: Catalog, tool_results: Mapping[str, object]) -> Reply:
    brief = brief_of(request)
    wanted = request.count
    result = tool_results.get(SEARCH_TOOL)
    if result is None:
        return ToolCall(SEARCH_TOOL, {"query": search_query(brief), "k": max(wanted * 2, 8)})
    models = result.get("models", []) if isinstance(result, dict) else []
    if not models:
        return "The model-card search found nothing for this task."
    return ModelListAnswer(models=[RetrievedModel(name=m["name"], description=m.get("summary", ""),
                                                  example_code=m.get("example_code", "")) for m in models[:wanted]])


def search_query(brief: dict) -> str:
    """What an engineer would search for, from the data's properties."""
    columns = brief.get("columns", [])
    roles = {c.get("role") for c in columns}
    if brief.get("image_column"):
        kind = "image pixels cnn"
    elif "text" in roles:
        kind = "text nlp tf-idf n-grams"
    else:
        kind = "tabular gradient boosting"
    words = [kind, brief["task_kind"], "classification" if brief["task_kind"] != "regression" else "regression",
             brief.get("metric", "")]
    if "categorical" in roles:
        words.append("categorical")
    if any(c.get("missing_frac", 0) > 0 for c in columns):
        words.append("missing values")
    if brief.get("n_train", 0) < 2000:
        words.append("small data")
    return " ".join(w for w in words if w)

