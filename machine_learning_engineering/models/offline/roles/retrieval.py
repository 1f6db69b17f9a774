"""Retriever: search the model-card catalog with a query built from the task, then pick models."""

from __future__ import annotations

from typing import Mapping

from ....knowledge import Catalog
from ....knowledge.catalog import brief_properties
from ....protocol import ModelListAnswer
from ....state import RetrievedModel
from ....sub_agents.retriever.prompt import RetrievalRequest
from .common import Reply, ToolCall, brief_of

SEARCH_TOOL = "search_model_cards"
# A text task with at least this many numeric or categorical columns is also a table.
MIXED_TABLE_COLUMNS = 3


def retrieve(request: RetrievalRequest, catalog: Catalog, tool_results: Mapping[str, object]) -> Reply:
    brief = brief_of(request)
    wanted = request.count
    result = tool_results.get(SEARCH_TOOL)
    if result is None:
        return ToolCall(SEARCH_TOOL, {"query": search_query(brief), "k": max(wanted * 2, 8)})
    models = result.get("models", []) if isinstance(result, dict) else []
    if not models:
        return "The model-card search found nothing for this task."
    lead = _lead_modality(brief)
    if lead:
        models = _lead_model_then_table_model(models, catalog, lead)
    return ModelListAnswer(models=[RetrievedModel(name=m["name"], description=m.get("summary", ""),
                                                  example_code=m.get("example_code", "")) for m in models[:wanted]])


def _lead_modality(brief: dict) -> str | None:
    """The modality whose model should lead while a table model comes second: sound clips (also described
    by spectrogram columns that trees read), or text beside a table of its own (a request's text and the
    requester's history, say)."""
    if brief.get("audio_column"):
        return "audio"
    roles = [c.get("role") for c in brief.get("columns", [])]
    if "text" in roles and sum(r in ("numeric", "categorical") for r in roles) >= MIXED_TABLE_COLUMNS:
        return "text"
    return None


def _lead_model_then_table_model(models: list, catalog: Catalog, modality: str) -> list:
    """The search's order, but with the best model of another modality second: the search ranks the
    `modality` models first, and the table beside them needs a model that reads it (trees) among the first."""
    def is_lead(model: dict) -> bool:
        card = catalog.cards.get(model.get("name"))
        return card is not None and modality in card.modalities

    table = next((m for m in models[1:] if not is_lead(m)), None)
    if table is None or not is_lead(models[0]):
        return models
    rest = [m for m in models[1:] if m is not table]
    return [models[0], table, *rest]


def search_query(brief: dict) -> str:
    """What an engineer would search for, from the data's properties."""
    columns = brief.get("columns", [])
    roles = {c.get("role") for c in columns}
    if brief.get("image_column"):
        kind = "image pixels cnn"
    elif brief.get("audio_column"):  # a fast booster second, for the hundreds of spectrogram columns
        kind = "audio sound spectrogram fast gradient boosting"
    elif (brief.get("form") or {}).get("kind") == "pixels":  # a network over whole pictures, then trees
        kind = "image to image denoising pixels fully convolutional tabular gradient boosting large data"
    elif "text" in roles:
        kind = "text nlp tf-idf n-grams"
    elif brief_properties(brief)["same_scale_features"]:  # pixels or a signal in columns: an SVM, then trees
        kind = "same scale features pixels svm tabular fast gradient boosting"
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

