"""The knowledge catalog: bundled content, search, filters, user overrides and clear load errors."""

from __future__ import annotations

import textwrap

import pytest

from machine_learning_engineering.knowledge import BLOCKS, CatalogError, load_catalog

CARD = """\
name: {name}
title: {title}
modality: tabular
family: {family}
requires: [{requires}]
tags: [quantum annealing, gradient boosting]
summary: A test card.
params: {{alpha: 1}}
code: |
  PARAMS_${{NAME}} = ${{PARAMS}}


  def fit_predict_${{name}}(X_tr, y_tr, X_va, y_va, X_te, params):
      return None
"""


def _card(folder, name, title="Test", family="custom", requires="numpy"):
    (folder / "model_cards").mkdir(parents=True, exist_ok=True)
    path = folder / "model_cards" / f"{name}.yaml"
    path.write_text(CARD.format(name=name, title=title, family=family, requires=requires))
    return path


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_bundled_content(catalog):
    assert {"lightgbm", "xgboost", "catboost", "random_forest", "extra_trees", "linear", "knn",
            "hist_gradient_boosting", "pixel_svm", "cnn", "image_features", "tfidf_linear",
            "sentence_embeddings"} <= set(catalog.cards)
    assert len(catalog.recipes) >= 15
    assert {r.block for r in catalog.recipes.values()} >= set(BLOCKS) - {"setup", "submission"}
    assert {"greedy_weights", "optimized_weights", "stacking", "rank_average", "mean"} <= set(catalog.ensembles)
    assert {r.kind for r in catalog.recipes.values()} == {"params", "settings", "step"}


def test_search_ranks_boosting_with_categoricals_first(catalog):
    found = [c.name for c in catalog.search_models("gradient boosting categorical", modality="tabular")]
    assert set(found[:2]) == {"catboost", "lightgbm"}
    assert [c.name for c in catalog.search_models("neighbours distance", modality="tabular", k=1)] == ["knn"]
    images = catalog.search_models("images", modality="image", task_kind="multiclass")
    assert {c.name for c in images} == {"pixel_svm", "cnn", "image_features"}
    assert catalog.search_models("reviews text", modality="text", k=1)[0].name == "tfidf_linear"
    # Found by what it is good at even where its packages are not installed here.
    meaning = catalog.search_models("semantic similarity", modality="text", k=1, available_only=False)
    assert meaning[0].name == "sentence_embeddings"
    assert all("tabular" in c.modalities for c in catalog.search_models("", modality="tabular", k=10))
    assert len(catalog.search_models("", k=3)) == 3
    both = catalog.search_models("text tf-idf", modality=("text", "tabular"), k=10)
    assert both[0].name == "tfidf_linear" and {"text", "tabular"} <= {m for c in both for m in c.modalities}
    assert all({"text", "tabular"} & set(c.modalities) for c in both)


def test_user_folder_overrides_and_extends(tmp_path):
    _card(tmp_path, "lightgbm", title="My LightGBM", family="lightgbm")
    _card(tmp_path, "quantum", title="Quantum annealer")
    catalog = load_catalog([tmp_path])
    assert catalog.card("lightgbm").title == "My LightGBM"
    assert catalog.search_models("quantum annealing", k=1)[0].name == "quantum"
    only_cards = load_catalog([tmp_path / "model_cards"])
    assert "quantum" in only_cards.cards


def _table_brief(n_train: int, same_scale_columns: int) -> dict:
    return {"task_kind": "multiclass", "metric": "accuracy", "n_train": n_train,
            "same_scale_columns": same_scale_columns, "columns": [{"name": "x", "role": "numeric"}]}


def test_a_card_is_offered_only_where_its_conditions_hold(tmp_path):
    card = _card(tmp_path, "quantum", title="Quantum annealer")
    card.write_text(card.read_text().replace("modality: tabular", "modality: [image, tabular]\n"
                                             "applies_to: {max_rows: 100, same_scale_features: true}"))
    catalog = load_catalog([tmp_path])
    assert catalog.card("quantum").modalities == ("image", "tabular")
    offered = catalog.search_for_task("quantum annealing", _table_brief(100, 60), k=1)
    assert [c.name for c in offered] == ["quantum"]
    assert "quantum" not in [c.name for c in catalog.search_for_task("quantum annealing", _table_brief(101, 60), k=20)]
    assert "quantum" not in [c.name for c in catalog.search_for_task("quantum annealing", _table_brief(100, 49), k=20)]
    # An image task's pixels are on one scale.
    images = {**_table_brief(100, 0), "image_column": "path", "columns": [{"name": "path", "role": "image"}]}
    assert catalog.search_for_task("quantum annealing", images, k=1)[0].name == "quantum"


def test_the_pixel_svm_reads_tables_of_one_scale_within_its_row_limit():
    catalog = load_catalog()
    def offered(n_train: int, same_scale_columns: int) -> bool:
        found = catalog.search_for_task("svm pixels", _table_brief(n_train, same_scale_columns), k=20)
        return "pixel_svm" in [c.name for c in found]

    assert offered(4000, 600) and offered(10_000, 50)
    assert not offered(4000, 0) and not offered(10_001, 600)


def test_boosters_see_a_fifth_of_the_columns_of_a_large_table_of_one_scale():
    catalog = load_catalog()
    fraction = {"lightgbm": "colsample_bytree", "xgboost": "colsample_bytree", "catboost": "rsm",
                "hist_gradient_boosting": "max_features"}

    def fractions(brief: dict) -> dict:
        return {card: catalog.card(card).params_for(brief).get(key) for card, key in fraction.items()}

    subsampling = catalog.recipes["feature_and_row_subsampling"]  # it sets the fractions to a half
    assert set(fractions(_table_brief(4000, 600)).values()) == {0.2}
    assert not subsampling.holds_for(_table_brief(4000, 600))
    # Small tables, tables of mixed scales and image tasks keep each card's own default.
    images = {**_table_brief(4000, 0), "image_column": "path", "columns": [{"name": "path", "role": "image"}]}
    for brief in (_table_brief(2000, 600), _table_brief(4000, 0), images):
        assert 0.2 not in fractions(brief).values()
        assert subsampling.holds_for(brief)


def test_card_with_missing_module_is_skipped(tmp_path):
    _card(tmp_path, "ghost", title="Ghost model", requires="surely_not_an_installed_module_xyz")
    catalog = load_catalog([tmp_path])
    assert "ghost" not in [c.name for c in catalog.search_models("ghost", k=20)]
    assert catalog.search_models("ghost", k=1, available_only=False)[0].name == "ghost"


def test_bad_files_are_reported_with_file_and_field(tmp_path):
    bad = _card(tmp_path, "broken")
    bad.write_text(bad.read_text().replace("modality: tabular", "modality: smell"))
    with pytest.raises(CatalogError, match=r"broken\.yaml.*'modality'"):
        load_catalog([tmp_path])
    bad.write_text(bad.read_text().replace("modality: smell", "modality: tabular\napplies_to: {has_gpu: true}"))
    with pytest.raises(CatalogError, match=r"broken\.yaml.*applies_to\.has_gpu is not a known condition"):
        load_catalog([tmp_path])
    bad.write_text("name: [unclosed\n")
    with pytest.raises(CatalogError, match=r"broken\.yaml: not valid YAML"):
        load_catalog([tmp_path])
    bad.unlink()
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "r.yaml").write_text(textwrap.dedent("""\
        name: r1
        block: model
        plan: p
        applies_to: {has_gpu: true}
        settings: {SEED_BAGS: 2}
        """))
    with pytest.raises(CatalogError, match=r"r\.yaml \(recipe 'r1'\).*applies_to\.has_gpu"):
        load_catalog([tmp_path])
    (tmp_path / "recipes" / "r.yaml").write_text("name: r1\nblock: model\nplan: p\n")
    with pytest.raises(CatalogError, match="exactly one of"):
        load_catalog([tmp_path])


def test_recipe_and_ensemble_filters(catalog):
    brief = {"task_kind": "binary", "metric": "roc_auc", "prediction_format": "probability", "n_train": 500,
             "columns": [{"name": "a", "role": "numeric", "missing_frac": 0.0},
                         {"name": "b", "role": "numeric", "missing_frac": 0.1}]}
    features = {r.name for r in catalog.recipes_for("features", brief=brief)}
    assert "numeric_interactions" in features and "text_statistics" not in features and "target_encoding" not in features
    assert "missing_indicators" in {r.name for r in catalog.recipes_for("preprocessing", brief=brief)}
    lgbm = {r.name for r in catalog.recipes_for("model", family="lightgbm", brief=brief)}
    assert "regularise_trees" in lgbm and "knn_more_neighbours" not in lgbm and "balanced_class_weights" not in lgbm
    assert "rank_average" in {e.name for e in catalog.ensembles_for("binary", "roc_auc")}
    assert "rank_average" not in {e.name for e in catalog.ensembles_for("regression")}
    assert catalog.ensembles_for("regression")[0].name == "greedy_weights"
    with pytest.raises(ValueError, match="unknown block"):
        catalog.recipes_for("training")


def test_card_parameters_follow_the_brief(catalog):
    card = catalog.card("lightgbm")
    small = card.params_for({"task_kind": "regression", "metric": "mae", "n_train": 500, "columns": []})
    assert small["num_leaves"] == 15 and small["objective"] == "l1"
    large = card.params_for({"task_kind": "binary", "metric": "roc_auc", "n_train": 200000, "columns": []})
    assert large["num_leaves"] == 63 and "objective" not in large
