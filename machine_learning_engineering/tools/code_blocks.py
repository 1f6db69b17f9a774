"""The block convention every solution script follows.

A solution script is divided into named blocks by marker lines `# [block: NAME]`, in the order of
BLOCK_ORDER; refinement replaces one block's text and keeps the rest. Text before the first marker
is a preamble named "".
"""

from __future__ import annotations

import re

BLOCK_ORDER = ("setup", "preprocessing", "features", "model", "validation", "postprocess", "submission")
MARKER_RE = re.compile(r"^# \[block: ([A-Za-z0-9_]+)\][ \t]*$", re.M)
# Marker lines as models write them: spacing and case vary.
_LOOSE_MARKER_RE = re.compile(r"^[ \t]*#[ \t]*\[[ \t]*block[ \t]*:[ \t]*([A-Za-z0-9_]+)[ \t]*\][ \t]*$", re.M | re.I)


def normalise_markers(code: str) -> str:
    """`code` with every loosely written marker line (`#[block:model ]`) in its exact form."""
    return _LOOSE_MARKER_RE.sub(lambda m: marker(m.group(1)), code)


def marker(name: str) -> str:
    """The marker line that opens block `name` (without newline)."""
    return f"# [block: {name}]"


def split_blocks(code: str) -> list[tuple[str, str]]:
    """Splits a script into (name, text) pairs, in order.

    Each text starts with its marker line and runs to the next marker; text before the first marker (if
    any) comes first with the name "". Joining the texts gives back `code` exactly.
    """
    starts = [(m.start(), m.group(1)) for m in MARKER_RE.finditer(code)]
    parts: list[tuple[str, str]] = []
    if not starts:
        return [("", code)] if code else []
    if starts[0][0] > 0:
        parts.append(("", code[: starts[0][0]]))
    for i, (start, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(code)
        parts.append((name, code[start:end]))
    return parts


def block_names(code: str) -> list[str]:
    """Names of the blocks in `code`, in order."""
    return [name for name, _ in split_blocks(code) if name]


def _index_of(parts: list[tuple[str, str]], name: str) -> int:
    found = [i for i, (n, _) in enumerate(parts) if n == name]
    if not found:
        present = ", ".join(n for n, _ in parts if n) or "none"
        raise ValueError(f"the script has no block {name!r} (marker line {marker(name)!r}); blocks present: {present}")
    if len(found) > 1:
        raise ValueError(f"the script has {len(found)} blocks named {name!r}; block names must be unique")
    return found[0]


def get_block(code: str, name: str) -> str:
    """The text of block `name`, marker line included.

    Raises:
        ValueError: the block is absent or appears more than once.
    """
    parts = split_blocks(code)
    return parts[_index_of(parts, name)][1]


def block_body(text: str) -> str:
    """A block's text without its marker line."""
    first, _, rest = text.partition("\n")
    return rest if MARKER_RE.fullmatch(first) else text


def replace_block(code: str, name: str, new_text: str) -> str:
    """`code` with block `name` replaced by `new_text` (with or without its marker line).

    The replacement keeps the blank line that separated the old block from the next one.

    Raises:
        ValueError: the block is absent, or `new_text` opens with the marker of a different block or
            contains further block markers.
    """
    parts = split_blocks(code)
    index = _index_of(parts, name)
    markers = MARKER_RE.findall(new_text)
    head = new_text.lstrip("\n")
    if markers:
        if not head.startswith(marker(markers[0])) or markers[0] != name or len(markers) > 1:
            raise ValueError(f"the replacement for block {name!r} must contain no block marker other than its own "
                             f"first line {marker(name)!r}; found: {', '.join(markers)}")
        text = head
    else:
        text = f"{marker(name)}\n{head}"
    text = text.rstrip("\n") + "\n"
    if index + 1 < len(parts):
        text += "\n\n"
    parts[index] = (name, text)
    return "".join(t for _, t in parts)


def join_blocks(blocks: list[tuple[str, str]]) -> str:
    """Assembles (name, body) pairs into a script, each block opened by its marker, two blank lines between."""
    texts = []
    for name, body in blocks:
        texts.append(f"{marker(name)}\n{body.strip(chr(10))}\n")
    return "\n\n".join(texts)
