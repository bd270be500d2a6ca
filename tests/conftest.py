"""Shared test helpers: run dmlint in-process through click's runner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from dmlint.cli import cli

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
# ../shared beside the repository (SHARED_DIR overrides): the real samples and external schemas
SHARED = Path(os.environ.get("DMLINT_SHARED_DIR", REPO.parent / "shared"))


def run_cli(*args, input=None, env=None):
    runner = CliRunner()
    return runner.invoke(cli, [str(a) for a in args], input=input, env=env, catch_exceptions=False)


def check_json(*paths, extra=()):
    """`dmlint check --format json PATHS` -> (exit code, list of findings)."""
    result = run_cli("check", "--format", "json", *extra, *paths)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(autouse=True)
def _not_in_github_actions(monkeypatch):
    """`check` picks the github format by itself under GitHub Actions; tests choose explicitly."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture
def write(tmp_path):
    """write("name.yaml", text) -> path of a new file under tmp_path."""

    def _write(name: str, text, mode: str = "w"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


def shared_path(*parts) -> Path:
    """A file of ../shared (the real Hyper-V samples, which may not be copied into the
    repository). Missing on a plain clone: the test is skipped, naming what is missing;
    with DMLINT_REQUIRE_SHARED=1 (.ci/run sets it) a missing file fails the test instead."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = (f"{'/'.join(parts)} is missing: this test needs {SHARED} "
                  "(../shared beside the repository with the real samples, or DMLINT_SHARED_DIR)")
        if os.environ.get("DMLINT_REQUIRE_SHARED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def in_ci() -> bool:
    """CI=true (GitHub Actions, GitLab CI and .ci/run set it): what CI installs must be there."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


# Property tests are derandomized with each test's fixed example budget, so a CI run is
# deterministic (a random run once found a crash in 1 of 26 runs, and failed CI with it).
# A random run for exploration: DMLINT_HYPOTHESIS=explore python -m pytest -p no:cacheprovider
# (a new seed every run; repeat it in a loop to search longer).
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
_hypothesis_settings.register_profile("explore", derandomize=False, deadline=None, print_blob=True)
_hypothesis_settings.load_profile(os.environ.get("DMLINT_HYPOTHESIS", "ci"))
