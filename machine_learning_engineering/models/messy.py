"""The messy model: the offline engine's answers in the untidy forms real LLMs produce, to prove the
agent survives them.

`MessyModel` wraps another ADK model (the offline engine by default) and, for a share of the answers
(the mess rate), applies one transformation drawn at random from those that fit the answer:

| kind | what the answer becomes |
|---|---|
| `prose` | the answer with a sentence of prose before it and after it |
| `bare_fence` | every fence unlabelled (```` ``` ```` with no language) |
| `wrong_label` | code fenced as py / python3 / text / json, JSON fenced as javascript |
| `json_extra_keys` | JSON objects with keys nobody asked for |
| `json_trailing_commas` | a comma after the last item of every object and list |
| `json_python_literals` | True / False / None instead of true / false / null |
| `json_single_quotes` | keys in single quotes |
| `json_comment` | a `// comment` line inside the JSON |
| `json_unfenced` | the JSON with no fence around it |
| `whole_script` | the whole script where one block was asked (implementer) |
| `truncated` | the answer cut inside its last fence, which is never closed |
| `refusal` | "I'm sorry, I can't help with that." |
| `syntax_error` | code with one closing parenthesis deleted |
| `rate_limit` | `google.genai.errors.ClientError` 429 RESOURCE_EXHAUSTED, raised |
| `server_error` | `google.genai.errors.ServerError` 503 UNAVAILABLE, raised |
| `timeout` | `asyncio.TimeoutError`, raised after a short wait |

Tool calls (function-call answers) pass through unchanged, except that a quarter of the mess rate
of them meets one of the three errors. Each answer's draw is seeded by the model's seed, the prompt
and how many times that prompt was asked before, so the same run meets the same mess whatever order
parallel solutions ask in. `counts` tallies what was done (per role in `by_role`); with `log_path` set
the tally is rewritten to that JSON file after every answer.

Model strings (`factory.resolve_model`): "messy" (rate `DEFAULT_RATE`) and "messy:<rate>", e.g.
"messy:0.5". Two variables, read where the model is built, steer a run from outside:
`MLE_STAR_MESSY_LOG` names the tally's JSON file, `MLE_STAR_MESSY_KINDS` (comma-separated kinds)
limits the transformations to those.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import random
import re
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncGenerator, Mapping, Optional, Sequence, Union

from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.genai import errors, types
from pydantic import PrivateAttr

from ..config import Settings
from ..protocol import fence, role_of
from ..sub_agents.refinement.prompt import IMPLEMENTER
from ..sub_agents.roles import read_request
from ..tools.code_blocks import replace_block

MESSY = "messy"
DEFAULT_RATE = 0.3
LOG_VAR = "MLE_STAR_MESSY_LOG"
KINDS_VAR = "MLE_STAR_MESSY_KINDS"
# Tool calls are well-formed in every API, so only the transport fails them, and less often.
TOOL_CALL_SHARE = 0.25

PROSE, BARE_FENCE, WRONG_LABEL = "prose", "bare_fence", "wrong_label"
JSON_EXTRA_KEYS, JSON_TRAILING_COMMAS, JSON_PYTHON_LITERALS = "json_extra_keys", "json_trailing_commas", \
    "json_python_literals"
JSON_SINGLE_QUOTES, JSON_COMMENT, JSON_UNFENCED = "json_single_quotes", "json_comment", "json_unfenced"
WHOLE_SCRIPT, TRUNCATED, REFUSAL, SYNTAX_ERROR = "whole_script", "truncated", "refusal", "syntax_error"
RATE_LIMIT, SERVER_ERROR, TIMEOUT = "rate_limit", "server_error", "timeout"
ERRORS = (RATE_LIMIT, SERVER_ERROR, TIMEOUT)
# Relative odds of the kinds that fit an answer; a syntax error and a time-out are the rarer ones.
WEIGHTS: dict[str, float] = {
    PROSE: 1.0, BARE_FENCE: 1.0, WRONG_LABEL: 1.0, JSON_EXTRA_KEYS: 1.0, JSON_TRAILING_COMMAS: 1.0,
    JSON_PYTHON_LITERALS: 1.0, JSON_SINGLE_QUOTES: 1.0, JSON_COMMENT: 1.0, JSON_UNFENCED: 1.0,
    WHOLE_SCRIPT: 1.0, TRUNCATED: 1.0, REFUSAL: 1.0, SYNTAX_ERROR: 0.5,
    RATE_LIMIT: 1.0, SERVER_ERROR: 1.0, TIMEOUT: 0.5,
}
KINDS: tuple[str, ...] = tuple(WEIGHTS)
CLEAN = "clean"

REFUSAL_TEXT = "I'm sorry, I can't help with that."
INTROS = ("Here is the updated code:", "Sure! Below is the complete answer.",
          "Certainly. I made the requested changes; the answer follows.",
          "Let me think about this step by step. The `model` block is what matters most here, so:")
OUTROS = ("This should improve the validation score.", "Let me know if you need anything else!",
          "**Explanation:** the rest of the pipeline is unchanged, so `submission.csv` keeps its format.",
          "Note: you may need to tune the hyperparameters further.")
CODE_LABELS = ("py", "python3", "text", "json")
JSON_LABEL = "javascript"
EXTRA_KEYS = {"confidence": 0.87, "notes": "chosen after weighing the alternatives"}
COMMENT = "// my reasoning: this is the most promising option"
TIMEOUT_WAIT_S = 0.5

_FENCE_RE = re.compile(r"^(`{3,})([A-Za-z0-9_+.-]*)[ \t]*\n(.*?)\n?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_CODE_LANGUAGES = ("python", "py", "python3")


@dataclass
class _Fence:
    language: str
    body: str

    @property
    def is_json(self) -> bool:
        return self.language == "json" and _json_value(self.body) is not None

    @property
    def is_code(self) -> bool:
        return self.language in _CODE_LANGUAGES


_Segment = Union[str, _Fence]


class MessyModel(BaseLlm):
    """Another model's answers, made messy at `rate` (see the module doc).

    Attributes:
        inner: the model whose answers are made messy.
        rate: share of answers transformed, in [0, 1].
        seed: seed of the draws.
        kinds: the transformations it may apply (default: all of `KINDS`).
        log_path: JSON file rewritten with the tally after every answer (None: kept in memory only).
        timeout_wait_s: how long a `timeout` answer waits before it raises.
    """

    model: str = MESSY
    inner: BaseLlm
    rate: float = DEFAULT_RATE
    seed: int = 0
    kinds: tuple[str, ...] = KINDS
    log_path: Optional[str] = None
    timeout_wait_s: float = TIMEOUT_WAIT_S
    _counts: Counter = PrivateAttr(default_factory=Counter)
    _by_role: dict[str, Counter] = PrivateAttr(default_factory=dict)
    _asked: Counter = PrivateAttr(default_factory=Counter)

    def model_post_init(self, context: Any) -> None:
        super().model_post_init(context)
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"the mess rate must be between 0 and 1, got {self.rate!r}")
        unknown = sorted(set(self.kinds) - set(KINDS))
        if unknown or not self.kinds:
            raise ValueError(f"unknown mess kind(s) {unknown or '(none given)'}; kinds are {', '.join(KINDS)}")

    @property
    def capabilities(self):
        return self.inner.capabilities

    @property
    def counts(self) -> Counter:
        """Answers per kind applied (`CLEAN`: left as they were)."""
        return self._counts

    async def generate_content_async(self, llm_request: LlmRequest, stream: bool = False
                                     ) -> AsyncGenerator[LlmResponse, None]:
        prompt, instruction = _request_text(llm_request), _instruction(llm_request)
        role = role_of(instruction or prompt) or "unknown"
        responses = [r async for r in self.inner.generate_content_async(llm_request, stream=stream)]
        rng = self._rng(prompt)
        final = next((i for i in range(len(responses) - 1, -1, -1) if responses[i].content), None)
        if final is None:
            self._record(role, CLEAN)
            for response in responses:
                yield response
            return
        answer = _Answer.of(responses[final].content, role, instruction)
        kind = self._draw(rng, answer)
        self._record(role, kind or CLEAN)
        if kind in ERRORS:
            await _raise(kind, self.timeout_wait_s)
        if kind is not None:
            text = answer.transform(kind, rng)
            responses[final] = responses[final].model_copy(
                update={"content": types.Content(role="model", parts=[types.Part(text=text)])})
        for response in responses:
            yield response

    def tally(self) -> dict[str, Any]:
        """What was done so far: answers, answers transformed, and a count per kind (and per role)."""
        calls = sum(self._counts.values())
        return {"model": self.model, "rate": self.rate, "seed": self.seed, "kinds": list(self.kinds),
                "answers": calls, "transformed": calls - self._counts.get(CLEAN, 0),
                "counts": dict(sorted(self._counts.items())),
                "by_role": {role: dict(sorted(c.items())) for role, c in sorted(self._by_role.items())}}

    def _rng(self, prompt: str) -> random.Random:
        digest = hashlib.sha256(prompt.encode("utf-8")).hexdigest()
        self._asked[digest] += 1
        return random.Random(f"{self.seed}:{digest}:{self._asked[digest]}")

    def _draw(self, rng: random.Random, answer: "_Answer") -> Optional[str]:
        rate = self.rate * (TOOL_CALL_SHARE if answer.is_tool_call else 1.0)
        if rng.random() >= rate:
            return None
        fitting = [k for k in self.kinds if answer.fits(k)]
        if not fitting:
            return None
        return rng.choices(fitting, weights=[WEIGHTS[k] for k in fitting])[0]

    def _record(self, role: str, kind: str) -> None:
        self._counts[kind] += 1
        self._by_role.setdefault(role, Counter())[kind] += 1
        if self.log_path:
            path = Path(self.log_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".partial")
            partial.write_text(json.dumps(self.tally(), indent=1) + "\n", encoding="utf-8")
            partial.replace(path)


def messy_model(name: str, settings: Settings, environ: Optional[Mapping[str, str]] = None) -> MessyModel:
    """The messy model for "messy" or "messy:<rate>" around the offline engine, seeded by the run's seed.

    Raises:
        ValueError: the rate is not a number in [0, 1], or MLE_STAR_MESSY_KINDS names an unknown kind.
    """
    from .offline.engine import OfflineEngine

    env = os.environ if environ is None else environ
    kinds = tuple(k.strip() for k in env.get(KINDS_VAR, "").split(",") if k.strip()) or KINDS
    inner = OfflineEngine(cards_dirs=tuple(str(p) for p in settings.model_cards_dirs))
    return MessyModel(model=name, inner=inner, rate=parse_rate(name), seed=settings.seed, kinds=kinds,
                      log_path=env.get(LOG_VAR) or None)


def parse_rate(name: str) -> float:
    """The mess rate a model string names: "messy" is `DEFAULT_RATE`, "messy:0.5" is 0.5.

    Raises:
        ValueError: not a messy model string, or the rate is not a number in [0, 1].
    """
    head, sep, rate = name.partition(":")
    if head != MESSY:
        raise ValueError(f"{name!r} is not a messy model string ('messy' or 'messy:<rate>')")
    if not sep:
        return DEFAULT_RATE
    try:
        value = float(rate)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"the mess rate in {name!r} must be a number between 0 and 1, e.g. 'messy:0.3'")
    return value


@dataclass
class _Answer:
    """One answer of the inner model, split into prose and fences so it can be rewritten."""

    segments: list[_Segment]
    is_tool_call: bool
    role: str
    prompt: str

    @classmethod
    def of(cls, content: types.Content, role: str, prompt: str) -> "_Answer":
        parts = content.parts or []
        if any(p.function_call is not None for p in parts):
            return cls([], True, role, prompt)
        return cls(_split("".join(p.text for p in parts if p.text)), False, role, prompt)

    @property
    def fences(self) -> list[_Fence]:
        return [s for s in self.segments if isinstance(s, _Fence)]

    def _json(self) -> Optional[_Fence]:
        return next((f for f in self.fences if f.is_json), None)

    def _code(self) -> Optional[_Fence]:
        code = [f for f in self.fences if f.is_code]
        return max(code, key=lambda f: len(f.body)) if code else None

    def fits(self, kind: str) -> bool:
        if kind in ERRORS:
            return True
        if self.is_tool_call:
            return False
        data = _json_value(self._json().body) if self._json() else None
        if kind in (PROSE, REFUSAL):
            return True
        if kind in (BARE_FENCE, WRONG_LABEL):
            return bool(self.fences)
        if kind == TRUNCATED:
            return bool(self.fences) and len(self.fences[-1].body) >= 20
        if kind in (JSON_TRAILING_COMMAS, JSON_COMMENT, JSON_UNFENCED):
            return data is not None
        if kind in (JSON_EXTRA_KEYS, JSON_SINGLE_QUOTES):
            return data is not None and bool(_dicts(data))
        if kind == JSON_PYTHON_LITERALS:
            return data is not None and _has_literals(data)
        if kind == SYNTAX_ERROR:
            return self._code() is not None and bool(_close_parens(self._code().body))
        if kind == WHOLE_SCRIPT:
            return self._whole_script() is not None
        raise ValueError(f"unknown mess kind {kind!r}")

    def transform(self, kind: str, rng: random.Random) -> str:
        """The answer's text after `kind` (which must fit it)."""
        if kind == REFUSAL:
            return REFUSAL_TEXT
        if kind == PROSE:
            return f"{rng.choice(INTROS)}\n\n{_join(self.segments).strip()}\n\n{rng.choice(OUTROS)}\n"
        if kind == TRUNCATED:
            return _truncate(self.segments, rng)
        segments = list(self.segments)
        if kind in (BARE_FENCE, WRONG_LABEL):
            for i, segment in enumerate(segments):
                if isinstance(segment, _Fence):
                    segments[i] = _Fence(_label(segment, kind, rng), segment.body)
            return _join(segments)
        if kind == SYNTAX_ERROR:
            code = self._code()
            segments[segments.index(code)] = _Fence(code.language, _break_syntax(code.body, rng))
            return _join(segments)
        if kind == WHOLE_SCRIPT:
            code = self._code()
            segments[segments.index(code)] = _Fence(code.language, self._whole_script())
            return _join(segments)
        data_fence = self._json()
        index = segments.index(data_fence)
        data = _json_value(data_fence.body)
        if kind == JSON_UNFENCED:
            segments[index] = _dump(data) + "\n"
        else:
            segments[index] = _Fence(data_fence.language, _json_mess(kind, data))
        return _join(segments)

    def _whole_script(self) -> Optional[str]:
        code = self._code()
        if self.role != IMPLEMENTER or code is None:
            return None
        try:
            request = read_request(self.prompt)
            return replace_block(request.code, request.block, code.body)
        except (ValueError, AttributeError):
            return None


async def _raise(kind: str, wait_s: float) -> None:
    if kind == RATE_LIMIT:
        raise errors.ClientError(429, {"error": {
            "code": 429, "status": "RESOURCE_EXHAUSTED",
            "message": "Resource has been exhausted (e.g. check quota)."}})
    if kind == SERVER_ERROR:
        raise errors.ServerError(503, {"error": {
            "code": 503, "status": "UNAVAILABLE", "message": "The model is overloaded. Please try again later."}})
    await asyncio.sleep(wait_s)
    raise asyncio.TimeoutError("Request timed out.")


def _instruction(request: LlmRequest) -> str:
    """The system instruction: the whole prompt of the graph's roles (they see no conversation)."""
    system = request.config.system_instruction if request.config else None
    if isinstance(system, str):
        return system
    return "\n".join(p.text for p in getattr(system, "parts", None) or [] if p.text)


def _request_text(request: LlmRequest) -> str:
    """Everything the request says, tool results included: what seeds an answer's draw."""
    texts = [_instruction(request)]
    for content in request.contents:
        texts += [p.text for p in content.parts or [] if p.text]
        texts += [json.dumps(p.function_response.response, sort_keys=True, default=str)
                  for p in content.parts or [] if p.function_response is not None]
    return "\n".join(t for t in texts if t)


def _split(text: str) -> list[_Segment]:
    segments: list[_Segment] = []
    position = 0
    for match in _FENCE_RE.finditer(text):
        if match.start() > position:
            segments.append(text[position:match.start()])
        segments.append(_Fence(match.group(2).lower(), match.group(3) + "\n"))
        position = match.end()
    if position < len(text):
        segments.append(text[position:])
    return segments


def _join(segments: Sequence[_Segment]) -> str:
    return "".join(fence(s.language, s.body) if isinstance(s, _Fence) else s for s in segments)


def _label(segment: _Fence, kind: str, rng: random.Random) -> str:
    if kind == BARE_FENCE:
        return ""
    if segment.is_json:
        return JSON_LABEL
    return rng.choice(CODE_LABELS)


def _truncate(segments: Sequence[_Segment], rng: random.Random) -> str:
    last = max(i for i, s in enumerate(segments) if isinstance(s, _Fence))
    opening = _join(segments[last:last + 1]).split("\n", 1)[0]
    body = segments[last].body.rstrip()
    cut = rng.randint(max(1, len(body) // 5), max(1, len(body) * 9 // 10))
    return f"{_join(segments[:last])}{opening}\n{body[:cut]}"


def _break_syntax(code: str, rng: random.Random) -> str:
    offset = rng.choice(_close_parens(code))
    return code[:offset] + code[offset + 1:]


def _close_parens(code: str) -> list[int]:
    """Character offsets of the closing parentheses that are Python tokens (not in strings or comments)."""
    starts = [0]
    for line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    try:
        return [starts[t.start[0] - 1] + t.start[1] for t in tokenize.generate_tokens(io.StringIO(code).readline)
                if t.type == tokenize.OP and t.string == ")"]
    except (tokenize.TokenError, SyntaxError):
        return []


def _json_value(text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, (dict, list)) else None


def _dicts(value: Any) -> list[dict]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _has_literals(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_literals(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_literals(v) for v in value)
    return value is None or isinstance(value, bool)


def _json_mess(kind: str, data: Any) -> str:
    if kind == JSON_EXTRA_KEYS:
        if isinstance(data, dict):
            return _dump({**data, **EXTRA_KEYS})
        return _dump([{**v, **EXTRA_KEYS} if isinstance(v, dict) else v for v in data])
    if kind == JSON_TRAILING_COMMAS:
        return _dump(data, trailing_commas=True)
    if kind == JSON_PYTHON_LITERALS:
        return _dump(data, python_literals=True)
    if kind == JSON_SINGLE_QUOTES:
        return _dump(data, single_quoted_keys=True)
    if kind == JSON_COMMENT:
        first, _, rest = _dump(data).partition("\n")
        return f"{first}\n {COMMENT}\n{rest}" if rest else f"{COMMENT}\n{first}"
    raise ValueError(f"{kind!r} is not a JSON mess")


def _dump(value: Any, *, trailing_commas: bool = False, python_literals: bool = False,
          single_quoted_keys: bool = False, level: int = 0) -> str:
    """JSON as `json.dumps(indent=1)` writes it, with the chosen faults."""
    options = dict(trailing_commas=trailing_commas, python_literals=python_literals,
                   single_quoted_keys=single_quoted_keys, level=level + 1)
    pad, inner = " " * level, " " * (level + 1)
    tail = "," if trailing_commas else ""
    if isinstance(value, dict) and value:
        items = [f"{inner}{_key(k, single_quoted_keys)}: {_dump(v, **options)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + tail + "\n" + pad + "}"
    if isinstance(value, list) and value:
        items = [inner + _dump(v, **options) for v in value]
        return "[\n" + ",\n".join(items) + tail + "\n" + pad + "]"
    if python_literals and (value is None or isinstance(value, bool)):
        return repr(value)
    return json.dumps(value)


def _key(key: Any, single_quoted: bool) -> str:
    if not single_quoted:
        return json.dumps(str(key))
    return "'" + str(key).replace("\\", "\\\\").replace("'", "\\'") + "'"
