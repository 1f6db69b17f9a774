"""deployment/deploy.py: the exact calls each subcommand makes on Agent Engine (through a fake client),
its one-line errors without credentials, and the deployed app run locally on a bundled task."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import cloudpickle
import pytest
from agentplatform.frameworks import AdkApp
from google.genai.errors import ClientError

from deployment import deploy

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deployment" / "deploy.py"
NAME = "projects/p/locations/us-central1/reasoningEngines/123"


class FakeRuntimes:
    """Records each call `agentplatform.Client(...).runtimes` would receive, with the working folder."""

    def __init__(self, listed: tuple[Any, ...] = (), error: Exception | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.connected: list[tuple[str, str]] = []
        self.listed, self.error = listed, error

    def connect(self, project: str, location: str) -> "FakeRuntimes":
        self.connected.append((project, location))
        return self

    def _record(self, method: str, **kwargs: Any) -> Any:
        self.calls.append((method, {**kwargs, "cwd": os.getcwd()}))
        if self.error is not None:
            raise self.error
        return SimpleNamespace(api_resource=SimpleNamespace(name=NAME))

    def create(self, *, agent: Any, config: dict[str, Any]) -> Any:
        return self._record("create", agent=agent, config=config)

    def update(self, *, name: str, agent: Any, config: dict[str, Any]) -> Any:
        return self._record("update", name=name, agent=agent, config=config)

    def list(self, *, config: dict[str, Any]) -> list[Any]:
        self._record("list", config=config)
        return list(self.listed)

    def delete(self, *, name: str, force: bool) -> Any:
        return self._record("delete", name=name, force=force)


@pytest.fixture(autouse=True)
def _no_cloud_defaults(monkeypatch):
    for name in ("GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION"):
        monkeypatch.delenv(name, raising=False)


def _pyproject_dependencies() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]


def _expected_config(env: dict[str, str], display_name: str = "mle-star") -> dict[str, Any]:
    return {"display_name": display_name, "description": "MLE-STAR machine learning engineering agent",
            "staging_bucket": "gs://my-staging", "requirements": _pyproject_dependencies(),
            "extra_packages": deploy.package_files(), "env_vars": env}


def test_create_sends_the_app_requirements_package_environment_and_bucket(capsys):
    fake = FakeRuntimes()
    status = deploy.main(["create", "--project", "p", "--location", "europe-west4", "--bucket", "gs://my-staging/",
                          "--env", "MLE_STAR_MODEL=offline", "--env", "MLE_STAR_NUM_SOLUTIONS=1",
                          "--env", "NOTE=a=b"], connect=fake.connect)

    assert status == 0 and fake.connected == [("p", "europe-west4")]
    [(method, call)] = fake.calls
    assert method == "create" and call["cwd"] == str(ROOT)
    assert call["config"] == _expected_config({"MLE_STAR_MODEL": "offline", "MLE_STAR_NUM_SOLUTIONS": "1",
                                               "NOTE": "a=b"})
    assert isinstance(call["agent"], AdkApp)
    # AdkApp has no public accessor for its agent: the front door, built from --env alone.
    front_door = call["agent"]._tmpl_attrs["agent"]
    assert front_door.name == "front_door" and front_door.settings.num_solutions == 1
    assert capsys.readouterr().out == f"deployed: {NAME}\n"


def test_the_uploaded_package_is_importable_from_the_working_folder_and_leaves_hidden_files_out():
    files = deploy.package_files()

    assert {"machine_learning_engineering/__init__.py", "machine_learning_engineering/agent.py"} <= set(files)
    assert any(f.startswith("machine_learning_engineering/knowledge/") and f.endswith(".yaml") for f in files)
    assert all(not Path(f).is_absolute() and (ROOT / f).is_file() for f in files)
    assert not [f for f in files if "/." in f or "__pycache__" in f]


def test_update_sends_the_same_deployment_to_the_named_resource():
    fake = FakeRuntimes()
    status = deploy.main(["update", NAME, "--project", "p", "--bucket", "gs://my-staging", "--display-name", "mine",
                          "--env", "MLE_STAR_MODEL=gemini-2.5-flash"], connect=fake.connect)

    assert status == 0 and fake.connected == [("p", "us-central1")]
    [(method, call)] = fake.calls
    assert method == "update" and call["name"] == NAME and call["cwd"] == str(ROOT)
    assert call["config"] == _expected_config({"MLE_STAR_MODEL": "gemini-2.5-flash"}, display_name="mine")
    assert call["agent"]._tmpl_attrs["agent"].settings.model == "gemini-2.5-flash"


def test_list_filters_by_display_name_and_prints_each_resource(monkeypatch, capsys):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-project")
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "asia-northeast1")
    found = SimpleNamespace(api_resource=SimpleNamespace(name=NAME, display_name="mle-star", update_time=None,
                                                         create_time="2026-01-02 03:04:05"))
    fake = FakeRuntimes(listed=(found,))

    assert deploy.main(["list"], connect=fake.connect) == 0
    assert fake.connected == [("env-project", "asia-northeast1")]
    assert [(m, c["config"]) for m, c in fake.calls] == [("list", {"filter": 'display_name="mle-star"'})]
    assert capsys.readouterr().out == f"{NAME}\tmle-star\t2026-01-02 03:04:05\n"


@pytest.mark.parametrize("flags, force", [([], False), (["--force"], True)])
def test_delete_sends_the_name_and_force(flags, force):
    fake = FakeRuntimes()

    assert deploy.main(["delete", NAME, "--project", "p", *flags], connect=fake.connect) == 0
    assert [(m, c["name"], c["force"]) for m, c in fake.calls] == [("delete", NAME, force)]


@pytest.mark.parametrize("argv, message", [
    (["create", "--project", "p"], "the following arguments are required: --bucket"),
    (["create", "--project", "p", "--bucket", "my-staging"], "'my-staging' is not a gs:// URL"),
    (["create", "--project", "p", "--bucket", "gs://b", "--env", "MLE_STAR_MODEL"], "'MLE_STAR_MODEL' is not NAME=VALUE"),
    (["update", NAME, "--project", "p", "--bucket", "gs://b", "--env", "=x"], "'=x' is not NAME=VALUE"),
    (["list"], "--project is required (or set GOOGLE_CLOUD_PROJECT)"),
    (["delete", "--project", "p"], "the following arguments are required: RESOURCE_NAME"),
])
def test_bad_flags_stop_with_an_argparse_error_before_any_call(argv, message, capsys):
    fake = FakeRuntimes()

    with pytest.raises(SystemExit) as stopped:
        deploy.main(argv, connect=fake.connect)

    assert stopped.value.code == 2 and message in capsys.readouterr().err
    assert fake.calls == [] and fake.connected == []


def test_a_bad_setting_in_env_is_one_line_naming_the_flag(capsys):
    fake = FakeRuntimes()
    status = deploy.main(["create", "--project", "p", "--bucket", "gs://b", "--env", "MLE_STAR_NUM_SOLUTIONS=x"],
                         connect=fake.connect)

    assert status == 2 and fake.calls == []
    assert capsys.readouterr().err == ("deployment/deploy.py: --env MLE_STAR_NUM_SOLUTIONS='x' is not a valid int: "
                                       "give a whole number\n")


def test_a_refusal_from_vertex_ai_is_one_line(capsys):
    refused = ClientError(404, {"error": {"code": 404, "status": "NOT_FOUND", "message": "no such engine"}})
    fake = FakeRuntimes(error=refused)

    assert deploy.main(["delete", NAME, "--project", "p"], connect=fake.connect) == 1
    err = capsys.readouterr().err
    assert err.startswith("deployment/deploy.py: delete was refused: 404 NOT_FOUND") and err.count("\n") == 1


def test_requirements_are_pyprojects_dependencies():
    assert deploy.requirements() == _pyproject_dependencies()


def test_the_parser_offers_each_subcommand_with_its_flags():
    parser = deploy.build_parser()
    [commands] = [a for a in parser._actions if a.dest == "command"]
    flags = {name: {o for a in sub._actions for o in a.option_strings} for name, sub in commands.choices.items()}

    common = {"-h", "--help", "--project", "--location"}
    assert flags == {"create": common | {"--bucket", "--env", "--display-name"},
                     "update": common | {"--bucket", "--env", "--display-name"},
                     "list": common | {"--display-name"}, "delete": common | {"--force"}}


def test_the_readmes_deployment_steps_match_the_parser():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Deploy to Vertex AI Agent Engine", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    commands = [line.split("deployment/deploy.py ", 1)[1].split() for line in block.splitlines() if line.strip()]
    assert sorted(c[0] for c in commands) == ["create", "delete", "list", "update"]

    parser = deploy.build_parser()
    for argv in commands:
        argv = ["--env" if a == "--env" else a for a in argv if a != "..."]
        if argv[-1] == "--env":
            argv.append("MLE_STAR_MODEL=offline")  # the README's "--env ..." stands for the pairs given before
        parser.parse_args(argv)  # exits (SystemExit) on a flag or subcommand the parser does not take

    [subcommands] = [a for a in parser._actions if a.dest == "command"]
    flags = {o for sub in subcommands.choices.values() for a in sub._actions for o in a.option_strings}
    mentioned = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", section))
    assert mentioned == flags - {"-h", "--help"}
    assert "gcloud auth application-default login" in section and deploy.DEFAULT_LOCATION in section
    assert f"`{deploy.DISPLAY_NAME}`" in section


def test_a_local_api_key_is_not_pickled_into_the_upload(monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", "test-key-that-must-stay-here")

    uploaded = cloudpickle.dumps(deploy.build_app({}))

    assert b"test-key-that-must-stay-here" not in uploaded
    assert os.environ["GOOGLE_API_KEY"] == "test-key-that-must-stay-here"


def _bare_env(home: Path, **extra: str) -> dict[str, str]:
    """This machine's environment without Google Cloud credentials, keys or MLE-STAR settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MLE_STAR_", "GOOGLE_", "GEMINI_", "CLOUDSDK_"))}
    # Blank, not absent: `.env` never overrides a variable that is set.
    env.update({name: "" for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI",
                                      "MLE_STAR_MODEL")},
               HOME=str(home), GOOGLE_APPLICATION_CREDENTIALS=str(home / "missing-credentials.json"),
               GOOGLE_CLOUD_AGENT_ENGINE_ENABLE_TELEMETRY="false", **extra)
    return env


def _python(code: str, env: dict[str, str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    prelude = f"import sys; sys.path.insert(0, {str(ROOT / 'deployment')!r}); import deploy\n"
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def test_without_credentials_list_exits_2_with_one_line_and_no_traceback(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "list", "--project", "p"], env=_bare_env(tmp_path),
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)

    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("deployment/deploy.py: no usable Google Cloud credentials (")
    assert done.stderr.endswith("); run `gcloud auth application-default login`\n")
    assert done.stderr.count("\n") == 1 and "missing-credentials.json" in done.stderr


def test_sessions_are_in_memory_locally_and_vertex_ai_once_deployed(tmp_path):
    code = """
        import json, os, pickle, cloudpickle
        uploaded = cloudpickle.dumps(deploy.build_app({}))
        kinds = {}
        for where in ("local", "deployed"):
            if where == "deployed":  # what Agent Engine sets in the deployment's environment
                os.environ.update(GOOGLE_CLOUD_AGENT_ENGINE_ID="123", GOOGLE_CLOUD_PROJECT="p",
                                  GOOGLE_CLOUD_LOCATION="us-central1")
            app = pickle.loads(uploaded)
            app.set_up()
            kinds[where] = type(app._tmpl_attrs["session_service"]).__name__
        print(json.dumps(kinds))
    """
    done = _python(code, _bare_env(tmp_path), tmp_path, timeout=120)

    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1]) == {"local": "InMemorySessionService",
                                                        "deployed": "VertexAiSessionService"}


def test_the_deployed_app_solves_a_bundled_task_when_run_locally(tmp_path):
    from machine_learning_engineering.bundled_tasks import build_all

    build_all(tmp_path / "tasks", ["wine-cultivar"])
    runs = tmp_path / "runs"
    small = {"MLE_STAR_NUM_SOLUTIONS": "1", "MLE_STAR_NUM_CANDIDATES": "2", "MLE_STAR_OUTER_STEPS": "1",
             "MLE_STAR_INNER_STEPS": "1", "MLE_STAR_ENSEMBLE_ROUNDS": "0", "MLE_STAR_SMALL_DATA_REPEATS": "1",
             "MLE_STAR_N_FOLDS": "3", "MLE_STAR_RUNS_DIR": str(runs)}
    code = f"""
        import asyncio, json
        app = deploy.build_app({small!r})

        async def chat():
            texts = []
            async for event in app.async_stream_query(
                    user_id="tester", message="solve {tmp_path / 'tasks' / 'wine-cultivar'} in 60 seconds"):
                texts += [p["text"] for p in (event.get("content") or {{}}).get("parts") or [] if p.get("text")]
            return texts

        print(json.dumps(asyncio.run(chat())))
    """
    done = _python(code, _bare_env(tmp_path, **small), tmp_path, timeout=240)

    assert done.returncode == 0, done.stderr[-3000:]
    said = "\n".join(json.loads(done.stdout.splitlines()[-1]))
    assert "Starting MLE-STAR on wine-cultivar" in said and "Submission written to" in said, said
    assert list(runs.glob("wine-cultivar-*/submission.csv"))
