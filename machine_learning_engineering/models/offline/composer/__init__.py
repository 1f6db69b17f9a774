"""Deterministic composer of solution scripts for the offline engine (text in, text out).

Every generated solution follows one contract. It runs with cwd = a workspace whose `./input/` holds the
task data, and is organised in blocks opened by marker lines `# [block: NAME]`, in this order:

    setup          imports, TASK, data loading (images as pixel columns), label encoding, FOLDS, metric
    preprocessing  preprocess(train_df, test_df) -> (X_train, X_test), fit on train rows only
    features       add_features(train_df, test_df) -> (train_df, test_df), applied before preprocessing
    model          PARAMS_* dicts, member fit functions, MEMBERS, fit_predict(X_tr, y_tr, X_va, y_va, X_te)
    validation     k-fold loop (features + preprocessing inside each fold) -> oof, test_pred (on a brief's
                   `refit_all_rows` table, test_pred also averages a fit on all rows, time allowing)
    postprocess    postprocess(oof, test_pred)
    submission     ./submission/submission.csv, ./artifacts/{oof.npy,test_pred.npy,meta.json} (MAE on a
                   whole-number target: rounded when that scores better; for MAE the predictions before
                   rounding are kept beside as *_unrounded.npy), and last the line
                   `Final Validation Performance: <k-fold OOF score>`

Predictions are P(class 1) vectors for binary tasks, (n, n_classes) matrices for multiclass (class order
of TASK["classes"]) and values for regression. Setting MLE_STAR_FOLDS overrides the number of folds;
MLE_STAR_JOBS the threads per model; MLE_STAR_REFIT_ALL_ROWS=0 leaves out the refit on all rows.
"""

from ....tools.code_blocks import BLOCK_ORDER, get_block, replace_block, split_blocks
from ....tools.script_output import parse_ablation
from .ablation import NOISE_FACTOR, ablation_script
from .brief import normalise_brief
from .candidate import candidate_script, families_in
from .ensemble import ensemble_script
from .merge import merge_scripts
from .recipes import applicable_recipes, apply_recipe

__all__ = [
    "BLOCK_ORDER",
    "NOISE_FACTOR",
    "ablation_script",
    "applicable_recipes",
    "apply_recipe",
    "candidate_script",
    "ensemble_script",
    "families_in",
    "get_block",
    "merge_scripts",
    "normalise_brief",
    "parse_ablation",
    "replace_block",
    "split_blocks",
]
