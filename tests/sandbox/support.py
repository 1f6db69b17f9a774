"""Helpers shared by the sandbox tests: the isolations that work here, sandboxes, scripts, and what
they leave behind."""

from __future__ import annotations

import hashlib
import os
import textwrap
from pathlib import Path

import pytest

from machine_learning_engineering.sandbox import Sandbox
from machine_learning_engineering.sandbox.confinement import bwrap_status, unshare_status

HAVE_BWRAP = bwrap_status()[0] is not None
HAVE_UNSHARE = unshare_status() is None
bwrap_only = pytest.mark.skipif(not HAVE_BWRAP, reason="bubblewrap does not work here")
unshare_only = pytest.mark.skipif(not HAVE_UNSHARE, reason="user namespaces do not work here")
BWRAP = pytest.param("bwrap", marks=bwrap_only)
UNSHARE = pytest.param("unshare", marks=unshare_only)
ISOLATIONS = [BWRAP, UNSHARE, "none"]

TRAIN_CSV = b"id,x,y\n1,0.5,0\n2,1.5,1\n3,2.5,1\n"


def make_sandbox(data_dir: Path, isolation: str, **kwargs) -> Sandbox:
    return Sandbox(data_dir, cache_dir=data_dir.parent / "cache", isolation=isolation, **kwargs)


def code(source: str) -> str:
    return textwrap.dedent(source).lstrip()


def snapshot_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


def checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, and every folder as "dir"."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


def live_processes_with(token: str) -> list[int]:
    """Host pids whose command line or environment holds `token`, zombies excluded."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            state = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes()
            try:
                environ = Path(f"/proc/{entry.name}/environ").read_bytes()
            except PermissionError:  # another user's process
                environ = b""
        except OSError:
            continue
        if state != "Z" and (token.encode() in cmdline or token.encode() in environ):
            found.append(int(entry.name))
    return found
