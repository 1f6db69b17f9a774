"""The environment a script gets: an allowlist, so no API key, token or cloud credential of the
agent's own process ever reaches generated code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "TORCH_NUM_THREADS")

# Copied from our own environment when set. Besides PATH and the locale: which GPUs to use and where
# native libraries live (CUDA builds need them), the time zone, the active virtual environment, and
# where pretrained weights are cached. None of these is a secret.
PASSED_THROUGH = ("PATH", "LANG", "LANGUAGE", "TZ", "VIRTUAL_ENV", "CUDA_VISIBLE_DEVICES",
                  "LD_LIBRARY_PATH", "HF_HOME", "TORCH_HOME")

# Seconds a script may run, as the host enforces it; scripts may use it to fit within their time.
TIME_LIMIT_VARIABLE = "MLE_STAR_TIME_LIMIT_S"
# The folder the scripts of one run share for features costly to compute; unset when there is none.
FEATURE_CACHE_VARIABLE = "MLE_STAR_FEATURE_CACHE"

HOME_DIR = ".home"
TMP_DIR = ".tmp"


def scrubbed_environment(cores: int, workspace: Path,
                         extra: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """The complete environment of a script run in `workspace` with `cores` threads.

    HOME and TMPDIR point inside the workspace (`.home`, `.tmp`); the caller creates them. Model
    caches that live in the real home stay reachable through HF_HOME and TORCH_HOME, read-only
    under bubblewrap, and Hugging Face is told to stay offline.

    Args:
        cores: threads granted to the script (every BLAS/OpenMP/torch thread-count variable).
        workspace: the script's working folder.
        extra: more variables, with explicit values, added last (they may override the above).

    Raises:
        ValueError: `cores` is not positive, or an `extra` name or value is not a string.
    """
    if cores < 1:
        raise ValueError(f"cores must be at least 1, got {cores!r}")
    workspace = Path(workspace)
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update({name: value for name, value in os.environ.items() if name.startswith("LC_")})
    env.setdefault("PATH", os.defpath)
    env.setdefault("LANG", "C.UTF-8")
    real_home = Path.home()
    for name, cache in (("HF_HOME", real_home / ".cache" / "huggingface"),
                        ("TORCH_HOME", real_home / ".cache" / "torch")):
        if name not in env and cache.is_dir():
            env[name] = str(cache)
    env.update({
        "HOME": str(workspace / HOME_DIR),
        "TMPDIR": str(workspace / TMP_DIR),
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "HF_HUB_OFFLINE": "1",
    })
    env.update({name: str(cores) for name in THREAD_VARIABLES})
    for name, value in (extra or {}).items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ValueError(f"extra environment variables need string names and values, got {name!r}={value!r}")
        env[name] = value
    return env
