"""The backend preflight names, in one line, what is missing for each role's model."""

from __future__ import annotations

import pytest

from machine_learning_engineering.config import Settings
from machine_learning_engineering.models import credentials
from machine_learning_engineering.models.credentials import BackendError, check_backend

GEMINI = Settings(model="gemini-2.5-flash")
VERTEX = {"GOOGLE_GENAI_USE_VERTEXAI": "1", "GOOGLE_CLOUD_PROJECT": "p", "GOOGLE_CLOUD_LOCATION": "us-central1"}


def _error(settings: Settings, env: dict) -> str:
    with pytest.raises(BackendError) as info:
        check_backend(settings, environ=env)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_offline_needs_nothing():
    check_backend(Settings(), environ={})


def test_gemini_without_a_key_names_the_key_and_the_vertex_variables():
    message = _error(GEMINI, {})
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT",
                 "GOOGLE_CLOUD_LOCATION"):
        assert name in message
    assert "'gemini-2.5-flash' (every agent)" in message


@pytest.mark.parametrize("env", [{"GOOGLE_API_KEY": "k"}, {"GEMINI_API_KEY": "k"}, VERTEX,
                                 {"GOOGLE_GENAI_USE_VERTEXAI": "true", "GOOGLE_API_KEY": "k"}])
def test_gemini_works_with_a_key_or_vertex_ai(env):
    check_backend(GEMINI, environ=env)


def test_vertex_ai_names_only_what_is_missing():
    message = _error(GEMINI, {"GOOGLE_GENAI_USE_VERTEXAI": "1", "GOOGLE_CLOUD_PROJECT": "p"})
    assert "GOOGLE_CLOUD_LOCATION is not set" in message and "GOOGLE_CLOUD_PROJECT" not in message
    assert "GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION are not set" in _error(
        GEMINI, {"GOOGLE_GENAI_USE_VERTEXAI": "True"})


def test_a_per_role_model_is_checked_and_named():
    message = _error(Settings(agent_models={"debugger": "gemini-2.5-pro"}), {})
    assert "'gemini-2.5-pro' (role debugger)" in message


def test_litellm_providers_need_their_key():
    assert "OPENAI_API_KEY" in _error(Settings(model="litellm/openai/gpt-4o"), {})
    assert "ANTHROPIC_API_KEY" in _error(Settings(model="litellm/anthropic/claude-sonnet-4"), {})
    assert "GEMINI_API_KEY" in _error(Settings(model="litellm/gemini/gemini-2.5-flash"), {})
    check_backend(Settings(model="litellm/openai/gpt-4o"), environ={"OPENAI_API_KEY": "k"})
    check_backend(Settings(model="litellm/anthropic/claude-sonnet-4"), environ={"ANTHROPIC_API_KEY": "k"})
    check_backend(Settings(model="litellm/ollama/llama3"), environ={})  # LiteLLM reports its own settings


@pytest.mark.parametrize("base", ["OPENAI_API_BASE", "OPENAI_BASE_URL"])
def test_an_openai_compatible_server_needs_no_key(base):
    check_backend(Settings(model="litellm/openai/my-model"), environ={base: "http://127.0.0.1:8000/v1"})


def test_litellm_not_installed_names_the_install_command(monkeypatch):
    real = credentials.importlib.util.find_spec
    monkeypatch.setattr(credentials.importlib.util, "find_spec",
                        lambda name, *a: None if name == "litellm" else real(name, *a))
    message = _error(Settings(model="litellm/openai/gpt-4o"), {"OPENAI_API_KEY": "k"})
    assert ".venv/bin/pip install -e '.[litellm]'" in message and "bash scripts/setup.sh" in message


def test_unknown_models_and_roles():
    assert "unknown model 'gpt-4o'" in _error(Settings(model="gpt-4o"), {})
    assert "unknown model 'litellm/'" in _error(Settings(model="litellm/"), {})
    assert "unknown agent role(s) debuger" in _error(Settings(agent_models={"debuger": "offline"}), {})
