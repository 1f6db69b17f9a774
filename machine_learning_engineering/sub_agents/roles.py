"""Every LLM role of the graph and its request type (each defined in its agent's `prompt.py`)."""

from __future__ import annotations

from typing import Optional

from ..protocol import RoleAnswer, RoleRequest, role_of
from ..protocol.answers import JsonAnswer, VerdictWithScript
from .ensembler.prompt import EnsembleImplementRequest, EnsemblePlanRequest
from .guards.prompt import DebugRequest, LeakageRequest, UsageRequest
from .initializer.prompt import CandidateRequest, MergeRequest
from .refinement.prompt import AblationRequest, BlockChoiceRequest, ImplementRequest, PlannerRequest
from .retriever.prompt import RetrievalRequest
from .submitter.prompt import SubmissionFixRequest

REQUESTS: dict[str, type[RoleRequest]] = {cls.role: cls for cls in (
    RetrievalRequest, CandidateRequest, MergeRequest, AblationRequest, BlockChoiceRequest, PlannerRequest,
    ImplementRequest, EnsemblePlanRequest, EnsembleImplementRequest, DebugRequest, LeakageRequest, UsageRequest,
    SubmissionFixRequest)}
ROLES: tuple[str, ...] = tuple(REQUESTS)


def json_schema_of(role: str) -> Optional[type[RoleAnswer]]:
    """The answer model of a role whose whole answer is one JSON object (None for the others), for
    backends with a JSON mode."""
    answer = REQUESTS[role].answer
    if issubclass(answer, JsonAnswer) and not issubclass(answer, VerdictWithScript):
        return answer
    return None


def read_request(text: str) -> RoleRequest | None:
    """The request a rendered prompt holds, or None when it names no known role.

    Raises:
        ValueError: the prompt names a role but does not hold a valid request for it.
    """
    role = role_of(text)
    cls = REQUESTS.get(role or "")
    return cls.read(text) if cls else None
