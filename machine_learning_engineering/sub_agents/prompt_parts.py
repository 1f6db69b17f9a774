"""Pieces every role's request shares: the task (description, brief, hints) and the script contract.

Each role's request lives in its agent's `prompt.py`, built on `protocol.RoleRequest`: the fields
are the prompt's sections, so the prompt an LLM reads and the request the offline engine reads
back are the same object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from ..protocol import CODE, JSON, PLAIN, TEXT, RoleRequest, Section

if TYPE_CHECKING:
    from ..run_context import RunContext

SCORE_LINE = "Final Validation Performance: <score>"

SCRIPT_CONTRACT = """\
- The task's data is in `./input/` (read-only). Write nothing there.
- Write the submission to `./submission/submission.csv` with exactly the sample submission's columns and ids.
- Write out-of-fold predictions for the training rows to `./artifacts/oof.npy` and test predictions to
  `./artifacts/test_pred.npy` (class probabilities for classification, in the order of the brief's classes;
  the probability of the positive class for binary tasks; values for regression; with several
  `train_target_columns`, one column per target in that order: each label's probability of 1 for
  multilabel, each target's values for regression), and `./artifacts/meta.json`.
- Validate with k-fold cross-validation (stratified for classification) using the brief's seed and folds;
  when the brief's `n_repeats` is above 1, repeat the split that many times (seed + repeat) and average the
  out-of-fold and test predictions; when its `refit_all_rows` is true and time allows, also fit once on all
  training rows but a small stop set (for early stopping) and average those test predictions with the folds'.
  Fit every preprocessing step on training folds only: never on the test set.
- Print the validation score as the last line, exactly: `Final Validation Performance: <score>`, where the score
  is the task's metric of `./artifacts/oof.npy` over all training rows (not a mean of per-fold scores), with at
  least 4 decimals: the host recomputes it from that file, and an attempt whose score differs does not count.
- Organise the script in blocks, each starting with a marker line `# [block: NAME]`, in this order:
  setup, preprocessing, features, model, validation, postprocess, submission.
- Use only installed packages (numpy, pandas, scikit-learn, lightgbm, xgboost, catboost, torch, timm);
  no network access, no downloads, no `exit()` calls; finish well within the time limit."""

MAX_DESCRIPTION_CHARS = 6000
MAX_OUTPUT_CHARS = 6000

Brief = Annotated[dict[str, Any], Section("Task brief", JSON)]
ScriptRules = Annotated[str, Section("Script rules", TEXT)]


class TaskRequest(RoleRequest):
    """A request that shows the task: its description, the brief, and the user's hints."""

    description: Annotated[str, Section("Task description", TEXT)] = ""
    brief: Brief = Field(default_factory=dict)
    hints: Annotated[str, Section("Hints from the user", TEXT)] = ""

    def model_post_init(self, __context: Any) -> None:
        self.description = self.description[:MAX_DESCRIPTION_CHARS]


def task_fields(run: "RunContext") -> dict[str, Any]:
    """The `TaskRequest` fields of a run: its brief, description and the user's hints."""
    return dict(brief=run.brief, description=run.task.description, hints=run.settings.hints)


__all__ = ["task_fields", "CODE", "JSON", "PLAIN", "TEXT", "SCRIPT_CONTRACT", "SCORE_LINE", "MAX_OUTPUT_CHARS", "Section",
           "TaskRequest", "ScriptRules", "Brief"]
