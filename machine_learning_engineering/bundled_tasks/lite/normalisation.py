"""Text normalisation stand-ins: every written token of a sentence and how it is read aloud.

text-normalization-challenge-english-language and text-normalization-challenge-russian-language: sentences
of Debian's fortune collections (`fortunes`, `fortunes-ru`), split into words and punctuation marks as in
the competitions' data. Numbers, dates, sums of money, measures, times, telephone numbers, acronyms,
addresses, fractions and symbols are put in, as short phrases added to a sentence ("..., in 1987.") and as
number words of the text written in digits. Each token has a class and its spoken form (`after`); a
submission gives `after` for every test token and is scored on accuracy.

Phrases mostly repeat a fixed set per kind, as real text repeats common values, and are sometimes new, so
looking tokens up in the training data goes far but not all the way; some tokens (a 4-digit number, a
Roman numeral, a Russian number in digits) are read differently in different contexts.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from functools import lru_cache
from string import ascii_uppercase
from typing import Callable, Iterable, Sequence, TypeVar

import numpy as np
import pandas as pd
from num2words import num2words

from .competition import SEED, Competition, Size
from .fortunes import read_collection, read_russian_collection, russian_collections
from .pictures import zipped

Token = tuple[str, str, str]  # (class, before, after)
Phrase = Callable[[np.random.Generator], list[Token]]
_T = TypeVar("_T")

SENTENCES = {"en": 20_000, "ru": 12_000}
TINY_SENTENCES = 400
TEST_SHARE = 0.1
MAX_BASE_TOKENS = 14
PHRASE_COUNTS = (0.05, 0.15, 0.3, 0.3, 0.2)  # chance of adding 0, 1, 2, 3 or 4 phrases to a sentence
PREFIX_SHARE = 0.25  # of the first phrases added to a sentence, those put in front of it
COMMA_SHARE = 0.5  # of the phrases added at the end, those set off by a comma
NOVELTY = 0.4  # of the phrases, those made afresh rather than drawn from their kind's common ones
POOL_SIZE = 40
DIGIT_SHARE = 0.4  # of the number words in the text, those written in digits
AMPERSAND_SHARE = 0.03
# pandas reads these as missing values, which would make a correct answer unscorable.
_NA_WORDS = frozenset({"None", "NULL", "null", "NA", "N/A", "n/a", "nan", "NaN"})

EN_COLLECTIONS = (
    "art", "computers", "cookie", "definitions", "disclaimer", "drugs", "education", "ethnic", "food", "fortunes",
    "goedel", "humorists", "kids", "knghtbrd", "law", "linux", "linuxcookie", "literature", "love", "magic",
    "medicine", "men-women", "miscellaneous", "news", "paradoxum", "people", "perl", "pets", "platitudes",
    "politics", "riddles", "science", "songs-poems", "sports", "startrek", "tao", "wisdom", "work", "zippy",
)


def text_normalization_english(size: Size) -> Competition:
    """English sentences of the `fortunes` collections, with semiotic tokens and how they are read."""
    script = _Script(sentence_end=r'(?<=[.!?])\s+(?=["A-Z])',
                     token=r"\.\.\.|-{2,}|[A-Za-z]+(?:['-][A-Za-z]+)*|[^\sA-Za-z]",
                     allowed=r"[A-Za-z .,!?;:()\"'-]+")
    entries = (entry for name in EN_COLLECTIONS for entry in read_collection(name))
    return _build(size, "en", "English", "Debian's English fortune collections (`fortunes`)",
                  script.sentences(entries), _en_rewrite, _EN_PHRASES, _en_class_notes())


def text_normalization_russian(size: Size) -> Competition:
    """Russian sentences of the `fortunes-ru` collections, with semiotic tokens and how they are read."""
    script = _Script(sentence_end=r'(?<=[.!?…])\s+(?=[А-ЯЁ"«—-])',
                     token=r"\.\.\.|…|-{2,}|[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*|[^\sА-Яа-яЁё]",
                     allowed=r'[А-Яа-яЁё .,!?;:()"«»—–…-]+')
    entries = (entry for name in russian_collections() for entry in read_russian_collection(name))
    return _build(size, "ru", "Russian", "Debian's Russian fortune collections (`fortunes-ru`)",
                  script.sentences(entries), _ru_rewrite, _RU_PHRASES, _ru_class_notes())


# --- assembling a competition ---------------------------------------------------------------------------


class _Script:
    """How one language's fortune entries are cut into sentences and tokens."""

    def __init__(self, sentence_end: str, token: str, allowed: str) -> None:
        self.sentence_end, self.token, self.allowed = re.compile(sentence_end), re.compile(token), re.compile(allowed)

    def sentences(self, entries: Iterable[str]) -> list[list[str]]:
        """The distinct short sentences made only of words and punctuation, as lists of tokens.

        Sentences with digits, symbols or all-capital words are left out: their tokens would need a class
        and a reading that only the added phrases give reliably.
        """
        seen: set[str] = set()
        sentences = []
        for entry in entries:
            for sentence in self.sentence_end.split(entry):
                if sentence in seen or not self.allowed.fullmatch(sentence):
                    continue
                seen.add(sentence)
                tokens = self.token.findall(sentence)
                if 3 <= len(tokens) <= MAX_BASE_TOKENS and not any(
                        token in _NA_WORDS or (len(token) > 1 and token.isupper()) for token in tokens):
                    sentences.append(tokens)
        return sentences


def _build(size: Size, prefix: str, language: str, source: str, sentences: list[list[str]],
           rewrite: Callable[[str, np.random.Generator], Token], phrases: Sequence[tuple[float, Phrase]],
           class_notes: Sequence[tuple[str, str, Token]]) -> Competition:
    rng = np.random.default_rng(SEED)
    count = SENTENCES[prefix] if size == "full" else TINY_SENTENCES
    # With more sentences wanted than the collections hold, some come round again (with other phrases).
    rounds = -(-count // len(sentences))
    order = np.concatenate([rng.permutation(len(sentences)) for _ in range(rounds)])[:count]
    weights = np.array([weight for weight, _ in phrases])
    weights /= weights.sum()
    makers = [make for _, make in phrases]
    pools = [[make(np.random.default_rng([SEED, kind, i])) for i in range(POOL_SIZE)]
             for kind, make in enumerate(makers)]
    zipf = 1 / np.arange(1, POOL_SIZE + 1)
    zipf /= zipf.sum()
    usual_lower = _usually_lowercase(sentences)
    built = []
    for index in order:
        tokens = [rewrite(word, rng) for word in sentences[index]]
        for position in range(rng.choice(len(PHRASE_COUNTS), p=PHRASE_COUNTS)):
            kind = rng.choice(len(makers), p=weights)
            fresh = rng.random() < NOVELTY
            phrase = makers[kind](rng) if fresh else pools[kind][rng.choice(POOL_SIZE, p=zipf)]
            in_front = position == 0 and rng.random() < PREFIX_SHARE
            tokens = _attach(tokens, phrase, in_front, in_front or rng.random() < COMMA_SHARE, usual_lower)
        built.append(tokens)
    n_test = round(count * TEST_SHARE)
    train, test = _table(built[:count - n_test]), _table(built[count - n_test:])
    ids = test["sentence_id"].astype(str) + "_" + test["token_id"].astype(str)
    sample = pd.DataFrame({"id": ids, "after": test["before"]})
    notes = {name: token for name, _, token in class_notes}
    description = _DESCRIPTION.format(
        language=language, prefix=prefix, source=source, n_train=train["sentence_id"].nunique(),
        n_train_tokens=len(train), n_test=test["sentence_id"].nunique(), n_test_tokens=len(test),
        classes="\n".join(f"- `{name}`: {note}, e.g. `{before}` → `{after}`"
                          for name, note, (_, before, after) in class_notes),
        measure=notes["MEASURE"][1], measure_spoken=notes["MEASURE"][2], date=notes["DATE"][1],
        example="\n".join(f'{i},"{after}"' for i, after in zip(ids[:2], test["after"][:2])))
    return Competition(
        public={f"{prefix}_train.csv.zip": _zipped_csv(f"{prefix}_train.csv", train),
                f"{prefix}_test_2.csv.zip": _zipped_csv(f"{prefix}_test_2.csv",
                                                        test[["sentence_id", "token_id", "before"]]),
                f"{prefix}_sample_submission_2.csv.zip": _zipped_csv(f"{prefix}_sample_submission_2.csv", sample)},
        private={"answers.csv": pd.DataFrame({"id": ids, "after": test["after"]})},
        description=description,
    )


def _usually_lowercase(sentences: list[list[str]]) -> set[str]:
    """Capitalised words seen more often in lowercase: those that lose their capital when no longer first."""
    counts = Counter(word for tokens in sentences for word in tokens)
    return {word for word in counts if word[:1].isupper() and counts[word.lower()] > counts[word]}


def _attach(tokens: list[Token], phrase: list[Token], in_front: bool, comma: bool,
            usual_lower: set[str]) -> list[Token]:
    """The sentence with the phrase put in front of it or before its closing punctuation, maybe after a comma."""
    separator = [_plain(",")] if comma else []
    if in_front:
        head_class, head, _ = phrase[0]
        if head_class == "PLAIN":
            head = head[0].upper() + head[1:]
            phrase = [(head_class, head, head), *phrase[1:]]
        first_class, first, _ = tokens[0]
        if first_class == "PLAIN" and first in usual_lower:
            tokens = [_plain(first.lower()), *tokens[1:]]
        return [*phrase, *separator, *tokens]
    end = len(tokens)
    while end > 0 and tokens[end - 1][0] == "PUNCT":
        end -= 1
    return [*tokens[:end], *separator, *phrase, *tokens[end:]]


def _table(sentences: list[list[Token]]) -> pd.DataFrame:
    rows = [(s, t, cls, before, after) for s, tokens in enumerate(sentences)
            for t, (cls, before, after) in enumerate(tokens)]
    return pd.DataFrame(rows, columns=["sentence_id", "token_id", "class", "before", "after"])


def _zipped_csv(name: str, frame: pd.DataFrame) -> bytes:
    """The table as the competition ships it: a zip holding one CSV, every string quoted."""
    text = frame.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    return zipped({name: text.encode("utf-8")})


# --- shared pieces of phrases ---------------------------------------------------------------------------


def _pick(rng: np.random.Generator, options: Sequence[_T]) -> _T:
    return options[int(rng.integers(len(options)))]


def _plain(word: str) -> Token:
    """A word or mark read as written."""
    return ("PLAIN" if any(c.isalpha() for c in word) else "PUNCT", word, word)


def _fill(template: str, *tokens: Token) -> list[Token]:
    """A phrase from a template whose `{}` words are the given tokens, in order; its other words are plain."""
    given = iter(tokens)
    return [next(given) if word == "{}" else _plain(word) for word in template.split()]


def _count(rng: np.random.Generator) -> int:
    """How many of something: mostly small, now and then in the thousands or millions."""
    r = rng.random()
    if r < 0.5:
        return int(rng.integers(2, 21))
    if r < 0.8:
        return int(rng.integers(21, 101))
    if r < 0.93:
        return int(rng.integers(101, 1001))
    return int(10 ** rng.uniform(3, 6.3))


def _percent(rng: np.random.Generator) -> int:
    return int(rng.integers(1, 101))


def _small_ordinal(rng: np.random.Generator) -> int:
    """Most ordinals in text are small: places, floors, centuries, anniversaries."""
    return int(rng.integers(1, 31)) if rng.random() < 0.7 else int(rng.integers(31, 1001))


def _decimal_parts(rng: np.random.Generator) -> tuple[int, str]:
    """A whole part and 1 or 2 decimal digits, the last not 0 (a trailing 0 is seldom written)."""
    whole = int(rng.integers(0, 100)) if rng.random() < 0.85 else int(rng.integers(100, 1000))
    places = 1 if rng.random() < 0.6 else 2
    digits = int(rng.integers(1, 10 ** places))
    return whole, f"{digits + (digits % 10 == 0):0{places}d}"


def _year_value(rng: np.random.Generator) -> int:
    return int(rng.integers(1900, 2025)) if rng.random() < 0.85 else int(rng.integers(1066, 1900))


def _new_acronym(rng: np.random.Generator, letters: str) -> str:
    while True:
        written = "".join(rng.choice(list(letters), size=int(rng.integers(2, 5))))
        if written not in _NA_WORDS:
            return written


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        times, n = divmod(n, value)
        out += letters * times
    return out


def _digits(rng: np.random.Generator, n: int) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, size=n))


# --- English ----------------------------------------------------------------------------------------------

_EN_DIGITS = ("o", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")
_EN_DECADES = ("", "tens", "twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties",
               "nineties")
_EN_MARKS = {".": "dot", "/": "slash", ":": "colon", "@": "at", "-": "dash", "_": "underscore"}
_EN_CURRENCIES = {"$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
                  "€": ("euro", "euros", "cent", "cents")}
_EN_UNITS = (("kg", "kilogram", "kilograms"), ("km", "kilometer", "kilometers"), ("cm", "centimeter", "centimeters"),
             ("mm", "millimeter", "millimeters"), ("m", "meter", "meters"), ("lb", "pound", "pounds"),
             ("ft", "foot", "feet"), ("mi", "mile", "miles"), ("mph", "mile per hour", "miles per hour"),
             ("km/h", "kilometer per hour", "kilometers per hour"), ("GB", "gigabyte", "gigabytes"),
             ("MB", "megabyte", "megabytes"), ("ml", "milliliter", "milliliters"),
             ("°C", "degree celsius", "degrees celsius"), ("°F", "degree fahrenheit", "degrees fahrenheit"))
_EN_ACRONYMS = ("NASA", "FBI", "BBC", "CIA", "IBM", "NATO", "UN", "EU", "DNA", "TV", "CEO", "MIT", "NBA", "ATM",
                "DVD", "PC", "UFO", "IRS", "UCLA", "U.S.", "U.K.", "CDs", "TVs", "PCs")
_EN_SITE_WORDS = ("blue", "fish", "data", "home", "news", "star", "mail", "shop", "cloud", "book", "tech", "green",
                  "code", "open", "web", "city", "food", "music", "travel", "photo")
_EN_SYMBOLS = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "λ": "lambda", "μ": "mu", "π": "pi",
               "Ω": "omega"}
_EN_RULERS = ("Henry", "Louis", "George", "Edward", "Charles", "Elizabeth", "Richard", "Pope John")


@lru_cache(maxsize=None)
def _en_cardinal(n: int) -> str:
    return _en_plain_words(num2words(n))


@lru_cache(maxsize=None)
def _en_ordinal(n: int) -> str:
    return _en_plain_words(num2words(n, to="ordinal"))


def _en_plain_words(words: str) -> str:
    # num2words writes "one hundred and five" and "twenty-one"; the competition "one hundred five", "twenty one".
    return " ".join(w for w in words.replace("-", " ").replace(",", "").split() if w != "and")


def _en_year(year: int) -> str:
    """1987 "nineteen eighty seven", 1905 "nineteen o five", 1900 "nineteen hundred", 2005 "two thousand five"."""
    if year < 1000 or 2000 <= year <= 2009 or year % 1000 == 0:
        return _en_cardinal(year)
    century, rest = divmod(year, 100)
    if rest == 0:
        return f"{_en_cardinal(century)} hundred"
    return f"{_en_cardinal(century)} {'o ' if rest < 10 else ''}{_en_cardinal(rest)}"


def _en_decade(decade: int) -> str:
    century, rest = divmod(decade, 100)
    if rest == 0:
        return "two thousands" if decade == 2000 else f"{_en_cardinal(century)} hundreds"
    return f"{_en_cardinal(century)} {_EN_DECADES[rest // 10]}"


def _nth(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _en_number(text: str) -> str:
    """A written number ("1,500", "2.75") read aloud; decimals digit by digit after "point"."""
    whole, _, decimals = text.replace(",", "").partition(".")
    words = [_en_cardinal(int(whole))] if whole else []
    if decimals:
        words += ["point", *(_EN_DIGITS[int(d)] for d in decimals)]
    return " ".join(words)


def _en_spell(text: str) -> str:
    return " ".join(_EN_MARKS.get(c) or (_EN_DIGITS[int(c)] if c.isdigit() else c.lower()) for c in text)


def _en_acronym(text: str) -> str:
    """Letter by letter, dots dropped; a plural s joins the last letter ("CDs" "c d's")."""
    plural = text.endswith("s")
    letters = [c.lower() for c in (text[:-1] if plural else text) if c.isalpha()]
    if plural:
        letters[-1] += "'s"
    return " ".join(letters)


def _en_year_token(year: int) -> Token:
    return ("DATE", str(year), _en_year(year))


def _en_date(rng: np.random.Generator) -> Token:
    year, month, day = _year_value(rng), int(rng.integers(12)), int(rng.integers(1, 29))
    name, spoken_month = _EN_MONTHS[month], _EN_MONTHS[month].lower()
    spoken_year, spoken_day = _en_year(year), _en_ordinal(day)
    before, after = _pick(rng, (
        (f"{name} {day}, {year}", f"{spoken_month} {spoken_day} {spoken_year}"),
        (f"{day} {name} {year}", f"the {spoken_day} of {spoken_month} {spoken_year}"),
        (f"{name} {day}", f"{spoken_month} {spoken_day}"),
        (f"{day} {name}", f"the {spoken_day} of {spoken_month}"),
        (f"{year}-{month + 1:02d}-{day:02d}", f"the {spoken_day} of {spoken_month} {spoken_year}"),
        (f"{name} {year}", f"{spoken_month} {spoken_year}"),
    ))
    return ("DATE", before, after)


def _en_time(rng: np.random.Generator) -> Token:
    minute = _pick(rng, (0, 0, 15, 30, 30, 45)) if rng.random() < 0.7 else int(rng.integers(60))
    if rng.random() < 0.2:
        hour, suffix = int(rng.integers(13, 24)), ""
    else:
        hour, suffix = int(rng.integers(1, 13)), _pick(rng, ("", " am", " pm", " a.m.", " p.m."))
    spoken_suffix = {"": "", " am": " a m", " pm": " p m", " a.m.": " a m", " p.m.": " p m"}[suffix]
    if minute == 0:
        if suffix and rng.random() < 0.5:
            return ("TIME", f"{hour}{suffix}", f"{_en_cardinal(hour)}{spoken_suffix}")
        spoken_minute = "" if suffix else " o'clock"
    else:
        spoken_minute = f" {'o ' if minute < 10 else ''}{_en_cardinal(minute)}"
    return ("TIME", f"{hour}:{minute:02d}{suffix}", f"{_en_cardinal(hour)}{spoken_minute}{spoken_suffix}")


def _en_money(rng: np.random.Generator) -> Token:
    symbol = _pick(rng, "$$$£€")
    one, many, cent, cents = _EN_CURRENCIES[symbol]
    whole = _count(rng) if rng.random() < 0.8 else int(rng.integers(0, 2))
    r = rng.random()
    if r < 0.15 and whole:
        scale = _pick(rng, ("million", "billion"))
        return ("MONEY", f"{symbol}{whole} {scale}", f"{_en_cardinal(whole)} {scale} {many}")
    if r < 0.45 and whole < 1000:
        part = _pick(rng, (50, 99, 25, 95, 75)) if rng.random() < 0.6 else int(rng.integers(1, 100))
        words = [f"{_en_cardinal(whole)} {one if whole == 1 else many}"] if whole else []
        words.append(f"{_en_cardinal(part)} {cent if part == 1 else cents}")
        return ("MONEY", f"{symbol}{whole}.{part:02d}", " ".join(words))
    whole = max(whole, 1)
    return ("MONEY", f"{symbol}{whole:,}", f"{_en_cardinal(whole)} {one if whole == 1 else many}")


def _en_measure(rng: np.random.Generator) -> Token:
    if rng.random() < 0.25:
        value = str(_percent(rng)) if rng.random() < 0.8 else f"{rng.integers(100)}.{rng.integers(1, 10)}"
        return ("MEASURE", f"{value}%", f"{_en_number(value)} percent")
    value = str(_count(rng)) if rng.random() < 0.7 else ".".join(map(str, _decimal_parts(rng)))
    abbreviation, one, many = _pick(rng, _EN_UNITS)
    return ("MEASURE", f"{value} {abbreviation}", f"{_en_number(value)} {one if value == '1' else many}")


def _en_fraction(rng: np.random.Generator) -> Token:
    denominator = _pick(rng, (2, 2, 3, 4, 4, 5, 8, 10, 16))
    numerator = int(rng.integers(1, denominator))
    name = {2: "half", 4: "quarter"}.get(denominator) or _en_ordinal(denominator)
    name += "s" if numerator > 1 and denominator != 2 else ""
    whole = int(rng.integers(1, 10)) if rng.random() < 0.25 else 0
    if whole:
        amount = "a" if numerator == 1 else _en_cardinal(numerator)
        return ("FRACTION", f"{whole} {numerator}/{denominator}", f"{_en_cardinal(whole)} and {amount} {name}")
    return ("FRACTION", f"{numerator}/{denominator}", f"{_en_cardinal(numerator)} {name}")


def _en_address(rng: np.random.Generator) -> Token:
    name = _pick(rng, _EN_SITE_WORDS) + (_pick(rng, _EN_SITE_WORDS) if rng.random() < 0.5 else "")
    domain = f"{name}.{_pick(rng, ('com', 'com', 'org', 'net', 'edu', 'co.uk', 'io'))}"
    written = _pick(rng, (f"www.{domain}", f"http://{domain}/{_pick(rng, _EN_SITE_WORDS)}", domain,
                          f"{_pick(rng, ('info', 'john', 'mary', 'sales', 'help'))}@{domain}"))
    return ("ELECTRONIC", written, _en_spell(written))


def _en_year_phrase(rng: np.random.Generator) -> list[Token]:
    if rng.random() < 0.2:
        decade = int(rng.integers(180, 202)) * 10
        return _fill("in the {}", ("DATE", f"{decade}s", _en_decade(decade)))
    if rng.random() < 0.2:
        start = _year_value(rng)
        return _fill("from {} to {}", _en_year_token(start), _en_year_token(start + int(rng.integers(1, 30))))
    context = _pick(rng, ("in", "since", "by", "until", "back in", "as of"))
    return _fill(f"{context} {{}}", _en_year_token(_year_value(rng)))


def _en_date_phrase(rng: np.random.Generator) -> list[Token]:
    if rng.random() < 0.25:
        return _fill(f"at {{}} on {_pick(rng, ('Monday', 'Friday', 'Sunday'))}", _en_time(rng))
    date = _en_date(rng)
    return _fill("in {}" if re.fullmatch(r"[A-Za-z]+ \d{4}", date[1]) else "on {}", date)


def _en_cardinal_phrase(rng: np.random.Generator) -> list[Token]:
    n = _count(rng)
    written = f"{n:,}" if n >= 10_000 or (n >= 1000 and rng.random() < 0.5) else str(n)
    template = _pick(rng, ("{} times", "{} people", "page {}", "about {} of them", "{} years later", "number {}",
                           "all {} of us"))
    return _fill(template, ("CARDINAL", written, _en_cardinal(n)))


def _en_ordinal_phrase(rng: np.random.Generator) -> list[Token]:
    n = _small_ordinal(rng)
    template = _pick(rng, ("for the {} time", "on the {} floor", "in the {} century", "finished {}",
                           "the {} anniversary"))
    return _fill(template, ("ORDINAL", _nth(n), _en_ordinal(n)))


def _en_roman_phrase(rng: np.random.Generator) -> list[Token]:
    r = rng.random()
    if r < 0.4:
        n = int(rng.integers(1, 17))
        return _fill(f"as {_pick(rng, _EN_RULERS)} {{}} said", ("ORDINAL", _roman(n), f"the {_en_ordinal(n)}"))
    n = int(rng.integers(1, 3)) if r < 0.6 else int(rng.integers(1, 31))
    context = "after World War" if r < 0.6 else _pick(rng, ("chapter", "part", "volume", "act"))
    return _fill(f"{context} {{}}", ("CARDINAL", _roman(n), _en_cardinal(n)))


def _en_decimal_phrase(rng: np.random.Generator) -> list[Token]:
    value = ".".join(map(str, _decimal_parts(rng)))
    if rng.random() < 0.2:
        scale = _pick(rng, ("million", "billion"))
        return _fill("{} people", ("DECIMAL", f"{value} {scale}", f"{_en_number(value)} {scale}"))
    template = _pick(rng, ("a score of {}", "about {} on average", "rated {}", "a ratio of {}"))
    return _fill(template, ("DECIMAL", value, _en_number(value)))


def _en_money_phrase(rng: np.random.Generator) -> list[Token]:
    return _fill(_pick(rng, ("for {}", "at a cost of {}", "worth {}", "paid {}", "only {}")), _en_money(rng))


def _en_measure_phrase(rng: np.random.Generator) -> list[Token]:
    return _fill(_pick(rng, ("about {}", "nearly {}", "over {}", "weighing {}", "at {}")), _en_measure(rng))


def _en_time_phrase(rng: np.random.Generator) -> list[Token]:
    return _fill(_pick(rng, ("at {}", "by {}", "at {} sharp", "until {}")), _en_time(rng))


def _en_telephone_phrase(rng: np.random.Generator) -> list[Token]:
    written = "-".join(_digits(rng, n) for n in _pick(rng, ((3, 4), (3, 3, 4))))
    written = _pick(rng, (written, f"1-800-{_digits(rng, 3)}-{_digits(rng, 4)}"))
    spoken = " sil ".join(" ".join(_EN_DIGITS[int(d)] for d in group) for group in written.split("-"))
    return _fill(_pick(rng, ("call {}", "phone {}", "dial {}")), ("TELEPHONE", written, spoken))


def _en_address_phrase(rng: np.random.Generator) -> list[Token]:
    return _fill(_pick(rng, ("see {}", "visit {}", "contact {}")), _en_address(rng))


def _en_letters_phrase(rng: np.random.Generator) -> list[Token]:
    written = _new_acronym(rng, ascii_uppercase) if rng.random() < 0.3 else _pick(rng, _EN_ACRONYMS)
    template = _pick(rng, ("says the {}", "according to the {}", "on {}", "at the {}", "like the {}"))
    return _fill(template, ("LETTERS", written, _en_acronym(written)))


def _en_digit_phrase(rng: np.random.Generator) -> list[Token]:
    template, length = _pick(rng, (("zip code {}", 5), ("code {}", 4), ("agent {}", 3)))
    written = "00" + _digits(rng, 1) if length == 3 else _digits(rng, length)
    return _fill(template, ("DIGIT", written, " ".join(_EN_DIGITS[int(d)] for d in written)))


def _en_fraction_phrase(rng: np.random.Generator) -> list[Token]:
    return _fill(_pick(rng, ("{} of the time", "about {} of them", "{} of it")), _en_fraction(rng))


def _en_symbol_phrase(rng: np.random.Generator) -> list[Token]:
    symbol = _pick(rng, tuple(_EN_SYMBOLS))
    return _fill(_pick(rng, ("the {} version", "the {} particle", "the {} wave")),
                 ("VERBATIM", symbol, _EN_SYMBOLS[symbol]))


_EN_PHRASES: tuple[tuple[float, Phrase], ...] = (
    (3.0, _en_year_phrase), (2.0, _en_date_phrase), (3.0, _en_cardinal_phrase), (1.5, _en_ordinal_phrase),
    (1.0, _en_roman_phrase), (1.5, _en_decimal_phrase), (2.0, _en_money_phrase), (2.0, _en_measure_phrase),
    (1.5, _en_time_phrase), (0.7, _en_telephone_phrase), (0.8, _en_address_phrase), (2.0, _en_letters_phrase),
    (0.6, _en_digit_phrase), (0.8, _en_fraction_phrase), (0.5, _en_symbol_phrase),
)
_EN_NUMBER_WORDS = {_en_cardinal(n): n for n in range(2, 13)}
_EN_ORDINAL_WORDS = {_en_ordinal(n): n for n in (1, *range(3, 13))}  # not "second", mostly a unit of time


def _en_rewrite(word: str, rng: np.random.Generator) -> Token:
    """A token of the text; some number words are written in digits and some "and"s as "&"."""
    lower = word.lower()
    if lower in _EN_NUMBER_WORDS and rng.random() < DIGIT_SHARE:
        return ("CARDINAL", str(_EN_NUMBER_WORDS[lower]), lower)
    if lower in _EN_ORDINAL_WORDS and rng.random() < DIGIT_SHARE:
        return ("ORDINAL", _nth(_EN_ORDINAL_WORDS[lower]), lower)
    if word == "and" and rng.random() < AMPERSAND_SHARE:
        return ("VERBATIM", "&", "and")
    return _plain(word)


def _en_class_notes() -> list[tuple[str, str, Token]]:
    return [
        ("PLAIN", "a word, read as written", _plain("house")),
        ("PUNCT", "a punctuation mark, kept as written", _plain(",")),
        ("CARDINAL", "a number, or a Roman numeral after *chapter* or *World War*",
         ("CARDINAL", "1,205", _en_cardinal(1205))),
        ("ORDINAL", "an ordinal number, or a Roman numeral after a ruler's name", ("ORDINAL", "VIII", "the eighth")),
        ("DATE", "a year (a 4-digit number after *in* or *since*), decade or date",
         ("DATE", "March 3, 2014", "march third twenty fourteen")),
        ("DECIMAL", "a decimal number, digit by digit after the point", ("DECIMAL", "3.14", _en_number("3.14"))),
        ("MONEY", "a sum of money", ("MONEY", "$5.50", "five dollars fifty cents")),
        ("MEASURE", "a quantity with its unit, or a percentage", ("MEASURE", "12 kg", "twelve kilograms")),
        ("TIME", "a time of day", ("TIME", "3:30 pm", "three thirty p m")),
        ("TELEPHONE", "a telephone number, digit by digit, `sil` between groups",
         ("TELEPHONE", "555-0123", "five five five sil o one two three")),
        ("ELECTRONIC", "a web or e-mail address, character by character",
         ("ELECTRONIC", "www.data.com", _en_spell("www.data.com"))),
        ("LETTERS", "an acronym read letter by letter", ("LETTERS", "NASA", "n a s a")),
        ("DIGIT", "a code read digit by digit", ("DIGIT", "0451", "o four five one")),
        ("FRACTION", "a fraction", ("FRACTION", "3/4", "three quarters")),
        ("VERBATIM", "a symbol read by its name", ("VERBATIM", "&", "and")),
    ]


# --- Russian ----------------------------------------------------------------------------------------------

_RU_DIGITS = ("ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
              "ноября", "декабря")  # genitive: a month follows its day
_RU_MARKS = {".": "точка", "/": "слэш", ":": "двоеточие", "@": "собака", "-": "дефис"}
_RU_NOUNS = ((("раз", "раза", "раз"), "m"), (("человек", "человека", "человек"), "m"), (("день", "дня", "дней"), "m"),
             (("год", "года", "лет"), "m"), (("страница", "страницы", "страниц"), "f"),
             (("книга", "книги", "книг"), "f"), (("окно", "окна", "окон"), "n"))
_RU_UNITS = (("км", ("километр", "километра", "километров"), "m"), ("м", ("метр", "метра", "метров"), "m"),
             ("см", ("сантиметр", "сантиметра", "сантиметров"), "m"),
             ("мм", ("миллиметр", "миллиметра", "миллиметров"), "m"),
             ("кг", ("килограмм", "килограмма", "килограммов"), "m"), ("т", ("тонна", "тонны", "тонн"), "f"),
             ("л", ("литр", "литра", "литров"), "m"),
             ("км/ч", ("километр в час", "километра в час", "километров в час"), "m"),
             ("°C", ("градус цельсия", "градуса цельсия", "градусов цельсия"), "m"))
_RU_PERCENT = ("процент", "процента", "процентов")
_RU_ACRONYMS = ("США", "СССР", "ФСБ", "КГБ", "МВД", "ООН", "РФ", "ЕС", "МГУ", "ГАИ", "СМИ", "ЦРУ", "NASA", "IBM",
                "BBC", "CNN", "FBI", "USB", "DVD")
_RU_ACRONYM_LETTERS = "БВГДКЛМНПРСТФЦ"
_RU_SITE_WORDS = ("yandex", "mail", "lenta", "kino", "market", "avto", "dom", "novosti", "pogoda", "info", "foto",
                  "sport", "gazeta", "torg")
_RU_SYMBOLS = {"α": "альфа", "β": "бета", "γ": "гамма", "δ": "дельта", "π": "пи", "Ω": "омега"}
_RU_RULERS = (("Пётр", "m"), ("Иван", "m"), ("Николай", "m"), ("Александр", "m"), ("Екатерина", "f"),
              ("Елизавета", "f"))
# Latin-script names in Russian text are read in Russian; the competition marks each letter `_trans`.
_RU_LATIN_NAMES = (("Google", "гугл"), ("Windows", "виндоус"), ("Microsoft", "майкрософт"), ("Linux", "линукс"),
                   ("Apple", "эппл"), ("Intel", "интел"), ("Yahoo", "яху"), ("Skype", "скайп"),
                   ("Oracle", "оракл"), ("Firefox", "файрфокс"))
_RU_CASES = ("nominative", "genitive", "dative", "instrumental", "prepositional")


@lru_cache(maxsize=None)
def _ru_cardinal(n: int, gender: str = "m", case: str = "nominative") -> str:
    words = num2words(n, lang="ru", gender=gender, case=case)
    # num2words says "одна тысяча"; the competition, like most speakers, "тысяча".
    return words[len("одна "):] if words.startswith("одна тысяча") else words


@lru_cache(maxsize=None)
def _ru_ordinal(n: int, gender: str = "m", case: str = "nominative", plural: bool = False) -> str:
    return num2words(n, lang="ru", to="ordinal", gender=gender, case=case, plural=plural)


def _ru_form(n: int, forms: tuple[str, str, str]) -> str:
    """The noun form that follows the number n: 1 (and 21, ...), 2 to 4 (and 22, ...), or the rest."""
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


def _ru_decimal(text: str) -> str:
    return num2words(float(text.replace(",", ".")), lang="ru")


def _ru_digits(text: str) -> str:
    return " ".join(_RU_DIGITS[int(d)] for d in text)


def _ru_telephone(written: str) -> str:
    return " sil ".join(_ru_digits(group) for group in written.split("-"))


def _ru_spell(text: str) -> str:
    """Character by character: Latin letters marked `_latin`, as the competition does, Cyrillic ones plain."""
    return " ".join(_RU_MARKS.get(c) or (_RU_DIGITS[int(c)] if c.isdigit() else
                                         f"{c.lower()}_latin" if c.isascii() else c.lower()) for c in text)


def _ru_year_token(year: int, case: str) -> Token:
    noun = {"prepositional": "году", "genitive": "года", "nominative": "год"}[case]
    return ("DATE", f"{year} {noun}", f"{_ru_ordinal(year, case=case)} {noun}")


def _ru_date(rng: np.random.Generator, case: str) -> Token:
    year, month, day = _year_value(rng), int(rng.integers(12)), int(rng.integers(1, 29))
    spoken = f"{_ru_ordinal(day, 'n', case)} {_RU_MONTHS[month]}"
    spoken_year = f"{_ru_ordinal(year, case='genitive')} года"
    return _pick(rng, (
        ("DATE", f"{day} {_RU_MONTHS[month]}", spoken),
        ("DATE", f"{day} {_RU_MONTHS[month]} {year} года", f"{spoken} {spoken_year}"),
        ("DATE", f"{day:02d}.{month + 1:02d}.{year}", f"{spoken} {spoken_year}"),
    ))


def _ru_number_with(rng: np.random.Generator, forms: tuple[str, str, str], gender: str) -> tuple[str, str]:
    """A written quantity and its reading with the unit's agreeing form; decimals take the genitive singular."""
    if rng.random() < 0.7:
        n = _count(rng)
        return str(n), f"{_ru_cardinal(n, gender)} {_ru_form(n, forms)}"
    whole, decimals = _decimal_parts(rng)
    written = f"{whole},{decimals}"
    return written, f"{_ru_decimal(written)} {forms[1]}"


def _ru_year_phrase(rng: np.random.Generator) -> list[Token]:
    year = _year_value(rng)
    r = rng.random()
    if r < 0.5:
        return _fill("в {}", _ru_year_token(year, "prepositional"))
    if r < 0.85:
        return _fill(f"{_pick(rng, ('с', 'до', 'после', 'начиная с'))} {{}}", _ru_year_token(year, "genitive"))
    return _fill("это был {}", _ru_year_token(year, "nominative"))


def _ru_date_phrase(rng: np.random.Generator) -> list[Token]:
    if rng.random() < 0.35:
        return _fill(f"{_pick(rng, ('сегодня', 'это было'))} {{}}", _ru_date(rng, "nominative"))
    return _fill(f"{_pick(rng, ('с', 'до', 'после'))} {{}}", _ru_date(rng, "genitive"))


def _ru_cardinal_phrase(rng: np.random.Generator) -> list[Token]:
    n = _count(rng)
    r = rng.random()
    if r < 0.15:
        return _fill("{} {}", ("VERBATIM", "№", "номер"), ("CARDINAL", str(n), _ru_cardinal(n)))
    if r < 0.25:
        return _fill("{} {}", ("VERBATIM", "§", "параграф"), ("CARDINAL", str(n), _ru_cardinal(n)))
    forms, gender = _pick(rng, _RU_NOUNS)
    return _fill(f"{{}} {_ru_form(n, forms)}", ("CARDINAL", str(n), _ru_cardinal(n, gender)))


def _ru_ordinal_phrase(rng: np.random.Generator) -> list[Token]:
    n = _small_ordinal(rng)
    r = rng.random()
    if r < 0.35:
        return _fill("в {} раз", ("ORDINAL", f"{n}-й", _ru_ordinal(n)))
    if r < 0.7:
        return _fill("на {} этаже", ("ORDINAL", f"{n}-м", _ru_ordinal(n, case="prepositional")))
    return _fill("{} глава", ("ORDINAL", f"{n}-я", _ru_ordinal(n, "f")))


def _ru_roman_phrase(rng: np.random.Generator) -> list[Token]:
    if rng.random() < 0.5:
        century = int(rng.integers(1, 22))
        if rng.random() < 0.5:
            return _fill("в {} веке", ("ORDINAL", _roman(century), _ru_ordinal(century, case="prepositional")))
        return _fill("{} век", ("ORDINAL", _roman(century), _ru_ordinal(century)))
    name, gender = _pick(rng, _RU_RULERS)
    n = int(rng.integers(1, 7))
    verb = "говорила" if gender == "f" else "говорил"
    return _fill(f"как {verb} {name} {{}}", ("ORDINAL", _roman(n), _ru_ordinal(n, gender)))


def _ru_decimal_phrase(rng: np.random.Generator) -> list[Token]:
    whole, decimals = _decimal_parts(rng)
    written = f"{whole},{decimals}"
    template = _pick(rng, ("рейтинг {}", "коэффициент {}", "равно {}", "в среднем {}"))
    return _fill(template, ("DECIMAL", written, _ru_decimal(written)))


def _ru_money_phrase(rng: np.random.Generator) -> list[Token]:
    n = _count(rng) if rng.random() < 0.85 else 1
    spoken = _ru_cardinal(n)
    token = _pick(rng, (
        ("MONEY", f"{n} руб.", f"{spoken} {_ru_form(n, ('рубль', 'рубля', 'рублей'))}"),
        ("MONEY", f"{n} руб.", f"{spoken} {_ru_form(n, ('рубль', 'рубля', 'рублей'))}"),
        ("MONEY", f"${n}", f"{spoken} {_ru_form(n, ('доллар', 'доллара', 'долларов'))} сэ ш а"),
        ("MONEY", f"€{n}", f"{spoken} евро"),
    ))
    return _fill(_pick(rng, ("за {}", "стоит {}", "всего {}")), token)


def _ru_measure_phrase(rng: np.random.Generator) -> list[Token]:
    if rng.random() < 0.25:
        n = _percent(rng)
        written, spoken = str(n), f"{_ru_cardinal(n)} {_ru_form(n, _RU_PERCENT)}"
        return _fill(_pick(rng, ("на {}", "рост на {}", "примерно {}")), ("MEASURE", f"{written}%", spoken))
    abbreviation, forms, gender = _pick(rng, _RU_UNITS)
    written, spoken = _ru_number_with(rng, forms, gender)
    return _fill(_pick(rng, ("примерно {}", "ровно {}", "почти {}", "длиной {}")),
                 ("MEASURE", f"{written} {abbreviation}", spoken))


def _ru_time_phrase(rng: np.random.Generator) -> list[Token]:
    hour = int(rng.integers(1, 24))
    minute = _pick(rng, (0, 0, 15, 30, 30, 45)) if rng.random() < 0.7 else int(rng.integers(60))
    spoken = f"{_ru_cardinal(hour)} {_ru_form(hour, ('час', 'часа', 'часов'))}"
    if minute:
        spoken += f" {_ru_cardinal(minute, 'f')} {_ru_form(minute, ('минута', 'минуты', 'минут'))}"
    return _fill(_pick(rng, ("в {}", "ровно в {}", "начало в {}")), ("TIME", f"{hour}:{minute:02d}", spoken))


def _ru_telephone_phrase(rng: np.random.Generator) -> list[Token]:
    groups = _pick(rng, (("8", "800", _digits(rng, 3)), ("8", "9" + _digits(rng, 2), _digits(rng, 3)),
                         (_digits(rng, 3),)))
    written = "-".join((*groups, _digits(rng, 2), _digits(rng, 2)))
    return _fill(_pick(rng, ("звоните {}", "телефон {}", "по телефону {}")),
                 ("TELEPHONE", written, _ru_telephone(written)))


def _ru_address_phrase(rng: np.random.Generator) -> list[Token]:
    name = _pick(rng, _RU_SITE_WORDS) + (_pick(rng, _RU_SITE_WORDS) if rng.random() < 0.4 else "")
    domain = f"{name}.{_pick(rng, ('ru', 'ru', 'com', 'org', 'net'))}"
    written = _pick(rng, (f"www.{domain}", domain, f"{_pick(rng, ('info', 'ivan', 'olga', 'admin'))}@{domain}"))
    return _fill(_pick(rng, ("сайт {}", "пишите на {}", "подробнее на {}")),
                 ("ELECTRONIC", written, _ru_spell(written)))


def _ru_letters_phrase(rng: np.random.Generator) -> list[Token]:
    written = _new_acronym(rng, _RU_ACRONYM_LETTERS) if rng.random() < 0.3 else _pick(rng, _RU_ACRONYMS)
    return _fill(_pick(rng, ("по данным {}", "сообщает {}", "как заявили в {}")),
                 ("LETTERS", written, _ru_spell(written)))


def _ru_digit_phrase(rng: np.random.Generator) -> list[Token]:
    template, length = _pick(rng, (("индекс {}", 6), ("код {}", 4)))
    written = _digits(rng, length)
    return _fill(template, ("DIGIT", written, _ru_digits(written)))


def _ru_fraction_phrase(rng: np.random.Generator) -> list[Token]:
    denominator = _pick(rng, (2, 2, 3, 4, 4, 5, 8, 10))
    numerator = int(rng.integers(1, denominator))
    # After 1 the denominator is a feminine ordinal ("одна вторая"); after other numbers, genitive plural.
    part = (_ru_ordinal(denominator, "f") if numerator % 10 == 1 and numerator % 100 != 11
            else _ru_ordinal(denominator, case="genitive", plural=True))
    token = ("FRACTION", f"{numerator}/{denominator}", f"{_ru_cardinal(numerator, 'f')} {part}")
    return _fill(_pick(rng, ("примерно {}", "{} всех", "ровно {}")), token)


def _ru_symbol_phrase(rng: np.random.Generator) -> list[Token]:
    symbol = _pick(rng, tuple(_RU_SYMBOLS))
    return _fill(_pick(rng, ("параметр {}", "частица {}", "версия {}")), ("VERBATIM", symbol, _RU_SYMBOLS[symbol]))


def _ru_latin_phrase(rng: np.random.Generator) -> list[Token]:
    latin, russian = _pick(rng, _RU_LATIN_NAMES)
    token = ("PLAIN", latin, " ".join(f"{c}_trans" for c in russian))
    return _fill(_pick(rng, ("пишет {}", "как в {}", "работает в {}")), token)


_RU_PHRASES: tuple[tuple[float, Phrase], ...] = (
    (3.0, _ru_year_phrase), (2.0, _ru_date_phrase), (3.0, _ru_cardinal_phrase), (1.5, _ru_ordinal_phrase),
    (1.0, _ru_roman_phrase), (1.5, _ru_decimal_phrase), (2.0, _ru_money_phrase), (2.0, _ru_measure_phrase),
    (1.5, _ru_time_phrase), (0.7, _ru_telephone_phrase), (0.8, _ru_address_phrase), (2.0, _ru_letters_phrase),
    (0.6, _ru_digit_phrase), (0.8, _ru_fraction_phrase), (0.5, _ru_symbol_phrase), (0.8, _ru_latin_phrase),
)
# Every case form of two to ten: in digits, "2" is read "два", "две", "двух", "двум" or "двумя" by context.
_RU_NUMBER_WORDS = {_ru_cardinal(n, gender, case): n for n in range(2, 11) for gender in ("m", "f")
                    for case in _RU_CASES}


def _ru_rewrite(word: str, rng: np.random.Generator) -> Token:
    """A token of the text; some number words are written in digits."""
    lower = word.lower()
    if lower in _RU_NUMBER_WORDS and rng.random() < DIGIT_SHARE:
        return ("CARDINAL", str(_RU_NUMBER_WORDS[lower]), lower)
    return _plain(word)


def _ru_class_notes() -> list[tuple[str, str, Token]]:
    return [
        ("PLAIN", "a word, read as written; a Latin-script name is read in Russian, each letter marked `_trans`",
         ("PLAIN", "Google", "г_trans у_trans г_trans л_trans")),
        ("PUNCT", "a punctuation mark, kept as written", _plain(",")),
        ("CARDINAL", "a number, in the case and gender its context asks for", ("CARDINAL", "2", "двух")),
        ("ORDINAL", "an ordinal number or Roman numeral", ("ORDINAL", "XX", _ru_ordinal(20, case="prepositional"))),
        ("DATE", "a year or date, in the case of its context",
         ("DATE", "3 марта 2014 года", f"третьего марта {_ru_ordinal(2014, case='genitive')} года")),
        ("DECIMAL", "a decimal number", ("DECIMAL", "3,14", _ru_decimal("3,14"))),
        ("MONEY", "a sum of money", ("MONEY", "100 руб.", "сто рублей")),
        ("MEASURE", "a quantity with its unit, or a percentage", ("MEASURE", "5 км", "пять километров")),
        ("TIME", "a time of day", ("TIME", "15:30", "пятнадцать часов тридцать минут")),
        ("TELEPHONE", "a telephone number, digit by digit, `sil` between groups",
         ("TELEPHONE", "8-800-555-35-35", _ru_telephone("8-800-555-35-35"))),
        ("ELECTRONIC", "a web or e-mail address, character by character", ("ELECTRONIC", "mail.ru",
                                                                           _ru_spell("mail.ru"))),
        ("LETTERS", "an acronym read letter by letter, Latin letters marked `_latin`",
         ("LETTERS", "NASA", _ru_spell("NASA"))),
        ("DIGIT", "a code read digit by digit", ("DIGIT", "0451", _ru_digits("0451"))),
        ("FRACTION", "a fraction", ("FRACTION", "3/4", "три четвёртых")),
        ("VERBATIM", "a symbol read by its name", ("VERBATIM", "№", "номер")),
    ]


_DESCRIPTION = """\
# Text Normalization Challenge - {language} Language (local stand-in)

## Overview

Text-to-speech systems must turn written text into the words a speaker says ("{measure}" is read
"{measure_spoken}"), and the same token may be read differently in different contexts. Given sentences split
into tokens, give the spoken form (`after`) of every written token (`before`).

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The sentences come from {source}. They were split into words and punctuation marks (each mark
is its own token), and numbers, dates, sums of money, measures, times, telephone numbers, acronyms,
addresses, fractions and symbols were put into them. A token may hold spaces ("{measure}" and "{date}"
are single tokens). Words and punctuation marks are mostly kept as written; the spoken forms of the other
tokens are lowercase words separated by spaces, without hyphens or commas.

## Data

- `{prefix}_train.csv.zip`: `{prefix}_train.csv`, {n_train} sentences ({n_train_tokens} tokens) with
  `sentence_id`, `token_id` (the token's position in its sentence, from 0), `class`, `before` and `after`.
- `{prefix}_test_2.csv.zip`: `{prefix}_test_2.csv`, {n_test} sentences ({n_test_tokens} tokens) with
  `sentence_id`, `token_id` and `before`.
- `{prefix}_sample_submission_2.csv.zip`: `{prefix}_sample_submission_2.csv`, a valid submission that copies
  every token as written.

Strings are quoted in the CSV files, numbers are not. The classes, given for training tokens only:

{classes}

## Evaluation

Submissions are evaluated on accuracy: the share of test tokens whose predicted `after` matches the true
one exactly. Higher is better.

## Submission format

One row per test token, `id` being `sentence_id` and `token_id` joined by an underscore:

```
id,after
{example}
```
"""
