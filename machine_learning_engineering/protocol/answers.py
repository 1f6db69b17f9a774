"""The answers roles give: a script, one block of a script, or a JSON verdict (with an optional script).

Each parses a model's free-form reply against its request, checks what can be checked there (the
block exists, the named strategy is one offered, the plan is not empty), and raises `AnswerError`
with what to fix otherwise. `render()` writes the canonical reply (the offline engine's).
"""

from __future__ import annotations

import json
import textwrap
from typing import Any, Optional

from pydantic import Field, field_validator

from ..state import RetrievedModel
from ..tools.code_blocks import block_names, normalise_markers, replace_block
from .base import RoleAnswer, RoleRequest
from .extract import AnswerError, fence, fences, find_code, find_json, is_json, is_refusal, syntax_error


def _note(note: str) -> str:
    return note.strip() + "\n\n" if note.strip() else ""


class ScriptAnswer(RoleAnswer):
    """A whole Python script."""

    code: str
    note: str = ""

    @classmethod
    def parse(cls, text: str, request: RoleRequest) -> "ScriptAnswer":
        return cls(code=normalise_markers(find_code(text)))

    @classmethod
    def format_text(cls, request: RoleRequest) -> str:
        return "The whole script in one ```python fence."

    def render(self) -> str:
        return _note(self.note) + fence("python", self.code) + "\n"


class BlockAnswer(RoleAnswer):
    """A new version of one block, applied to the request's script (`script` is the result). A
    whole script in place of the block is accepted; whitespace around and inside markers is not
    held against the answer."""

    block_code: str
    script: str = ""
    note: str = ""

    @classmethod
    def parse(cls, text: str, request: RoleRequest) -> "BlockAnswer":
        code, block = getattr(request, "code"), getattr(request, "block")
        candidates = [f for f in fences(text) if f.body.strip()]
        if any(not f.closed for f in candidates):
            raise AnswerError("the answer was cut off: its code fence is never closed; answer again with the "
                              f"complete `{block}` block")
        bodies = [f.body for f in candidates] or ([text] if text.strip() else [])
        # Whatever the fence's label: code labelled json is code, a JSON body (a plan) is no block.
        code_like = [b for b in bodies if not is_json(b)]
        if not code_like:
            raise AnswerError(f"the answer holds {'JSON where a block was asked' if bodies else 'no code'}; answer "
                              f"with the new `{block}` block in a ```python fence")
        if not candidates and syntax_error(text) and is_refusal(text):
            raise AnswerError("the answer declines the task; the task is a legitimate data-science exercise: answer "
                              f"with the new `{block}` block in a ```python fence")
        bodies = code_like
        new = normalise_markers(textwrap.dedent(max(bodies, key=len)))
        names = block_names(new)
        if len(names) > 1:
            if block not in names:
                raise AnswerError(f"the answer holds blocks {names} but not `{block}`; answer with the `{block}` "
                                  "block only")
            script = new
        elif names and names[0] != block:
            raise AnswerError(f"the answer holds block `{names[0]}`, but block `{block}` was asked; answer with the "
                              f"`{block}` block, opened by its marker line")
        else:
            try:
                script = replace_block(code, block, new)
            except ValueError as exc:
                raise AnswerError(f"the block cannot be placed in the script: {exc}", retry=False) from None
        problem = syntax_error(script)
        if problem:
            raise AnswerError(f"with this block the script does not parse ({problem}); answer again with valid "
                              "Python that fits the rest of the script")
        return cls(block_code=new, script=script)

    @classmethod
    def format_text(cls, request: RoleRequest) -> str:
        block = getattr(request, "block")
        return f"The new `{block}` block, starting with its marker line `# [block: {block}]`, in one ```python fence."

    def render(self) -> str:
        return _note(self.note) + fence("python", self.block_code) + "\n"


class JsonAnswer(RoleAnswer):
    """An answer that is one JSON object."""

    @classmethod
    def parse(cls, text: str, request: RoleRequest) -> "JsonAnswer":
        data = find_json(text)
        if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
            data = data[0]
        if not isinstance(data, dict):
            raise AnswerError(f"the answer is a JSON {type(data).__name__}, not an object; {cls.format_text(request)}")
        answer = cls.validated(data)
        answer.check(request)
        return answer

    def check(self, request: RoleRequest) -> None:
        """Checks that need the request; raises AnswerError."""

    def render(self) -> str:
        return fence("json", json.dumps(self.model_dump(exclude_defaults=False), indent=1)) + "\n"


def _text(value: Any) -> Any:
    """Free text fields accept a list of sentences or an object (some models structure them)."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return "" if value is None else value


class ModelListAnswer(RoleAnswer):
    """The retriever's models, best first."""

    models: list[RetrievedModel]

    @classmethod
    def parse(cls, text: str, request: RoleRequest) -> "ModelListAnswer":
        data = find_json(text)
        if isinstance(data, dict):
            data = data.get("models", [data] if "name" in data else [])
        if not isinstance(data, list):
            raise AnswerError("the answer is not a JSON list of models")
        models: list[RetrievedModel] = []
        for item in data:
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict):
                continue
            item = {k: _text(v) if k in ("description", "example_code") else v for k, v in item.items()}
            try:
                model = RetrievedModel.model_validate({**item, "name": str(item.get("name", "")).strip()})
            except ValueError:
                continue
            if model.name and model.name not in {m.name for m in models}:
                models.append(model)
        if not models:
            raise AnswerError('the answer names no model; answer with a JSON list of {"name", "description", '
                              '"example_code"} objects')
        return cls(models=models)

    @classmethod
    def format_text(cls, request: RoleRequest) -> str:
        count = getattr(request, "count", 3)
        return (f"A JSON list of exactly {count} objects, best first, inside a ```json fence: "
                '[{"name": "<model card name or short model name>", "description": "<why it suits this task>", '
                '"example_code": "<a concise example of training and predicting with it>"}]')

    def render(self) -> str:
        return fence("json", json.dumps([m.model_dump() for m in self.models], indent=1)) + "\n"


class BlockChoiceAnswer(JsonAnswer):
    """The block to refine next (None: no block is worth refining) and a first plan for it."""

    block: Optional[str] = None
    summary: str = ""
    plan: str = ""
    recipe: Optional[str] = None

    _texts = field_validator("summary", "plan", mode="before")(lambda cls, v: _text(v))

    @field_validator("block", mode="before")
    @classmethod
    def _bare_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().strip("`").strip()
            value = value.removeprefix("# [block:").removesuffix("]").strip()
        return value or None

    def check(self, request: RoleRequest) -> None:
        open_blocks = request.open_blocks()  # type: ignore[attr-defined]
        if self.block is not None and self.block not in open_blocks:
            raise AnswerError(f"block {self.block!r} is not one of the blocks left to refine {open_blocks}; "
                              'name one of them, or answer {"block": null} when none is worth refining')

    @classmethod
    def format_text(cls, request: RoleRequest) -> str:
        return ('A ```json fence with {"block": "<block name from a # [block: NAME] marker>", '
                '"summary": "<what the ablation shows>", "plan": "<the first plan, a few sentences>", '
                '"recipe": "<optional recipe name>"}; {"block": null, "summary": "..."} when no block is worth '
                "refining.")


class PlanAnswer(JsonAnswer):
    """The next plan for a block (`stop`: no promising plan remains)."""

    plan: str = ""
    recipe: Optional[str] = None
    stop: bool = False

    _texts = field_validator("plan", mode="before")(lambda cls, v: _text(v))

    def check(self, request: RoleRequest) -> None:
        if not self.stop and not self.plan.strip():
            raise AnswerError('the plan is empty; give a plan, or answer {"plan": "", "stop": true} to stop')

    @classmethod
    def format_text(cls, request: RoleRequest) -> str:
        return ('A ```json fence with {"plan": "<the plan>", "recipe": "<optional recipe name>"}; '
                'or {"plan": "", "stop": true} when no promising plan remains.')


class EnsemblePlanAnswer(JsonAnswer):
    """The next ensemble plan; a named strategy must be one the request offers."""

    plan: str = ""
    strategy: Optional[str] = None
    stop: bool = False

    _texts = field_validator("plan", mode="before")(lambda cls, v: _text(v))

    def check(self, request: RoleRequest) -> None:
        if not self.stop and not self.plan.strip():
            raise AnswerError('the plan is empty; give a plan, or answer {"plan": "", "stop": true} to stop')
        offered = list(getattr(request, "strategies", {}) or {})
        if self.strategy and offered and self.strategy not in offered:
            raise AnswerError(f"strategy {self.strategy!r} is not one that suits this task; name one of {offered} "
                              "or leave it out and describe the plan")

    @classmethod
    def format_text(cls, request: RoleRequest) -> str:
        return ('A ```json fence with {"plan": "<the plan>", "strategy": "<optional: one of the strategies '
                'offered>"}; or {"plan": "", "stop": true} when no promising plan remains.')


class VerdictWithScript(JsonAnswer):
    """A JSON verdict, optionally followed by a corrected script in a ```python fence."""

    code: Optional[str] = Field(default=None, exclude=True)

    @classmethod
    def parse(cls, text: str, request: RoleRequest) -> "VerdictWithScript":
        answer = super().parse(text, request)
        if answer.wants_script():
            try:
                answer.code = normalise_markers(find_code(text))
            except AnswerError:
                if any(f.language in ("python", "py", "python3") for f in fences(text)):
                    raise  # a script was given but cannot be used
                answer.code = None
        return answer

    def wants_script(self) -> bool:
        raise NotImplementedError

    def render(self) -> str:
        text = fence("json", json.dumps(self.model_dump(), indent=1)) + "\n"
        return text + ("\n" + fence("python", self.code) + "\n" if self.code else "")


class LeakageAnswer(VerdictWithScript):
    """Whether the script leaks test or validation data into training, and a repaired script."""

    leakage: bool
    explanation: str = ""

    _texts = field_validator("explanation", mode="before")(lambda cls, v: _text(v))

    def wants_script(self) -> bool:
        return self.leakage

    @classmethod
    def format_text(cls, request: RoleRequest) -> str:
        return ('A ```json fence with {"leakage": true|false, "explanation": "<where and why>"}; if there is '
                "leakage, also the whole corrected script in a ```python fence, fitting every step on training "
                "data only.")


class UsageAnswer(VerdictWithScript):
    """Whether the script uses the data provided, what it ignores, and a revised script."""

    all_used: bool
    unused: list[str] = Field(default_factory=list)
    explanation: str = ""

    _texts = field_validator("explanation", mode="before")(lambda cls, v: _text(v))

    @field_validator("unused", mode="before")
    @classmethod
    def _as_list(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [value] if value.strip() else []
        return [str(v) for v in value] if isinstance(value, list) else value

    def wants_script(self) -> bool:
        return not self.all_used

    @classmethod
    def format_text(cls, request: RoleRequest) -> str:
        return ('A ```json fence with {"all_used": true|false, "unused": ["<file or column>", ...], '
                '"explanation": "..."}; if something useful is unused, also the whole revised script in a '
                "```python fence that uses it.")
