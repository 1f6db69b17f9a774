"""Hooks for the whole suite: the test files are collected longest first.

`scripts/test.sh` runs two pytest-xdist workers with `--dist loadfile --no-loadscope-reorder`: a worker takes
the next file in collection order whenever it is nearly out of work, so taking the long files first lets both
workers end at about the same time. (xdist's own order, most tests first, left the one-test file of a two-minute
run for last, while the other worker had nothing left to do.)
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

# About how long each file of real runs took on one of two workers on 2 cores (`scripts/test.sh`), in seconds.
# Only the order matters; the files not listed take under half a minute each and follow, most tests first.
LONG_FILES_S = {
    "bundled_tasks/test_lite.py": 220,
    "offline_composer/test_scripts.py": 140,
    "bundled_tasks/test_lite_forms.py": 130,
    "test_adk_surfaces.py": 110,
    "offline_composer/test_form_scripts.py": 70,
    "deployment/test_deploy.py": 70,
    "test_graph_offline.py": 70,
    "record/test_pipeline.py": 65,
    "sub_agents/test_boundary.py": 55,
    "models/test_gemini_path.py": 50,
    "eval/test_bench_lite.py": 48,
    "record/test_resume.py": 45,
    "record/test_progress.py": 45,
    "models/test_litellm_path.py": 45,
    "sub_agents/test_llm_steps.py": 45,
    "offline_composer/test_sound_scripts.py": 43,
    "sandbox/test_hostile_code.py": 43,
    "models/test_messy_model.py": 43,
    "test_cli_bad_input.py": 34,
    "test_graph_guards.py": 32,
    "record/test_show_events.py": 30,
    "sub_agents/test_candidate_lanes.py": 30,
    "record/test_html_report.py": 30,
}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Orders the files longest first (a file's own tests keep their order and stay together)."""
    def file_of(item: pytest.Item) -> str:
        try:
            return item.path.resolve().relative_to(TESTS).as_posix()
        except ValueError:  # a test outside tests/
            return str(item.path)

    counts = Counter(map(file_of, items))
    items.sort(key=lambda item: (-LONG_FILES_S.get(file_of(item), 0), -counts[file_of(item)]))
