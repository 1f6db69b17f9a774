import pytest

from machine_learning_engineering.tools.code_blocks import (block_names, get_block, normalise_markers, replace_block,
                                                            split_blocks)

SCRIPT = "import os\n# [block: setup]\nx = 1\n# [block: model]\ny = x + 1\n# [block: submission]\nprint(y)\n"


def test_blocks_split_and_rejoin_losslessly():
    assert "".join(text for _, text in split_blocks(SCRIPT)) == SCRIPT
    assert block_names(SCRIPT) == ["setup", "model", "submission"]


def test_replace_one_block_keeps_the_rest():
    new = replace_block(SCRIPT, "model", "y = x * 10")
    assert get_block(new, "model").rstrip() == "# [block: model]\ny = x * 10"
    assert get_block(new, "setup") == get_block(SCRIPT, "setup") and new.endswith("print(y)\n")
    with pytest.raises(ValueError, match="no block 'features'"):
        replace_block(SCRIPT, "features", "pass")


def test_loose_markers_are_normalised():
    loose = "#[block:setup ]\nx = 1\n   #  [ Block : model]\ny = 2\n"
    assert block_names(normalise_markers(loose)) == ["setup", "model"]
    assert normalise_markers(SCRIPT) == SCRIPT
