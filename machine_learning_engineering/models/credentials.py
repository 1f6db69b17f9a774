"""Preflight of the model backends: before a run creates anything, check that every role's model can
work (its library is installed, its key or endpoint is configured), and say in one line what to do
when it cannot. It reads only the environment (which `Settings.from_env` has filled from `.env`)
and imports nothing heavy, so a misconfigured run fails in a second, not after the first LLM call.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Mapping, Optional

from ..config import Settings
from .factory import GEMINI, LITELLM, LITELLM_INSTALL, LITELLM_PREFIX, OPENAI_BASE_VARS, ROLES, backend_of

GEMINI_KEY_VARS = ("GOOGLE_API_KEY", "GEMINI_API_KEY")
VERTEX_SWITCH = "GOOGLE_GENAI_USE_VERTEXAI"
VERTEX_VARS = ("GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION")
# The key variables LiteLLM reads for its most used providers (any one of them will do); other
# providers report their own missing settings on the first call.
LITELLM_KEYS = {
    "openai": ("OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
}


class BackendError(ValueError):
    """A role's model backend cannot work; the message (one line) says what to set or install."""


def check_backend(settings: Settings, environ: Optional[Mapping[str, str]] = None) -> None:
    """Checks every model the run's roles use.

    Args:
        settings: the run's settings (`model` and the per-role `agent_models`).
        environ: the environment to read (default: the process environment).

    Raises:
        BackendError: an unknown role or model string, a missing library, key or Vertex AI setting.
    """
    env = os.environ if environ is None else environ
    unknown = sorted(set(settings.agent_models) - set(ROLES))
    if unknown:
        raise BackendError(f"unknown agent role(s) {', '.join(unknown)} in the per-role models "
                           f"(--agent-model or MLE_STAR_AGENT_MODELS); roles are {', '.join(ROLES)}")
    users: dict[str, list[str]] = {}
    for role in ROLES:
        users.setdefault(settings.model_for(role), []).append(role)
    for name, roles in users.items():
        who = _who(roles)
        try:
            backend = backend_of(name)
        except ValueError as exc:
            raise BackendError(f"{exc} (model of {who})") from None
        if backend == GEMINI:
            _check_gemini(f"model {name!r} ({who})", env)
        elif backend == LITELLM:
            _check_litellm(name, f"model {name!r} ({who})", env)


def _who(roles: list[str]) -> str:
    if len(roles) == len(ROLES):
        return "every agent"
    if len(roles) > len(ROLES) // 2:
        return "every agent except " + ", ".join(r for r in ROLES if r not in roles)
    return ("role " if len(roles) == 1 else "roles ") + ", ".join(roles)


def _check_gemini(subject: str, env: Mapping[str, str]) -> None:
    has_key = any(env.get(v) for v in GEMINI_KEY_VARS)
    if env.get(VERTEX_SWITCH, "").strip().lower() in ("1", "true"):
        missing = [v for v in VERTEX_VARS if not env.get(v)]
        if missing and not has_key:  # with a key, Vertex AI runs in express mode and needs neither
            raise BackendError(
                f"{subject} uses Vertex AI ({VERTEX_SWITCH}={env[VERTEX_SWITCH]}) but {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not set: set {'it' if len(missing) == 1 else 'them'} "
                f"in the environment or .env (and run `gcloud auth application-default login`), "
                f"or set GOOGLE_API_KEY instead")
        return
    if not has_key:
        raise BackendError(
            f"{subject} needs Gemini credentials: set GOOGLE_API_KEY (or GEMINI_API_KEY) in the environment "
            f"or .env, or for Vertex AI set {VERTEX_SWITCH}=1, {VERTEX_VARS[0]} and {VERTEX_VARS[1]}")


def _check_litellm(name: str, subject: str, env: Mapping[str, str]) -> None:
    if importlib.util.find_spec("litellm") is None:
        raise BackendError(f"{subject} needs LiteLLM, which is not installed: {LITELLM_INSTALL}")
    model = name.removeprefix(LITELLM_PREFIX)
    provider = model.split("/", 1)[0] if "/" in model else ""
    keys = LITELLM_KEYS.get(provider)
    if not keys or any(env.get(k) for k in keys):
        return
    if provider == "openai":
        if any(env.get(v) for v in OPENAI_BASE_VARS):
            return  # a self-hosted OpenAI-compatible server
        raise BackendError(f"{subject} needs OPENAI_API_KEY, or OPENAI_API_BASE pointing to an "
                           f"OpenAI-compatible server: set it in the environment or .env")
    raise BackendError(f"{subject} needs {' or '.join(keys)}: set it in the environment or .env")
