"""Request of the retriever: find models that suit the task (paper, step 1)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from ...protocol import ModelListAnswer, Section
from ..prompt_parts import TEXT, TaskRequest

ROLE = "retriever"


class RetrievalRequest(TaskRequest):
    role: ClassVar[str] = ROLE
    answer: ClassVar[type] = ModelListAnswer

    count: Annotated[int, Section("Models wanted", TEXT)] = 3

    def intro(self) -> str:
        return (f"You are an expert machine learning engineer. Find {self.count} effective, diverse models for the "
                "task below. Use the `search_model_cards` tool (a curated local catalog with example code; the user "
                "may have added their own cards) and, when available, web search for recent winning approaches. "
                "Prefer models that are strong for this data modality and size and that run on a CPU within minutes.")
