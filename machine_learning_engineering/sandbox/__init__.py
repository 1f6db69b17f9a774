"""Sandboxed execution of generated scripts: confinement, limits, clean environment, input checks.

`Sandbox.run` is the one entry point; `ExecutionResult` is what it returns.
"""

from .concurrency import busy_seconds, hold_slot, max_parallel, set_max_parallel
from .confinement import BWRAP_MISSING_WARNING
from .environment import scrubbed_environment
from .executor import Sandbox
from .manifest import Manifest
from .result import NOT_STARTED, ExecutionResult, parse_score

__all__ = ["BWRAP_MISSING_WARNING", "ExecutionResult", "Manifest", "NOT_STARTED", "Sandbox", "busy_seconds",
           "hold_slot", "max_parallel", "parse_score", "scrubbed_environment", "set_max_parallel"]
