"""Which card modalities a task's brief searches, and that a text task's search finds the text models."""

from machine_learning_engineering.knowledge import load_catalog
from machine_learning_engineering.knowledge.catalog import task_modalities
from machine_learning_engineering.models.offline.roles.retrieval import search_query


def _brief(roles: dict[str, str], **extra) -> dict:
    return {"task_kind": "binary", "metric": "roc_auc", "n_train": 5000,
            "columns": [{"name": name, "role": role} for name, role in roles.items()], **extra}


def test_modalities_follow_the_columns():
    assert task_modalities(_brief({"x": "numeric"})) == [("tabular",)]
    assert task_modalities(_brief({"Comment": "text", "x": "numeric"})) == [("text", "tabular")]
    assert task_modalities(_brief({"path": "image_path"}, image_column="path")) == [("image",), ("tabular",)]
    assert task_modalities(_brief({"clip": "id"}, audio_column="clip")) == [("audio", "tabular")]


def test_a_text_task_retrieves_tfidf_first_and_a_table_never_gets_text_models():
    catalog = load_catalog()
    text = _brief({"Comment": "text", "Date": "id"})
    found = catalog.search_models(search_query(text), modality=task_modalities(text)[0], task_kind="binary")
    assert found[0].name == "tfidf_linear"
    table = _brief({"x": "numeric", "city": "categorical"})
    found = catalog.search_models(search_query(table), modality=task_modalities(table)[0], task_kind="binary", k=20)
    assert found and all("tabular" in c.modalities for c in found)


def test_a_sound_task_retrieves_the_spectrogram_cnn_first_then_trees():
    catalog = load_catalog()
    sound = _brief({"clip": "id"}, audio_column="clip")
    found = catalog.search_for_task(search_query(sound), sound, k=3)
    assert [c.name for c in found[:2]] == ["spectrogram_cnn", "lightgbm"]
    birds = {**sound, "task_kind": "multilabel", "n_train": 258, "columns": [{"name": "file", "role": "categorical"}]}
    assert [c.name for c in catalog.search_for_task(search_query(birds), birds, k=2)] == ["spectrogram_cnn", "lightgbm"]
