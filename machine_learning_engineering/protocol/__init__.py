"""The typed protocol between the orchestrators and the LLM roles (see `base` and `answers`)."""

from .answers import (BlockAnswer, BlockChoiceAnswer, EnsemblePlanAnswer, JsonAnswer, LeakageAnswer,
                      ModelListAnswer, PlanAnswer, ScriptAnswer, UsageAnswer)
from .base import (CODE, JSON, PLAIN, PREVIOUS_PROBLEM, TEXT, RoleAnswer, RoleRequest, Section, role_header,
                   role_of, split_sections)
from .extract import AnswerError, fence, fences, find_code, find_json, is_refusal

__all__ = ["AnswerError", "BlockAnswer", "BlockChoiceAnswer", "CODE", "EnsemblePlanAnswer", "JSON", "JsonAnswer",
           "LeakageAnswer", "ModelListAnswer", "PLAIN", "PREVIOUS_PROBLEM", "PlanAnswer", "RoleAnswer",
           "RoleRequest", "ScriptAnswer", "Section", "TEXT", "UsageAnswer", "fence", "fences", "find_code",
           "find_json", "is_refusal", "role_header", "role_of", "split_sections"]
