"""Hostile and broken scripts, one case a test, under every isolation that works here.

Every test checks that the run ends, that its outcome (failure or score) is the right one, that no
file of the task (data and private answers) changed, and that nothing the script started is still
running. Where an isolation cannot protect something, the test asserts what does happen, so the
gap stays visible (`confinement` states them): under "unshare" the network and writes outside the
workspace are open; under "none" nothing is confined.

The cases: an infinite loop, a time-out with children, a hung import, a fork bomb, memory hogs,
huge output, processes left running, writes outside the workspace, deleting or editing the input,
reading credentials, reading the private answers, undoing the hiding, the network, faked scores, a score
then a crash. Re-scoring a submission saved without predictions is the host's job
(tools/score_check.py), not the sandbox's.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

from machine_learning_engineering.sandbox import ExecutionResult, Sandbox
from machine_learning_engineering.sandbox import executor as executor_module
from machine_learning_engineering.sandbox.confinement import HIDDEN_READABLE_WARNING

from .support import BWRAP, TRAIN_CSV, UNSHARE, checksums, code, live_processes_with

pytestmark = pytest.mark.timeout(120)

SCORE = "Final Validation Performance"
ANSWERS_CSV = "id,y\n7,1\n8,0\n"


@dataclass
class Scene:
    """A task, a run folder and an agent laid out as `run_context.open_run` lays them out (the
    run folder's run.json names the task root, two folders above the workspace), with the agent's
    secrets where an agent keeps them. Every process of the script carries `token` in its
    environment."""

    task_dir: Path
    data_dir: Path
    private_dir: Path
    run_dir: Path
    workspace: Path
    home: Path
    agent_dir: Path
    secret: str
    token: str
    before: dict[str, str]

    def sandbox(self, isolation: str, **kwargs) -> Sandbox:
        return Sandbox(self.data_dir, cache_dir=self.run_dir / ".sandbox", isolation=isolation,
                       hidden_paths=[self.private_dir], extra_env={"HOSTILE_RUN": self.token}, **kwargs)

    async def run(self, isolation: str, source: str, *, timeout_s: float = 30, workspace: Optional[Path] = None,
                  extra_files=None, shared_cache: bool = True, **kwargs) -> ExecutionResult:
        return await self.sandbox(isolation, **kwargs).run(
            self.script(source), workspace or self.workspace, timeout_s=timeout_s, extra_files=extra_files,
            shared_cache=shared_cache)

    def script(self, source: str) -> str:
        """`source` after constants naming what a hostile script would look for."""
        names = {"TASK_DIR": self.task_dir, "DATA_DIR": self.data_dir, "PRIVATE_DIR": self.private_dir,
                 "RUN_DIR": self.run_dir, "WORKSPACE": self.workspace, "AGENT_HOME": self.home,
                 "AGENT_DIR": self.agent_dir, "SECRET": self.secret}
        return "".join(f"{name} = {str(value)!r}\n" for name, value in names.items()) + code(source)

    def survivors(self, wait_s: float = 2.0) -> list[int]:
        """Processes of the script still alive (a killed one may need a moment to go)."""
        deadline = time.monotonic() + wait_s
        while (alive := live_processes_with(self.token)) and time.monotonic() < deadline:
            time.sleep(0.05)
        return alive

    def assert_contained(self, *, data_intact: bool = True) -> None:
        assert self.survivors() == []
        if data_intact:
            assert checksums(self.task_dir) == self.before


def guarded(action: str, *, done: str) -> str:
    """A script that runs `action` and prints `done`, or why the system refused it."""
    return (f"import os, shutil\ntry:\n{textwrap.indent(code(action), '    ')}\n    print({done!r})\n"
            f"except OSError as exc:\n    print('refused', exc.strerror)\n")


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Outside /tmp where possible: bubblewrap gives scripts a private /tmp, which would hide the
    # whole scene and leave its read-only root and its hiding of the home untested.
    root = Path(tempfile.mkdtemp(prefix="mle-star-hostile-", dir="/var/tmp")) \
        if os.access("/var/tmp", os.W_OK) else tmp_path
    task_dir = root / "task"
    data_dir, private_dir = task_dir / "public", task_dir / "private"
    (data_dir / "images").mkdir(parents=True)
    private_dir.mkdir()
    (task_dir / "description.md").write_text("Predict y.\n")
    (data_dir / "train.csv").write_bytes(TRAIN_CSV)
    (data_dir / "test.csv").write_text("id,x\n7,0.1\n8,2.0\n")
    (data_dir / "images" / "0.bin").write_bytes(bytes(range(256)))
    (private_dir / "answers.csv").write_text(ANSWERS_CSV)
    run_dir = root / "runs" / "task-20250101-000000"
    workspace = run_dir / "attempts" / "0001-s1-hostile"
    workspace.mkdir(parents=True)
    (run_dir / "run.json").write_text(json.dumps({"task": str(task_dir), "status": "running"}))

    secret = f"sk-{uuid.uuid4().hex}"
    home = root / "home"
    (home / ".config" / "gcloud").mkdir(parents=True)
    (home / ".config" / "gcloud" / "application_default_credentials.json").write_text(
        json.dumps({"refresh_token": secret}))
    model_cache = home / ".cache" / "huggingface"
    model_cache.mkdir(parents=True)
    (model_cache / "weights.bin").write_text("pretrained")
    agent_dir = root / "agent"
    agent_dir.mkdir()
    (agent_dir / ".env").write_text(f"GOOGLE_API_KEY={secret}\n")
    (agent_dir / "service-account.json").write_text(json.dumps({"private_key": secret}))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("HF_HOME", str(model_cache))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(agent_dir / "service-account.json"))
    for name in ("GOOGLE_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN"):
        monkeypatch.setenv(name, secret)
    monkeypatch.chdir(agent_dir)
    monkeypatch.setattr(executor_module, "KILL_GRACE_S", 0.5)

    made = Scene(task_dir, data_dir, private_dir, run_dir, workspace, home, agent_dir, secret,
                 uuid.uuid4().hex, checksums(task_dir))
    yield made
    for pid in live_processes_with(made.token):  # whatever a failed test left, so the machine lives
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if root != tmp_path:
        for folder, _, _ in os.walk(root):  # the data snapshot is read-only
            os.chmod(folder, 0o755)
        shutil.rmtree(root)


# Time.

async def test_an_infinite_loop_is_killed_at_its_time_limit(scene: Scene, isolation: str):
    result = await scene.run(isolation, """
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # so that only SIGKILL ends it
        print("looping", flush=True)
        while True:
            pass
    """, timeout_s=1.5)
    assert result.timed_out and result.failure == "timed out after 1.5 s" and result.score is None
    # SIGTERM ends bubblewrap itself, which takes the script with it (--die-with-parent).
    assert result.returncode == (-signal.SIGTERM if isolation == "bwrap" else -signal.SIGKILL)
    assert "looping" in result.stdout_tail and result.duration_s < 1.5 + 0.5 + 1.0
    scene.assert_contained()


async def test_a_time_out_kills_every_child_too(scene: Scene, isolation: str):
    result = await scene.run(isolation, """
        import subprocess, sys, time
        sleeper = [sys.executable, "-c", "import time; time.sleep(300)"]
        stubborn = [sys.executable, "-c",
                    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"]
        children = [subprocess.Popen(sleeper), subprocess.Popen(stubborn),
                    subprocess.Popen(sleeper, start_new_session=True)]  # the last leaves the process group
        time.sleep(0.3)
        print("children alive:", sum(c.poll() is None for c in children), flush=True)
        time.sleep(300)
    """, timeout_s=1.5)
    assert result.timed_out and result.failure == "timed out after 1.5 s"
    assert "children alive: 3" in result.stdout_tail
    assert result.duration_s < 1.5 + 0.5 + 1.0
    scene.assert_contained()


async def test_a_hung_import_is_killed_at_its_time_limit(scene: Scene, isolation: str, tmp_path: Path):
    module = tmp_path / "blocker.py"
    module.write_text("import threading\nthreading.Event().wait()  # blocks the import forever\n")
    result = await scene.run(isolation, f"""
        print("importing", flush=True)
        import blocker
        print("{SCORE}: 1")
    """, timeout_s=1.5, extra_files={"blocker.py": module})
    assert result.timed_out and result.failure == "timed out after 1.5 s" and result.score is None
    assert result.returncode == -signal.SIGTERM and "importing" in result.stdout_tail
    scene.assert_contained()


# Processes and memory.

@pytest.mark.parametrize("escape", [False, True], ids=["in-the-group", "setsid"])
async def test_a_fork_bomb_is_killed_at_the_process_limit(scene: Scene, isolation: str, escape: bool):
    # Bounded whatever the sandbox does: 8 rounds of forks make 256 processes at most.
    result = await scene.run(isolation, f"""
        import os, time
        for _ in range(8):
            if os.fork() == 0 and {escape}:
                os.setsid()
        time.sleep(60)
    """, timeout_s=30, max_processes=64)
    assert result.failure == "exceeded the limit of 64 processes and threads"
    assert not result.timed_out and not result.memory_exceeded and result.duration_s < 10
    scene.assert_contained()


@pytest.mark.parametrize("hog, check", [
    pytest.param("""
        import time
        chunks = []
        for _ in range(100):  # 1 GB, touched page by page, slowly enough for the watchdog
            chunks.append(b"x" * (10 << 20))
            time.sleep(0.02)
    """, "watchdog", id="growing"),
    pytest.param("buffer = bytearray(1 << 30)", "data-limit", id="sudden"),
    pytest.param("""
        import os, time
        for _ in range(4):  # 4 x 150 MB: each child under the data limit, together over the memory limit
            if os.fork() == 0:
                chunks = []
                for _ in range(15):
                    chunks.append(b"x" * (10 << 20))
                    time.sleep(0.05)
                time.sleep(60)
        time.sleep(60)
    """, "sum", id="spread-over-children"),
])
async def test_a_memory_hog_is_killed_at_the_memory_limit(scene: Scene, isolation: str, hog: str, check: str):
    result = await scene.run(isolation, code(hog) + f"\nprint('{SCORE}: 1')\n", memory_limit_mb=300)
    assert result.memory_exceeded and not result.timed_out and result.score is None
    assert result.failure == "exceeded the memory limit of 300 MiB"
    if check == "data-limit":  # faster than the watchdog: the data-segment limit refuses it
        assert "MemoryError" in result.stderr_tail
    else:
        assert result.returncode == -signal.SIGKILL and result.peak_memory_mb >= 300
    if check == "watchdog":
        assert result.peak_memory_mb < 450
    scene.assert_contained()


async def test_huge_output_is_capped_on_both_streams(scene: Scene, isolation: str):
    result = await scene.run(isolation, f"""
        import sys
        chunk = b"y" * (1 << 20)
        for _ in range(16):  # 16 MiB on one line
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.write(b"\\n")
        for _ in range(16):
            sys.stderr.buffer.write(chunk + b"\\n")
        sys.stdout.flush()
        print("{SCORE}: 0.5")
    """, output_cap_kb=16)
    assert result.ok and result.score == 0.5, result.failure
    for tail, name in ((result.stdout_tail, "stdout.txt"), (result.stderr_tail, "stderr.txt")):
        assert tail.startswith("[... truncated ...]") and len(tail) <= 16 * 1024 + 32
        assert (scene.workspace / name).stat().st_size <= executor_module.OUTPUT_FILE_CAP_BYTES + 200
    assert result.stdout_tail.rstrip().endswith(f"{SCORE}: 0.5")
    scene.assert_contained()


LEFT_RUNNING = {
    "child": """
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])  # holds the output open
    """,
    "setsid-child": """
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    """,
    "double-fork-daemon": """
        import os, signal, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                for sig in (signal.SIGTERM, signal.SIGHUP):
                    signal.signal(sig, signal.SIG_IGN)
                os.chdir("/")
                devnull = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(devnull, fd)
                while True:
                    with open(os.path.join(WORKSPACE, "heartbeat.txt"), "a") as f:
                        f.write("beat\\n")
                    time.sleep(0.05)
            os._exit(0)
        os.wait()  # the first child is gone at once: only the daemon is left, out of the session
    """,
}


@pytest.mark.parametrize("kind", LEFT_RUNNING)
async def test_processes_left_running_die_with_the_script(scene: Scene, isolation: str, kind: str):
    result = await scene.run(isolation, code(LEFT_RUNNING[kind]) + f"\nprint('{SCORE}: 1')\n")
    assert result.ok and result.score == 1.0, result.failure
    assert result.duration_s < 5  # the run did not wait for what it left
    scene.assert_contained()
    heartbeat = scene.workspace / "heartbeat.txt"
    size = heartbeat.stat().st_size if heartbeat.exists() else 0
    time.sleep(0.3)
    assert (heartbeat.stat().st_size if heartbeat.exists() else 0) == size  # nobody writes any more


# Files.

# Where a script tries to write, and the isolations under which the host then finds the file there.
WRITE_TARGETS = {
    "agent-home": (lambda s: s.home / "planted.txt", {"none"}),  # an empty folder under bwrap and unshare
    "tmp": (lambda s: Path(f"/tmp/hostile-{s.token}"), {"unshare", "none"}),  # bwrap: a private /tmp
    "elsewhere": (lambda s: Path(f"/var/tmp/hostile-{s.token}"), {"unshare", "none"}),  # bwrap: read-only
    "run-folder": (lambda s: s.run_dir / "planted.txt", {"unshare", "none"}),
    "attempts-folder": (lambda s: s.workspace.parent / "planted.txt", {"unshare", "none"}),
    "data-folder": (lambda s: s.data_dir / "planted.txt", {"none"}),  # read-only under bwrap and unshare
}


@pytest.mark.parametrize("where", WRITE_TARGETS)
async def test_writes_outside_the_workspace(scene: Scene, isolation: str, where: str):
    target_of, leaks_under = WRITE_TARGETS[where]
    target = target_of(scene)
    try:
        result = await scene.run(isolation, f"""
            import os
            try:
                os.makedirs(os.path.dirname({str(target)!r}), exist_ok=True)
                with open({str(target)!r}, "w") as f:
                    f.write("planted")
                print("written")
            except OSError as exc:
                print("refused", exc.strerror)
            print("{SCORE}: 1")
        """)
        leaked = target.exists()
    finally:
        if target.exists() and where in ("tmp", "elsewhere"):
            target.unlink()
    assert leaked == (isolation in leaks_under)
    if where == "data-folder" and isolation == "none":
        # Seen and voided, but nothing can put the user's folder back.
        assert result.input_modified and result.failure.startswith("modified the input data (files: planted.txt)")
        scene.assert_contained(data_intact=False)
    else:
        assert result.ok and not result.input_modified, result.failure
        scene.assert_contained()


TAMPERING = {
    "overwrite": 'open("input/train.csv", "w").write("id,x,y\\n9,9,9\\n")',
    "same-size-rewrite-keeping-mtime": """
        stat = os.stat("input/train.csv")
        data = open("input/train.csv", "rb").read()
        open("input/train.csv", "wb").write(data.replace(b"0.5", b"9.5"))
        os.utime("input/train.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    """,
    "chmod-and-truncate": 'os.chmod("input/train.csv", 0o644); os.truncate("input/train.csv", 0)',
    "delete": 'os.remove("input/test.csv")',
    "add": 'open("input/planted.csv", "w").write("id\\n1\\n")',
    "rename": 'os.rename("input/images", "input/pictures")',
    "wipe": """
        for name in os.listdir("input"):
            path = os.path.join("input", name)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    """,
}


@pytest.mark.parametrize("how", TAMPERING)
async def test_deleting_or_editing_the_input(scene: Scene, isolation: str, how: str):
    result = await scene.run(isolation, guarded(TAMPERING[how], done="tampered") + f"print('{SCORE}: 0.99')\n")
    if isolation == "none":
        # The snapshot's read-only modes stop an ordinary user's simpler attempts, not root's.
        tampered = "tampered" in result.stdout_tail
        assert tampered or os.geteuid() != 0
        # A changed snapshot voids the run and is restored.
        assert result.input_modified == tampered and (result.score is None) == tampered
        if tampered:
            assert result.failure.startswith("modified the input data (files: ")
    else:  # read-only: the change itself is refused
        assert "refused Read-only file system" in result.stdout_tail
        assert result.ok and not result.input_modified, result.failure
    scene.assert_contained()
    follow_up = await scene.run(isolation, f"""
        import hashlib, json, pathlib
        files = {{str(p.relative_to("input")): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
                 for p in sorted(pathlib.Path("input").rglob("*"))}}
        print(json.dumps(files))
        print("{SCORE}: 0.5")
    """, workspace=scene.workspace.with_name("0002-s1-follow-up"))
    assert follow_up.ok, follow_up.failure
    assert json.loads(follow_up.stdout_tail.splitlines()[0]) == checksums(scene.data_dir)


# Secrets.

async def test_secrets_in_the_agents_environment_never_reach_the_script(scene: Scene, isolation: str):
    result = await scene.run(isolation, f"""
        import json, os
        print(json.dumps(dict(os.environ)))
        print("{SCORE}: 0")
    """, cores_per_run=2)
    assert result.ok, result.failure
    env = json.loads(result.stdout_tail.splitlines()[0])
    assert scene.secret not in result.stdout_tail
    assert not [name for name in env if "KEY" in name or "TOKEN" in name or name.startswith(("AWS_", "GOOGLE_"))]
    assert env["OMP_NUM_THREADS"] == "2" and env["HF_HUB_OFFLINE"] == "1"
    assert 25 < float(env["MLE_STAR_TIME_LIMIT_S"]) <= 30  # the script is told its time-out
    assert env["HOME"].startswith(str(scene.workspace)) and env["TMPDIR"].startswith(str(scene.workspace))
    scene.assert_contained()


# What a script can read of the agent's secrets by looking for them: under "none", all of it.
SECRET_SOURCES = {
    "other-processes-environment": """
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                found.append(open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace"))
            except OSError:
                pass
        print("\\n".join(found))
    """,
    "home-credentials": """
        print(open(os.path.join(AGENT_HOME, ".config/gcloud/application_default_credentials.json")).read())
    """,
    "dotenv-of-the-agent": 'print(open(os.path.join(AGENT_DIR, ".env")).read())',
    "service-account-key": 'print(open(os.path.join(AGENT_DIR, "service-account.json")).read())',
}


@pytest.mark.parametrize("source", SECRET_SOURCES)
async def test_reading_the_agents_credentials(scene: Scene, isolation: str, source: str):
    # Like the shell that started the agent with the key exported.
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                              env={**os.environ, "OPENAI_API_KEY": scene.secret})
    try:
        result = await scene.run(isolation, guarded(SECRET_SOURCES[source], done="read") + f"""
print("model cache:", open(os.path.join(os.environ["HF_HOME"], "weights.bin")).read())
print("{SCORE}: 1")
""")
    finally:
        holder.kill()
        holder.wait()
    assert result.ok, result.failure
    assert (scene.secret in result.stdout_tail) == (isolation == "none")
    assert "model cache: pretrained" in result.stdout_tail  # what scripts need in the home stays readable
    scene.assert_contained()


async def test_reading_the_private_answers(scene: Scene, isolation: str, caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger=executor_module.__name__):
        result = await scene.run(isolation, f"""
            import json, os
            found = {{}}
            try:  # what open_run writes two folders above the workspace
                task = found["run.json"] = json.load(open("../../run.json"))["task"]
            except OSError:
                task = TASK_DIR
            private = os.path.join(task, "private")
            found["listing"] = sorted(os.listdir(private)) if os.path.isdir(private) else None
            try:
                found["answers"] = open(os.path.join(private, "answers.csv")).read()
            except OSError as exc:
                found["answers"] = exc.strerror
            found["search"] = [d for d, _, files in os.walk(os.path.dirname(task)) if "answers.csv" in files]
            print(json.dumps(found))
            print("{SCORE}: 1")
        """)
    assert result.ok, result.failure
    found = json.loads(result.stdout_tail.splitlines()[0])
    warned = [r for r in caplog.records if HIDDEN_READABLE_WARNING.split("%s")[0] in r.getMessage()]
    if isolation == "none":  # readable, and the log says so
        assert found["answers"] == ANSWERS_CSV and found["search"] == [str(scene.private_dir)]
        assert found["run.json"] == str(scene.task_dir) and len(warned) == 1
    else:
        assert found["listing"] == [] and found["answers"] == "No such file or directory"
        assert found["search"] == [] and not warned
    scene.assert_contained()


@pytest.mark.parametrize("isolation", [BWRAP, UNSHARE])
async def test_a_script_cannot_undo_the_hiding(scene: Scene, isolation: str):
    result = await scene.run(isolation, f"""
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        caps = [line.split()[1] for line in open("/proc/self/status") if line.startswith("CapEff:")][0]
        print("capabilities", caps)
        print("umount", libc.umount2(PRIVATE_DIR.encode(), 2), os.strerror(ctypes.get_errno()))
        print("listing", os.listdir(PRIVATE_DIR))
        print("{SCORE}: 1")
    """)
    assert result.ok, result.failure
    lines = result.stdout_tail.splitlines()
    assert "capabilities 0000000000000000" in lines  # nothing to remount or unmount with
    assert "umount -1 Operation not permitted" in lines and "listing []" in lines
    scene.assert_contained()


async def test_opening_a_network_connection(scene: Scene, isolation: str):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        result = await scene.run(isolation, f"""
            import socket
            try:
                with socket.create_connection(("127.0.0.1", {port}), timeout=2):
                    print("connected")
            except OSError as exc:
                print("refused", exc.strerror)
            print("{SCORE}: 1")
        """)
    assert result.ok, result.failure
    # bwrap: a network namespace of its own, where nothing listens. "unshare" and "none" share
    # the host's network: the connection is made.
    assert ("connected" in result.stdout_tail) == (isolation != "bwrap")
    scene.assert_contained()


# Scores. Parsing does not depend on the isolation: these run unconfined only.

@pytest.mark.parametrize("source, score, failure", [
    pytest.param(f"print('{SCORE}: 0.1')\nprint('{SCORE}: 0.2')\nprint('{SCORE}: 0.3')", 0.3, None,
                 id="several-lines-the-last-counts"),
    pytest.param(f"print('{SCORE}: 0.9')\nprint('{SCORE}: not a number')", 0.9, None,
                 id="an-unreadable-last-line-is-no-score-line"),
    pytest.param(f"print('{SCORE}: nan')", None, "validation score is not finite (nan)", id="nan"),
    pytest.param(f"print('{SCORE}: inf')", None, "validation score is not finite (inf)", id="inf"),
    pytest.param(f"print('{SCORE}: -Infinity')", None, "validation score is not finite (-inf)", id="minus-inf"),
    pytest.param(f"print('{SCORE}: 0.9')\nprint('{SCORE}: nan')", None, "validation score is not finite (nan)",
                 id="nan-after-a-good-score"),
    pytest.param(f"import sys\nprint('{SCORE}: 0.9', file=sys.stderr)", None,
                 f"exited 0 but printed no '{SCORE}: <number>' line", id="only-on-stderr"),
    pytest.param("print('done')", None, f"exited 0 but printed no '{SCORE}: <number>' line", id="none-at-all"),
])
async def test_faked_scores(scene: Scene, source: str, score: Optional[float], failure: Optional[str]):
    result = await scene.run("none", source)
    assert result.score == score and result.failure == failure
    scene.assert_contained()


@pytest.mark.parametrize("crash, returncode, failure", [
    pytest.param("sys.exit(3)", 3, "exited with code 3: (no error output)", id="exit-3"),
    pytest.param("raise RuntimeError('after the score')", 1, "exited with code 1: RuntimeError: after the score",
                 id="exception"),
    pytest.param("os._exit(1)", 1, "exited with code 1: (no error output)", id="os-exit"),
    pytest.param("resource.setrlimit(resource.RLIMIT_CORE, (0, 0)); os.kill(os.getpid(), signal.SIGSEGV)",
                 -signal.SIGSEGV, "was killed by SIGSEGV: (no error output)", id="segfault"),
    pytest.param("os.kill(os.getpid(), signal.SIGKILL)", -signal.SIGKILL, "was killed by SIGKILL: (no error output)",
                 id="sigkill"),
])
async def test_a_score_then_a_crash_fails(scene: Scene, isolation: str, crash: str, returncode: int, failure: str):
    result = await scene.run(isolation, f"""
        import os, resource, signal, sys
        print("{SCORE}: 0.99", flush=True)
        {crash}
    """)
    assert result.score is None and not result.ok
    assert result.returncode == returncode and result.failure == failure
    scene.assert_contained()


# The run's feature cache: the one folder outside the workspace that every script of a run may write.

async def test_scripts_of_a_run_share_its_feature_cache_and_nothing_else(scene: Scene, isolation: str):
    cache = scene.run_dir / ".sandbox" / "features"
    writer = await scene.run(isolation, f"""
        import os
        folder = os.environ["MLE_STAR_FEATURE_CACHE"]
        open(os.path.join(folder, "features.npy"), "w").write("costly")
        try:
            open(os.path.join(folder, "..", "planted.txt"), "w").write("planted")
        except OSError:
            pass
        print("{SCORE}: 1")
    """, feature_cache=cache)
    reader = await scene.run(isolation, f"""
        import os
        print(open(os.path.join(os.environ["MLE_STAR_FEATURE_CACHE"], "features.npy")).read())
        print("{SCORE}: 1")
    """, workspace=scene.run_dir / "attempts" / "0002-s1-reader", feature_cache=cache)
    # A rerun that must compute everything afresh (the leak probe's) is not shown the cache.
    afresh = await scene.run(isolation, f"""
        import os
        print("cache:", os.environ.get("MLE_STAR_FEATURE_CACHE"))
        print("{SCORE}: 1")
    """, workspace=scene.run_dir / "attempts" / "0003-s1-afresh", feature_cache=cache, shared_cache=False)
    assert writer.ok and reader.ok and afresh.ok, (writer.failure, reader.failure, afresh.failure)
    assert "costly" in reader.stdout_tail and "cache: None" in afresh.stdout_tail
    # The cache's parent (the run folder) stays out of reach where the isolation confines writes.
    assert (cache.parent / "planted.txt").exists() == (isolation != "bwrap")
    scene.assert_contained()
