"""Real scripts in the sandbox, with and without bubblewrap: time-outs kill the whole process tree,
memory is capped, secrets never reach a script, the task data stays intact, scores follow the
protocol, and parallel runs really run at once."""

from __future__ import annotations

import asyncio
import json
import os
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from machine_learning_engineering.sandbox import Sandbox, max_parallel, set_max_parallel
from machine_learning_engineering.sandbox import executor as executor_module
from machine_learning_engineering.sandbox.confinement import bwrap_status

pytestmark = pytest.mark.timeout(60)

HAVE_BWRAP = bwrap_status()[0] is not None
ISOLATIONS = [
    "none",
    pytest.param("bwrap", marks=pytest.mark.skipif(not HAVE_BWRAP, reason="bubblewrap does not work here")),
]
bwrap_only = pytest.mark.skipif(not HAVE_BWRAP, reason="bubblewrap does not work here")

TRAIN_CSV = b"id,x,y\n1,0.5,0\n2,1.5,1\n3,2.5,1\n"


@pytest.fixture(autouse=True)
def restore_limit():
    before = max_parallel()
    yield
    set_max_parallel(before)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "images").mkdir(parents=True)
    (root / "train.csv").write_bytes(TRAIN_CSV)
    (root / "images" / "0.bin").write_bytes(bytes(range(256)))
    return root


@pytest.fixture(params=ISOLATIONS)
def isolation(request) -> str:
    return request.param


def make_sandbox(data_dir: Path, isolation: str, **kwargs) -> Sandbox:
    return Sandbox(data_dir, cache_dir=data_dir.parent / "cache", isolation=isolation, **kwargs)


def code(source: str) -> str:
    return textwrap.dedent(source).lstrip()


def snapshot_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


def live_processes_with(token: str) -> list[int]:
    """Host pids whose command line holds `token`, zombies excluded."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes()
            state = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if token.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.asyncio
async def test_successful_run_reports_the_last_score(data_dir: Path, tmp_path: Path, isolation: str):
    sandbox = make_sandbox(data_dir, isolation)
    result = await sandbox.run(code("""
        import pathlib
        rows = pathlib.Path("input/train.csv").read_text().splitlines()
        print("rows", len(rows))
        print("Final Validation Performance: 0.25")
        print("Final Validation Performance: 0.75")
    """), tmp_path / "ws", timeout_s=30)
    assert result.ok, result.failure
    assert result.score == 0.75 and result.returncode == 0
    assert "rows 4" in result.stdout_tail
    assert (tmp_path / "ws" / "stdout.txt").read_text() == result.stdout_tail
    assert (tmp_path / "ws" / "solution.py").exists()
    assert not (tmp_path / "ws" / "input").exists()  # only there while the script runs


@pytest.mark.asyncio
@pytest.mark.parametrize("source, reason", [
    ("print('done')", "exited 0 but printed no 'Final Validation Performance: <number>' line"),
    ("print('Final Validation Performance: nan')", "validation score is not finite (nan)"),
    ("raise ValueError('boom')", "exited with code 1: ValueError: boom"),
])
async def test_runs_without_a_finite_score_fail(data_dir: Path, tmp_path: Path, source: str, reason: str):
    result = await make_sandbox(data_dir, "none").run(source, tmp_path / "ws", timeout_s=30)
    assert not result.ok and result.score is None
    assert result.failure == reason


@pytest.mark.asyncio
async def test_timeout_kills_the_script_and_all_its_children(data_dir: Path, tmp_path: Path, isolation: str,
                                                             monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(executor_module, "KILL_GRACE_S", 0.5)
    token = uuid.uuid4().hex
    result = await make_sandbox(data_dir, isolation).run(code(f"""
        import subprocess, sys, time
        sleeper = [sys.executable, "-c", "import time; time.sleep(300)", "{token}"]
        stubborn = [sys.executable, "-c",
                    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)", "{token}"]
        children = [subprocess.Popen(sleeper), subprocess.Popen(stubborn),
                    subprocess.Popen(sleeper, start_new_session=True)]  # the last leaves the process group
        time.sleep(0.3)
        print("children alive:", sum(c.poll() is None for c in children), flush=True)
        time.sleep(300)
    """), tmp_path / "ws", timeout_s=1.5)
    assert result.timed_out and not result.ok
    assert result.failure == "timed out after 1.5 s"
    assert "children alive: 3" in result.stdout_tail
    assert result.duration_s < 1.5 + 0.5 + 1.0
    assert live_processes_with(token) == []


@pytest.mark.asyncio
async def test_memory_watchdog_kills_a_growing_script(data_dir: Path, tmp_path: Path, isolation: str):
    result = await make_sandbox(data_dir, isolation, memory_limit_mb=300).run(code("""
        import time
        chunks = []
        for _ in range(100):  # 1 GB, touched page by page, slowly enough for the watchdog
            chunks.append(b"x" * (10 << 20))
            time.sleep(0.02)
        print("Final Validation Performance: 1")
    """), tmp_path / "ws", timeout_s=30)
    assert result.memory_exceeded and not result.timed_out
    assert result.failure == "exceeded the memory limit of 300 MiB"
    assert result.returncode == -9
    assert 300 <= result.peak_memory_mb < 450


@pytest.mark.asyncio
async def test_data_limit_stops_a_sudden_allocation(data_dir: Path, tmp_path: Path, isolation: str):
    result = await make_sandbox(data_dir, isolation, memory_limit_mb=300).run(
        "buffer = bytearray(1 << 30)\nprint('Final Validation Performance: 1')\n", tmp_path / "ws", timeout_s=30)
    assert result.memory_exceeded
    assert result.failure == "exceeded the memory limit of 300 MiB"
    assert "MemoryError" in result.stderr_tail


@pytest.mark.asyncio
async def test_secrets_in_our_environment_never_reach_the_script(data_dir: Path, tmp_path: Path, isolation: str,
                                                                 monkeypatch: pytest.MonkeyPatch):
    secrets = ["GOOGLE_API_KEY", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN",
               "GOOGLE_APPLICATION_CREDENTIALS", "ANTHROPIC_API_KEY"]
    for name in secrets:
        monkeypatch.setenv(name, "s3cr3t-value")
    result = await make_sandbox(data_dir, isolation, cores_per_run=2, extra_env={"MY_SETTING": "on"}).run(code("""
        import json, os
        print(json.dumps(dict(os.environ)))
        print("Final Validation Performance: 0")
    """), tmp_path / "ws", timeout_s=30)
    assert result.ok, result.failure
    env = json.loads(result.stdout_tail.splitlines()[0])
    assert not set(secrets) & set(env)
    assert "s3cr3t-value" not in result.stdout_tail
    assert not [name for name in env if "KEY" in name or "TOKEN" in name or name.startswith("AWS_")]
    assert env["MY_SETTING"] == "on" and env["OMP_NUM_THREADS"] == "2" and env["HF_HUB_OFFLINE"] == "1"
    assert env["HOME"].startswith(str(tmp_path / "ws")) and env["TMPDIR"].startswith(str(tmp_path / "ws"))


@pytest.mark.asyncio
async def test_writing_the_input_voids_the_run_and_the_data_stays_intact(data_dir: Path, tmp_path: Path,
                                                                         isolation: str):
    original = snapshot_of(data_dir)
    sandbox = make_sandbox(data_dir, isolation)
    result = await sandbox.run(code("""
        open("input/train.csv", "w").write("id,x,y\\n9,9,9\\n")
        open("input/new.txt", "w").write("planted")
        print("Final Validation Performance: 0.99")
    """), tmp_path / "ws1", timeout_s=30)
    assert not result.ok and result.score is None
    if isolation == "none":
        assert result.input_modified
        assert result.failure.startswith("modified the input data (files: new.txt, train.csv); the attempt is void")
    else:  # the read-only bind refuses the write itself
        assert not result.input_modified
        assert "Read-only file system" in result.failure
    assert snapshot_of(data_dir) == original

    follow_up = await sandbox.run(code("""
        import os
        assert open("input/train.csv", "rb").read() == %r
        assert not os.path.exists("input/new.txt")
        print("Final Validation Performance: 0.5")
    """ % TRAIN_CSV), tmp_path / "ws2", timeout_s=30)
    assert follow_up.ok, follow_up.failure + follow_up.stderr_tail
    assert snapshot_of(sandbox.input_dir) == original


@pytest.mark.asyncio
async def test_the_unconfined_sandbox_never_exposes_the_original_data(data_dir: Path, tmp_path: Path):
    sandbox = make_sandbox(data_dir, "none")
    assert sandbox.input_dir != data_dir.resolve()
    result = await sandbox.run(code("""
        import os
        print(os.path.realpath("input"))
        print("Final Validation Performance: 1")
    """), tmp_path / "ws", timeout_s=30)
    assert result.stdout_tail.splitlines()[0] == str(sandbox.input_dir)
    assert sandbox.input_dir.parent == (data_dir.parent / "cache").resolve()
    sandbox.close()
    assert not sandbox.input_dir.exists()


@pytest.mark.asyncio
async def test_parallel_runs_run_at_once(data_dir: Path, tmp_path: Path, isolation: str):
    sandbox = make_sandbox(data_dir, isolation, max_parallel=2)
    script = "import time\ntime.sleep(2)\nprint('Final Validation Performance: 1')\n"
    started = time.monotonic()
    results = await asyncio.gather(*(sandbox.run(script, tmp_path / f"ws{i}", timeout_s=30) for i in range(2)))
    assert all(r.ok for r in results), [r.failure for r in results]
    assert time.monotonic() - started < 3.5


@pytest.mark.asyncio
async def test_runs_beyond_the_limit_wait_for_a_slot(data_dir: Path, tmp_path: Path):
    sandbox = make_sandbox(data_dir, "none", max_parallel=1)
    script = "import time\ntime.sleep(0.6)\nprint('Final Validation Performance: 1')\n"
    started = time.monotonic()
    results = await asyncio.gather(*(sandbox.run(script, tmp_path / f"ws{i}", timeout_s=30) for i in range(2)))
    assert all(r.ok for r in results)
    assert time.monotonic() - started >= 1.2
    assert all(r.duration_s < 1.1 for r in results)  # the wait for a slot is not run time


@pytest.mark.asyncio
async def test_a_deadline_counts_the_wait_for_a_slot(data_dir: Path, tmp_path: Path):
    sandbox = make_sandbox(data_dir, "none", max_parallel=1)
    slow = "import time\ntime.sleep(30)\nprint('Final Validation Performance: 1')\n"
    deadline = time.monotonic() + 6.0
    runs = []
    # Started half a second apart, so they queue for the one slot in this order.
    for name, timeout_s, run_deadline in (("first", 2, None), ("second", 30, deadline), ("third", 30, deadline)):
        runs.append(asyncio.create_task(sandbox.run(slow, tmp_path / name, timeout_s=timeout_s,
                                                    deadline=run_deadline)))
        await asyncio.sleep(0.5)
    first, second, third = await asyncio.gather(*runs)
    assert first.timed_out and first.duration_s < 3.5
    # The second got the slot after about 2 s and was stopped at the deadline, not after 30 s.
    assert second.timed_out and second.duration_s < 5.0 and time.monotonic() < deadline + 4.0
    # The third never got the slot before the deadline: it is not started at all.
    assert not third.ok and not third.timed_out and "deadline passed" in third.failure


@pytest.mark.asyncio
async def test_cancelling_a_run_kills_its_script_and_frees_its_slot(data_dir: Path, tmp_path: Path):
    sandbox = make_sandbox(data_dir, "none", max_parallel=1)
    token = uuid.uuid4().hex
    run = asyncio.create_task(sandbox.run(
        f"import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', '{token}'])\n"
        f"time.sleep(300)\n",
        tmp_path / "ws1", timeout_s=60))
    await asyncio.sleep(1.0)
    assert live_processes_with(token)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    await asyncio.sleep(0.2)
    assert live_processes_with(token) == []
    result = await asyncio.wait_for(sandbox.run("print('Final Validation Performance: 2')", tmp_path / "ws2",
                                                timeout_s=30), 10)
    assert result.score == 2.0


@pytest.mark.asyncio
async def test_output_is_capped_but_the_score_line_is_kept(data_dir: Path, tmp_path: Path):
    sandbox = make_sandbox(data_dir, "none", output_cap_kb=16)
    result = await sandbox.run(code("""
        print("Final Validation Performance: 0.125")
        for i in range(20000):
            print(f"noise line {i:06d}")
    """), tmp_path / "ws", timeout_s=30)
    assert result.ok and result.score == 0.125
    assert result.stdout_tail.startswith("[... truncated ...]\nnoise line ")
    assert len(result.stdout_tail) <= 16 * 1024 + 32
    assert result.stdout_tail.rstrip().endswith("noise line 019999")
    assert (tmp_path / "ws" / "stdout.txt").read_text().count("\n") == 20001


@pytest.mark.asyncio
async def test_extra_files_are_copies(data_dir: Path, tmp_path: Path, isolation: str):
    artifact = tmp_path / "other" / "oof.csv"
    artifact.parent.mkdir()
    artifact.write_text("0.1\n0.2\n")
    result = await make_sandbox(data_dir, isolation).run(code("""
        values = [float(v) for v in open("prior/oof.csv")]
        open("prior/oof.csv", "w").write("changed")
        print(f"Final Validation Performance: {sum(values)}")
    """), tmp_path / "ws", timeout_s=30, extra_files={"prior/oof.csv": artifact})
    assert result.ok and result.score == pytest.approx(0.3)
    assert artifact.read_text() == "0.1\n0.2\n"


@pytest.mark.asyncio
async def test_bad_arguments_are_rejected_at_the_boundary(data_dir: Path, tmp_path: Path):
    sandbox = make_sandbox(data_dir, "none")
    with pytest.raises(ValueError, match="timeout_s"):
        await sandbox.run("pass", tmp_path / "ws", timeout_s=0)
    with pytest.raises(ValueError, match="script_name"):
        await sandbox.run("pass", tmp_path / "ws", timeout_s=5, script_name="../escape.py")
    with pytest.raises(ValueError, match="extra_files"):
        await sandbox.run("pass", tmp_path / "ws", timeout_s=5, extra_files={"input/x": data_dir / "train.csv"})
    with pytest.raises(ValueError, match="overlaps the task data"):
        await sandbox.run("pass", data_dir / "ws", timeout_s=5)
    with pytest.raises(ValueError, match="memory_limit_mb"):
        make_sandbox(data_dir, "none", memory_limit_mb=0)
    with pytest.raises(FileNotFoundError):
        Sandbox(tmp_path / "missing", cache_dir=tmp_path / "cache")


@bwrap_only
@pytest.mark.asyncio
async def test_bwrap_blocks_the_network_and_writes_outside_the_workspace(data_dir: Path, tmp_path: Path):
    token = uuid.uuid4().hex
    result = await make_sandbox(data_dir, "bwrap").run(code(f"""
        import socket
        def attempt(what, action):
            try:
                action()
                print(what, "allowed")
            except OSError as exc:
                print(what, "blocked", exc.errno)
        def connect():
            with socket.create_connection(("1.1.1.1", 53), timeout=2):
                pass
        attempt("network", connect)
        attempt("work", lambda: open("/work/sandbox-probe-{token}", "w").write("x"))
        attempt("root", lambda: open("/root/sandbox-probe-{token}", "w").write("x"))
        attempt("cwd", lambda: open("written-here.txt", "w").write("x"))
        caps = [l for l in open("/proc/self/status") if l.startswith("CapEff:")][0].split()[1]
        print("capabilities", caps)
        print("Final Validation Performance: 1")
    """), tmp_path / "ws", timeout_s=30)
    assert result.ok, result.failure
    lines = set(result.stdout_tail.splitlines())
    assert not {"network allowed", "work allowed", "root allowed"} & lines
    assert any(line.startswith("network blocked") for line in lines)
    assert "cwd allowed" in lines and (tmp_path / "ws" / "written-here.txt").exists()
    assert "capabilities 0000000000000000" in lines  # no capability to remount anything writable
    assert not Path(f"/work/sandbox-probe-{token}").exists() and not Path(f"/root/sandbox-probe-{token}").exists()
