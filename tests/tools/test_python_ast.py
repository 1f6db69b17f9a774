"""Parsing from several threads at once: the agent's event loop and an in-process model server both parse."""

from __future__ import annotations

import re
import sys
import threading
import time
from pathlib import Path

import pytest

import machine_learning_engineering
from machine_learning_engineering.tools import python_ast

PACKAGE = Path(machine_learning_engineering.__file__).parent
SOURCE = (PACKAGE / "models/offline/composer/recipes.py").read_text(encoding="utf-8")


class _Cycle:
    """Garbage that only the cycle collector frees; its finaliser lets another thread run mid-parse."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        time.sleep(0)


def test_threads_parsing_while_the_collector_runs_finalisers_all_succeed():
    # On CPython 3.11 bare ast.parse fails here within a second ("AST constructor recursion depth mismatch").
    failures: list[BaseException] = []

    def parse_many() -> None:
        for _ in range(100):
            for _ in range(20):
                _Cycle()
            try:
                python_ast.parse(SOURCE)
            except BaseException as exc:  # noqa: BLE001 - the test reports whatever a thread hit
                failures.append(exc)
                return

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=parse_many) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    assert failures == []


def test_literal_eval_reads_literals_and_refuses_the_rest():
    assert python_ast.literal_eval("  {'a': [1, 2.5, None], 'b': (True, 'x')}") == {"a": [1, 2.5, None], "b": (True, "x")}
    with pytest.raises(ValueError):
        python_ast.literal_eval("__import__('os').getcwd()")
    with pytest.raises(SyntaxError):
        python_ast.literal_eval("{'a': ")


def test_the_package_parses_only_through_the_shared_lock():
    bare = re.compile(r"\bast\.(parse|literal_eval)\(")
    offenders = [f"{path.relative_to(PACKAGE)}:{number}"
                 for path in PACKAGE.rglob("*.py") if path.name != "python_ast.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if bare.search(line.split("#")[0])]
    assert offenders == []
