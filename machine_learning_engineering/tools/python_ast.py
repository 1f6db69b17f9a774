"""`ast.parse` that is safe when several threads of this process parse at once.

CPython 3.11 keeps the AST constructor's recursion counter in state shared by the whole interpreter.
When a garbage collection runs a finaliser in the middle of a parse, another thread can parse in between,
and one of the two fails with "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905).
The agent parses scripts in its event loop while a model served in-process (an OpenAI-compatible server
of the offline engine, a deployment serving several sessions) parses in other threads. Every parse in the
package goes through `parse`, so they take turns; a parse takes milliseconds.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_PARSE_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    """`ast.parse(source)`, one thread at a time.

    Raises:
        SyntaxError: when `source` is not valid Python (as `ast.parse`).
    """
    with _PARSE_LOCK:
        return ast.parse(source)


def literal_eval(text: str) -> Any:
    """`ast.literal_eval(text)`, whose parse takes its turn like `parse`'s.

    Raises:
        SyntaxError, ValueError: as `ast.literal_eval` (not Python; not a literal).
    """
    with _PARSE_LOCK:
        return ast.literal_eval(text)
