"""The knowledge catalog: model cards, refinement recipes and ensemble strategies, loaded from YAML.

Everything the offline engine knows about ML engineering that is data rather than logic lives in the
folders next to this module (`model_cards/`, `recipes/`, `ensembles/`). `load_catalog` reads them and any
user folders laid out the same way; an item in a user folder replaces a bundled item of the same name.

A YAML file holds one item (a mapping) or several (a list of mappings, or a mapping with one key
`model_cards`, `recipes` or `ensembles` holding that list).

Conditions (`applies_to` of cards, recipes and strategies, `when` of a card's `param_rules`) are mappings
whose keys all have to hold for a task brief:

    task_kinds: [binary, multiclass, regression]   metrics: [rmse, ...]   prediction_formats: [label, ...]
    families: [lightgbm, ...]   (model families present in the solution; recipes only)
    has_categoricals / has_missing / has_datetime / has_text / has_image: true|false
    same_scale_features: true|false (pixels: an image task, or a wide table of numbers on one scale)
    large_same_scale_table: true|false (a table, not images, of same-scale features and at least
        LARGE_TABLE_MIN_ROWS training rows: where the boosters look at a fifth of the columns)
    many_level_categoricals: true|false (a categorical column of at least MANY_LEVELS_MIN distinct values,
        repeated: at most one per two training rows, like user, item or school ids)
    nonnegative_target / skewed_target: true|false (regression target statistics from the brief's
        `target` profile; a condition on an unknown statistic holds)
    min_rows / max_rows: n_train bounds      min_numeric: number of numeric feature columns

Template texts (`code` of cards, `step`/`code` of recipes, `code` of strategies) are Python source; the
composer (`models/offline/composer`) documents the placeholders and the names each template may use.
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Collection, Iterable, Mapping, Sequence

import yaml

BUNDLED_DIR = Path(__file__).resolve().parent

MODALITIES = ("tabular", "image", "text", "audio", "image_to_image")
# A table with at least this many numeric columns on one scale (see `profile.same_scale_columns`) reads
# like pixels: a signal's samples, a spectrum, an image flattened into columns.
SAME_SCALE_MIN_COLUMNS = 50
# From this many training rows such a table's boosters look at a fifth of its columns (their cards'
# `large_same_scale_table` rules); below it they take seconds and keep their defaults.
LARGE_TABLE_MIN_ROWS = 3000
# A categorical column with at least this many distinct values, each on two or more rows on average, is
# an id-like column (users, items, schools): trees split its category codes poorly, and a level's mean
# target says more (see `models/offline/roles/writing.py`).
MANY_LEVELS_MIN = 100
TASK_KINDS = ("binary", "multiclass", "regression")
# A multilabel task fits one binary model per label column, so binary cards, recipes and strategies serve it.
MODEL_KIND_OF = {"multilabel": "binary"}


def model_task_kind(task_kind: str | None) -> str | None:
    """The task kind of the models that solve a task of `task_kind` (multilabel -> binary)."""
    return MODEL_KIND_OF.get(task_kind, task_kind) if task_kind is not None else None
BLOCKS = ("setup", "preprocessing", "features", "model", "validation", "postprocess", "submission")
CONDITION_KEYS = (
    "task_kinds", "metrics", "prediction_formats", "families",
    "has_categoricals", "has_missing", "has_datetime", "has_text", "has_image", "same_scale_features",
    "large_same_scale_table", "many_level_categoricals", "nonnegative_target", "skewed_target",
    "min_rows", "max_rows", "min_numeric",
)
_LIST_CONDITIONS = ("task_kinds", "metrics", "prediction_formats", "families")
_BOOL_CONDITIONS = ("has_categoricals", "has_missing", "has_datetime", "has_text", "has_image",
                    "same_scale_features", "large_same_scale_table", "many_level_categoricals",
                    "nonnegative_target", "skewed_target")
_INT_CONDITIONS = ("min_rows", "max_rows", "min_numeric")

_STOPWORDS = frozenset(
    "a an and are as at be by for from in into is it of on or the this that to with model models data "
    "task predict prediction use using".split()
)


class CatalogError(ValueError):
    """A catalog file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class ParamRule:
    """Parameter overrides of a model card that apply when `when` holds for the brief."""

    when: Mapping[str, Any]
    params: Mapping[str, Any]


@dataclass(frozen=True)
class ModelCard:
    """One model the engine can build a candidate solution around.

    Attributes:
        name: unique id, also the default member name in generated code.
        title: human-readable name.
        modalities: the data it reads, one or more of: tabular, image, text, audio (sound clips) or
            image_to_image (a pixel-per-row task such as denoising). YAML's `modality` is one or a list.
        task_kinds: task kinds the model handles.
        family: model family; refinement recipes target families.
        requires: Python modules the generated code imports.
        tags: search keywords.
        summary: when the model shines (searched, and shown to planners).
        params: default parameters; the strings "@SEED" and "@N_JOBS" become those script constants.
        code: the member template of the model block: defines `PARAMS_${NAME} = ${PARAMS}` and
            `def fit_predict_${name}(X_tr, y_tr, X_va, y_va, X_te, params)` (see `composer.model_block`).
        param_rules: brief-dependent parameter overrides, applied in order.
        setup_options: options for the setup block (e.g. `image_max_side`).
        priority: prior strength in [0, 1], breaks ties and orders an empty search.
        applies_to: data conditions (as a recipe's) that must hold for a task before a search offers the card.
        source: the file the card was read from.
    """

    name: str
    title: str
    modalities: tuple[str, ...]
    task_kinds: tuple[str, ...]
    family: str
    requires: tuple[str, ...]
    tags: tuple[str, ...]
    summary: str
    params: Mapping[str, Any]
    code: str
    param_rules: tuple[ParamRule, ...] = ()
    setup_options: Mapping[str, Any] = field(default_factory=dict)
    priority: float = 0.5
    applies_to: Mapping[str, Any] = field(default_factory=dict)
    source: Path | None = None

    def params_for(self, brief: Mapping[str, Any] | None) -> dict[str, Any]:
        """The card's parameters with every rule that holds for `brief` applied."""
        params = dict(self.params)
        if brief is None:
            return params
        for rule in self.param_rules:
            if conditions_hold(rule.when, brief):
                params.update(rule.params)
        return params

    @property
    def available(self) -> bool:
        """Whether every module in `requires` can be imported here."""
        return all(module_available(module) for module in self.requires)


@dataclass(frozen=True)
class Recipe:
    """One refinement of one block, with the plan text an LLM would have written for it.

    Exactly one of `params`, `settings`, `step` and `code` is set:
        params: {family: {param: value}} merged into the PARAMS of every model of that family.
        settings: {CONSTANT: value} assigned to module-level constants of the block.
        step: source of one function `(a, b) -> (a, b)` appended to the block's step list.
        code: a full replacement of the block.
    """

    name: str
    block: str
    title: str
    plan: str
    applies_to: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Mapping[str, Any]] | None = None
    settings: Mapping[str, Any] | None = None
    step: str | None = None
    code: str | None = None
    source: Path | None = None

    @property
    def kind(self) -> str:
        """params, settings, step or code."""
        for kind in ("params", "settings", "step", "code"):
            if getattr(self, kind) is not None:
                return kind
        raise AssertionError(f"recipe {self.name!r} has no body")

    @property
    def families(self) -> tuple[str, ...]:
        """Families the recipe targets (the params keys, or `applies_to.families`)."""
        if self.params is not None:
            return tuple(self.params)
        return tuple(self.applies_to.get("families", ()))

    def holds_for(self, brief: Mapping[str, Any] | None) -> bool:
        """Whether the recipe's data conditions hold for `brief` (families are checked against the code)."""
        return brief is None or conditions_hold(self.applies_to, brief)


@dataclass(frozen=True)
class EnsembleStrategy:
    """A way to combine the out-of-fold and test predictions of several solutions.

    `code` defines `combine(oofs, tests)`; see `composer.ensemble` for the names it may use.
    """

    name: str
    title: str
    plan: str
    applies_to: Mapping[str, Any]
    code: str
    priority: float = 0.5
    source: Path | None = None

    def holds_for(self, brief: Mapping[str, Any] | None = None, *, task_kind: str | None = None,
                  metric: str | None = None) -> bool:
        """Whether the strategy suits the brief (or just a task kind / metric)."""
        if brief is not None:
            return conditions_hold(self.applies_to, brief)
        task_kind = model_task_kind(task_kind)
        if task_kind is not None and task_kind not in self.applies_to.get("task_kinds", TASK_KINDS):
            return False
        if metric is not None and "metrics" in self.applies_to and metric not in self.applies_to["metrics"]:
            return False
        return True


@lru_cache(maxsize=None)
def module_available(module: str) -> bool:
    """Whether `module` can be imported (checked once per process)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def brief_properties(brief: Mapping[str, Any]) -> dict[str, Any]:
    """Data properties of a task brief that conditions test."""
    columns = [c for c in brief.get("columns") or () if c.get("role") not in ("id", "target", "constant")]
    roles = Counter(c.get("role") for c in columns)
    target = brief.get("target") or {}
    low, skew = target.get("min"), target.get("skew")
    has_image = bool(brief.get("image_column")) or roles["image"] > 0
    same_scale = has_image or int(brief.get("same_scale_columns") or 0) >= SAME_SCALE_MIN_COLUMNS
    n_rows = int(brief.get("n_train") or 0)
    many_levels = any(c.get("role") == "categorical" and MANY_LEVELS_MIN <= int(c.get("n_unique") or 0) <= n_rows / 2
                      for c in columns)
    return {
        "task_kind": model_task_kind(brief.get("task_kind")),
        "metric": brief.get("metric"),
        "prediction_format": brief.get("prediction_format"),
        "has_categoricals": roles["categorical"] > 0,
        "has_missing": any(float(c.get("missing_frac") or 0) > 0 for c in columns),
        "has_datetime": roles["datetime"] > 0,
        "has_text": roles["text"] > 0,
        "has_image": has_image,
        "same_scale_features": same_scale,
        "large_same_scale_table": same_scale and not has_image and n_rows >= LARGE_TABLE_MIN_ROWS,
        "many_level_categoricals": many_levels,
        "n_rows": n_rows,
        "n_numeric": roles["numeric"],
        "nonnegative_target": None if low is None else float(low) >= 0,
        "skewed_target": None if skew is None or low is None else float(low) >= 0 and float(skew) > 1.0,
    }


def task_modalities(brief: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The card modalities that suit the task, in the order to try them: image tasks fall back to tabular
    models of the pixels; a table with text columns takes text and tabular models alike."""
    if brief.get("image_column"):
        return [("image",), ("tabular",)]
    if brief.get("audio_column"):  # clips are also described by spectrogram columns that tabular models read
        return [("audio", "tabular")]
    if (brief.get("form") or {}).get("kind") == "pixels":  # each pixel a row, described by its neighbourhood
        return [("image_to_image", "tabular")]
    if any(c.get("role") == "text" for c in brief.get("columns") or []):
        return [("text", "tabular")]
    return [("tabular",)]


def conditions_hold(conditions: Mapping[str, Any], brief: Mapping[str, Any]) -> bool:
    """Whether every data condition holds for `brief`; `families` is left to whoever knows the code."""
    props = brief_properties(brief)
    for key, wanted in conditions.items():
        if key == "task_kinds" and props["task_kind"] not in wanted:
            return False
        if key == "metrics" and props["metric"] not in wanted:
            return False
        if key == "prediction_formats" and props["prediction_format"] not in wanted:
            return False
        if key in _BOOL_CONDITIONS and props[key] is not None and props[key] != bool(wanted):
            return False
        if key == "min_rows" and props["n_rows"] < wanted:
            return False
        if key == "max_rows" and props["n_rows"] > wanted:
            return False
        if key == "min_numeric" and props["n_numeric"] < wanted:
            return False
    return True


def _tokens(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return [_stem(w) for w in words if w not in _STOPWORDS]


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class Catalog:
    """Model cards, recipes and ensemble strategies, searchable by what a task needs."""

    def __init__(self, cards: Iterable[ModelCard], recipes: Iterable[Recipe], ensembles: Iterable[EnsembleStrategy]):
        self.cards: dict[str, ModelCard] = {c.name: c for c in cards}
        self.recipes: dict[str, Recipe] = {r.name: r for r in recipes}
        self.ensembles: dict[str, EnsembleStrategy] = {e.name: e for e in ensembles}
        self._index = _Bm25([self._card_text(c) for c in self.cards.values()])

    @staticmethod
    def _card_text(card: ModelCard) -> list[str]:
        name_words = card.name.replace("_", " ")
        tags = " ".join(card.tags)
        return _tokens(" ".join([name_words, name_words, card.title, tags, tags, card.family, card.summary]))

    def card(self, name: str) -> ModelCard:
        """The card called `name`; KeyError lists the known names."""
        try:
            return self.cards[name]
        except KeyError:
            raise KeyError(f"no model card {name!r}; known cards: {', '.join(sorted(self.cards))}") from None

    def recipe(self, name: str) -> Recipe:
        """The recipe called `name`."""
        try:
            return self.recipes[name]
        except KeyError:
            raise KeyError(f"no recipe {name!r}; known recipes: {', '.join(sorted(self.recipes))}") from None

    def ensemble(self, name: str) -> EnsembleStrategy:
        """The ensemble strategy called `name`."""
        try:
            return self.ensembles[name]
        except KeyError:
            raise KeyError(f"no ensemble strategy {name!r}; known: {', '.join(sorted(self.ensembles))}") from None

    def cards_of_family(self, family: str) -> list[ModelCard]:
        """Cards whose family is `family`, in catalog order."""
        return [c for c in self.cards.values() if c.family == family]

    def search_models(self, query: str, *, modality: str | Collection[str] | None = None,
                      task_kind: str | None = None, brief: Mapping[str, Any] | None = None, k: int = 5,
                      available_only: bool = True) -> list[ModelCard]:
        """The `k` cards most relevant to `query` (BM25 over name, title, tags, summary).

        Cards failing a filter (one modality or several; a card's `applies_to` when `brief` is given) are
        dropped; cards with no query term still follow the matching ones, in order of their prior
        `priority`, so a vague query still returns sensible models.
        """
        scores = self._index.scores(_tokens(query))
        modalities = {modality} if isinstance(modality, str) else None if modality is None else set(modality)
        ranked = []
        for card, score in zip(self.cards.values(), scores):
            if modalities is not None and modalities.isdisjoint(card.modalities):
                continue
            if brief is not None and not conditions_hold(card.applies_to, brief):
                continue
            if task_kind is not None and model_task_kind(task_kind) not in card.task_kinds:
                continue
            if available_only and not card.available:
                continue
            ranked.append((score + 0.25 * card.priority, card.priority, card.name, card))
        ranked.sort(key=lambda item: (-item[0], -item[1], item[2]))
        return [item[3] for item in ranked[:k]]

    def recipes_for(self, block: str, family: str | None = None,
                    brief: Mapping[str, Any] | None = None) -> list[Recipe]:
        """Recipes for `block`, optionally only those for `family` and whose conditions hold for `brief`."""
        if block not in BLOCKS:
            raise ValueError(f"unknown block {block!r}; blocks are: {', '.join(BLOCKS)}")
        found = []
        for recipe in self.recipes.values():
            if recipe.block != block:
                continue
            if family is not None and recipe.families and family not in recipe.families:
                continue
            if brief is not None and not recipe.holds_for(brief):
                continue
            found.append(recipe)
        return found

    def search_for_task(self, query: str, brief: Mapping[str, Any], *, k: int = 5) -> list[ModelCard]:
        """The `k` cards most relevant to `query` among those that suit the brief's data and task kind,
        trying the modalities of `task_modalities(brief)` in turn until one group has cards."""
        for modalities in task_modalities(brief):
            cards = self.search_models(query, modality=modalities, task_kind=brief.get("task_kind"), brief=brief, k=k)
            if cards:
                return cards
        return []

    def ensembles_for(self, task_kind: str, metric: str | None = None) -> list[EnsembleStrategy]:
        """Strategies that suit `task_kind` (and `metric`), best first."""
        found = [e for e in self.ensembles.values() if e.holds_for(task_kind=task_kind, metric=metric)]
        return sorted(found, key=lambda e: -e.priority)


class _Bm25:
    def __init__(self, docs: Sequence[list[str]], k1: float = 1.2, b: float = 0.75):
        self.docs = [Counter(d) for d in docs]
        self.lengths = [len(d) for d in docs]
        self.avg = (sum(self.lengths) / len(docs)) if docs else 1.0
        self.k1, self.b = k1, b
        df = Counter(t for d in self.docs for t in d)
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: list[str]) -> list[float]:
        out = []
        for doc, length in zip(self.docs, self.lengths):
            s = 0.0
            for term in set(query):
                tf = doc.get(term, 0)
                if tf:
                    s += self.idf[term] * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * length / self.avg))
            out.append(s)
        return out


# ----------------------------------------------------------------------------------------------------------
# Loading

_KIND_KEYS = {"model_cards": "model_cards", "recipes": "recipes", "ensembles": "ensembles"}


def load_catalog(extra_dirs: Sequence[Path | str] = ()) -> Catalog:
    """Loads the bundled catalog, then each folder of `extra_dirs` over it.

    An extra folder may hold `model_cards/`, `recipes/` and `ensembles/` sub-folders, or be one of them
    (it is then recognised by its name). Items override bundled items of the same name.

    Raises:
        CatalogError: a file is not valid YAML or an item misses a field or has a bad value; the message
            names the file, the item and the field.
    """
    cards: dict[str, ModelCard] = {}
    recipes: dict[str, Recipe] = {}
    ensembles: dict[str, EnsembleStrategy] = {}
    for root in [BUNDLED_DIR, *map(Path, extra_dirs)]:
        if not root.is_dir():
            raise CatalogError(f"{root}: catalog folder not found")
        for kind, folder in _folders(root):
            for path in sorted(folder.glob("*.y*ml")):
                for position, raw in enumerate(_read_items(path, kind)):
                    where = f"{path} (item {position + 1})"
                    if kind == "model_cards":
                        card = _parse_card(raw, path, where)
                        cards[card.name] = card
                    elif kind == "recipes":
                        recipe = _parse_recipe(raw, path, where)
                        recipes[recipe.name] = recipe
                    else:
                        strategy = _parse_ensemble(raw, path, where)
                        ensembles[strategy.name] = strategy
    return Catalog(cards.values(), recipes.values(), ensembles.values())


def _folders(root: Path) -> list[tuple[str, Path]]:
    if root.name in _KIND_KEYS and not any((root / k).is_dir() for k in _KIND_KEYS):
        return [(root.name, root)]
    return [(kind, root / kind) for kind in _KIND_KEYS if (root / kind).is_dir()]


def _read_items(path: Path, kind: str) -> list[Mapping[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return []
    if isinstance(data, Mapping) and set(data) == {kind}:
        data = data[kind]
    items = data if isinstance(data, list) else [data]
    for position, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise CatalogError(f"{path} (item {position + 1}): expected a mapping of fields, got {type(item).__name__}")
    return items


def _field(raw: Mapping[str, Any], name: str, where: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    if name not in raw or raw[name] is None:
        if default is ...:
            raise CatalogError(f"{where}: missing required field {name!r}")
        return default
    value = raw[name]
    if not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise CatalogError(f"{where}: field {name!r} must be {expected}, got {type(value).__name__}")
    return value


def _str_list(raw: Mapping[str, Any], name: str, where: str, default: Any = ...) -> tuple[str, ...]:
    value = _field(raw, name, where, (list, str), default)
    value = [value] if isinstance(value, str) else list(value)
    if not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{where}: field {name!r} must be a list of strings")
    return tuple(value)


def _check_unknown(raw: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(allowed))}")


def _conditions(value: Any, where: str, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise CatalogError(f"{where}: field {name!r} must be a mapping of conditions")
    out = {}
    for key, wanted in value.items():
        if key not in CONDITION_KEYS:
            raise CatalogError(f"{where}: field {name}.{key} is not a known condition; known: {', '.join(CONDITION_KEYS)}")
        if key in _LIST_CONDITIONS:
            wanted = [wanted] if isinstance(wanted, str) else wanted
            if not isinstance(wanted, list) or not all(isinstance(w, str) for w in wanted):
                raise CatalogError(f"{where}: field {name}.{key} must be a list of strings")
            if key == "task_kinds" and not set(wanted) <= set(TASK_KINDS):
                raise CatalogError(f"{where}: field {name}.{key} has an unknown task kind; use {', '.join(TASK_KINDS)}")
            wanted = tuple(wanted)
        elif key in _BOOL_CONDITIONS and not isinstance(wanted, bool):
            raise CatalogError(f"{where}: field {name}.{key} must be true or false")
        elif key in _INT_CONDITIONS and (not isinstance(wanted, int) or isinstance(wanted, bool)):
            raise CatalogError(f"{where}: field {name}.{key} must be an integer")
        out[key] = wanted
    return out


_CARD_FIELDS = ("name", "title", "modality", "task_kinds", "family", "requires", "tags", "summary", "params",
                "code", "param_rules", "setup_options", "priority", "applies_to")


def _parse_card(raw: Mapping[str, Any], path: Path, where: str) -> ModelCard:
    name = _field(raw, "name", where, str)
    where = f"{path} (model card {name!r})"
    _check_unknown(raw, _CARD_FIELDS, where)
    modalities = _str_list(raw, "modality", where)
    if not modalities or not set(modalities) <= set(MODALITIES):
        raise CatalogError(f"{where}: field 'modality' must be one or a list of {', '.join(MODALITIES)}, "
                           f"got {raw.get('modality')!r}")
    task_kinds = _str_list(raw, "task_kinds", where, list(TASK_KINDS))
    if not set(task_kinds) <= set(TASK_KINDS):
        raise CatalogError(f"{where}: field 'task_kinds' must only hold {', '.join(TASK_KINDS)}")
    code = _field(raw, "code", where, str)
    for needed in ("PARAMS_${NAME} =", "def fit_predict_${name}("):
        if needed not in code:
            raise CatalogError(f"{where}: field 'code' must define {needed!r} (the member template of the model block)")
    rules = []
    for position, rule in enumerate(_field(raw, "param_rules", where, list, [])):
        rule_where = f"{where} param_rules[{position}]"
        if not isinstance(rule, Mapping) or set(rule) - {"when", "params"}:
            raise CatalogError(f"{rule_where}: each rule is a mapping with 'when' and 'params'")
        rules.append(ParamRule(_conditions(rule.get("when"), rule_where, "when"),
                               dict(_field(rule, "params", rule_where, dict))))
    priority = _field(raw, "priority", where, (int, float), 0.5)
    return ModelCard(
        name=name,
        title=_field(raw, "title", where, str, name),
        modalities=modalities,
        task_kinds=task_kinds,
        family=_field(raw, "family", where, str, name),
        requires=_str_list(raw, "requires", where, []),
        tags=_str_list(raw, "tags", where, []),
        summary=_field(raw, "summary", where, str),
        params=dict(_field(raw, "params", where, dict, {})),
        code=code,
        param_rules=tuple(rules),
        setup_options=dict(_field(raw, "setup_options", where, dict, {})),
        priority=float(priority),
        applies_to=_conditions(raw.get("applies_to"), where, "applies_to"),
        source=path,
    )


_RECIPE_FIELDS = ("name", "block", "title", "plan", "applies_to", "params", "settings", "step", "code")


def _parse_recipe(raw: Mapping[str, Any], path: Path, where: str) -> Recipe:
    name = _field(raw, "name", where, str)
    where = f"{path} (recipe {name!r})"
    _check_unknown(raw, _RECIPE_FIELDS, where)
    block = _field(raw, "block", where, str)
    if block not in BLOCKS:
        raise CatalogError(f"{where}: field 'block' must be one of {', '.join(BLOCKS)}, got {block!r}")
    bodies = [k for k in ("params", "settings", "step", "code") if raw.get(k) is not None]
    if len(bodies) != 1:
        raise CatalogError(f"{where}: exactly one of the fields 'params', 'settings', 'step', 'code' must be set "
                           f"(found {bodies or 'none'})")
    params = _field(raw, "params", where, dict, None)
    if params is not None:
        if block != "model":
            raise CatalogError(f"{where}: field 'params' only applies to the model block")
        for family, values in params.items():
            if not isinstance(values, Mapping):
                raise CatalogError(f"{where}: field params.{family} must map parameter names to values")
    settings = _field(raw, "settings", where, dict, None)
    step = _field(raw, "step", where, str, None)
    if step is not None and block not in ("preprocessing", "features", "postprocess"):
        raise CatalogError(f"{where}: field 'step' only applies to preprocessing, features and postprocess")
    if step is not None and not re.search(r"^def \w+\(", step, re.M):
        raise CatalogError(f"{where}: field 'step' must define one top-level function")
    return Recipe(
        name=name,
        block=block,
        title=_field(raw, "title", where, str, name),
        plan=_field(raw, "plan", where, str).strip(),
        applies_to=_conditions(raw.get("applies_to"), where, "applies_to"),
        params={k: dict(v) for k, v in params.items()} if params is not None else None,
        settings=dict(settings) if settings is not None else None,
        step=step,
        code=_field(raw, "code", where, str, None),
        source=path,
    )


_ENSEMBLE_FIELDS = ("name", "title", "plan", "applies_to", "code", "priority")


def _parse_ensemble(raw: Mapping[str, Any], path: Path, where: str) -> EnsembleStrategy:
    name = _field(raw, "name", where, str)
    where = f"{path} (ensemble strategy {name!r})"
    _check_unknown(raw, _ENSEMBLE_FIELDS, where)
    code = _field(raw, "code", where, str)
    if not re.search(r"^def combine\(", code, re.M):
        raise CatalogError(f"{where}: field 'code' must define a top-level function combine(oofs, tests)")
    return EnsembleStrategy(
        name=name,
        title=_field(raw, "title", where, str, name),
        plan=_field(raw, "plan", where, str).strip(),
        applies_to=_conditions(raw.get("applies_to"), where, "applies_to"),
        code=code,
        priority=float(_field(raw, "priority", where, (int, float), 0.5)),
        source=path,
    )

