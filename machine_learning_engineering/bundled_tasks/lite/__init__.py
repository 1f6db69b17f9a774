"""Local stand-ins for the MLE-bench-Lite competitions, built offline in MLE-bench's prepared layout.

    from machine_learning_engineering.bundled_tasks.lite import build_lite
    roots = build_lite("lite-tasks")            # or: mle-star tasks lite-tasks --suite lite
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .birds import mlsp_birds
from .competition import SIZES, Competition, Size, StandIn, write_competition
from .documents import denoising_documents
from .fortunes import MissingSourceError
from .images import aerial_cactus, dog_breed, dogs_vs_cats, plant_pathology
from .leaves import leaf_classification
from .normalisation import text_normalization_english, text_normalization_russian
from .medical import aptos2019, histopathologic, ranzcr_clip, siim_isic
from .sounds import right_whale
from .records import random_acts_of_pizza
from .tables import nomad2018, nyc_taxi_fare, tabular_playground_dec_2021, tabular_playground_may_2022
from .text import detecting_insults, jigsaw_toxic, spooky_author

STAND_INS: tuple[StandIn, ...] = (
    StandIn("aerial-cactus-identification", "image", "roc_auc", aerial_cactus),
    StandIn("aptos2019-blindness-detection", "image", "qwk", aptos2019),
    StandIn("denoising-dirty-documents", "image", "rmse", denoising_documents),
    StandIn("detecting-insults-in-social-commentary", "text", "roc_auc", detecting_insults),
    StandIn("dog-breed-identification", "image", "log_loss", dog_breed),
    StandIn("dogs-vs-cats-redux-kernels-edition", "image", "log_loss", dogs_vs_cats),
    StandIn("histopathologic-cancer-detection", "image", "roc_auc", histopathologic),
    StandIn("jigsaw-toxic-comment-classification-challenge", "text", "roc_auc", jigsaw_toxic),
    StandIn("leaf-classification", "image", "log_loss", leaf_classification),
    StandIn("mlsp-2013-birds", "audio", "roc_auc", mlsp_birds),
    StandIn("new-york-city-taxi-fare-prediction", "table", "rmse", nyc_taxi_fare),
    StandIn("nomad2018-predict-transparent-conductors", "table", "rmsle", nomad2018),
    StandIn("plant-pathology-2020-fgvc7", "image", "roc_auc", plant_pathology),
    StandIn("random-acts-of-pizza", "text", "roc_auc", random_acts_of_pizza),
    StandIn("ranzcr-clip-catheter-line-classification", "image", "roc_auc", ranzcr_clip),
    StandIn("siim-isic-melanoma-classification", "image", "roc_auc", siim_isic),
    StandIn("spooky-author-identification", "text", "log_loss", spooky_author),
    StandIn("tabular-playground-series-dec-2021", "table", "accuracy", tabular_playground_dec_2021),
    StandIn("tabular-playground-series-may-2022", "table", "roc_auc", tabular_playground_may_2022),
    StandIn("text-normalization-challenge-english-language", "seq2seq", "accuracy", text_normalization_english),
    StandIn("text-normalization-challenge-russian-language", "seq2seq", "accuracy", text_normalization_russian),
    StandIn("the-icml-2013-whale-challenge-right-whale-redux", "audio", "roc_auc", right_whale),
)
STAND_INS_BY_NAME: dict[str, StandIn] = {s.name: s for s in STAND_INS}
LITE_TASK_NAMES: tuple[str, ...] = tuple(STAND_INS_BY_NAME)


def build_lite(out_dir: Path | str, names: Sequence[str] | None = None, *, size: Size = "full",
               overwrite: bool = False) -> list[Path]:
    """Builds the named stand-ins (all by default) under `out_dir` and returns their roots in order.

    Raises:
        ValueError: a name is not a stand-in.
        MissingSourceError: the data a stand-in is built from is not installed (the message says how).
    """
    names = LITE_TASK_NAMES if names is None else tuple(names)
    unknown = [n for n in names if n not in STAND_INS_BY_NAME]
    if unknown:
        raise ValueError(f"unknown stand-in(s) {', '.join(map(repr, unknown))}; choose from: "
                         f"{', '.join(LITE_TASK_NAMES)}")
    return [write_competition(STAND_INS_BY_NAME[n], out_dir, size=size, overwrite=overwrite) for n in names]


__all__ = ["Competition", "LITE_TASK_NAMES", "MissingSourceError", "SIZES", "STAND_INS", "Size", "StandIn",
           "build_lite"]
