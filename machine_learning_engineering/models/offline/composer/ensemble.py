"""Ensemble scripts: combine the saved out-of-fold and test predictions of finished solutions."""

from __future__ import annotations

from string import Template
from typing import Any, Mapping, Sequence

from ....knowledge.catalog import EnsembleStrategy
from . import scaffold
from ....tools.code_blocks import join_blocks
from .brief import form_kind, normalise_brief, python_literal, task_dict

ENSEMBLE_HEAD = Template('''\
ENSEMBLE_MEMBERS = ${MEMBERS}
STRATEGY = ${STRATEGY}
MEMBERS_DIR = Path("members")


def member_predictions(name):
    """A member's (oof, test) predictions; classification as (n, N_CLASSES) probability matrices, several
    targets as (n, len(TARGETS)) matrices of probabilities or values. A member that kept its predictions from
    before rounding (round_whole_numbers) gives those: the blend is rounded instead."""
    folder = MEMBERS_DIR / name
    kind = "_unrounded" if (folder / "oof_unrounded.npy").exists() and (folder / "test_pred_unrounded.npy").exists() \
        else ""
    oof, test = np.load(folder / f"oof{kind}.npy"), np.load(folder / f"test_pred{kind}.npy")
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if IS_CLASSIFICATION and meta.get("classes") and [str(c) for c in meta["classes"]] != [str(c) for c in CLASSES]:
        raise ValueError(f"its classes {meta['classes']} differ from {CLASSES}")
    if MULTI_OUTPUT:
        if oof.shape[1:] != y_all.shape[1:] or test.shape[1:] != y_all.shape[1:]:
            raise ValueError(f"it has {oof.shape[1:]} target columns, expected {y_all.shape[1]}")
    elif IS_CLASSIFICATION:
        oof, test = proba_matrix(oof), proba_matrix(test)
        if oof.shape[1] != N_CLASSES or test.shape[1] != N_CLASSES:
            raise ValueError(f"it has {oof.shape[1]} probability columns, expected {N_CLASSES}")
    if len(oof) != len(y_all) or len(test) != len(test_raw):
        raise ValueError(f"it has {len(oof)} oof / {len(test)} test rows, expected {len(y_all)} / {len(test_raw)}")
    return oof, test


def finish(pred):
    """Combined predictions in the script format (binary: P(class 1) vector)."""
    pred = np.asarray(pred, dtype=float)
    return pred[:, 1] if IS_CLASSIFICATION and not MULTI_OUTPUT and N_CLASSES == 2 and pred.ndim == 2 else pred


def cross_fitted(fit, apply, oofs, tests):
    """Honest combination: each fold's rows are combined by a fit on the other folds' rows.

    fit(rows) fits the combiner on those out-of-fold rows; apply(state, preds) combines a list of
    prediction arrays. The test predictions use a fit on all rows.
    """
    oof = None
    for fit_rows, apply_rows in FOLDS:
        part = np.asarray(apply(fit(fit_rows), [o[apply_rows] for o in oofs]), dtype=float)
        if oof is None:
            oof = np.zeros((len(y_all),) + part.shape[1:])
        oof[apply_rows] = part
    state = fit(np.arange(len(y_all)))
    if isinstance(state, np.ndarray):
        print("weights on all rows: " + ", ".join(f"{n}={w:.3f}" for n, w in zip(MODEL_NAMES, state)))
    return oof, apply(state, tests)


oofs, tests, MODEL_NAMES = [], [], []
for member_name in ENSEMBLE_MEMBERS:
    try:
        member_oof, member_test = member_predictions(member_name)
    except (OSError, ValueError) as exc:
        print(f"skipping member {member_name}: {exc}")
        continue
    oofs.append(member_oof)
    tests.append(member_test)
    MODEL_NAMES.append(member_name)
    print(f"member {member_name}: {METRIC}={score_predictions(y_all, finish(member_oof)):.6f}")
if not oofs:
    raise SystemExit("no usable ensemble members under ./members")
''')

ENSEMBLE_TAIL = '''\
oof, test_pred = combine(oofs, tests)
oof, test_pred = finish(oof), finish(test_pred)
print(f"ensemble {STRATEGY} of {len(oofs)} solutions: {METRIC}={score_predictions(y_all, oof):.6f}")
'''


def ensemble_script(brief: Mapping[str, Any], members: Sequence[str], strategy: EnsembleStrategy) -> str:
    """A script that combines finished solutions with `strategy`.

    It reads `./members/<name>/oof.npy`, `test_pred.npy` and `meta.json` for each name in `members`
    (skipping, with a message, a member whose files are missing or do not match the task), labels from
    `./input/<train file>` and ids from the test file, prints each member's score and the ensemble's
    cross-fitted out-of-fold score as `Final Validation Performance`, and writes the submission and
    its own artifacts like a solution does.

    Raises:
        ValueError: the brief is invalid, no members are given, or the strategy does not suit the task.
    """
    brief = normalise_brief(brief)
    if not members:
        raise ValueError("an ensemble needs at least one member folder name")
    if not strategy.holds_for(brief):
        raise ValueError(f"ensemble strategy {strategy.name!r} does not suit this task "
                         f"(conditions {dict(strategy.applies_to)})")
    setup = (f"# {brief['task_name']}: ensemble ({strategy.name}) generated by the MLE-STAR offline composer.\n"
             + scaffold.setup_block(python_literal(task_dict(brief)), None, form=form_kind(brief)))
    body = "\n\n".join([
        ENSEMBLE_HEAD.substitute(MEMBERS=python_literal(list(members)), STRATEGY=repr(strategy.name)).rstrip("\n"),
        strategy.code.strip("\n"),
        ENSEMBLE_TAIL,
    ])
    return join_blocks([("setup", setup), ("ensemble", body), ("submission", scaffold.SUBMISSION)])
