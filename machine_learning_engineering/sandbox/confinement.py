"""How scripts are confined: "bwrap", else "unshare", else "none" (see `resolve_isolation`).

What each isolation protects, and what it does not:

- "bwrap" (bubblewrap): the whole file system read-only, no network, its own process tree and
  /proc, a private /tmp and /dev/shm, and writes only to its workspace and to the run's feature
  cache (a folder its scripts share); the task data is bound read-only at `<workspace>/input`.
  The agent user's home is an empty folder (the interpreter, its
  libraries and model caches inside it stay readable), the hidden folders (the private answers)
  are empty, and `.env` files in and above the agent's working folder and the file named by
  GOOGLE_APPLICATION_CREDENTIALS read as empty. No capabilities, which matters when we run as root:
  with them a script could remount the root read-write.
- "unshare" (used when bubblewrap is missing but the kernel lets us create user namespaces): the
  same hiding (home, hidden folders, credential files, other processes behind a fresh /proc), the
  task data and its snapshot read-only, no capabilities. NOT confined: the network, and writes
  anywhere else the user may write (/tmp, the run folder above the workspace).
- "none": nothing is confined. A script can read everything the user can: the private answers
  (the run folder's run.json names the task, and a search of the disk finds them), the agent's
  files, and the environment of every process of the user through /proc (the shell that exported
  an API key included); it can write anywhere the user can (as root, permissions stop nothing),
  including the original task data, which the sandbox then reports but cannot restore. A script
  that kills its launcher and then detaches a daemon between two watchdog scans can outlive it.

In every isolation the script's own environment is an allowlist (no keys, see `environment`), a
change to the data it sees voids the run (outside bubblewrap it sees a snapshot, restored after
any change; see `input_guard`), it is killed past its time, memory or process limit, and what it
leaves running is killed when it exits (see `launcher` and `process`).
"""

from __future__ import annotations

import glob
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Mapping, Optional, Sequence

from ..config import ISOLATIONS

logger = logging.getLogger(__name__)


BWRAP_MISSING_WARNING = ("bubblewrap not available: scripts run unconfined (they can read the private "
                         "answers and other processes' environments, use the network and write anywhere "
                         "the user can); install the Debian package 'bubblewrap'")
UNSHARE_WARNING = ("bubblewrap not available: scripts run in Linux namespaces that hide the private answers, "
                   "credentials and other processes, but they can use the network and write outside their "
                   "workspace; install the Debian package 'bubblewrap'")
HIDDEN_READABLE_WARNING = ("isolation 'none': scripts can read the hidden folders %s (the private answers); "
                           "use bubblewrap or isolation 'auto' where user namespaces work")

# Every flag that does not depend on the run; the probe uses them all, so a bwrap that cannot
# create one of these namespaces here is reported as unavailable rather than failing every script.
_BASE_FLAGS = (
    "--ro-bind", "/", "/",
    "--dev", "/dev",
    "--tmpfs", "/dev/shm",
    "--proc", "/proc",
    "--unshare-net",
    "--unshare-pid",
    "--die-with-parent",
    "--cap-drop", "ALL",
)
# GPUs must stay usable: `--dev` creates a minimal /dev without them.
_DEVICE_GLOBS = ("/dev/nvidia*", "/dev/nvidia-caps", "/dev/dri", "/dev/kfd")
_LAUNCHER_SOURCE = Path(__file__).with_name("launcher.py").read_text(encoding="utf-8")

_probe_lock = threading.Lock()
_probe_result: Optional[tuple[Optional[str], Optional[str]]] = None
_unshare_result: Optional[tuple[Optional[str]]] = None  # (why it does not work or None,)
_warned = False


def bwrap_status() -> tuple[Optional[str], Optional[str]]:
    """(path of a working bwrap or None, why it is unusable or None). Probed once per process."""
    global _probe_result
    with _probe_lock:
        if _probe_result is None:
            _probe_result = _probe()
        return _probe_result


def unshare_status() -> Optional[str]:
    """None when the "unshare" confinement works here, else why not. Probed once per process."""
    global _unshare_result
    with _probe_lock:
        if _unshare_result is None:
            _unshare_result = (_probe_unshare(),)
        return _unshare_result[0]


def _probe() -> tuple[Optional[str], Optional[str]]:
    path = shutil.which("bwrap")
    if path is None:
        return None, "no 'bwrap' on PATH"
    try:
        done = subprocess.run([path, *_BASE_FLAGS, "true"], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"{path} could not run: {exc}"
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        return None, f"{path} failed its probe: {detail[-1] if detail else f'exit {done.returncode}'}"
    return path, None


def _probe_unshare() -> Optional[str]:
    """Runs the launcher's "unshare" mode once and checks that it hid a folder and /proc."""
    if not sys.platform.startswith("linux"):
        return "not Linux"
    with tempfile.TemporaryDirectory(prefix="mle-star-probe-") as tmp:
        hidden, kept = Path(tmp, "hidden"), Path(tmp, "kept")
        hidden.mkdir()
        kept.mkdir()
        (hidden / "secret").write_text("x")
        check = (f"import os, sys; sys.exit(0 if os.listdir({str(hidden)!r}) == [] and os.getpid() == 2 "
                 f"and sorted(p for p in os.listdir('/proc') if p.isdigit()) == ['1', '2'] else 3)")
        command = launch_command("unshare", [sys.executable, "-I", "-S", "-c", check], data_limit=1 << 40,
                                 mounts=[("tmpfs", str(hidden)), ("ro-bind", str(kept), str(kept))])
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"the namespace probe could not run: {exc}"
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        return f"the namespace probe failed: {detail[-1] if detail else f'exit {done.returncode}'}"
    return None


def resolve_isolation(isolation: str) -> str:
    """The isolation a sandbox will use: "bwrap", "unshare" or "none".

    "auto" picks bwrap when it works, else "unshare" when it works (logging UNSHARE_WARNING once
    per process), else "none" (logging BWRAP_MISSING_WARNING once per process).

    Raises:
        ValueError: `isolation` is not one of ISOLATIONS, or is "bwrap" or "unshare" and that
            does not work here.
    """
    global _warned
    if isolation not in ISOLATIONS:
        raise ValueError(f"isolation must be one of {ISOLATIONS}, got {isolation!r}")
    if isolation == "none":
        return "none"
    if isolation in ("auto", "bwrap"):
        path, problem = bwrap_status()
        if path is not None:
            return "bwrap"
        if isolation == "bwrap":
            raise ValueError(f"isolation='bwrap' was asked for but bubblewrap does not work here ({problem}); "
                             "install the Debian package 'bubblewrap' or use isolation='auto'")
    namespace_problem = unshare_status()
    if isolation == "unshare" and namespace_problem is not None:
        raise ValueError(f"isolation='unshare' was asked for but user namespaces do not work here "
                         f"({namespace_problem}); use isolation='auto'")
    if isolation == "unshare":
        return "unshare"
    chosen = "unshare" if namespace_problem is None else "none"
    with _probe_lock:
        if not _warned:
            _warned = True
            if chosen == "unshare":
                logger.warning("%s (%s)", UNSHARE_WARNING, problem)
            else:
                logger.warning("%s (%s; %s)", BWRAP_MISSING_WARNING, problem, namespace_problem)
    return chosen


def launch_command(isolation: str, command: Sequence[str], *, data_limit: int,
                   mounts: Sequence[tuple[str, ...]] = ()) -> list[str]:
    """The launcher's command line running `command` with the given data-segment limit: it
    becomes the script ("bwrap", whose own first process reaps), or reaps it ("none"), or
    confines it with `mounts` ("unshare")."""
    mode = {"bwrap": "exec", "none": "reap", "unshare": "unshare"}[isolation]
    spec = {"mode": mode, "data_limit": data_limit, "mounts": [list(m) for m in mounts]}
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER_SOURCE, json.dumps(spec), *command]


def confined_command(isolation: str, command: Sequence[str], *, data_limit: int, workspace: Path,
                     input_dir: Path, data_dir: Path, hidden: Sequence[Path], env: Mapping[str, str],
                     writable: Sequence[Path] = ()) -> list[str]:
    """The full command line of a script run under `isolation`. `input_dir` is what the script
    sees as `<workspace>/input` (the data itself under bwrap, its snapshot otherwise); `writable`
    are folders besides the workspace it may write (the run's feature cache); every path must be
    absolute and resolved."""
    if isolation == "bwrap":
        return bwrap_argv(workspace, input_dir, launch_command("bwrap", command, data_limit=data_limit),
                          hidden, env, writable)
    mounts: list[tuple[str, ...]] = []
    if isolation == "unshare":
        # The workspace and data are bound onto themselves: visible if they live in the emptied
        # home, and the data read-only.
        mounts = [*_hiding(_emptied([_home()]), hidden, env), ("bind", str(workspace), str(workspace)),
                  *(("bind", str(folder), str(folder)) for folder in writable),
                  ("ro-bind", str(input_dir), str(input_dir)), ("ro-bind", str(data_dir), str(data_dir))]
    return launch_command(isolation, command, data_limit=data_limit, mounts=mounts)


def bwrap_argv(workspace: Path, input_dir: Path, command: Sequence[str], hidden: Sequence[Path] = (),
               env: Optional[Mapping[str, str]] = None, writable: Sequence[Path] = ()) -> list[str]:
    """The bwrap command line running `command` in `workspace` with `input_dir` read-only at
    `<workspace>/input`, the `writable` folders writable, and what the module docstring says is
    hidden hidden. All paths must be absolute and resolved."""
    path, problem = bwrap_status()
    if path is None:
        raise RuntimeError(f"bubblewrap is not usable: {problem}")
    argv = [path, *_BASE_FLAGS]
    for device in _gpu_devices():
        argv += ["--dev-bind", device, device]
    for kind, *paths in _hiding(_emptied(["/tmp", _home()]), hidden, env or os.environ):
        argv += [f"--{kind}", *paths]
    argv += ["--bind", str(workspace), str(workspace)]
    for folder in writable:
        argv += ["--bind", str(folder), str(folder)]
    argv += ["--ro-bind", str(input_dir), str(workspace / "input"),
             "--chdir", str(workspace),
             "--", *command]
    return argv


def _hiding(emptied: Sequence[str], hidden: Sequence[Path], env: Mapping[str, str]) -> list[tuple[str, ...]]:
    """Mounts, in order: the `emptied` folders become empty (tmpfs) with what scripts need inside
    them bound back read-only, the hidden folders become empty, credential files read as empty."""
    mounts: list[tuple[str, ...]] = [("tmpfs", folder) for folder in emptied]
    mounts += [("ro-bind", kept, kept) for kept in _kept_under(emptied, env)]
    mounts += [("tmpfs", str(folder)) for folder in hidden if folder.is_dir()]
    mounts += [("ro-bind", os.devnull, file) for file in _credential_files()]
    return mounts


def _home() -> str:
    return os.path.realpath(Path.home())


def _emptied(folders: Sequence[str]) -> list[str]:
    """The folders to empty, outermost only; never the root."""
    kept: list[str] = []
    for folder in sorted({os.path.abspath(f) for f in folders if os.path.isdir(f)} - {"/"}):
        if not any(_is_within(folder, outer) for outer in kept):
            kept.append(folder)
    return kept


def _kept_under(emptied: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """Folders inside the emptied ones that the script needs: the interpreter, its libraries, what
    its PATH and LD_LIBRARY_PATH name, and the model caches; outermost first, nested ones dropped.
    A folder is kept under the name the script uses and under its real path."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable), *sys.path,
                  *(env.get(name, "") for name in ("HF_HOME", "TORCH_HOME", "VIRTUAL_ENV"))}
    for name in ("PATH", "LD_LIBRARY_PATH"):
        candidates.update(env.get(name, "").split(os.pathsep))
    names = {form(p) for p in candidates if p and os.path.isabs(p) and os.path.isdir(p)
             for form in (os.path.abspath, os.path.realpath)}
    inside = sorted(p for p in names if any(_is_within(p, folder) and p != folder for folder in emptied))
    kept: list[str] = []
    for p in inside:
        if not any(_is_within(p, outer) for outer in kept):
            kept.append(p)
    return kept


def _credential_files() -> list[str]:
    """Files holding the agent's secrets: the `.env` files the configuration may have loaded (in and
    above the working folder) and the Google service-account key."""
    cwd = Path.cwd()
    files = [str(folder / ".env") for folder in (cwd, *cwd.parents)]
    files.append(os.environ.get("GOOGLE_APPLICATION_CREDENTIALS", ""))
    return sorted({os.path.abspath(f) for f in files if f and os.path.isfile(f)})


def _gpu_devices() -> list[str]:
    return sorted({p for pattern in _DEVICE_GLOBS for p in glob.glob(pattern)})


def _is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")
