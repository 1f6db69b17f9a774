"""Fixtures shared by the sandbox tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from machine_learning_engineering.sandbox import max_parallel, set_max_parallel

from .support import ISOLATIONS, TRAIN_CSV


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
