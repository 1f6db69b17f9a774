"""One factory for every agent's model: the offline engine by default, Gemini or LiteLLM by name.

Model strings:
    "offline"                      the built-in engine (no key, no network)
    "gemini-2.5-flash", "gemini-*" Gemini through google-genai (GOOGLE_API_KEY, or Vertex AI with
                                   GOOGLE_GENAI_USE_VERTEXAI=1, GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION)
    "litellm/<provider>/<model>"   any model LiteLLM reaches (its own environment variables)
    "messy", "messy:<rate>"        the offline engine's answers in the untidy forms real LLMs produce
                                   (models/messy.py), to test that the agent survives them

`credentials.check_backend` checks, before a run starts, that each of these can work. This module
imports ADK only inside its functions, so that check stays quick.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Mapping, Optional, Union

from ..config import Settings
from ..sub_agents.roles import ROLES

if TYPE_CHECKING:
    from google.adk.models.base_llm import BaseLlm
    from google.adk.models.google_llm import Gemini
    from google.genai import Client

OFFLINE, GEMINI, LITELLM = "offline", "gemini", "litellm"
MESSY = "messy"
LITELLM_PREFIX = "litellm/"
LITELLM_INSTALL = "run `.venv/bin/pip install -e '.[litellm]'` (or `bash scripts/setup.sh`)"
# Where LiteLLM's OpenAI provider finds a self-hosted OpenAI-compatible server (vLLM, llama.cpp, a proxy).
OPENAI_BASE_VARS = ("OPENAI_API_BASE", "OPENAI_BASE_URL")
# LiteLLM's OpenAI client refuses to start without a key; servers reached through a base URL of their
# own usually ignore it, and one that checks it answers 401, which names the real problem.
SELF_HOSTED_KEY = "not-needed"

# Parallel solutions call in bursts, so a rate limit (429) or a busy server (503) is routine: the client
# retries it with exponential back-off (2 s, 4 s, 8 s, with jitter) before the step sees an error;
# the step itself (`sub_agents/llm_steps.py`) then retries longer outages within the time budget.
RETRY_ATTEMPTS = 4
RETRY_INITIAL_DELAY_S = 2.0
RETRY_MAX_DELAY_S = 30.0
RETRY_STATUS_CODES = (408, 429, 500, 502, 503, 504)

WEB_SEARCH_INSTRUCTION = (
    "Answer the request with Google Search. For a machine learning task: name the models and approaches "
    "that won similar tasks, say why they work, and give short example code. For an error: explain its "
    "cause and the fix, with the corrected code. Keep it concise and name your sources.")


def backend_of(name: str) -> str:
    """Which backend a model string names: OFFLINE, GEMINI, LITELLM or MESSY.

    Raises:
        ValueError: the string names none of them.
    """
    if name == OFFLINE:
        return OFFLINE
    if name == MESSY or name.startswith(MESSY + ":"):
        return MESSY
    if name.startswith("gemini"):
        return GEMINI
    if name.startswith(LITELLM_PREFIX) and name != LITELLM_PREFIX:
        return LITELLM
    raise ValueError(f"unknown model {name!r}: use 'offline', a Gemini model name such as "
                     "'gemini-2.5-flash', or 'litellm/<provider>/<model>'")


def gemini_model(name: str, client: Optional["Client"] = None) -> "Gemini":
    """A Gemini model that retries rate limits and busy servers.

    Args:
        name: the Gemini model, e.g. "gemini-2.5-flash".
        client: a google-genai client to use instead of the one ADK builds from the environment
            (GOOGLE_API_KEY, or the Vertex AI variables); a scripted fake in tests.
    """
    from google.adk.models.google_llm import Gemini
    from google.genai import types

    retry = types.HttpRetryOptions(attempts=RETRY_ATTEMPTS, initial_delay=RETRY_INITIAL_DELAY_S,
                                   max_delay=RETRY_MAX_DELAY_S, exp_base=2.0, jitter=1.0,
                                   http_status_codes=list(RETRY_STATUS_CODES))
    return Gemini(model=name, retry_options=retry, client=client)


def litellm_model(name: str, environ: Optional[Mapping[str, str]] = None) -> "BaseLlm":
    """A LiteLLM model for "litellm/<provider>/<model>"; LiteLLM reads its provider's variables."""
    try:
        from google.adk.models.lite_llm import LiteLlm
        import litellm  # noqa: F401 - ADK imports it lazily; fail here, with the fix
    except ImportError as exc:
        raise ValueError(f"model {name!r} needs LiteLLM, which is not installed: {LITELLM_INSTALL}") from exc
    env = os.environ if environ is None else environ
    model = name.removeprefix(LITELLM_PREFIX)
    options: dict[str, object] = {"num_retries": RETRY_ATTEMPTS - 1}
    if model.startswith("openai/") and not env.get("OPENAI_API_KEY") and any(env.get(v) for v in OPENAI_BASE_VARS):
        options["api_key"] = SELF_HOSTED_KEY
    return LiteLlm(model=model, **options)


def resolve_model(name: str, settings: Settings, gemini_client: Optional["Client"] = None
                  ) -> Union[str, "BaseLlm"]:
    """The ADK model for one model string (see the module doc); `gemini_client` as in `gemini_model`."""
    backend = backend_of(name)
    if backend == MESSY:
        from .messy import messy_model

        return messy_model(name, settings)
    if backend == OFFLINE:
        from .offline.engine import OfflineEngine

        return OfflineEngine(cards_dirs=tuple(str(p) for p in settings.model_cards_dirs))
    if backend == LITELLM:
        return litellm_model(name)
    return gemini_model(name, client=gemini_client)


def models_for_roles(settings: Settings, override: Optional["BaseLlm"] = None,
                     gemini_client: Optional["Client"] = None) -> dict[str, Union[str, "BaseLlm"]]:
    """Every role's model; roles sharing a model string share one instance.

    Args:
        override: one model for every role (a scripted fake in tests, or any custom ADK model).
        gemini_client: the google-genai client of every Gemini model (see `gemini_model`).
    """
    unknown = set(settings.agent_models) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown agent role(s) {sorted(unknown)} in agent_models; roles are {list(ROLES)}")
    if override is not None:
        return {role: override for role in ROLES}
    cache: dict[str, Union[str, BaseLlm]] = {}
    models = {}
    for role in ROLES:
        name = settings.model_for(role)
        if name not in cache:
            cache[name] = resolve_model(name, settings, gemini_client=gemini_client)
        models[role] = cache[name]
    return models


def search_tools(model: Union[str, "BaseLlm"]) -> tuple:
    """Google Search for an agent whose model is Gemini (none for other models).

    Gemini cannot combine its built-in search with function tools (such as the model-card search) in
    one request, so the search runs in a `web_search` sub-agent on the same model (and client),
    offered to the agent as a function tool; its grounding (the web sources) reaches the caller's answer.
    """
    from google.adk.models.google_llm import Gemini

    if not isinstance(model, Gemini):
        return ()
    from google.adk.agents import LlmAgent
    from google.adk.tools import google_search
    from google.adk.tools.agent_tool import AgentTool

    searcher = LlmAgent(name="web_search", model=model, tools=[google_search],
                        description="Searches the web with Google Search: give it a question (models that win "
                                    "a kind of task, or an error message to fix); it answers with sources.",
                        instruction=WEB_SEARCH_INSTRUCTION)
    return (AgentTool(agent=searcher, propagate_grounding_metadata=True),)
