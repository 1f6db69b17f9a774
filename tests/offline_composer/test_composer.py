"""Text-level behaviour of the composer: blocks, recipes, merges, ablation and ensemble scripts."""

from __future__ import annotations

import ast

import pytest

from machine_learning_engineering.knowledge import Recipe
from machine_learning_engineering.models.offline.composer import (
    BLOCK_ORDER,
    ablation_script,
    applicable_recipes,
    apply_recipe,
    candidate_script,
    ensemble_script,
    families_in,
    get_block,
    merge_scripts,
    normalise_brief,
    parse_ablation,
    replace_block,
    split_blocks,
)

from . import workspaces


@pytest.fixture(scope="module")
def brief(tmp_path_factory):
    return workspaces.mixed_task(tmp_path_factory.mktemp("mixed"), n=200)


@pytest.fixture(scope="module")
def regression_brief(tmp_path_factory):
    return workspaces.diabetes_task(tmp_path_factory.mktemp("diabetes"))


def test_every_card_gives_a_compilable_script_with_blocks_in_order(catalog, brief, regression_brief):
    for card in catalog.cards.values():
        for b in (brief, regression_brief):
            if b["task_kind"] not in card.task_kinds:  # a card for some kinds only (denoising: regression)
                continue
            code = candidate_script(b, card)
            compile(code, card.name, "exec")
            assert [name for name, _ in split_blocks(code)] == list(BLOCK_ORDER)
            assert families_in(code) == [card.family]


def test_split_blocks_preserves_text_and_replace_block_swaps_one_block(catalog, brief):
    code = "#!/usr/bin/env python\n" + candidate_script(brief, catalog.card("lightgbm"))
    parts = split_blocks(code)
    assert "".join(text for _, text in parts) == code
    assert parts[0] == ("", "#!/usr/bin/env python\n")
    new = replace_block(code, "postprocess", "def postprocess(oof, test_pred):\n    return oof, test_pred\n")
    assert get_block(new, "postprocess").startswith("# [block: postprocess]\ndef postprocess(")
    for name in ("setup", "model", "submission"):
        assert get_block(new, name) == get_block(code, name)
    assert replace_block(new, "postprocess", get_block(code, "postprocess")) == code
    with pytest.raises(ValueError, match="no block 'training'"):
        replace_block(code, "training", "x = 1\n")
    with pytest.raises(ValueError, match="marker"):
        replace_block(code, "features", "# [block: model]\nx = 1\n")


def test_params_recipe_updates_every_model_of_its_family(catalog, brief):
    code = candidate_script(brief, catalog.card("lightgbm"))
    code = merge_scripts(code, candidate_script(brief, catalog.card("linear")), brief)
    code = merge_scripts(code, candidate_script(brief, catalog.card("lightgbm")), brief)
    new = apply_recipe(code, catalog.recipe("slower_learning_more_rounds"), brief)
    model = get_block(new, "model")
    assert model.count("'learning_rate': 0.02") == 2 and model.count("'n_estimators': 10000") == 2
    assert "'random_state': SEED" in model
    assert get_block(new, "model").count("PARAMS_LINEAR = {") == 1
    assert get_block(new, "features") == get_block(code, "features")
    knn_only = candidate_script(brief, catalog.card("knn"))
    with pytest.raises(ValueError, match="targets lightgbm"):
        apply_recipe(knn_only, catalog.recipe("lightgbm_extra_trees"), brief)


def test_settings_and_step_recipes(catalog, brief, regression_brief):
    code = candidate_script(regression_brief, catalog.card("lightgbm"))
    logged = apply_recipe(code, catalog.recipe("log_target"), regression_brief)
    assert "TARGET_TRANSFORM = 'log1p'  #" in logged
    assert "log_target" not in [r.name for r in applicable_recipes(logged, "model", regression_brief, catalog)]
    with pytest.raises(ValueError, match="does not apply"):
        apply_recipe(candidate_script(brief, catalog.card("lightgbm")), catalog.recipe("log_target"), brief)
    code = candidate_script(brief, catalog.card("catboost"))
    stepped = apply_recipe(code, catalog.recipe("text_statistics"), brief)
    stepped = apply_recipe(stepped, catalog.recipe("target_encoding"), brief)
    assert "FEATURE_STEPS = [text_statistics, target_encoding]" in stepped
    with pytest.raises(ValueError, match="already applied"):
        apply_recipe(stepped, catalog.recipe("text_statistics"), brief)
    ast.parse(stepped)


def test_code_recipe_replaces_its_block(catalog, brief):
    recipe = Recipe(name="no_scaling", block="postprocess", title="t", plan="p",
                    code="def postprocess(oof, test_pred):\n    return oof, test_pred\n\n\noof, test_pred = postprocess(oof, test_pred)\n")
    code = apply_recipe(candidate_script(brief, catalog.card("lightgbm")), recipe, brief)
    assert "POSTPROCESS_STEPS" not in get_block(code, "postprocess")


def test_applicable_recipes_follow_models_and_data(catalog, brief, regression_brief):
    code = candidate_script(brief, catalog.card("lightgbm"))
    names = {b: [r.name for r in applicable_recipes(code, b, brief, catalog)] for b in BLOCK_ORDER}
    assert {"text_statistics", "target_encoding"} <= set(names["features"])
    assert "missing_indicators" in names["preprocessing"]
    assert "knn_more_neighbours" not in names["model"] and "regularise_trees" in names["model"]
    assert names["postprocess"] == ["threshold_tuning"]
    reg = candidate_script(regression_brief, catalog.card("linear"))
    reg_names = [r.name for r in applicable_recipes(reg, "features", regression_brief, catalog)]
    assert "text_statistics" not in reg_names and "numeric_interactions" in reg_names
    assert [r.name for r in applicable_recipes(reg, "postprocess", regression_brief, catalog)] == ["clip_to_train_range"]


def test_merging_three_times_keeps_unique_members(catalog, brief):
    code = candidate_script(brief, catalog.card("lightgbm"))
    for card in ("lightgbm", "catboost", "lightgbm"):
        code = merge_scripts(code, candidate_script(brief, catalog.card(card)), brief)
    compile(code, "merged", "exec")
    model = get_block(code, "model")
    for name in ("lightgbm", "lightgbm_2", "catboost", "lightgbm_3"):
        assert f"('{name}'," in model
    assert model.count("def fit_predict(") == 1 and model.count("import lightgbm as lgb") == 1
    assert families_in(code) == ["lightgbm", "catboost"]
    assert get_block(code, "setup") == get_block(candidate_script(brief, catalog.card("lightgbm")), "setup")


def test_merge_accepts_a_hand_written_model_block(catalog, brief):
    base = candidate_script(brief, catalog.card("linear"))
    hand = replace_block(base, "model", '''from sklearn.ensemble import RandomForestClassifier
PARAMS = {"n_estimators": 50}


def fit_predict(X_tr, y_tr, X_va, y_va, X_te):
    model = RandomForestClassifier(**PARAMS).fit(X_tr.fillna(-1), y_tr)
    return model.predict_proba(X_va.fillna(-1))[:, 1], model.predict_proba(X_te.fillna(-1))[:, 1]
''')
    assert families_in(hand) == ["random_forest"]
    merged = merge_scripts(base, hand, brief)
    compile(merged, "merged", "exec")
    assert families_in(merged) == ["linear", "random_forest"]


def test_ablation_script_variants(catalog, brief):
    code = candidate_script(brief, catalog.card("xgboost"))
    fresh = ablation_script(code, brief, catalog)
    compile(fresh, "ablation", "exec")
    assert "UNCHANGED = ['features', 'model', 'postprocess']" in fresh
    tuned = apply_recipe(apply_recipe(code, catalog.recipe("regularise_trees"), brief), catalog.recipe("text_statistics"), brief)
    script = ablation_script(tuned, brief, catalog)
    assert "UNCHANGED = ['postprocess']" in script
    assert "VARIANTS['model']" in script and "VARIANTS['features']" in script


def test_parse_ablation():
    out = ("variant baseline: 0.9\nAblation baseline -> 0.9\nAblation result: model -> 0.85\n"
           "Ablation noise: model -> 0.004\nAblation result: features -> nan\nFinal Validation Performance: 0.9\n")
    parsed = parse_ablation(out)
    assert parsed["baseline"] == 0.9 and parsed["blocks"]["model"] == 0.85
    assert parsed["blocks"]["features"] != parsed["blocks"]["features"]
    assert parsed["noise"] == {"model": 0.004}
    assert parse_ablation("Final Validation Performance: 1\n") == {"baseline": None, "blocks": {}, "noise": {}}


def test_ensemble_script_checks_strategy(catalog, regression_brief):
    code = ensemble_script(regression_brief, ["a", "b"], catalog.ensemble("optimized_weights"))
    compile(code, "ensemble", "exec")
    assert [n for n, _ in split_blocks(code)] == ["setup", "ensemble", "submission"]
    with pytest.raises(ValueError, match="rank_average"):
        ensemble_script(regression_brief, ["a"], catalog.ensemble("rank_average"))
    with pytest.raises(ValueError, match="at least one member"):
        ensemble_script(regression_brief, [], catalog.ensemble("mean"))


def test_brief_validation_names_the_field(brief):
    with pytest.raises(ValueError, match="'task_kind'"):
        normalise_brief({**brief, "task_kind": "ranking"})
    with pytest.raises(ValueError, match="'metric'"):
        normalise_brief({**brief, "metric": "rmse"})
    with pytest.raises(ValueError, match="'prediction_format'"):
        normalise_brief({**brief, "task_kind": "multiclass", "prediction_format": "probability"})


def test_several_targets_need_one_train_column_per_submission_column(regression_brief):
    two = {**regression_brief, "target_columns": ["a", "b"], "train_target_column": "a",
           "train_target_columns": ["a", "b"]}
    assert normalise_brief(two)["train_target_columns"] == ["a", "b"]
    with pytest.raises(ValueError, match="'train_target_columns' has 2"):
        normalise_brief({**two, "target_columns": ["a", "b", "c"]})
    labels = {**two, "task_kind": "multilabel", "metric": "roc_auc", "prediction_format": "probability",
              "higher_is_better": True}
    assert normalise_brief(labels)["classes"] is None
    with pytest.raises(ValueError, match="class_probabilities"):
        normalise_brief({**labels, "prediction_format": "class_probabilities"})
