"""Small task folders in the layouts of the task forms (see `task.forms`): mlsp-2013-birds' recordings
with ragged labels, denoising-dirty-documents' image pairs and text normalisation's zipped token tables."""

from __future__ import annotations

import io
import wave
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image


def _wav(seed: int) -> bytes:
    samples = (np.random.default_rng(seed).normal(0, 0.1, 1600) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as clip:
        clip.setnchannels(1), clip.setsampwidth(2), clip.setframerate(16000)
        clip.writeframes(samples.tobytes())
    return out.getvalue()


def birds_task(root: Path) -> Path:
    """mlsp-2013-birds' layout: 12 recordings, 4 of them test rows; 3 classes."""
    public, private = root / "prepared" / "public", root / "prepared" / "private"
    essential = public / "essential_data"
    (essential / "src_wavs").mkdir(parents=True)
    private.mkdir(parents=True)
    labels = {0: [0], 1: [], 2: [1, 2], 3: None, 4: [2], 5: [0, 1], 6: None, 7: [1], 8: [0], 9: None, 10: [2],
              11: None}
    lines = ["rec_id,[labels]"] + [f"{k},?" if v is None else ",".join(map(str, [k, *v])) for k, v in labels.items()]
    (essential / "rec_labels_test_hidden.txt").write_text("\n".join(lines) + "\n")
    (essential / "rec_id2filename.txt").write_text("rec_id,filename\n" + "".join(f"{k},PC1_{k:04d}\n" for k in labels))
    (essential / "CVfolds_2.txt").write_text("rec_id,fold\n" + "".join(f"{k},{int(v is None)}\n" for k, v in labels.items()))
    for k in labels:
        (essential / "src_wavs" / f"PC1_{k:04d}.wav").write_bytes(_wav(k))
    test = [k for k, v in labels.items() if v is None]
    ids = [k * 100 + j for k in test for j in range(3)]
    pd.DataFrame({"Id": ids, "Probability": 0}).to_csv(public / "sample_submission.csv", index=False)
    pd.DataFrame({"Id": ids, "Probability": [int(i % 3 == 0) for i in range(len(ids))]}).to_csv(
        private / "answers.csv", index=False)
    (public / "description.md").write_text("# Birds\n\nSubmissions are judged on area under the ROC curve.\n")
    return root


def _png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def documents_task(root: Path) -> Path:
    """denoising-dirty-documents' layout: train/, train_cleaned/, test/ and one sample row per test pixel."""
    public, private = root / "prepared" / "public", root / "prepared" / "private"
    for folder in ("train", "train_cleaned", "test"):
        (public / folder).mkdir(parents=True)
    private.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for n in (2, 5, 8):
        clean = np.where(rng.random((6, 9)) < 0.2, 0, 255)
        (public / "train_cleaned" / f"{n}.png").write_bytes(_png(clean))
        (public / "train" / f"{n}.png").write_bytes(_png(np.clip(clean * 0.8 + 30, 0, 255)))
    ids, values = [], []
    for n in (3, 11):
        clean = np.where(rng.random((4, 5)) < 0.2, 0, 255)
        (public / "test" / f"{n}.png").write_bytes(_png(clean * 0.7 + 40))
        ids += [f"{n}_{r + 1}_{c + 1}" for r in range(4) for c in range(5)]
        values += list((clean / 255.0).ravel())
    pd.DataFrame({"id": ids, "value": 1}).to_csv(public / "sampleSubmission.csv", index=False)
    pd.DataFrame({"id": ids, "value": values}).to_csv(private / "answers.csv", index=False)
    (public / "description.md").write_text("# Pages\n\nSubmissions are evaluated on root mean squared error.\n")
    return root


def _zipped_csv(path: Path, member: str, frame: pd.DataFrame) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, frame.to_csv(index=False, quoting=2))


def tokens_task(root: Path) -> Path:
    """text normalisation's layout: zipped token tables, ids `<sentence>_<token>` in the sample only."""
    public, private = root / "prepared" / "public", root / "prepared" / "private"
    public.mkdir(parents=True), private.mkdir(parents=True)
    words = [("PLAIN", "the", "the"), ("CARDINAL", "12", "twelve"), ("PUNCT", ".", "."), ("DATE", "1990",
             "nineteen ninety")]
    digits = "o one two three four five six seven eight nine".split()
    # A code seen in one sentence only, read digit by digit: what the rules learn from.
    rows = [(s, t, *words[(s + t) % 4]) for s in range(30) for t in range(3)]
    rows += [(s, 3, "DIGIT", str(1000 + 7 * s), " ".join(digits[int(c)] for c in str(1000 + 7 * s)))
             if s % 2 else (s, 3, "PLAIN", f"word{s}", f"word{s}") for s in range(30)]
    rows.sort()
    train = pd.DataFrame(rows, columns=["sentence_id", "token_id", "class", "before", "after"])
    _zipped_csv(public / "en_train.csv.zip", "en_train.csv", train)
    test = train[train["sentence_id"] < 5].drop(columns=["class", "after"])
    _zipped_csv(public / "en_test_2.csv.zip", "en_test_2.csv", test)
    ids = test["sentence_id"].astype(str) + "_" + test["token_id"].astype(str)
    _zipped_csv(public / "en_sample_submission_2.csv.zip", "en_sample_submission_2.csv",
                pd.DataFrame({"id": ids, "after": test["before"]}))
    pd.DataFrame({"id": ids, "after": train[train["sentence_id"] < 5]["after"]}).to_csv(private / "answers.csv",
                                                                                      index=False)
    (public / "description.md").write_text("# Tokens\n\nSubmissions are evaluated on accuracy.\n")
    return root
