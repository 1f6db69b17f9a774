"""What role handlers share: the reply types and the request's brief."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Union

from ....knowledge import Catalog
from ....protocol import RoleAnswer, RoleRequest


@dataclass
class ToolCall:
    """A reply that calls a tool instead of answering."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


Reply = Union[RoleAnswer, ToolCall, str]
Handler = Callable[[Any, Catalog, Mapping[str, object]], Reply]


def brief_of(request: RoleRequest) -> dict[str, Any]:
    brief = getattr(request, "brief", None)
    if not isinstance(brief, dict) or "task_kind" not in brief:
        raise ValueError("the prompt has no task brief")
    return brief
