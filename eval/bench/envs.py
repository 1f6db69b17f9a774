"""Virtual environments for the AutoML peers, built by the bench itself and reused when present.

FLAML and AutoGluon pin scikit-learn, pandas and numpy below the versions the agent uses, so each peer
gets its own environment under `eval/bench/.envs/<name>` (gitignored). An environment is reused when its
recorded requirements match and its import probe passes; otherwise it is rebuilt from scratch.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("bench")

ENVS_DIR = Path(__file__).resolve().parent / ".envs"
MARKER = "bench-env.json"


@dataclass(frozen=True)
class EnvSpec:
    """One peer's environment.

    Attributes:
        name: folder name under the envs directory.
        requirements: pip requirement strings, pinned to versions known to install and run here.
        probe: Python statement that must run without error in a usable environment.
    """

    name: str
    requirements: tuple[str, ...]
    probe: str


# Torch-based AutoGluon models (NN_TORCH, FASTAI) are left out: they would pull several GB of CUDA
# wheels and AutoGluon skips models whose package is missing. Its gradient-boosted trees, random forests,
# extra trees, KNN and stacking ensemble are all there.
PEER_ENVS: dict[str, EnvSpec] = {
    "flaml": EnvSpec("flaml", ("flaml[automl]==2.7.0",),
                     "import flaml, lightgbm, xgboost, sklearn; from flaml import AutoML"),
    "autogluon": EnvSpec("autogluon", ("autogluon.tabular[lightgbm,catboost,xgboost]==1.6.3",),
                         "from autogluon.tabular import TabularPredictor; import lightgbm, catboost, xgboost"),
}


class EnvError(RuntimeError):
    """A peer environment could not be built; the message names the install log."""


def python_of(env_dir: Path) -> Path:
    return env_dir / "bin" / "python"


def ensure_env(spec: EnvSpec, envs_dir: Path = ENVS_DIR, *, base_python: str = sys.executable) -> Path:
    """Returns the Python of `spec`'s environment, building it first when missing or stale.

    Raises:
        EnvError: pip failed, or the probe fails after a fresh install.
    """
    env_dir = envs_dir / spec.name
    if _is_ready(spec, env_dir):
        return python_of(env_dir)
    log.info("building the %s environment in %s (several minutes, once)", spec.name, env_dir)
    shutil.rmtree(env_dir, ignore_errors=True)
    envs_dir.mkdir(parents=True, exist_ok=True)
    install_log = envs_dir / f"{spec.name}.install.log"
    started = time.monotonic()
    with install_log.open("w", encoding="utf-8") as out:
        steps = ([base_python, "-m", "venv", str(env_dir)],
                 [str(python_of(env_dir)), "-m", "pip", "install", "--upgrade", "pip"],
                 [str(python_of(env_dir)), "-m", "pip", "install", *spec.requirements])
        for step in steps:
            out.write(f"$ {' '.join(step)}\n")
            out.flush()
            if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                raise EnvError(f"building the {spec.name} environment failed at `{' '.join(step)}`; "
                               f"see {install_log}")
    if not _probe(spec, env_dir):
        raise EnvError(f"the {spec.name} environment installed but `{spec.probe}` fails; see {install_log}")
    seconds = time.monotonic() - started
    (env_dir / MARKER).write_text(json.dumps({"requirements": list(spec.requirements),
                                              "install_seconds": round(seconds, 1)}), encoding="utf-8")
    log.info("built the %s environment in %.0f s", spec.name, seconds)
    return python_of(env_dir)


def _is_ready(spec: EnvSpec, env_dir: Path) -> bool:
    try:
        recorded = json.loads((env_dir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded.get("requirements") == list(spec.requirements) and _probe(spec, env_dir)


def _probe(spec: EnvSpec, env_dir: Path) -> bool:
    python = python_of(env_dir)
    if not python.exists():
        return False
    return subprocess.run([str(python), "-c", spec.probe], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def main() -> int:
    """python -m eval.bench.envs [NAME ...]: builds the named peer environments (all by default)."""
    names = sys.argv[1:] or list(PEER_ENVS)
    unknown = [name for name in names if name not in PEER_ENVS]
    if unknown:
        usage = (f"usage: python -m eval.bench.envs [NAME ...] builds the peers' environments; NAME is one of "
                 f"{', '.join(PEER_ENVS)} (all when none is given)")
        if unknown[0] in ("-h", "--help"):
            print(usage)
            return 0
        print(f"{usage}; {unknown[0]!r} is not one of them", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for name in names:
        print(ensure_env(PEER_ENVS[name]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
