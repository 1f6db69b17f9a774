"""Creates, updates, lists and deletes the MLE-STAR agent on Vertex AI Agent Engine.

    python deployment/deploy.py create --project my-project --bucket gs://my-staging \\
        [--location us-central1] [--display-name mle-star] [--env MLE_STAR_MODEL=gemini-2.5-flash ...]
    python deployment/deploy.py update RESOURCE_NAME --project my-project --bucket gs://my-staging [--env ...]
    python deployment/deploy.py list --project my-project [--display-name mle-star]
    python deployment/deploy.py delete RESOURCE_NAME --project my-project [--force]

RESOURCE_NAME is what `create` and `list` print: projects/.../locations/.../reasoningEngines/123.
--project falls back to $GOOGLE_CLOUD_PROJECT and --location to $GOOGLE_CLOUD_LOCATION, then us-central1.

Needs Application Default Credentials (`gcloud auth application-default login`) and the Vertex AI API
(`gcloud services enable aiplatform.googleapis.com`). The staging bucket receives the pickled app, the
requirements (pyproject.toml's dependencies) and the `machine_learning_engineering` package (without its
hidden files, e.g. a `.env`); the SDK creates the bucket in --location when it does not exist.

The deployed app is ADK's `AdkApp` around the front door: its sessions live in Agent Engine's
VertexAiSessionService (in memory when the app runs locally). The agent's settings come from the
MLE_STAR_* variables given with --env, and from nothing else on this machine (no .env): they are fixed
when the app is pickled here, and are also set in the deployment's environment. Without --env the agent
runs offline; with MLE_STAR_MODEL=gemini-2.5-flash it calls Gemini on Vertex AI as the deployment's
service account. `update` replaces the agent, its packages and its whole environment: give every --env
again. The task folder named in a message must exist on the deployment's file system.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Optional, Protocol

if TYPE_CHECKING:
    from agentplatform.frameworks import AdkApp

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "machine_learning_engineering"
DISPLAY_NAME = "mle-star"
DESCRIPTION = "MLE-STAR machine learning engineering agent"
DEFAULT_LOCATION = "us-central1"
PROG = "deployment/deploy.py"
LOGIN = "run `gcloud auth application-default login`"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Runtimes(Protocol):
    """The calls this script makes on `agentplatform.Client(...).runtimes` (tests pass a fake)."""

    def create(self, *, agent: Any, config: dict[str, Any]) -> Any: ...

    def update(self, *, name: str, agent: Any, config: dict[str, Any]) -> Any: ...

    def list(self, *, config: dict[str, Any]) -> Iterable[Any]: ...

    def delete(self, *, name: str, force: bool) -> Any: ...


def connect(project: str, location: str) -> Runtimes:
    """Agent Engine's client for `project` and `location`; credentials are looked up on the first call."""
    import agentplatform

    return agentplatform.Client(project=project, location=location).runtimes


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per operation, each with the options it takes."""
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--project", help="Google Cloud project id (default: $GOOGLE_CLOUD_PROJECT)")
    where.add_argument("--location", help=f"region (default: $GOOGLE_CLOUD_LOCATION, else {DEFAULT_LOCATION})")
    named = argparse.ArgumentParser(add_help=False)
    named.add_argument("--display-name", default=DISPLAY_NAME, help=f"deployment's name (default: {DISPLAY_NAME})")
    app = argparse.ArgumentParser(add_help=False)
    app.add_argument("--bucket", required=True, type=_bucket, help="gs:// staging bucket for the upload")
    app.add_argument("--env", action="append", default=[], type=_env_pair, metavar="NAME=VALUE",
                     help="environment of the deployed agent, repeatable, e.g. MLE_STAR_MODEL=gemini-2.5-flash")

    parser = argparse.ArgumentParser(prog=PROG, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{create,update,list,delete}")
    commands.add_parser("create", parents=[where, named, app], help="deploy the agent")
    update = commands.add_parser("update", parents=[where, named, app], help="redeploy onto a deployment")
    update.add_argument("resource_name", metavar="RESOURCE_NAME")
    commands.add_parser("list", parents=[where, named], help="list the deployments named --display-name")
    delete = commands.add_parser("delete", parents=[where], help="delete a deployment")
    delete.add_argument("resource_name", metavar="RESOURCE_NAME")
    delete.add_argument("--force", action="store_true",
                        help="also delete its sessions (without it, a deployment that has any is not deleted)")
    return parser


def _bucket(value: str) -> str:
    if not value.startswith("gs://") or not value[len("gs://"):].strip("/"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a gs:// URL; give e.g. gs://my-staging-bucket")
    return value.rstrip("/")


def _env_pair(value: str) -> tuple[str, str]:
    name, sep, setting = value.partition("=")
    if not sep or not _ENV_NAME.fullmatch(name):
        raise argparse.ArgumentTypeError(f"{value!r} is not NAME=VALUE; give e.g. MLE_STAR_MODEL=gemini-2.5-flash")
    return name, setting


def requirements() -> list[str]:
    """The package's own dependencies, read from pyproject.toml so the two never drift (the SDK adds
    cloudpickle and pydantic itself)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"])


def package_files() -> list[str]:
    """The package's files as the deployment imports them: paths relative to ROOT (the SDK stores each
    under the path it is given), without hidden files and folders or bytecode, so a local `.env` or
    `adk web`'s `.adk/` sessions are not uploaded."""
    folder = ROOT / PACKAGE
    return sorted(path.relative_to(ROOT).as_posix() for path in folder.rglob("*")
                  if path.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                                for part in path.relative_to(folder).parts))


def build_app(env: Mapping[str, str]) -> "AdkApp":
    """The app that is deployed: ADK's AdkApp around the front door built from the MLE_STAR_*
    variables in `env` alone, so this machine's .env and environment do not leak into it.

    Raises:
        SettingsError: a variable in `env` holds a value its setting does not take.
    """
    from agentplatform.frameworks import AdkApp

    from machine_learning_engineering.config import Settings
    from machine_learning_engineering.sub_agents.front_door.front_door import build_front_door

    front_door = build_front_door(Settings.from_env(env, dotenv=False))
    # AdkApp keeps GOOGLE_API_KEY from the environment in the pickle it uploads; a deployment with a
    # project uses its service account, so a key here would only be copied into the bucket.
    with _unset("GOOGLE_API_KEY"):
        return AdkApp(agent=front_door)


def deployment_config(args: argparse.Namespace) -> dict[str, Any]:
    """What `create` and `update` send besides the app."""
    return {"display_name": args.display_name, "description": DESCRIPTION, "staging_bucket": args.bucket,
            "requirements": requirements(), "extra_packages": package_files(), "env_vars": dict(args.env)}


def main(argv: Optional[list[str]] = None, connect: Callable[[str, str], Runtimes] = connect) -> int:
    """Runs one subcommand; returns the exit status (2: bad input or no credentials, 1: refused)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    project = args.project or os.environ.get("GOOGLE_CLOUD_PROJECT")
    if not project:
        parser.error("--project is required (or set GOOGLE_CLOUD_PROJECT)")
    location = args.location or os.environ.get("GOOGLE_CLOUD_LOCATION") or DEFAULT_LOCATION

    from google.api_core.exceptions import GoogleAPIError
    from google.auth.exceptions import GoogleAuthError
    from google.genai.errors import APIError

    from machine_learning_engineering.config import SettingsError, env_variable

    try:
        return _run(args, connect(project, location))
    except SettingsError as exc:
        return _fail(str(exc.given_as(f"--env {env_variable(exc.name)}={exc.value!r}")), 2)
    except GoogleAuthError as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _fail(f"no usable Google Cloud credentials ({detail}); {LOGIN}", 2)
    except (APIError, GoogleAPIError) as exc:  # Vertex AI's or Cloud Storage's answer says what is wrong
        return _fail(f"{args.command} was refused: {exc}", 1)


def _run(args: argparse.Namespace, runtimes: Runtimes) -> int:
    if args.command == "list":
        found = runtimes.list(config={"filter": f'display_name="{args.display_name}"'})
        for runtime in found:
            resource = runtime.api_resource
            print(f"{resource.name}\t{resource.display_name}\t{resource.update_time or resource.create_time}")
        return 0
    if args.command == "delete":
        runtimes.delete(name=args.resource_name, force=args.force)
        print(f"deleting {args.resource_name}")
        return 0
    app, config = build_app(dict(args.env)), deployment_config(args)
    with _cwd(ROOT):
        if args.command == "create":
            runtime = runtimes.create(agent=app, config=config)
        else:
            runtime = runtimes.update(name=args.resource_name, agent=app, config=config)
    verb = "deployed" if args.command == "create" else "updated"
    print(f"{verb}: {runtime.api_resource.name}")
    return 0


def _fail(message: str, status: int) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return status


@contextmanager
def _cwd(folder: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def _unset(name: str) -> Iterator[None]:
    value = os.environ.pop(name, None)
    try:
        yield
    finally:
        if value is not None:
            os.environ[name] = value


if __name__ == "__main__":
    # Run as a script, only deployment/ is on the path; the package sits beside it.
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
