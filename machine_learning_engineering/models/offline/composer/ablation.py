"""Ablation study scripts: measure what each block of a solution contributes to its score."""

from __future__ import annotations

from string import Template
from typing import Any, Callable, Mapping

from ....knowledge.catalog import Catalog, load_catalog
from ....tools.code_blocks import block_body, block_names, get_block, replace_block
from . import scaffold
from .brief import normalise_brief, python_literal
from .candidate import model_block
from .model_block import parse_model_block

ABLATION_FOLDS = 3
# An impact counts when it exceeds this many standard errors of its per-fold differences from the baseline.
NOISE_FACTOR = 2.0
DEFAULT_TIMEOUT_S = 900

ABLATION = Template('''\
"""Ablation study: the solution re-run with one block at a time replaced by a neutral version.

Every variant runs in its own folder under ./ablation_runs (with ./input linked in), so the solution's
own submission and artifacts are untouched. All variants use the same folds (same seed, same reduced
number), so each block's impact comes with its noise: the standard error of its per-fold differences.
"""
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

FOLDS = os.environ.get("MLE_STAR_ABLATION_FOLDS", "${FOLDS}")
TIMEOUT = float(os.environ.get("MLE_STAR_ABLATION_TIMEOUT", "${TIMEOUT}"))
HIGHER_IS_BETTER = ${HIGHER_IS_BETTER}
# block -> the neutral version that replaces it
ABLATIONS = ${ABLATIONS}
# blocks already equal to their neutral version: their ablation score is the baseline's
UNCHANGED = ${UNCHANGED}
RESULT_RE = re.compile(r"Final Validation Performance:\\s*(\\S+)")
FOLD_RE = re.compile(r"^fold [^:]*: [^=\\s]+=(\\S+)", re.M)
NOISE_FACTOR = ${NOISE_FACTOR}
VARIANTS = {}
FOLD_SCORES = {}
${VARIANTS}


def run_variant(name):
    folder = Path("ablation_runs") / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        (folder / "input").symlink_to(Path("input").resolve(), target_is_directory=True)
    except OSError:
        shutil.copytree("input", folder / "input")
    (folder / "solution.py").write_text(VARIANTS[name])
    start = time.time()
    try:
        proc = subprocess.run([sys.executable, "solution.py"], cwd=folder, capture_output=True, text=True,
                              timeout=TIMEOUT,
                              env=dict(os.environ, MLE_STAR_FOLDS=FOLDS, MLE_STAR_TIME_LIMIT_S=str(TIMEOUT),
                                       MLE_STAR_REFIT_ALL_ROWS="0"))
    except subprocess.TimeoutExpired:
        print(f"variant {name}: timed out after {TIMEOUT:.0f}s", flush=True)
        return float("nan")
    found = RESULT_RE.findall(proc.stdout)
    if proc.returncode != 0 or not found:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-4:])
        print(f"variant {name}: failed with exit code {proc.returncode}: {tail}", flush=True)
        return float("nan")
    FOLD_SCORES[name] = [float(v) for v in FOLD_RE.findall(proc.stdout)]
    print(f"variant {name}: {found[-1]} ({time.time() - start:.1f}s, {FOLDS} folds)", flush=True)
    return float(found[-1])


def paired_noise(block):
    """Standard error of the block variant's per-fold differences from the baseline (nan when unknown)."""
    if block in UNCHANGED:
        return 0.0  # the same code as the baseline: no difference to measure
    ours, theirs = FOLD_SCORES.get(block, []), FOLD_SCORES.get("baseline", [])
    if len(ours) != len(theirs) or len(ours) < 2:
        return float("nan")
    return statistics.stdev(a - b for a, b in zip(ours, theirs)) / math.sqrt(len(ours))


baseline = run_variant("baseline")
if math.isnan(baseline):
    sys.exit("the unmodified solution failed; no ablation possible")
print(f"Ablation baseline -> {baseline}")
if len(FOLD_SCORES["baseline"]) >= 2:
    print(f"Ablation fold spread -> {statistics.stdev(FOLD_SCORES['baseline'])}")
contributions, noise = {}, {}
for block, neutral in ABLATIONS.items():
    score = baseline if block in UNCHANGED else run_variant(block)
    print(f"Ablation result: {block} -> {score}", flush=True)
    if not math.isnan(score):
        contributions[block] = (baseline - score) if HIGHER_IS_BETTER else (score - baseline)
        noise[block] = paired_noise(block)
        print(f"Ablation noise: {block} -> {noise[block]}", flush=True)
for block, gain in sorted(contributions.items(), key=lambda item: -abs(item[1])):
    note = " (already neutral)" if block in UNCHANGED else ""
    print(f"Ablation contribution: {block} {gain:+.6f} (noise {noise[block]:.6f}) versus {ABLATIONS[block]}{note}")
# Unknown noise cannot rule an impact out, so any nonzero impact then counts.
mattering = {b: g for b, g in contributions.items()
             if abs(g) > 0 and (math.isnan(noise[b]) or abs(g) > NOISE_FACTOR * noise[b])}
if mattering:
    top = max(mattering, key=lambda b: abs(mattering[b]))
    print(f"Ablation verdict: {top} matters most ({mattering[top]:+.6f}, noise {noise[top]:.6f})")
else:
    print(f"Ablation verdict: no block moved the score beyond {NOISE_FACTOR:g} times its fold noise")
print(f"Final Validation Performance: {baseline}")
''')


def _neutral_model(code: str, brief: Mapping[str, Any], catalog: Catalog) -> str | None:
    members = parse_model_block(get_block(code, "model")).members
    if not members:
        return None
    cards = catalog.cards_of_family(members[0].family)
    if not cards:
        return None
    return model_block(brief, cards[0], name=members[0].name)


NEUTRAL: dict[str, tuple[str, Callable[[str, Mapping[str, Any], Catalog], str | None]]] = {
    "preprocessing": ("minimal preprocessing (median fill, ordinal codes)", lambda *_: scaffold.MINIMAL_PREPROCESSING),
    "features": ("no feature engineering", lambda *_: scaffold.FEATURES),
    "model": ("the first model alone with its family's default parameters", _neutral_model),
    "postprocess": ("no postprocessing", lambda *_: scaffold.POSTPROCESS),
}


def _same(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return "\n".join(line.rstrip() for line in block_body(text).strip("\n").splitlines())

    return norm(a) == norm(b)


def ablation_script(code: str, brief: Mapping[str, Any], catalog: Catalog | None = None) -> str:
    """One script that measures each block's contribution to the solution `code`.

    For preprocessing, features, model and postprocess it runs a variant of the solution with that block
    replaced by a neutral version (minimal encoding; no features; the first model with its family's
    default parameters; no postprocessing), each with `MLE_STAR_FOLDS` folds (3 by default, override with
    MLE_STAR_ABLATION_FOLDS) and no refit on all rows (only scores count), in its own folder under
    ./ablation_runs. Blocks already equal to their neutral version are reported with the baseline score
    without a run. It prints

        Ablation baseline -> <score>
        Ablation fold spread -> <standard deviation of the baseline's fold scores>
        Ablation result: <block> -> <score>        (nan when the variant failed)
        Ablation noise: <block> -> <standard error of the per-fold differences>   (nan when unknown)
        Ablation contribution: <block> <+gain> (noise <se>) versus <neutral version>
        Ablation verdict: <block> matters most (...) | no block moved the score beyond ... its fold noise
        Final Validation Performance: <baseline score>

    Raises:
        ValueError: the brief is invalid or `code` has no blocks.
    """
    brief = normalise_brief(brief)
    catalog = catalog or load_catalog()
    present = block_names(code)
    if not present:
        raise ValueError("the solution has no `# [block: NAME]` markers; ablation needs named blocks")
    variants = {"baseline": code}
    ablations, unchanged = {}, []
    for block, (description, neutral_of) in NEUTRAL.items():
        if block not in present:
            continue
        neutral = neutral_of(code, brief, catalog)
        if neutral is None:
            continue
        ablations[block] = description
        if _same(get_block(code, block), neutral):
            unchanged.append(block)
        else:
            variants[block] = replace_block(code, block, neutral)
    lines = "\n".join(f"VARIANTS[{name!r}] = {python_literal(text)}" for name, text in variants.items())
    return ABLATION.substitute(
        FOLDS=str(min(ABLATION_FOLDS, int(brief["n_folds"]))),
        TIMEOUT=str(DEFAULT_TIMEOUT_S),
        HIGHER_IS_BETTER=repr(bool(brief["higher_is_better"])),
        NOISE_FACTOR=repr(NOISE_FACTOR),
        ABLATIONS=python_literal(ablations),
        UNCHANGED=python_literal(unchanged),
        VARIANTS=lines,
    )
