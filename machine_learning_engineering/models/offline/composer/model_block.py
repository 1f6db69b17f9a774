"""The model block: one or more members (a PARAMS dict and a fit function each) behind one `fit_predict`.

A member comes from a model card's template, which must define

    PARAMS_${NAME} = ${PARAMS}
    def fit_predict_${name}(X_tr, y_tr, X_va, y_va, X_te, params): ...  # -> (pred_va, pred_te)

(`${name}` is the member name, `${NAME}` the same upper-cased, `${PARAMS}` the parameter dict.) The fit
function returns class-probability matrices for classification (columns = the labels 0..k-1 present in
y_tr) and values for regression. A member whose params hold `"all_labels": True` can also fit every label
column of a multilabel task at once: given an (n, labels) 0/1 matrix y_tr it returns (n, labels)
probabilities of 1. A regression member whose params hold `"target_transform": "log1p"` learns log1p(y)
(when y >= 0) and is scored on y's scale, whatever the script's TARGET_TRANSFORM. Top-level imports of
member templates are hoisted to the block's top.

The block ends with a generic section this module renders: MEMBERS (name, family, fit function, params),
TARGET_TRANSFORM, SEED_BAGS, FITS_ALL_LABELS and `fit_predict`, which handles classes missing from a fold,
the log1p target transform, seed bagging, all label columns at once (fitting per column the members that
cannot take them together), and blends several members with weights fit honestly (cross-fitted on the two
halves of the validation fold).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from string import Template
from typing import Any, Mapping

from ....tools.python_ast import parse as parse_python
from ....tools.script_output import REUSED_FIT
from .brief import python_literal

SETTINGS = ("TARGET_TRANSFORM", "SEED_BAGS")
GENERIC_NAMES = frozenset({"MEMBERS", "MODEL_NAMES", "fit_predict", "TARGET_TRANSFORM", "SEED_BAGS",
                           "FITS_ALL_LABELS", "_with_seed", "_fit_member", "_blend_loss", "_blend_weights",
                           "_blend", "_to_full_classes", "_member_key", "_data_key", "_cached_member",
                           "REUSED_FIT"})
SYMBOLS = {"@SEED": "SEED", "@N_JOBS": "N_JOBS"}

GENERIC = Template('''\
TARGET_TRANSFORM = ${TARGET_TRANSFORM}  # "log1p": regression members learn log1p(y) (applied only when y >= 0)
SEED_BAGS = ${SEED_BAGS}  # each member is refit with this many seeds and its predictions averaged

# (name, family, fit function, params); the fit function returns (pred_va, pred_te).
MEMBERS = [
${MEMBER_LINES}]
MODEL_NAMES = [member[0] for member in MEMBERS]
# The validation block hands a multilabel task's label columns to fit_predict all at once when a member fits
# them jointly (one network, one sigmoid per label): 19 species are one fit, not 19.
FITS_ALL_LABELS = MULTI_OUTPUT and IS_CLASSIFICATION and any(
    isinstance(member[3], dict) and member[3].get("all_labels") for member in MEMBERS)


REUSED_FIT = "${REUSED_FIT}"


def _with_seed(params, offset):
    params = dict(params)
    for key in ("random_state", "random_seed", "seed"):
        if isinstance(params.get(key), int):
            params[key] += offset
    return params


def _to_full_classes(pred, present):
    """A member's probabilities over the labels present in its fold -> an (n, N_CLASSES) matrix."""
    pred = np.asarray(pred, dtype=float)
    if pred.ndim == 1:
        pred = np.column_stack([1 - pred, pred])
    full = np.zeros((len(pred), N_CLASSES))
    full[:, present] = pred
    return full


def _fit_member(fit, params, X_tr, y_tr, X_va, y_va, X_te):
    """A member's (pred_va, pred_te). Given all label columns at once, a member that cannot fit them jointly
    is fit per column, each in an equal share of its time: (n, labels) probabilities of 1. A regression
    member whose params say "target_transform": "log1p" learns log1p(y) (when y >= 0 and the script's
    TARGET_TRANSFORM has not taken the log already) and predicts on y's scale, capped at the largest y."""
    if "target_transform" in params:
        own_log = params["target_transform"] == "log1p" and TARGET_TRANSFORM != "log1p"
        params = {key: value for key, value in params.items() if key != "target_transform"}
        if own_log and not IS_CLASSIFICATION and np.min(y_tr) >= 0:
            top = np.log1p(np.max(y_tr, axis=0))
            preds = _fit_member(fit, params, X_tr, np.log1p(y_tr), X_va, np.log1p(y_va), X_te)
            return tuple(np.expm1(np.clip(np.asarray(pred, dtype=float), 0.0, top)) for pred in preds)
    if np.ndim(y_tr) < 2 or params.get("all_labels"):
        return fit(X_tr, y_tr, X_va, y_va, X_te, params)
    return fit_each_column(lambda *data: fit(*data, params), X_tr, y_tr, X_va, y_va, X_te)


def _data_key(value):
    """A fingerprint of a member's input (a frame, an array or a list), or None for one it cannot take."""
    import hashlib

    if isinstance(value, (pd.DataFrame, pd.Series)):
        try:
            hashed = pd.util.hash_pandas_object(value, index=True).to_numpy()
        except TypeError:  # unhashable cells (lists, arrays)
            return None
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        return (tuple(map(str, frame.columns)), tuple(map(str, frame.dtypes)),
                hashlib.sha256(hashed.tobytes()).hexdigest())
    array = np.asarray(value) if isinstance(value, (list, tuple, np.ndarray)) else None
    if array is None:
        return None
    if array.dtype == object:
        return (array.shape, content_key(array))
    return (array.shape, str(array.dtype), hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest())


def _member_key(fit, params, *data):
    """What a member's output depends on: the source of its fit function and of the script's functions and
    classes it reaches by name, the small constants it reads, its params and its data (test rows included,
    so the leak probe's shuffled copy never matches). None when it reads another module-level value (a
    table another block fills) or data without a fingerprint: such a member is always fit."""
    import inspect
    import types

    parts, seen, todo = [repr(params)], set(), [fit]
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        try:
            parts.append(inspect.getsource(obj))
        except (OSError, TypeError):
            return None
        if isinstance(obj, types.FunctionType):
            functions = [obj]
        else:
            functions = [v for v in vars(obj).values() if isinstance(v, types.FunctionType)]
        codes = [f.__code__ for f in functions]
        names = functions[0].__globals__ if functions else {}
        while codes:
            code = codes.pop()
            codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
            for name in code.co_names:
                # Absent: an attribute or a builtin. The time limits shape how long a fit runs, not what it
                # learns: a member fit under another script's limit is reused.
                if name not in names or name in ("START_TIME", "TIME_LIMIT_S", "FIT_DEADLINE"):
                    continue
                value = names[name]
                if isinstance(value, (types.FunctionType, type)) and value.__module__ == "__main__":
                    todo.append(value)  # the script's own function or class
                elif value is None or isinstance(value, (bool, int, float, str)) or (
                        isinstance(value, (tuple, list, dict)) and len(repr(value)) < 10000):
                    parts.append(f"{name} = {value!r}")
                elif not (callable(value) or isinstance(value, types.ModuleType)):  # library code is left out
                    return None
    keys = [_data_key(value) for value in data]
    return None if None in keys else ("member output", tuple(parts), tuple(keys))


def _cached_member(fit, params, X_tr, y_tr, X_va, y_va, X_te):
    """`_fit_member`'s output, kept in the run's cache (`cached_array`): a merge reuses its candidates'
    members, and an ablation or a refinement the members whose code and data it did not change. A reused
    fit prints a REUSED_FIT line with the seconds it took (the leak probe, which fits everything again,
    budgets for them)."""
    # Predictions over 64 MB a fold (a million test rows of many classes) would fill the run's disk instead.
    cells = (len(y_va) + len(X_te)) * N_CLASSES * (len(TARGETS) if MULTI_OUTPUT else 1)
    key = _member_key(fit, params, X_tr, y_tr, X_va, y_va, X_te) if FEATURE_CACHE and cells <= 8 << 20 else None
    if key is None:
        return _fit_member(fit, params, X_tr, y_tr, X_va, y_va, X_te)
    fitted, start = [], time.time()

    def compute():
        fitted.append(_fit_member(fit, params, X_tr, y_tr, X_va, y_va, X_te))
        return np.concatenate([np.asarray(fitted[0][0], dtype=float), np.asarray(fitted[0][1], dtype=float)])

    try:
        stacked = cached_array(key, compute)
    except ValueError:  # validation and test predictions of different shapes: not kept
        return fitted[0]
    seconds = cached_array(key + ("seconds",), lambda: np.array([time.time() - start]))
    if fitted:
        return fitted[0]
    print(f"  {REUSED_FIT} {seconds[0]:.1f} s (an earlier script of this run fit the same code, params and data)")
    return stacked[:len(y_va)], stacked[len(y_va):]


def _blend_loss(pred, y):
    if IS_CLASSIFICATION and np.ndim(y) == 2:  # label columns: the binary log loss of every cell
        pred = np.clip(pred, 1e-15, 1 - 1e-15)
        return -np.mean(y * np.log(pred) + (1 - y) * np.log(1 - pred))
    if IS_CLASSIFICATION:
        return -np.mean(np.log(np.clip(pred[np.arange(len(y)), y], 1e-15, 1)))
    if METRIC == "mae":
        return np.mean(np.abs(pred - y))
    return np.mean((pred - y) ** 2)


def _blend_weights(preds, y):
    """Non-negative weights summing to 1 that minimise the blend loss of `preds` against `y`."""
    from scipy.optimize import minimize

    k = len(preds)
    result = minimize(lambda w: _blend_loss(sum(wi * p for wi, p in zip(w, preds)), y), np.full(k, 1.0 / k),
                      method="SLSQP", bounds=[(0.0, 1.0)] * k,
                      constraints=[{"type": "eq", "fun": lambda w: np.sum(w) - 1.0}])
    weights = np.clip(result.x, 0.0, None) if result.success else np.full(k, 1.0 / k)
    return weights / weights.sum()


def _blend(outputs, y):
    """Blends members; each half of the validation fold is scored with weights fit on the other half."""
    preds_va, preds_te = [o[0] for o in outputs], [o[1] for o in outputs]
    halves = np.random.RandomState(SEED).permutation(len(y)) % 2
    pred_va = np.zeros_like(preds_va[0])
    for half in (0, 1):
        fit_rows, apply_rows = halves != half, halves == half
        weights = _blend_weights([p[fit_rows] for p in preds_va], y[fit_rows])
        pred_va[apply_rows] = sum(w * p[apply_rows] for w, p in zip(weights, preds_va))
    weights = _blend_weights(preds_va, y)
    print("  blend weights: " + ", ".join(f"{m[0]}={w:.2f}" for m, w in zip(MEMBERS, weights)))
    return pred_va, sum(w * p for w, p in zip(weights, preds_te))


def fit_predict(X_tr, y_tr, X_va, y_va, X_te):
    """Fits every member on one fold; returns (pred_va, pred_te) in the script's prediction format, or with
    all label columns in y_tr (FITS_ALL_LABELS) (n, labels) probabilities of 1."""
    fit_y_tr, fit_y_va, present = y_tr, y_va, None
    all_labels = np.ndim(y_tr) == 2
    if IS_CLASSIFICATION and not all_labels:
        present = np.unique(y_tr)  # a rare class can be missing from a fold: members see labels 0..k-1
        compact = {label: i for i, label in enumerate(present)}
        most_common = compact[np.bincount(y_tr).argmax()]
        fit_y_tr = np.array([compact[label] for label in y_tr])
        fit_y_va = np.array([compact.get(label, most_common) for label in y_va])
    log_target = not IS_CLASSIFICATION and TARGET_TRANSFORM == "log1p" and y_tr.min() >= 0
    if log_target:
        fit_y_tr, fit_y_va = np.log1p(y_tr), np.log1p(y_va)

    def finish(pred):
        if IS_CLASSIFICATION:
            return pred[:, 1] if N_CLASSES == 2 and not all_labels else pred
        return np.expm1(pred) if log_target else pred

    outputs = []
    fold_end = FIT_DEADLINE  # each member and seed bag gets an equal share of the fold's fit time
    for k, (name, family, fit, params) in enumerate(MEMBERS):
        start = time.time()
        runs = []
        for bag in range(SEED_BAGS):
            share_fit_time((len(MEMBERS) - k) * SEED_BAGS - bag, until=fold_end)
            runs.append(_cached_member(fit, _with_seed(params, bag), X_tr, fit_y_tr, X_va, fit_y_va, X_te))
        if IS_CLASSIFICATION and not all_labels:
            runs = [(_to_full_classes(va, present), _to_full_classes(te, present)) for va, te in runs]
        pred_va = np.mean([np.asarray(r[0], dtype=float) for r in runs], axis=0)
        pred_te = np.mean([np.asarray(r[1], dtype=float) for r in runs], axis=0)
        outputs.append((pred_va, pred_te))
        print(f"  {name}: {METRIC}={score_predictions(y_va, finish(pred_va)):.5f} ({time.time() - start:.1f}s)")
    if len(outputs) == 1:
        pred_va, pred_te = outputs[0]
    else:
        pred_va, pred_te = _blend(outputs, y_va if IS_CLASSIFICATION else fit_y_va)
    return finish(pred_va), finish(pred_te)
''')


@dataclass
class Member:
    """One model of a model block, as linked by its MEMBERS entry."""

    name: str
    family: str
    fit_name: str
    params_name: str | None


@dataclass
class ModelBlock:
    """A parsed model block.

    Attributes:
        imports: top-level import statements (source).
        definitions: other top-level statements outside the generic section, as (defined names, source).
        members: the MEMBERS entries.
        settings: values (source) of TARGET_TRANSFORM and SEED_BAGS.
    """

    imports: list[str] = field(default_factory=list)
    definitions: list[tuple[list[str], str]] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=lambda: {"TARGET_TRANSFORM": "None", "SEED_BAGS": "1"})

    def defined_names(self) -> set[str]:
        return {name for names, _ in self.definitions for name in names}

    def render(self) -> str:
        """The block body (without its marker line)."""
        parts = []
        if self.imports:
            parts.append("\n".join(_sorted_imports(self.imports)))
        for _, source in self.definitions:
            parts.append(source)
        lines = "".join(f"    ({m.name!r}, {m.family!r}, {m.fit_name}, {m.params_name or '{}'}),\n" for m in self.members)
        parts.append(GENERIC.substitute(MEMBER_LINES=lines, REUSED_FIT=REUSED_FIT,
                                        **{k: self.settings[k] for k in SETTINGS}))
        return "\n\n\n".join(p.strip("\n") for p in parts) + "\n"


def _sorted_imports(imports: list[str]) -> list[str]:
    unique = list(dict.fromkeys(imports))
    return sorted(unique, key=lambda s: (s.startswith("from "), s))


def render_params(params: Mapping[str, Any]) -> str:
    """A parameter dict as Python source, one key per line; "@SEED"/"@N_JOBS" become script constants."""
    return render_param_sources({k: value_source(v) for k, v in params.items()})


def render_param_sources(sources: Mapping[str, str]) -> str:
    if not sources:
        return "{}"
    return "{\n" + "".join(f"    {k!r}: {v},\n" for k, v in sources.items()) + "}"


def value_source(value: Any) -> str:
    """A parameter value as Python source."""
    if isinstance(value, str) and value in SYMBOLS:
        return SYMBOLS[value]
    if isinstance(value, (dict, list, tuple)):
        return python_literal(value)
    return repr(value)


def member_name_ok(name: str) -> bool:
    return re.fullmatch(r"[a-z][a-z0-9_]*", name) is not None


def render_member(template: str, name: str, params: Mapping[str, Any]) -> tuple[list[str], list[tuple[list[str], str]]]:
    """A card's member template filled in: (hoisted imports, definitions)."""
    if not member_name_ok(name):
        raise ValueError(f"member name {name!r} must be lower-case letters, digits and underscores")
    source = Template(template).substitute(name=name, NAME=name.upper(), PARAMS=render_params(params))
    return split_top_level(source)


def split_top_level(source: str) -> tuple[list[str], list[tuple[list[str], str]]]:
    """Top-level imports and other statements (with the names each defines) of a source fragment."""
    lines = source.splitlines()
    imports, definitions = [], []
    for node in parse_python(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.extend(_import_lines(node))
        else:
            definitions.append((_defined_names(node), _node_text(lines, node)))
    return imports, definitions


def _node_text(lines: list[str], node: ast.stmt) -> str:
    decorators = getattr(node, "decorator_list", None)
    start = decorators[0].lineno if decorators else node.lineno
    return "\n".join(lines[start - 1: node.end_lineno])


def _import_lines(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [ast.unparse(ast.Import(names=[alias])) for alias in node.names]
    return [ast.unparse(node)]


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    names = []
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    for target in targets:
        if target is None:
            continue
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.append(sub.id)
    return names


def parse_model_block(body: str) -> ModelBlock:
    """Parses a model block body (marker line allowed).

    A block without MEMBERS (e.g. hand-written with a plain `fit_predict`) becomes one member whose
    family is guessed from its code; its `fit_predict` is renamed and wrapped.

    Raises:
        ValueError: the block is not valid Python, or MEMBERS is malformed, or it has no fit_predict.
    """
    try:
        tree = parse_python(body)
    except SyntaxError as exc:
        raise ValueError(f"the model block is not valid Python: {exc}") from exc
    lines = body.splitlines()
    block = ModelBlock()
    members_node = None
    generic_sources: dict[str, str] = {}
    for node in tree.body:
        text = _node_text(lines, node)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            block.imports.extend(_import_lines(node))
            continue
        names = _defined_names(node)
        if "MEMBERS" in names:
            members_node = node
        elif len(names) == 1 and names[0] in SETTINGS and isinstance(node, ast.Assign):
            block.settings[names[0]] = ast.get_source_segment(body, node.value) or "None"
        elif names and set(names) <= GENERIC_NAMES:
            generic_sources.update({name: text for name in names})
        elif not names and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        else:
            block.definitions.append((names, text))
    if members_node is not None:
        block.members = _parse_members(members_node)
    elif "fit_predict" in generic_sources:
        _wrap_legacy(block, body, generic_sources["fit_predict"])
    else:
        raise ValueError("the model block defines neither MEMBERS nor fit_predict(X_tr, y_tr, X_va, y_va, X_te)")
    return block


def _parse_members(node: ast.stmt) -> list[Member]:
    value = getattr(node, "value", None)
    if not isinstance(value, (ast.List, ast.Tuple)):
        raise ValueError("MEMBERS must be a list of (name, family, fit function, params) tuples")
    members = []
    for item in value.elts:
        if not isinstance(item, ast.Tuple) or len(item.elts) != 4:
            raise ValueError(f"MEMBERS entry {ast.unparse(item)!r} must be (name, family, fit function, params)")
        name, family, fit, params = item.elts
        if not (isinstance(name, ast.Constant) and isinstance(family, ast.Constant) and isinstance(fit, ast.Name)):
            raise ValueError(f"MEMBERS entry {ast.unparse(item)!r} must be ('name', 'family', function, PARAMS_NAME)")
        params_name = params.id if isinstance(params, ast.Name) else None
        members.append(Member(str(name.value), str(family.value), fit.id, params_name))
    return members


FAMILY_HINTS = (
    ("image_features", r"\bimage_descriptors\b"),
    ("lightgbm", r"\blightgbm\b|\blgb\."),
    ("xgboost", r"\bxgboost\b|\bxgb\."),
    ("catboost", r"\bcatboost\b|CatBoost"),
    ("hist_gradient_boosting", r"HistGradientBoosting"),
    ("random_forest", r"RandomForest"),
    ("extra_trees", r"ExtraTrees"),
    ("knn", r"KNeighbors"),
    ("cnn", r"\btorch\b"),
    ("pixel_svm", r"\bSVC\b|\bSVR\b"),
    ("linear", r"LogisticRegression|\bRidge"),
)


def guess_families(source: str) -> list[str]:
    """Model families a piece of code uses, from library and class names."""
    return [family for family, pattern in FAMILY_HINTS if re.search(pattern, source)]


def _wrap_legacy(block: ModelBlock, body: str, fit_source: str) -> None:
    """Turns a hand-written block with a plain fit_predict into a one-member block."""
    families = guess_families(body)
    name = families[0] if families else "custom"
    legacy_fit = f"fit_predict_{name}_base"
    block.definitions.append(([legacy_fit], re.sub(r"^def fit_predict\(", f"def {legacy_fit}(", fit_source)))
    adapter = (f"def fit_predict_{name}(X_tr, y_tr, X_va, y_va, X_te, params):\n"
               f"    return {legacy_fit}(X_tr, y_tr, X_va, y_va, X_te)")
    block.definitions.append(([f"fit_predict_{name}"], adapter))
    params_name = "PARAMS" if "PARAMS" in block.defined_names() else None
    block.members = [Member(name, name, f"fit_predict_{name}", params_name)]
