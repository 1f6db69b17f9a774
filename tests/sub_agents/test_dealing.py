"""Dealing the retrieved models to the solutions: each model runs as a candidate once, unless a solution
would otherwise have none."""

from __future__ import annotations

from machine_learning_engineering.state import RetrievedModel
from machine_learning_engineering.sub_agents.retriever.retriever import deal


def _models(*names: str) -> list[RetrievedModel]:
    return [RetrievedModel(name=n, description=f"{n} model") for n in names]


def _names(hands) -> list[list[str]]:
    return [[m.name for m in hand] for hand in hands]


def test_enough_models_are_dealt_round_robin_without_repeats():
    hands = deal(_models("lightgbm", "catboost", "xgboost", "linear", "knn", "random_forest", "extra_trees"), 2, 3)
    assert _names(hands) == [["lightgbm", "xgboost", "knn"], ["catboost", "linear", "random_forest"]]


def test_few_models_are_not_run_twice():
    # An image task's three image cards: the second solution does not run the first's CNN again.
    hands = deal(_models("cnn", "pixel_svm", "image_features"), 2, 3)
    assert _names(hands) == [["cnn", "image_features"], ["pixel_svm"]]


def test_a_solution_without_a_model_shares_one_and_repeated_names_count_once():
    assert _names(deal(_models("cnn", "cnn"), 2, 3)) == [["cnn"], ["cnn"]]
    assert _names(deal(_models("a", "b", "a", "c"), 3, 2)) == [["a"], ["b"], ["c"]]
    assert _names(deal([], 2, 3)) == [[], []]
