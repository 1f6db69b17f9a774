"""Choosing the confinement: bubblewrap when it works, else namespaces when they work, else none, with
one warning per process when bubblewrap is missing."""

from __future__ import annotations

import logging

import pytest

from machine_learning_engineering.sandbox import BWRAP_MISSING_WARNING, scrubbed_environment
from machine_learning_engineering.sandbox import confinement

from .support import unshare_only


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(confinement, "_probe_result", (None, "no 'bwrap' on PATH"))
    monkeypatch.setattr(confinement, "_warned", False)


@pytest.fixture
def no_namespaces(no_bwrap, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(confinement, "_unshare_result", ("user namespaces are disabled",))


def test_auto_without_bwrap_or_namespaces_warns_once(no_namespaces, caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger=confinement.__name__):
        assert confinement.resolve_isolation("auto") == "none"
        assert confinement.resolve_isolation("auto") == "none"
    warnings = [r for r in caplog.records if BWRAP_MISSING_WARNING in r.getMessage()]
    assert len(warnings) == 1


@unshare_only
def test_auto_without_bwrap_uses_namespaces_and_says_what_they_leave_open(no_bwrap,
                                                                        caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger=confinement.__name__):
        assert confinement.resolve_isolation("auto") == "unshare"
        assert confinement.resolve_isolation("auto") == "unshare"
    warnings = [r for r in caplog.records if confinement.UNSHARE_WARNING in r.getMessage()]
    assert len(warnings) == 1 and "network" in warnings[0].getMessage()


def test_a_required_confinement_that_does_not_work_is_an_error(no_namespaces):
    with pytest.raises(ValueError, match="install the Debian package 'bubblewrap'"):
        confinement.resolve_isolation("bwrap")
    with pytest.raises(ValueError, match="user namespaces do not work here"):
        confinement.resolve_isolation("unshare")
    assert confinement.resolve_isolation("none") == "none"


def test_unknown_isolation_is_rejected():
    with pytest.raises(ValueError, match="isolation must be one of"):
        confinement.resolve_isolation("docker")


def test_scrubbed_environment_is_an_allowlist(tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GOOGLE_API_KEY", "secret")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    env = scrubbed_environment(3, tmp_path, {"MY_FLAG": "1"})
    assert "GOOGLE_API_KEY" not in env
    assert env["LC_ALL"] == "C.UTF-8" and env["MY_FLAG"] == "1"
    assert env["HOME"].startswith(str(tmp_path)) and env["TMPDIR"].startswith(str(tmp_path))
    assert env["OMP_NUM_THREADS"] == env["TORCH_NUM_THREADS"] == "3"
    assert env["HF_HUB_OFFLINE"] == "1" and env["PYTHONHASHSEED"] == "0"
    with pytest.raises(ValueError, match="cores"):
        scrubbed_environment(0, tmp_path)
