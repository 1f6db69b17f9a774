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
    return _words(int(found.group(1)), "ordinal") if found and (found.group(2) or LANGUAGE == "ru") else None


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
    found = _re.fullmatch(r"(-?)([\d,]*)[.,](\d+)", token)
    if not found or _num2words is None:
        return None
    whole = _integer(found.group(2)) if found.group(2) else None
    point = "point" if LANGUAGE == "en" else "целых"
    head = [_words(whole)] if whole is not None else ([] if LANGUAGE == "en" else [_words(0)])
    tail = " ".join(_DIGIT_WORDS[int(c)] for c in found.group(3))
    return " ".join((["minus"] if found.group(1) else []) + head + [point, tail])


def rule_money(token):
    found = _re.fullmatch(r"([$£€])\s?([\d,]+)(?:\.(\d{2}))?( (?:million|billion|thousand))?", token)
    amount = _integer(found.group(2)) if found and LANGUAGE == "en" else None
    if amount is None or _num2words is None:
        return None
    one, many, cent, cents = _CURRENCIES[found.group(1)]
    scale = [found.group(4).strip()] if found.group(4) else []
    words = [_words(amount)] + scale + [one if amount == 1 and not scale else many]
    if found.group(3) and int(found.group(3)):
        part = int(found.group(3))
        words += [_words(part), cent if part == 1 else cents]
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
    found = _re.fullmatch(r"(\d{1,2}):(\d{2})(?::\d{2})?\s?([ap]\.?m\.?)?", token, _re.I)
    if not found or LANGUAGE != "en" or _num2words is None:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2))
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
    found = _re.fullmatch(r"(\d+)/(\d+)", token)
    if not found or LANGUAGE != "en" or _num2words is None:
        return None
    top, bottom = int(found.group(1)), int(found.group(2))
    one, many = {2: ("half", "halves"), 4: ("quarter", "quarters")}.get(bottom) or (
        _words(bottom, "ordinal"), _words(bottom, "ordinal") + "s")
    return f"{_words(top)} {one if top == 1 else many}"


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
             "€": (("евро", "евро", "евро"), "n")}
_RU_PARTS = {1: ("десятая", "десятых"), 2: ("сотая", "сотых"), 3: ("тысячная", "тысячных")}


def _ru(n, **options):
    return None if _num2words is None else _num2words(n, lang="ru", **options)


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
    # "10 января", "2 марта 1973 года", "22.01.1721", "1976 года": the day in `case`, the year in the genitive.
    found = (_re.fullmatch(r"(\d{1,2}) ([а-яё]+)(?: (\d{3,4})(?: года)?)?", token)
             or _re.fullmatch(r"(\d{1,2})\.(\d{2})\.(\d{4})", token))
    year_only = _re.fullmatch(r"(\d{3,4}) года", token)
    if LANGUAGE != "ru" or not (found or year_only):
        return None
    if year_only:
        return f"{_ru(int(year_only.group(1)), to='ordinal', case='genitive')} года"
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
    rows[target] = [next((name for name in RULES if apply_rule(name, token) == written), None)
                    for token, written in zip(rows[source], rows[target])]
    RULE_REACH = float(rows[target].notna().mean()) if len(rows) else 0.0
    rows = rows[rows[target].notna()]
    print(f"lookup of {len(LOOKUP)} tokens ({LOOKUP_ACCURACY:.4f} right on tokens seen in several sentences); "
          f"{UNSEEN_SHARE:.2%} of test tokens unseen; {len(rows)} one-sentence training tokens for the rule "
          f"model ({RULE_REACH:.2%} of them have a rule)")
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
