"""The text-normalisation rules (token_rules.TOKENS) write tokens out as the competition's training data
does: each case below is a (token, written form) pair taken from the English or Russian training file."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from machine_learning_engineering.models.offline.composer.token_rules import TOKENS

pytest.importorskip("num2words")


def _rules(language: str) -> dict:
    namespace = {"TASK": {"form": {"language": language, "group_column": "sentence_id"}}, "pd": pd, "np": np,
                 "TIME_LIMIT_S": 60.0}
    exec(TOKENS, namespace)
    return namespace


ENGLISH = [
    ("decimal", "30.16 million", "thirty point one six million"),
    ("decimal", "0.25 million", "zero point two five million"),
    ("decimal", "480.07 million", "four hundred eighty point o seven million"),
    ("decimal", "6.41", "six point four one"),
    ("fraction", "2 4/5", "two and four fifths"),
    ("fraction", "9 1/10", "nine and a tenth"),
    ("fraction", "8 1/2", "eight and a half"),
    ("fraction", "7 3/4", "seven and three quarters"),
    ("fraction", "1/2", "one half"),
    ("fraction", "3/4", "three quarters"),
    ("time", "10 p.m.", "ten p m"),
    ("time", "3 am", "three a m"),
    ("time", "6:00 p.m.", "six p m"),
    ("time", "10:00", "ten o'clock"),
    ("money", "$0.01", "one cent"),
    ("money", "£0.82", "eighty two pence"),
    ("money", "$3.50", "three dollars fifty cents"),
    ("money", "$19 million", "nineteen million dollars"),
]

RUSSIAN = [
    ("ru_date_genitive", "1943 год", "тысяча девятьсот сорок третий год"),
    ("ru_date_genitive", "1427 году", "тысяча четыреста двадцать седьмом году"),
    ("ru_date_genitive", "2000 год", "двухтысячный год"),
    ("ru_date_genitive", "1927 года", "тысяча девятьсот двадцать седьмого года"),
    ("ordinal", "978-я", "девятьсот семьдесят восьмая"),
    ("ordinal", "135-м", "сто тридцать пятом"),
    ("ordinal", "334-м", "триста тридцать четвёртом"),
    ("ru_quantity", "129 °C", "сто двадцать девять градусов цельсия"),
    ("ru_quantity", "181 °C", "сто восемьдесят один градус цельсия"),
    ("ru_quantity", "26,5 °C", "двадцать шесть целых пять десятых градуса цельсия"),
    ("ru_quantity", "1736 см", "тысяча семьсот тридцать шесть сантиметров"),
    ("ru_quantity", "€41", "сорок один евро"),
    ("cardinal", "1783", "тысяча семьсот восемьдесят три"),
    ("cardinal", "31371", "тридцать одна тысяча триста семьдесят один"),
]


@pytest.mark.parametrize("language, cases", [("en", ENGLISH), ("ru", RUSSIAN)])
def test_rules_write_tokens_as_the_training_data_does(language, cases):
    rules = _rules(language)
    wrong = [(rule, token, rules["apply_rule"](rule, token), written) for rule, token, written in cases
             if rules["apply_rule"](rule, token) != written]
    assert wrong == []


def test_rules_give_nothing_where_they_do_not_apply():
    rules = _rules("en")
    for rule, token in [("time", "10"), ("time", "3 apples"), ("fraction", "2 4/5/6"), ("decimal", "1.5 dozen"),
                        ("money", "0.25")]:
        assert rules["apply_rule"](rule, token) is None, (rule, token)


def test_the_learned_rule_writes_out_codes_no_hand_rule_covers():
    # Codes such as "KQ37" ("k q three seven") match no hand rule; the seq2seq models learn them from the
    # written pairs. Training tokens are labelled by the model of the other half (never trained on them).
    torch = pytest.importorskip("torch")
    rules = _rules("en")
    # Counted in epochs, not seconds, so a busy machine trains the same models. One thread, as a script of one
    # core trains them: torch's default of a thread a core, beside the other test worker's runs, made this test
    # ten times slower (6 s alone, 66 s in the suite).
    rules.update(SEED=0, time=time, cached_array=lambda key, compute: compute(), content_key=repr,
                 SEQ2SEQ_SECONDS=float("inf"), SEQ2SEQ_EPOCHS=20)
    rng = np.random.default_rng(0)
    digits = "o one two three four five six seven eight nine".split()
    codes = sorted({"".join(rng.choice(list("ABCDEFGHJKLMNPQRSTUVWXYZ"), 2)) + str(rng.integers(10, 100))
                    for _ in range(900)})
    pairs = {code: " ".join([c.lower() for c in code[:2]] + [digits[int(d)] for d in code[2:]]) for code in codes}
    training, test = codes[:700], codes[700:]
    assert not any(rules["apply_rule"](name, code) == pairs[code] for code in codes for name in rules["RULES"])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rules["learn_unruled"]({code: pairs[code] for code in training}, training[:100], test)
    finally:
        torch.set_num_threads(threads)
    learned = rules["LEARNED"]
    for tokens in (training[:100], test):
        right = np.mean([learned.get(code) == pairs[code] for code in tokens])
        assert right > 0.8, (right, [(code, learned.get(code)) for code in tokens[:5]])
