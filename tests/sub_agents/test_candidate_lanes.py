"""A solution's candidates run at once when script slots are free: the event streams are interleaved
without losing a stream's work when another fails, and a real run's candidate scripts overlap."""

from __future__ import annotations

import asyncio
import json

import pytest

from machine_learning_engineering.cli import run_agent
from machine_learning_engineering.config import Settings
from machine_learning_engineering.sub_agents.interleave import interleave
from machine_learning_engineering.task import check_submission, load_task
from tests.graph_fixtures import make_binary_task


async def _stream(name: str, n: int, trace: list[str], fail_at: int | None = None):
    for i in range(n):
        if i == fail_at:
            raise RuntimeError(f"{name} broke")
        trace.append(f"{name} made {i}")
        yield f"{name}{i}"
        trace.append(f"{name} went on after {i}")
        await asyncio.sleep(0)


async def _collect(streams, trace: list[str]) -> list[str]:
    taken = []
    async for event in interleave(streams):
        assert f"{event[0]} went on after {event[1:]}" not in trace, "a stream went on before its event was taken"
        taken.append(event)
    return taken


def test_streams_run_at_once_and_each_waits_until_its_event_is_taken():
    trace: list[str] = []
    taken = asyncio.run(_collect([_stream("a", 3, trace), _stream("b", 3, trace)], trace))

    assert sorted(taken) == ["a0", "a1", "a2", "b0", "b1", "b2"]
    assert taken.index("b0") < taken.index("a2"), "the streams ran one after the other"
    for name in "ab":
        for i in range(3):
            assert trace.index(f"{name} made {i}") < trace.index(f"{name} went on after {i}")


def test_a_failing_stream_ends_alone_and_its_error_comes_after_the_others_end():
    trace: list[str] = []
    taken: list[str] = []

    async def collect():
        async for event in interleave([_stream("a", 1, trace, fail_at=1), _stream("b", 4, trace, fail_at=None),
                                       _stream("c", 3, trace, fail_at=0)]):
            taken.append(event)

    with pytest.raises(RuntimeError, match="c broke"):
        asyncio.run(collect())
    assert sorted(taken) == ["a0", "b0", "b1", "b2", "b3"]


def test_candidates_of_one_solution_run_at_once_on_free_slots(tmp_path):
    task_dir = make_binary_task(tmp_path / "task")
    settings = Settings(num_solutions=1, num_candidates=3, max_parallel=3, outer_steps=0, ensemble_rounds=0,
                        time_budget_s=150, script_timeout_s=60, runs_dir=tmp_path / "runs", isolation="none")
    assert settings.candidates_at_once == 3
    run_dir = tmp_path / "run"
    final = asyncio.run(run_agent(task_dir, settings, run_dir))

    assert final and not final["problems"]
    assert check_submission(run_dir / "submission.csv", load_task(task_dir)) == []
    assert "[s1] 3 candidates run at once" in (run_dir / "log.txt").read_text()
    attempts = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    candidates = [a for a in attempts if a["phase"] == "candidate"]
    assert len(candidates) == 3 and all(a["score"] is not None for a in candidates)
    spans = sorted((a["finished_at"] - a["duration_s"], a["finished_at"]) for a in candidates)
    assert spans[1][0] < spans[0][1], f"the second candidate started only after the first ended: {spans}"


@pytest.mark.parametrize("changes, expected", [
    ({"max_parallel": 8, "num_solutions": 2, "num_candidates": 3}, 3),
    ({"max_parallel": 8, "num_solutions": 4, "num_candidates": 3}, 2),
    ({"max_parallel": 2, "num_solutions": 2, "num_candidates": 3}, 1),
    ({"max_parallel": 1, "num_solutions": 1, "num_candidates": 3}, 1),
    ({"max_parallel": 4, "num_solutions": 2, "num_candidates": 3, "parallel_solutions": False}, 3),
])
def test_candidates_share_the_slots_the_solutions_leave_free(changes, expected):
    assert Settings(**changes).candidates_at_once == expected
