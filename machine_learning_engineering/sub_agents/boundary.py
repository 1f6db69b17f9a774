"""The error boundary every step of the graph runs in: a failure ends the step, never the run.

A step is one of the graph's own agents (task setup, retrieval, initialiser, ablation, block
refiner, ensemble round, submitter). When its code raises, the boundary logs the cause in the run's
story (the traceback goes to `errors.log`), asks the step how to degrade - keep the best so far,
skip the plan, fall back to the catalog - applies that, and hands control back to the graph, so the
run still reaches the submitter. Model calls have their own boundary in `llm_steps`; a failing role
handler degrades there.
"""

from __future__ import annotations

import logging
from typing import Any, AsyncGenerator, ClassVar, Optional

from google.adk.agents import BaseAgent
from google.adk.agents.invocation_context import InvocationContext
from google.adk.events import Event

from ..run_context import RunContext, get_run
from .llm_steps import describe_error, state_event

logger = logging.getLogger("mle_star")


class StepAgent(BaseAgent):
    """An agent of the graph whose work (`_step`) runs inside the error boundary."""

    phase: ClassVar[Optional[str]] = None
    """The phase of the run the step belongs to, for the run's events (None: no phase of its own)."""

    async def _run_async_impl(self, ctx: InvocationContext) -> AsyncGenerator[Event, None]:
        try:
            run = get_run(ctx.session.state)
            if run is not None and self.phase is not None:
                run.events.phase(self.phase, getattr(self, "solution_id", None))
            async for event in self._step(ctx):
                yield event
        except Exception as exc:  # noqa: BLE001 - the boundary: any failure of a step degrades it
            run = get_run(ctx.session.state)
            try:
                delta, consequence = self._degrade(ctx, run, exc)
            except Exception as inner:  # noqa: BLE001 - a failing fallback must not end the run either
                delta, consequence = {}, f"its fallback failed too ({describe_error(inner)})"
            line = f"[{self.name}] internal error: {describe_error(exc)}; {consequence}"
            if run is not None:
                run.folder.record_error(self.name, exc)
                run.folder.log(line + " (traceback in errors.log)")
            else:
                logger.error(line, exc_info=exc)
            yield state_event(self, ctx, delta, text=line)

    async def _step(self, ctx: InvocationContext) -> AsyncGenerator[Event, None]:
        """The step's work; subclasses implement it instead of `_run_async_impl`."""
        raise NotImplementedError
        yield  # pragma: no cover - makes this an async generator

    def _degrade(self, ctx: InvocationContext, run: Optional[RunContext],
                 error: Exception) -> tuple[dict[str, Any], str]:
        """The state delta that lets the run go on after `error`, and what it means (for the log).
        By default the step is skipped and what it had stored stands."""
        return {}, "the step is skipped; the run goes on with what it has"

