"""Real scripts in the sandbox, under each isolation: a run and its result, the snapshot of the
data, parallel runs, slots and deadlines, cancelling, output caps, extra files, bad arguments.
What hostile or broken scripts cannot do is in test_hostile_code.py."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest

from machine_learning_engineering.sandbox import Sandbox, busy_seconds

from .support import code, live_processes_with, make_sandbox

pytestmark = pytest.mark.timeout(60)


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
async def test_the_script_clock_counts_overlapping_runs_once_and_idle_time_not_at_all(data_dir: Path,
                                                                                      tmp_path: Path):
    sandbox = make_sandbox(data_dir, "none", max_parallel=2)
    script = "import time\ntime.sleep(1.5)\nprint('Final Validation Performance: 1')\n"
    before = busy_seconds()
    results = await asyncio.gather(*(sandbox.run(script, tmp_path / f"ws{i}", timeout_s=30) for i in range(2)))
    assert all(r.ok for r in results)
    busy = busy_seconds() - before
    # Two 1.5 s scripts side by side: at least one was running for about 1.5 s, not 3 s.
    assert max(r.duration_s for r in results) <= busy < sum(r.duration_s for r in results)
    await asyncio.sleep(0.5)
    assert busy_seconds() - before == pytest.approx(busy, abs=1e-6)  # no script, no time


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
async def test_a_script_that_needs_more_time_than_its_wait_left_is_not_started(data_dir: Path, tmp_path: Path):
    sandbox = make_sandbox(data_dir, "none", max_parallel=1)
    busy = "import time\ntime.sleep(3)\n"
    quick = "print('Final Validation Performance: 1')\n"
    deadline = time.monotonic() + 8.0
    first = asyncio.create_task(sandbox.run(busy, tmp_path / "first", timeout_s=10))
    await asyncio.sleep(0.5)
    # Both wait about 3 s for the slot, leaving about 4.5 s before the deadline: enough for one that needs
    # 2 s, not for one that needs 6 s.
    needs_more = asyncio.create_task(sandbox.run(quick, tmp_path / "more", timeout_s=30, deadline=deadline,
                                                 min_start_s=6.0))
    await asyncio.sleep(0.2)
    needs_less = asyncio.create_task(sandbox.run(quick, tmp_path / "less", timeout_s=30, deadline=deadline,
                                                 min_start_s=2.0))
    await first
    more, less = await asyncio.gather(needs_more, needs_less)
    assert not more.ok and not more.timed_out and "under the 6.0 s it needs" in more.failure
    assert less.ok and less.score == 1.0


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
