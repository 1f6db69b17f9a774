"""Builds this report's two dev tables (not bench tasks): wide tables of one scale, greyscale patches cut
at random from scikit-image's bundled sample pictures, maybe mirrored, with a little contrast and brightness
change and noise. scikit-image is not one of the project's packages, so it goes in a folder of its own:

    pip install --target /tmp/skimg scikit-image
    PYTHONPATH=/tmp/skimg:. python eval/bench/reports/2026-12-06-dev-wide-subsample-900s-1core/make_dev_tables.py /tmp/devpatchT
    TABLE=two PYTHONPATH=/tmp/skimg:. python eval/bench/reports/2026-12-06-dev-wide-subsample-900s-1core/make_dev_tables.py /tmp/devpatchT

`dev-patches`: 28x28 patches (784 columns) of ten pictures, 6,000 rows; name the picture (accuracy).
`dev-patches-binary` (TABLE=two): 16x16 patches (256 columns) of eight pictures, 8,000 rows; a texture or a
photograph (ROC AUC). The split is the bundled tasks' fixed 80/20 shuffle.
"""
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import skimage.data as data
from skimage.color import rgb2gray

from machine_learning_engineering.bundled_tasks.build import _write_task
from machine_learning_engineering.bundled_tasks.sources import TaskSpec

TWO = os.environ.get("TABLE") == "two"
if TWO:  # the first three pictures are textures (target 1), the rest photographs (0)
    PICTURES = ["brick", "grass", "gravel", "camera", "astronaut", "coffee", "chelsea", "rocket"]
    SIDE, ROWS = 16, 8000
else:
    PICTURES = ["brick", "grass", "gravel", "camera", "moon", "coins", "cell", "astronaut", "coffee",
                "immunohistochemistry"]
    SIDE, ROWS = 28, 6000


def grey(name: str) -> np.ndarray:
    """One of scikit-image's sample pictures in grey levels 0-255."""
    picture = getattr(data, name)()
    if picture.ndim == 3:
        picture = rgb2gray(picture[..., :3]) * 255
    return picture.astype(float)


def load() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    pictures = [grey(n) for n in PICTURES]
    rows, labels = [], []
    for _ in range(ROWS):
        k = rng.integers(len(PICTURES))
        picture = pictures[k]
        y, x = rng.integers(0, picture.shape[0] - SIDE), rng.integers(0, picture.shape[1] - SIDE)
        patch = picture[y:y + SIDE, x:x + SIDE]
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        patch = patch * rng.uniform(0.85, 1.15) + rng.uniform(-20, 20) + rng.normal(0, 10, patch.shape)
        rows.append(np.clip(np.round(patch), 0, 255).ravel())
        labels.append(int(k < 3) if TWO else PICTURES[k])
    frame = pd.DataFrame(np.array(rows, dtype=int), columns=[f"px{i:03d}" for i in range(SIDE * SIDE)])
    frame["picture"] = labels
    return frame


load.__doc__ = "Patches of scikit-image's bundled sample pictures (scikit-image's own terms)."

if __name__ == "__main__":
    out = Path(sys.argv[1])
    columns = {f"px{i:03d}": f"one pixel of the {SIDE}x{SIDE} patch (0-255)" for i in range(SIDE * SIDE)}
    columns["picture"] = "the target"
    question = ("predict the probability that it is a texture (brick, grass, gravel: target 1), not a "
                "photograph (0)." if TWO else "name the picture.")
    name = "dev-patches-binary" if TWO else "dev-patches"
    task = TaskSpec(name=name, title=name, load=load, target="picture",
                    task_kind="binary" if TWO else "multiclass", metric="roc_auc" if TWO else "accuracy",
                    submission="probability" if TWO else "label",
                    overview=f"Each row is a {SIDE}x{SIDE} greyscale patch (row by row) cut from one of "
                             f"{len(PICTURES)} pictures, maybe mirrored, with its contrast and brightness "
                             f"changed a little and noise added; {question}",
                    source=load.__doc__, columns=columns)
    root = out / task.name
    _write_task(task, root)
    print(root, pd.read_csv(root / "public" / "train.csv").shape)
