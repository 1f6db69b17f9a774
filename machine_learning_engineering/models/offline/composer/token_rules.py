"""Script source that reads a text-normalisation task's tokens (the `tokens` form of `task.forms`).

Every token seen in training is written out as most often there (after the same previous token, where
that pair was seen twice or more). For the others a model picks the rule that writes them out: as they
are, as a number, a year, an ordinal, a date, a time, money, a measure, letter by letter, digit by digit.
The model learns from the training tokens seen in one sentence only, the nearest thing to an unseen
token, each labelled with the first rule that gives its written-out form. The rules follow the
competition's conventions (lower case, no hyphens, commas or "and" in numbers) and use num2words when it
is installed.
"""

TOKENS = r'''
# Text normalisation: seen tokens are written out by a lookup of the training pairs; for unseen ones a
# model picks the rule that writes them out. The model's rows are the training tokens seen in one
# sentence only, their target column the name of the first rule that gives their written-out form.
# Scores are of the whole task: the share of tokens written out right (see form_score).
import re as _re

LANGUAGE = TASK["form"]["language"]
MAX_CONTEXT_WORDS = 300  # previous and next words (and token shapes) kept as categories; rarer: "<other>"

try:
    from num2words import num2words as _num2words
except ImportError:  # without it numbers are not written out: the rules that need it give nothing
    _num2words = None

_DIGIT_WORDS = {"en": "o one two three four five six seven eight nine".split(),
                "ru": "ноль один два три четыре пять шесть семь восемь девять".split()}[LANGUAGE]
_EN_MONTHS = "january february march april may june july august september october november december".split()
_MONTHS = {"en": _EN_MONTHS,
           "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()}[LANGUAGE]
_MONTH_INDEX = {m[:3]: i for i, m in enumerate(_EN_MONTHS)}
_MARKS = {"en": {".": "dot", "/": "slash", ":": "colon", "@": "at", "-": "dash", "_": "underscore"},
          "ru": {".": "точка", "/": "слэш", ":": "двоеточие", "@": "собака", "-": "дефис"}}[LANGUAGE]
_SYMBOLS = {"&": ("and", "и"), "%": ("percent", "процентов"), "#": ("number", "номер"), "+": ("plus", "плюс"),
            "α": ("alpha", "альфа"), "β": ("beta", "бета"), "γ": ("gamma", "гамма"), "δ": ("delta", "дельта"),
            "π": ("pi", "пи"), "λ": ("lambda", "лямбда"), "μ": ("mu", "мю"), "Ω": ("omega", "омега")}
_CURRENCIES = {"$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
               "€": ("euro", "euros", "cent", "cents")}
_UNITS = {"kg": "kilogram", "g": "gram", "mg": "milligram", "km": "kilometer", "m": "meter", "cm": "centimeter",
          "mm": "millimeter", "mi": "mile", "ft": "foot", "in": "inch", "lb": "pound", "lbs": "pound", "oz": "ounce",
          "l": "liter", "ml": "milliliter", "mph": "mile per hour", "km/h": "kilometer per hour", "kb": "kilobyte",
          "mb": "megabyte", "gb": "gigabyte", "tb": "terabyte", "%": "percent", "°c": "degree celsius",
          "°f": "degree fahrenheit", "hz": "hertz", "khz": "kilohertz", "ghz": "gigahertz", "s": "second",
          "min": "minute", "h": "hour", "ha": "hectare"}
_PLURALS = {"foot": "feet", "inch": "inches", "hertz": "hertz", "kilohertz": "kilohertz", "gigahertz": "gigahertz",
            "percent": "percent", "degree celsius": "degrees celsius", "degree fahrenheit": "degrees fahrenheit"}
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _words(n, to="cardinal"):
    # The competition writes "twenty one" and "one hundred five": no hyphens, commas or "and".
    if _num2words is None:
        return None
    if LANGUAGE == "ru":
        return _ru(n, to=to)
    text = _num2words(n, lang=LANGUAGE, to=to).replace("-", " ").replace(",", "")
    return " ".join(w for w in text.split() if w != "and")


def _integer(text):
    text = text.replace(",", "") if _re.fullmatch(r"-?\d{1,3}(,\d{3})+", text) else text
    return int(text) if _re.fullmatch(r"-?\d+", text) else None


def _roman_value(token):
    if not _re.fullmatch(r"[IVXLCDM]+", token):
        return None
    pairs = zip(token, token[1:])
    return sum(-_ROMAN[a] if _ROMAN[a] < _ROMAN[b] else _ROMAN[a] for a, b in pairs) + _ROMAN[token[-1]]


def rule_self(token):
    return token


def rule_cardinal(token):
    n = _integer(token.replace(" ", "") if LANGUAGE == "ru" else token)
    words = None if n is None else _words(abs(n))
    return None if words is None else ("minus " if n < 0 else "") + words


def rule_year(token):
    n = _integer(token)
    if n is None or not 1000 <= n <= 2099 or LANGUAGE != "en":
        return None
    if 2000 <= n <= 2009 or n % 1000 == 0:
        return _words(n)
    century, rest = divmod(n, 100)
    return f"{_words(century)} hundred" if rest == 0 else f"{_words(century)} {'o ' if rest < 10 else ''}{_words(rest)}"


def rule_ordinal(token):
    found = _re.fullmatch(r"(\d+)(st|nd|rd|th|-?й|-?я|-?е|-?го|-?м)?\.?", token)
    if not found or not (found.group(2) or LANGUAGE == "ru"):
        return None
    if LANGUAGE == "ru":  # the suffix gives the form: 5-я пятая, 5-м пятом
        return _ru(int(found.group(1)), to="ordinal", **_RU_ORDINAL_FORMS.get((found.group(2) or "").lstrip("-"), {}))
    return _words(int(found.group(1)), "ordinal")


def rule_roman(token):
    value = _roman_value(token)
    return None if value is None else _words(value)


def rule_roman_ordinal(token):
    value = _roman_value(token)
    return None if value is None else ("the " if LANGUAGE == "en" else "") + _words(value, "ordinal")


def rule_digits(token):
    return " ".join(_DIGIT_WORDS[int(c)] for c in token) if token.isdigit() else None


def rule_letters(token):
    letters = [c.lower() for c in token if c.isalpha()]
    if not letters or not _re.fullmatch(r"[A-Za-zА-Яа-яЁё.]+'?s?", token):
        return None
    if LANGUAGE == "ru":
        return " ".join(c + ("_latin" if c.isascii() else "") for c in letters)
    if token.endswith("s") and len(letters) > 1 and token[:-1].replace(".", "").isupper():
        return " ".join(letters[:-2] + [letters[-2] + "'s"])
    return " ".join(letters)


def rule_decimal(token):
    # "30.16 million": thirty point one six million
    found = _re.fullmatch(r"(-?)([\d,]*)[.,](\d+)( (?:thousand|million|billion|trillion))?", token)
    if not found or _num2words is None:
        return None
    whole = _integer(found.group(2)) if found.group(2) else None
    point = "point" if LANGUAGE == "en" else "целых"
    head = [_words(whole)] if whole is not None else ([] if LANGUAGE == "en" else [_words(0)])
    tail = " ".join(_DIGIT_WORDS[int(c)] for c in found.group(3))
    scale = [found.group(4).strip()] if found.group(4) else []
    return " ".join((["minus"] if found.group(1) else []) + head + [point, tail] + scale)


def rule_money(token):
    found = _re.fullmatch(r"([$£€])\s?([\d,]+)(?:\.(\d{2}))?( (?:million|billion|thousand))?", token)
    amount = _integer(found.group(2)) if found and LANGUAGE == "en" else None
    if amount is None or _num2words is None:
        return None
    one, many, cent, cents = _CURRENCIES[found.group(1)]
    scale = [found.group(4).strip()] if found.group(4) else []
    words = [_words(amount)] + scale + [one if amount == 1 and not scale else many]
    part = int(found.group(3) or 0)
    if part:  # "$0.25" is twenty five cents alone
        words = (words if amount or scale else []) + [_words(part), cent if part == 1 else cents]
    return " ".join(words)


def rule_measure(token):
    found = _re.fullmatch(r"(-?[\d,]*\.?\d+)\s?([A-Za-z°%/²]+)", token)
    unit = _UNITS.get(found.group(2).lower()) if found and LANGUAGE == "en" else None
    if unit is None:
        return None
    number = found.group(1)
    spoken = rule_decimal(number) if "." in number else rule_cardinal(number)
    if spoken is None:
        return None
    plural = _PLURALS.get(unit) or (unit.replace(" per ", "s per ") if " per " in unit else unit + "s")
    return f"{spoken} {unit if number in ('1', '-1') else plural}"


def rule_time(token):
    # "10:30", "7:05 p.m.", and an hour alone with a.m. or p.m. ("3 am": three a m)
    found = _re.fullmatch(r"(\d{1,2})(?::(\d{2})(?::\d{2})?)?\s?([ap]\.?m\.?)?", token, _re.I)
    if not found or not (found.group(2) or found.group(3)) or LANGUAGE != "en" or _num2words is None:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2) or 0)
    words = [_words(hours)]
    if minutes:
        words.append(("o " if minutes < 10 else "") + _words(minutes))
    elif not found.group(3):
        words.append("o'clock")
    if found.group(3):
        words.append(" ".join(c for c in found.group(3).lower() if c.isalpha()))
    return " ".join(words)


def rule_telephone(token):
    if not _re.fullmatch(r"[\d()+ -]{5,}", token) or not any(c in token for c in "- ()"):
        return None
    words = []
    for c in token.strip():
        if c.isdigit():
            words.append(_DIGIT_WORDS[int(c)])
        elif words and words[-1] != "sil":
            words.append("sil")
    return " ".join(words)


def rule_fraction(token):
    # "3/4" three quarters, "1/2" one half; "2 4/5" two and four fifths, "9 1/2" nine and a half
    found = _re.fullmatch(r"(?:(\d+) )?(\d+)/(\d+)", token)
    if not found or LANGUAGE != "en" or _num2words is None:
        return None
    top, bottom = int(found.group(2)), int(found.group(3))
    one, many = {2: ("half", "halves"), 4: ("quarter", "quarters")}.get(bottom) or (
        _words(bottom, "ordinal"), _words(bottom, "ordinal") + "s")
    if found.group(1) is None:
        return f"{_words(top)} {one if top == 1 else many}"
    return f"{_words(int(found.group(1)))} and {f'a {one}' if top == 1 else f'{_words(top)} {many}'}"


def _date_parts(token):
    # (day, month 0-11, year) of a written date, a part None when absent; None when it is no date.
    patterns = ((r"([A-Za-z]+)\.? (\d{1,2}),? (\d{4})", "mdy"), (r"(\d{1,2}) ([A-Za-z]+)\.? (\d{4})", "dmy"),
                (r"([A-Za-z]+)\.? (\d{4})", "my"), (r"([A-Za-z]+)\.? (\d{1,2})", "md"), (r"(\d{1,2}) ([A-Za-z]+)", "dm"),
                (r"(\d{4})-(\d{2})-(\d{2})", "ymd"), (r"(\d{1,2})/(\d{1,2})/(\d{4})", "mdy"),
                (r"(\d{1,2}) ([а-яё]+) (\d{4})", "dmy"), (r"(\d{1,2}) ([а-яё]+)", "dm"))
    for pattern, order in patterns:
        found = _re.fullmatch(pattern, token)
        if not found:
            continue
        parts = dict(zip(order, found.groups()))
        month = parts["m"]
        if month.isdigit():
            month = int(month) - 1
        elif LANGUAGE == "en":
            month = _MONTH_INDEX.get(month.lower()[:3])
        else:
            month = _MONTHS.index(month) if month in _MONTHS else None
        if month is not None and 0 <= month < 12:
            return (int(parts["d"]) if "d" in parts else None, month, int(parts["y"]) if "y" in parts else None)
    return None


def _spoken_year(year):
    return rule_year(str(year)) or _words(year)


def rule_date_month_first(token):
    parts = _date_parts(token)
    if parts is None or _num2words is None:
        return None
    day, month, year = parts
    if LANGUAGE == "ru":
        words = [_words(day, "ordinal") if day else None, _MONTHS[month],
                 _words(year, "ordinal") + " года" if year else None]
    else:
        words = [_MONTHS[month], _words(day, "ordinal") if day else None, _spoken_year(year) if year else None]
    return " ".join(w for w in words if w)


def rule_date_day_first(token):
    parts = _date_parts(token)
    if parts is None or parts[0] is None or LANGUAGE != "en" or _num2words is None:
        return None
    day, month, year = parts
    return " ".join(["the", _words(day, "ordinal"), "of", _MONTHS[month]] + ([_spoken_year(year)] if year else []))


def rule_decade(token):
    found = _re.fullmatch(r"(\d{2,4})'?s", token)
    if not found or LANGUAGE != "en" or _num2words is None:
        return None
    spoken = (_spoken_year(int(found.group(1))) if len(found.group(1)) == 4 else _words(int(found.group(1)))).split()
    spoken[-1] = spoken[-1][:-1] + "ies" if spoken[-1].endswith("y") else spoken[-1] + "s"
    return " ".join(spoken)


def rule_electronic(token):
    if not _re.search(r"[./@:]", token) or not _re.fullmatch(r"[\w./@:-]+", token) or token.replace(".", "").isdigit():
        return None
    return " ".join(_MARKS.get(c) or (_DIGIT_WORDS[int(c)] if c.isdigit() else c) for c in token.lower())


def rule_symbol(token):
    spoken = _SYMBOLS.get(token)
    return spoken[LANGUAGE == "ru"] if spoken else None


def rule_lower(token):
    return token.lower()


# Russian: numbers agree with the noun after them (один метр, два метра, пять метров), decimals are read
# as fractions (две целых девять десятых), dates take the genitive or the nominative ordinal.
_RU_UNITS = {"м": (("метр", "метра", "метров"), "m"), "км": (("километр", "километра", "километров"), "m"),
             "см": (("сантиметр", "сантиметра", "сантиметров"), "m"), "мм": (("миллиметр", "миллиметра", "миллиметров"), "m"),
             "кг": (("килограмм", "килограмма", "килограммов"), "m"), "г": (("грамм", "грамма", "граммов"), "m"),
             "т": (("тонна", "тонны", "тонн"), "f"), "л": (("литр", "литра", "литров"), "m"),
             "%": (("процент", "процента", "процентов"), "m"), "км/ч": (("километр в час", "километра в час",
                                                                         "километров в час"), "m"),
             "руб.": (("рубль", "рубля", "рублей"), "m"), "$": (("доллар сэ ш а", "доллара сэ ш а", "долларов сэ ш а"), "m"),
             "€": (("евро", "евро", "евро"), "m"), "°C": (("градус цельсия", "градуса цельсия", "градусов цельсия"), "m")}
_RU_PARTS = {1: ("десятая", "десятых"), 2: ("сотая", "сотых"), 3: ("тысячная", "тысячных")}
_RU_ORDINAL_FORMS = {"я": {"gender": "f"}, "м": {"case": "prepositional"}}  # 5-я пятая, 5-м пятом
_RU_YEAR_CASES = {"год": "nominative", "году": "prepositional", "года": "genitive"}


def _ru(n, **options):
    # The competition writes 1000-1999 as "тысяча ...", not num2words' "одна тысяча ...".
    text = None if _num2words is None else _num2words(n, lang="ru", **options)
    return text[len("одна "):] if text and text.startswith("одна тысяча") else text


def _ru_form(n, forms):
    # forms: (one, few, many): 1 -> one, 2-4 -> few, the rest and 11-14 -> many
    last, tens = abs(n) % 10, abs(n) % 100
    return forms[2] if 11 <= tens <= 14 or last == 0 or last >= 5 else forms[0] if last == 1 else forms[1]


def _ru_number(text, gender="m"):
    # (words, noun form index) of "52,9" or "21": a decimal is read as a fraction and takes the genitive.
    whole, _, part = text.replace(" ", "").partition(",")
    if not whole.isdigit() or (part and not part.isdigit()) or len(part) > 3:
        return None
    if not part:
        return _ru(int(whole), gender=gender), int(whole)
    n, k = int(whole), int(part)
    words = [_ru(n, gender="f"), "целая" if _ru_form(n, (0, 1, 1)) == 0 else "целых", _ru(k, gender="f"),
             _RU_PARTS[len(part)][0] if _ru_form(k, (0, 1, 1)) == 0 else _RU_PARTS[len(part)][1]]
    return " ".join(words), None


def rule_ru_decimal(token):
    spoken = _ru_number(token) if LANGUAGE == "ru" and "," in token else None
    return spoken[0] if spoken else None


def rule_ru_cardinal_feminine(token):
    return _ru(int(token), gender="f") if LANGUAGE == "ru" and token.isdigit() else None


def rule_ru_quantity(token):
    # "21 м", "70,7 мм", "84 руб.", "$47", "€88"
    if LANGUAGE != "ru":
        return None
    found = _re.fullmatch(r"([$€])(\d+)", token) or _re.fullmatch(r"(\d+(?:,\d+)?)\s?(\S+)", token)
    if not found:
        return None
    number, unit = (found.group(2), found.group(1)) if token[0] in "$€" else (found.group(1), found.group(2))
    if unit not in _RU_UNITS:
        return None
    forms, gender = _RU_UNITS[unit]
    spoken = _ru_number(number, gender)
    if spoken is None:
        return None
    return f"{spoken[0]} {forms[1] if spoken[1] is None else _ru_form(spoken[1], forms)}"


def rule_ru_time(token):
    found = _re.fullmatch(r"(\d{1,2}):(\d{2})", token) if LANGUAGE == "ru" else None
    if not found:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2))
    words = [_ru(hours), _ru_form(hours, ("час", "часа", "часов"))]
    if minutes:
        words += [_ru(minutes, gender="f"), _ru_form(minutes, ("минута", "минуты", "минут"))]
    return " ".join(words)


def _ru_date(token, case):
    # "10 января", "2 марта 1973 года", "22.01.1721": the day in `case`, the year in the genitive; a year
    # alone takes its noun's case ("1976 года", "1943 год", "1427 году").
    found = (_re.fullmatch(r"(\d{1,2}) ([а-яё]+)(?: (\d{3,4})(?: года)?)?", token)
             or _re.fullmatch(r"(\d{1,2})\.(\d{2})\.(\d{4})", token))
    year_only = _re.fullmatch(r"(\d{3,4}) (года|году|год)", token)
    if LANGUAGE != "ru" or not (found or year_only):
        return None
    if year_only:
        year, noun = year_only.groups()
        return f"{_ru(int(year), to='ordinal', case=_RU_YEAR_CASES[noun])} {noun}"
    day, month, year = found.groups()
    month = _MONTHS[int(month) - 1] if month.isdigit() else month
    if month not in _MONTHS:
        return None
    options = {"case": "genitive"} if case == "genitive" else {}
    words = [_ru(int(day), to="ordinal", gender="n", **options), month]
    if year:
        words += [_ru(int(year), to="ordinal", case="genitive"), "года"]
    return " ".join(words)


def rule_ru_date_genitive(token):
    return _ru_date(token, "genitive")


def rule_ru_date_nominative(token):
    return _ru_date(token, "nominative")


def rule_ru_electronic(token):
    if LANGUAGE != "ru" or not _re.search(r"[./@:]", token) or not _re.fullmatch(r"[\w./@:-]+", token):
        return None
    return " ".join(_MARKS.get(c) or (_DIGIT_WORDS[int(c)] if c.isdigit() else c + "_latin" if c.isascii() else c)
                    for c in token.lower())


# In order of preference: a training token is labelled with the first rule that gives its written-out form.
RULES = {"self": rule_self, "cardinal": rule_cardinal, "year": rule_year, "ordinal": rule_ordinal,
         "roman": rule_roman, "roman_ordinal": rule_roman_ordinal, "digits": rule_digits, "letters": rule_letters,
         "decimal": rule_decimal, "money": rule_money, "measure": rule_measure, "time": rule_time,
         "telephone": rule_telephone, "fraction": rule_fraction, "date_month_first": rule_date_month_first,
         "date_day_first": rule_date_day_first, "decade": rule_decade, "electronic": rule_electronic,
         "symbol": rule_symbol, "lower": rule_lower, "ru_decimal": rule_ru_decimal,
         "ru_cardinal_feminine": rule_ru_cardinal_feminine, "ru_quantity": rule_ru_quantity, "ru_time": rule_ru_time,
         "ru_date_genitive": rule_ru_date_genitive, "ru_date_nominative": rule_ru_date_nominative,
         "ru_electronic": rule_ru_electronic}


# A learned rule for what no hand rule writes out: a sequence-to-sequence model, the token's characters in,
# written words out (a GRU encoder and a GRU decoder that attends over it). Each of two models learns the
# written pairs of half the token types and writes the other half, so a one-sentence training token is
# labelled "seq2seq" only by a model that never saw it; test tokens (all unseen) are written by the first.
# Needs torch. Its outputs go to the run's feature cache, so one script of a run trains it.
SEQ2SEQ_SECONDS = min(60.0, 0.15 * TIME_LIMIT_S)  # training time of the two models together
SEQ2SEQ_EPOCHS = 200  # at most, each model
MAX_SOURCE_CHARS, MAX_WRITTEN_WORDS = 40, 16
LEARNED = {}  # token -> the learned rule's written form


def rule_seq2seq(token):
    return LEARNED.get(token)


RULES["seq2seq"] = rule_seq2seq  # last: a hand rule that writes a token out is preferred


def _fit_seq2seq(pairs, seconds):
    # A function writing a list of tokens (None where the model gives up), fit on (token, written) pairs.
    import torch
    from torch import nn

    torch.manual_seed(SEED)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    chars = {c: i + 2 for i, c in enumerate(sorted({c for token, _ in pairs for c in token}))}  # 0 pad, 1 unknown
    vocab = ["<pad>", "<s>", "</s>"] + sorted({w for _, written in pairs for w in written.split()})
    index = {w: i for i, w in enumerate(vocab)}

    def source_ids(tokens):
        ids = torch.zeros(len(tokens), max(len(t) for t in tokens), dtype=torch.long)
        for row, token in enumerate(tokens):
            ids[row, :len(token)] = torch.tensor([chars.get(c, 1) for c in token])
        return ids.to(device)

    class Writer(nn.Module):
        def __init__(self):
            super().__init__()
            self.chars = nn.Embedding(len(chars) + 2, 64, padding_idx=0)
            self.encoder = nn.GRU(64, 128, batch_first=True, bidirectional=True)
            self.words = nn.Embedding(len(vocab), 128, padding_idx=0)
            self.decoder = nn.GRU(128, 256, batch_first=True)
            self.attend = nn.Linear(256, 256, bias=False)
            self.out = nn.Linear(512, len(vocab))

        def encode(self, x):
            lengths = (x > 0).sum(1).clamp(min=1).cpu()
            packed = nn.utils.rnn.pack_padded_sequence(self.chars(x), lengths, batch_first=True, enforce_sorted=False)
            memory, last = self.encoder(packed)
            memory, _ = nn.utils.rnn.pad_packed_sequence(memory, batch_first=True, total_length=x.shape[1])
            return memory, torch.cat([last[0], last[1]], dim=1).unsqueeze(0)

        def read(self, hidden, memory, x):
            # Attention after the decoder's recurrence: every step of a sequence is read in one call.
            scores = (hidden @ self.attend(memory).transpose(1, 2)).masked_fill((x == 0).unsqueeze(1), -1e9)
            return self.out(torch.cat([hidden, torch.softmax(scores, -1) @ memory], -1))

        def forward(self, x, y):
            memory, state = self.encode(x)
            hidden, _ = self.decoder(self.words(y), state)
            return self.read(hidden, memory, x)

    model = Writer().to(device)
    x_all = source_ids([token for token, _ in pairs])
    targets = [[1] + [index[w] for w in written.split()] + [2] for _, written in pairs]
    y_all = torch.zeros(len(pairs), max(map(len, targets)), dtype=torch.long)
    for row, ids in enumerate(targets):
        y_all[row, :len(ids)] = torch.tensor(ids)
    y_all = y_all.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_of = nn.CrossEntropyLoss(ignore_index=0)
    started, epochs = time.time(), 0
    until = started + seconds
    while time.time() < until and epochs < SEQ2SEQ_EPOCHS:
        for rows in torch.randperm(len(pairs), device=device).split(64):
            logits = model(x_all[rows], y_all[rows, :-1])
            loss = loss_of(logits.reshape(-1, len(vocab)), y_all[rows, 1:].reshape(-1))
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            if time.time() > until:
                break
        epochs += 1
    model.eval()

    def write(tokens):
        # Greedy decoding; a token the model does not finish within MAX_WRITTEN_WORDS gets None.
        written = []
        with torch.no_grad():
            for start in range(0, len(tokens), 256):
                x = source_ids(tokens[start:start + 256])
                memory, state = model.encode(x)
                step = torch.full((len(x), 1), 1, dtype=torch.long, device=device)
                words, done = [[] for _ in range(len(x))], [False] * len(x)
                for _ in range(MAX_WRITTEN_WORDS + 1):
                    hidden, state = model.decoder(model.words(step), state)
                    step = model.read(hidden, memory, x)[:, -1].argmax(-1, keepdim=True)
                    for row, word in enumerate(step[:, 0].tolist()):
                        if not done[row]:
                            done[row] = word == 2
                            if not done[row]:
                                words[row].append(vocab[word])
                    if all(done):
                        break
                written += [" ".join(w) if d and w else None for w, d in zip(words, done)]
        return written

    print(f"  seq2seq: {epochs} epochs over {len(pairs)} written pairs in {time.time() - started:.0f}s on {device}")
    return write


def learn_unruled(pairs, labelled, test_tokens):
    # Fills LEARNED for `labelled` (training tokens to label) and `test_tokens` from the seq2seq models.
    import zlib

    try:
        import torch  # noqa: F401
    except ImportError:
        print("seq2seq rule skipped: torch is not installed")
        return
    pairs = {t: w for t, w in pairs.items()
             if len(t) <= MAX_SOURCE_CHARS and len(w.split()) <= MAX_WRITTEN_WORDS}
    half = {t: zlib.crc32(t.encode()) % 2 for t in list(pairs) + list(labelled)}
    halves = [[(t, w) for t, w in pairs.items() if half[t] == h] for h in (0, 1)]
    wanted = [t for t in labelled if len(t) <= MAX_SOURCE_CHARS]
    test_tokens = [t for t in dict.fromkeys(test_tokens) if len(t) <= MAX_SOURCE_CHARS]
    if min(map(len, halves)) < 50 or len(wanted) < 20:  # the rule model could hardly learn to pick it
        return

    # Each model writes the tokens it never saw: the first model the second half's and the test's.
    jobs = [(halves[0], [t for t in wanted if half[t] == 1] + test_tokens),
            (halves[1], [t for t in wanted if half[t] == 0])]

    def compute():
        written = []
        for fit_pairs, tokens in jobs:
            if tokens:
                written += [w or "" for w in _fit_seq2seq(fit_pairs, SEQ2SEQ_SECONDS / 2)(tokens)]
        return np.asarray(written, dtype=str)

    order = [t for _, tokens in jobs for t in tokens]
    key = ("seq2seq", 1, content_key(list(pairs.items())), content_key(order), SEQ2SEQ_SECONDS, SEED)
    LEARNED.update((t, w) for t, w in zip(order, cached_array(key, compute).tolist()) if w)


def apply_rule(name, token):
    try:
        return RULES[name](token)
    except (ValueError, KeyError, IndexError, OverflowError, NotImplementedError, TypeError, AttributeError):
        return None


def _shape(token):
    return _re.sub(r"[A-ZА-ЯЁ]+", "A", _re.sub(r"[a-zа-яё]+", "a", _re.sub(r"\d+", "9", token)))


def token_features(tokens, previous, following):
    # Character counts of the token and its neighbours, which marks it holds, its value as a number.
    def counts(text, prefix):
        return {f"{prefix}len": text.str.len(), f"{prefix}digits": text.str.count(r"\d"),
                f"{prefix}upper": text.str.count(r"[A-ZА-ЯЁ]"), f"{prefix}lower": text.str.count(r"[a-zа-яё]"),
                f"{prefix}space": text.str.count(" "), f"{prefix}punct": text.str.count(r"[^\w\s]"),
                f"{prefix}month": text.str.lower().str[:3].isin(set(_MONTH_INDEX)) | text.isin(set(_MONTHS))}
    columns = {**counts(tokens, "tok_"), **counts(previous, "prev_"), **counts(following, "next_")}
    for mark in ".,:/-$£€%@'()+°":
        columns[f"tok_has_{ord(mark)}"] = tokens.str.contains(mark, regex=False)
    columns["tok_number"] = pd.to_numeric(tokens.str.replace(",", "", regex=False), errors="coerce").clip(-1e9, 1e9)
    columns["tok_roman"] = tokens.str.fullmatch(r"[IVXLCDM]+")
    columns["tok_suffix"] = tokens.str.contains(r"\d(?:st|nd|rd|th)$")
    return pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in columns.items()}, index=tokens.index)


def read_form(form):
    # The model's rows (one-sentence training tokens, labelled by rule) and its test rows (unseen test
    # tokens); sets the lookups and the figures form_score needs.
    global FORM_COLUMNS, LOOKUP, CONTEXT_LOOKUP, ALL_TEST, UNSEEN_SHARE, LOOKUP_ACCURACY, RULE_REACH
    source, target, group = form["source_column"], form["target_column"], form["group_column"]

    def read(name):
        frame = pd.read_csv(INPUT / name, dtype=str, keep_default_na=False)
        frame["_prev"] = frame.groupby(group)[source].shift(1).fillna("<s>")
        frame["_next"] = frame.groupby(group)[source].shift(-1).fillna("</s>")
        return frame

    train, ALL_TEST = read(form["train_file"]), read(form["test_file"])
    counts = train.groupby([source, target]).size().rename("n").reset_index()
    best = counts.sort_values([source, "n"], ascending=[True, False]).drop_duplicates(source)
    LOOKUP = dict(zip(best[source], best[target]))
    pairs = train.groupby(["_prev", source, target]).size().rename("n").reset_index()
    pairs = pairs[pairs["n"] >= 2].sort_values(["_prev", source, "n"], ascending=[True, True, False])
    pairs = pairs.drop_duplicates(["_prev", source])
    CONTEXT_LOOKUP = {(p, b): a for p, b, a in zip(pairs["_prev"], pairs[source], pairs[target])}
    rare = train[source].map(train.groupby(source)[group].nunique()).eq(1).to_numpy()
    # The lookup's accuracy on tokens seen in several sentences: what it scores on seen test tokens.
    seen = train[~rare]
    guessed = [CONTEXT_LOOKUP.get((p, b), LOOKUP[b]) for p, b in zip(seen["_prev"], seen[source])]
    LOOKUP_ACCURACY = float(np.mean(np.asarray(guessed, dtype=object) == seen[target].to_numpy(dtype=object)))
    unseen = ~ALL_TEST[source].isin(LOOKUP).to_numpy()
    UNSEEN_SHARE = float(unseen.mean())
    rows = train[rare].copy()
    labels = [next((name for name in RULES if apply_rule(name, token) == written), None)
              for token, written in zip(rows[source], rows[target])]
    unruled = [label is None for label in labels]
    learn_unruled({b: a for b, a in LOOKUP.items() if a != b}, rows[source][unruled].unique().tolist(),
                  ALL_TEST[source][unseen].tolist())
    rows[target] = [label or ("seq2seq" if LEARNED.get(token) == written else None)
                    for label, token, written in zip(labels, rows[source], rows[target])]
    learned = sum(label == "seq2seq" for label in rows[target])
    RULE_REACH = float(rows[target].notna().mean()) if len(rows) else 0.0
    rows = rows[rows[target].notna()]
    print(f"lookup of {len(LOOKUP)} tokens ({LOOKUP_ACCURACY:.4f} right on tokens seen in several sentences); "
          f"{UNSEEN_SHARE:.2%} of test tokens unseen; {len(rows)} one-sentence training tokens for the rule "
          f"model ({RULE_REACH:.2%} of them have a rule; {learned} by the learned rule alone)")
    test = ALL_TEST[unseen] if unseen.any() else ALL_TEST.head(1)
    frames = []
    for frame in (rows, test):
        features = token_features(frame[source], frame["_prev"], frame["_next"])
        FORM_COLUMNS = list(features.columns)
        out = pd.concat([frame[[group]], features], axis=1)
        out["prev_word"], out["next_word"] = frame["_prev"].str.lower(), frame["_next"].str.lower()
        out["shape"] = frame[source].map(_shape)
        if target in frame.columns:
            out[target] = frame[target]
        frames.append(out.reset_index(drop=True))
    for name in ("prev_word", "next_word", "shape"):
        common = set(frames[0][name].value_counts().index[:MAX_CONTEXT_WORDS])
        for frame in frames:
            frame[name] = frame[name].where(frame[name].isin(common), "<other>")
    return frames


def form_score(rule_accuracy):
    # The task's token accuracy: seen test tokens by the lookup, unseen ones by the rule the model picks
    # (one-sentence tokens that no rule writes out count as wrong).
    return (1 - UNSEEN_SHARE) * LOOKUP_ACCURACY + UNSEEN_SHARE * RULE_REACH * rule_accuracy


def form_submission(sub, pred):
    # Every test token: the lookup's form when seen in training, else the form the model's rule gives.
    form = TASK["form"]
    source, spec = form["source_column"], form["submission"]
    rules = iter(CLASSES[i] for i in pred_labels(pred))
    written = []
    for previous, token in zip(ALL_TEST["_prev"], ALL_TEST[source]):
        if token in LOOKUP:
            written.append(CONTEXT_LOOKUP.get((previous, token), LOOKUP[token]))
        else:
            written.append(apply_rule(next(rules), token) or token)
    ids = ALL_TEST[form["id_parts"]].astype(str).agg("_".join, axis=1)
    return pd.DataFrame({spec["id_column"]: ids, spec["value_column"]: written})


GROUP_COLUMN = TASK["form"]["group_column"]
FORM_COLUMNS, FORM_EXCLUDED = [], {GROUP_COLUMN}
'''
