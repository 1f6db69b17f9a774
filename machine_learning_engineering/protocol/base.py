"""Typed requests and answers of the agent roles, and how a request becomes a prompt and back.

A request is a pydantic model whose fields are the prompt's sections: each field is annotated with
`Section(title, kind)`. `render()` writes the prompt (role header, intro, one `## Title` section per
field, the answer format); `read_request(text)` (see `registry`) turns a rendered prompt back into the
request, which is how the offline engine reads what it is asked. An answer model parses a model's
free-form reply (`parse(text, request)`) and writes its canonical form (`render()`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from .extract import AnswerError, fence, fences

ROLE_TAG = "[mle-star role: {role}]"
ROLE_RE = re.compile(r"^\[mle-star role: *([a-z_]+)\]", re.MULTILINE)
ANSWER_FORMAT = "Answer format"
PREVIOUS_PROBLEM = "Your previous answer could not be used"

TEXT, JSON, CODE, PLAIN = "text", "json", "code", "plain"


@dataclass(frozen=True)
class Section:
    """How a request field appears in the prompt: its `## title` and how its value is written
    (text, a ```json fence, a ```python fence, or a plain ``` fence)."""

    title: str
    kind: str = TEXT


def role_header(role: str) -> str:
    """First line of every prompt: names the role so any backend (and the offline engine) knows it."""
    return ROLE_TAG.format(role=role)


def role_of(text: str) -> Optional[str]:
    """The role named in a prompt's header, or None."""
    match = ROLE_RE.search(text)
    return match.group(1) if match else None


A = TypeVar("A", bound="RoleAnswer")


class RoleAnswer(BaseModel):
    """What a role answers. Subclasses say how to read it from free text and how to write it."""

    model_config = ConfigDict(extra="ignore")

    @classmethod
    def parse(cls: type[A], text: str, request: "RoleRequest") -> A:
        """The answer in `text` to `request`.

        Raises:
            AnswerError: the text holds no usable answer (the message says what to fix).
        """
        raise NotImplementedError

    @classmethod
    def format_text(cls, request: "RoleRequest") -> str:
        """The "Answer format" section: what the model must reply."""
        raise NotImplementedError

    def render(self) -> str:
        """The answer as a model should write it."""
        raise NotImplementedError

    @classmethod
    def validated(cls: type[A], data: Any) -> A:
        """`data` as this answer, with pydantic's complaint turned into an `AnswerError`."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}"
                                 for e in exc.errors()[:5])
            raise AnswerError(f"the answer does not fit the format: {problems}") from None


class RoleRequest(BaseModel):
    """One role's input. Subclasses set `role`, `answer` and `intro()`, and annotate each field
    with its `Section`."""

    model_config = ConfigDict(extra="ignore")

    role: ClassVar[str]
    answer: ClassVar[type[RoleAnswer]]

    @model_validator(mode="after")
    def _as_the_prompt_holds_it(self) -> "RoleRequest":
        """Text and code as the prompt carries them (text without surrounding blank space, code ending in
        one newline, empty code empty), so that the request read back from the prompt equals this one."""
        for name, section in self.sections():
            value = getattr(self, name)
            if isinstance(value, str) and section.kind == TEXT:
                setattr(self, name, value.strip())
            elif isinstance(value, str) and section.kind in (CODE, PLAIN):
                setattr(self, name, value.rstrip() + "\n" if value.strip() else "")
        return self

    def intro(self) -> str:
        """What the role does (the text before the sections)."""
        raise NotImplementedError

    def answer_format(self) -> str:
        """The "Answer format" section (the answer model's, unless the role says more)."""
        return self.answer.format_text(self)

    def render(self) -> str:
        """The prompt: role header, intro, one section per field, the answer format."""
        parts = [role_header(self.role), self.intro().strip()]
        for name, section in self.sections():
            value = getattr(self, name)
            if value in (None, "", [], {}) and section.kind == TEXT:
                continue
            parts.append(f"## {section.title}\n{_write(value, section.kind)}")
        parts.append(f"## {ANSWER_FORMAT}\n{self.answer_format().strip()}")
        return "\n\n".join(p.strip("\n") for p in parts if p.strip()) + "\n"

    def render_retry(self, previous_answer: str, problem: str) -> str:
        """The prompt again, with why the previous answer could not be used."""
        excerpt = previous_answer.strip()[-1500:] or "(empty)"
        return (self.render() + f"\n## {PREVIOUS_PROBLEM}\n{problem}\n\nIt ended with:\n"
                + fence("text", excerpt) + "\n\nAnswer again, exactly in the answer format above.\n")

    @classmethod
    def sections(cls) -> list[tuple[str, Section]]:
        out = []
        for name, info in cls.model_fields.items():
            section = next((m for m in info.metadata if isinstance(m, Section)), None)
            if section is not None:
                out.append((name, section))
        return out

    @classmethod
    def read(cls, text: str) -> "RoleRequest":
        """The request a rendered prompt holds (sections missing from `text` take their defaults).

        Raises:
            ValueError: the prompt lacks a required section or a section does not read as its kind.
        """
        bodies = split_sections(text)
        values: dict[str, Any] = {}
        for name, section in cls.sections():
            if section.title in bodies:
                values[name] = _read(bodies[section.title], section.kind, section.title)
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise ValueError(f"the {cls.role} prompt does not hold a valid request: {exc}") from None

    def answer_text(self, text: str) -> RoleAnswer:
        """Parses a reply to this request (see `RoleAnswer.parse`)."""
        return self.answer.parse(text, self)


def split_sections(text: str) -> dict[str, str]:
    """`## Title` sections of a prompt by title; headings inside fences do not count."""
    sections: dict[str, str] = {}
    title: Optional[str] = None
    lines: list[str] = []
    ticks: Optional[str] = None
    for line in text.splitlines():
        stripped = line.strip()
        if ticks is None and re.match(r"^`{3,}", stripped):
            ticks = re.match(r"^`+", stripped).group(0)
        elif ticks is not None and stripped == ticks:
            ticks = None
        elif ticks is None and line.startswith("## "):
            if title is not None:
                sections[title] = "\n".join(lines).strip("\n")
            title, lines = line[3:].strip(), []
            continue
        lines.append(line)
    if title is not None:
        sections[title] = "\n".join(lines).strip("\n")
    return sections


def _write(value: Any, kind: str) -> str:
    if kind == JSON:
        return fence("json", json.dumps(value, indent=1, default=str))
    if kind == CODE:
        return fence("python", str(value))
    if kind == PLAIN:
        return fence("", str(value))
    # A heading inside free text would end the section early; one level down it reads the same.
    return re.sub(r"^(#{1,2}) ", lambda m: "#" * (len(m.group(1)) + 2) + " ", str(value).strip(), flags=re.MULTILINE)


def _read(body: str, kind: str, title: str) -> Any:
    if kind == TEXT:
        return body.strip()
    blocks = fences(body)
    inner = blocks[0].body if blocks else body
    if kind == JSON:
        try:
            return json.loads(inner)
        except json.JSONDecodeError as exc:
            raise ValueError(f"section {title!r} is not JSON: {exc}") from None
    return inner if inner.strip() else ""
