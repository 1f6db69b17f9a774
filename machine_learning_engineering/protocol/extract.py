"""Reading code and JSON out of free-form model answers.

Real models wrap answers in prose, label fences wrongly or not at all, add trailing commas or
comments to JSON, write Python literals (True, None, single quotes), stop mid-answer, or decline.
These readers accept every form that still carries an unambiguous answer and raise `AnswerError`,
with a message the model can act on, for the rest.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional

from ..tools.python_ast import literal_eval
from ..tools.python_ast import parse as parse_python

_FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([A-Za-z0-9_+.-]*)[^\n`]*$")
_REFUSAL = re.compile(r"\b(I'?m sorry|I am sorry|I can(?:'|no)t (?:help|assist|do that|comply)|I am unable to|"
                      r"I'm unable to|as an AI)\b", re.IGNORECASE)
CODE_LANGUAGES = ("python", "py", "python3", "")


class AnswerError(ValueError):
    """An answer that cannot be used, with what was wrong (sent back to the model when it is asked again).

    Attributes:
        retry: whether asking again can help (False when the request itself cannot be satisfied).
    """

    def __init__(self, message: str, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass(frozen=True)
class Fence:
    """One fenced block of an answer."""

    language: str
    body: str
    closed: bool


def fences(text: str) -> list[Fence]:
    """Every fenced block, in order; an opening fence with no closing one (a cut-off answer) runs to the end."""
    found: list[Fence] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i])
        if not match:
            i += 1
            continue
        ticks, language = match.group(1), match.group(2).lower()
        body: list[str] = []
        i += 1
        closed = False
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped.startswith(ticks) and stripped.strip(ticks[0]) == "":
                closed = True
                i += 1
                break
            body.append(lines[i])
            i += 1
        found.append(Fence(language, "\n".join(body) + ("\n" if body else ""), closed))
    return found


def fence(language: str, body: str) -> str:
    """`body` in a fence long enough that no backtick run inside it closes the fence early."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{body.rstrip()}\n{ticks}"


def is_refusal(text: str) -> bool:
    """Whether an answer with no usable content declines the task."""
    return bool(_REFUSAL.search(text[:400]))


def syntax_error(code: str) -> Optional[str]:
    """The first syntax error of `code` as one line, or None when it parses."""
    try:
        parse_python(code)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    return None


def find_code(text: str) -> str:
    """The Python script of an answer: the longest fence that parses as Python and is not JSON,
    whatever its label; or the whole answer when it is bare code.

    Raises:
        AnswerError: no code, only JSON, a refusal, a cut-off fence, or code that does not parse.
    """
    blocks = fences(text)
    if any(not f.closed for f in blocks):
        raise AnswerError("the answer was cut off: its last code fence is never closed; answer again with the "
                          "complete script in one fence")
    code_like = [f for f in blocks if f.body.strip() and not is_json(f.body)]
    parsing = [f for f in code_like if syntax_error(f.body) is None]
    preferred = [f for f in parsing if f.language in CODE_LANGUAGES] or parsing
    if preferred:
        return max(preferred, key=lambda f: len(f.body)).body
    if code_like:
        best = max(code_like, key=lambda f: len(f.body))
        raise AnswerError(f"the script does not parse ({syntax_error(best.body)}); answer again with valid Python")
    if not blocks and text.strip() and syntax_error(text) is None and _looks_like_code(text):
        return text.strip("\n") + "\n"
    if blocks and all(is_json(f.body) for f in blocks):
        raise AnswerError("the answer holds JSON where a Python script was asked; answer with the script in a "
                          "```python fence")
    if is_refusal(text):
        raise AnswerError("the answer declines the task; the task is a legitimate data-science exercise: "
                          "answer with the script in a ```python fence")
    raise AnswerError("the answer holds no code; answer with the script in one ```python fence")


def find_json(text: str) -> Any:
    """The JSON value of an answer: from a fence (any label), the bare answer, or the outermost
    braces or brackets; trailing commas, comments and Python literals are accepted.

    Raises:
        AnswerError: nothing JSON-like parses (the message says why).
    """
    blocks = fences(text)
    candidates = [f.body for f in blocks if f.language in ("json", "jsonc", "json5", "javascript", "js")]
    candidates += [f.body for f in blocks if f.body.lstrip()[:1] in ("{", "[") and f.body not in candidates]
    stripped = text.strip()
    # A cut-off answer must not be read as the first complete object inside it (one model of a list).
    cut_off = any(not f.closed for f in blocks) or (stripped[:1] in ("{", "[") and not _balanced(stripped))
    if not cut_off:
        candidates.append(stripped)
        spans = [(stripped.find(o), stripped.rfind(c)) for o, c in (("{", "}"), ("[", "]"))]
        for start, end in sorted(span for span in spans if 0 <= span[0] < span[1]):  # the outermost first
            candidates.append(stripped[start:end + 1])
    for candidate in candidates:
        value = _lenient_json(candidate)
        if value is not _NOTHING:
            return value
    if cut_off:
        raise AnswerError("the answer was cut off before its JSON ended; answer again with the complete JSON")
    if is_refusal(text):
        raise AnswerError("the answer declines the task; it is a legitimate data-science exercise: answer with "
                          "the JSON asked for")
    raise AnswerError("the answer holds no JSON value; answer with the JSON asked for in a ```json fence")


_NOTHING = object()


def _lenient_json(text: str) -> Any:
    text = text.strip()
    if not text or text[0] not in "{[":
        return _NOTHING
    for attempt in (text, _clean_json(text)):
        try:
            return json.loads(attempt)
        except (json.JSONDecodeError, ValueError):
            pass
    try:
        value = literal_eval(_python_literals(_clean_json(text)))
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return _NOTHING
    return value if isinstance(value, (dict, list)) else _NOTHING


def _scan(text: str):
    """Yields (char, in_string) pairs over JSON-ish text, tracking single- and double-quoted strings."""
    quote = None
    escaped = False
    for ch in text:
        if quote:
            yield ch, True
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        else:
            if ch in ("'", '"'):
                quote = ch
                yield ch, True
            else:
                yield ch, False


def _clean_json(text: str) -> str:
    """Removes comments and trailing commas outside strings."""
    out: list[str] = []
    chars = list(_scan(text))
    i = 0
    while i < len(chars):
        ch, inside = chars[i]
        nxt = chars[i + 1][0] if i + 1 < len(chars) else ""
        if not inside and ch == "/" and nxt == "/":
            while i < len(chars) and chars[i][0] != "\n":
                i += 1
            continue
        if not inside and ch == "/" and nxt == "*":
            i += 2
            while i + 1 < len(chars) and not (chars[i][0] == "*" and chars[i + 1][0] == "/"):
                i += 1
            i += 2
            continue
        if not inside and ch == ",":
            j = i + 1
            while j < len(chars) and chars[j][0].isspace():
                j += 1
            if j < len(chars) and chars[j][0] in "}]":
                i += 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _python_literals(text: str) -> str:
    """JSON's true/false/null as Python literals, outside strings (for ast.literal_eval)."""
    out: list[str] = []
    word: list[str] = []
    mapping = {"true": "True", "false": "False", "null": "None"}
    for ch, inside in list(_scan(text)) + [(" ", False)]:
        if not inside and (ch.isalnum() or ch == "_"):
            word.append(ch)
            continue
        if word:
            token = "".join(word)
            out.append(mapping.get(token, token))
            word = []
        out.append(ch)
    return "".join(out[:-1])


def _balanced(text: str) -> bool:
    depth = 0
    for ch, inside in _scan(text):
        if not inside:
            depth += ch in "{["
            depth -= ch in "}]"
    return depth == 0


def is_json(body: str) -> bool:
    """Whether `body` reads as a JSON object or list (leniently, as `find_json` reads it)."""
    return _lenient_json(body) is not _NOTHING


def _looks_like_code(text: str) -> bool:
    return bool(re.search(r"^(import |from \w+ import |def |# \[block:)", text, re.MULTILINE))
