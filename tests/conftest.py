"""Shared fixtures. Real data is read in place from ../shared/data (never copied)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.factories import tiny_document, write_yaml

try:  # CI draws the same examples every run (a red CI must mean a change broke something);
    # locally hypothesis explores new examples each run, and bench_fuzz.py explores widely.
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        _hypothesis_settings.load_profile("ci")
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    pass

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """Where the shared real data lives: $ARMEDNET_SHARED_DATA or ../shared/data."""
    env = os.environ.get("ARMEDNET_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    return path if path.is_dir() else None


@pytest.fixture
def shared_data() -> Path:
    path = shared_data_dir()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("../shared/data is missing; CI must run with shared/ beside the repo")
        pytest.skip("../shared/data not present on this machine")
    return path


@pytest.fixture
def tiny_path(tmp_path: Path) -> Path:
    """A valid scenario written as one YAML file."""
    return write_yaml(tmp_path / "tiny.yaml", tiny_document())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly, at the end, when browser tests were skipped for want of Chromium."""
    skipped = terminalreporter.stats.get("skipped", [])
    chromium = [r for r in skipped if "Chromium not found" in str(getattr(r, "longrepr", ""))]
    if chromium:
        terminalreporter.write_sep("!", f"{len(chromium)} BROWSER TESTS SKIPPED", red=True,
                                   bold=True)
        terminalreporter.write_line(
            "Chromium is missing, so the dashboard and report were not tested in a browser. "
            "Install Debian's chromium (sudo apt-get install chromium) or set "
            "ARMEDNET_CHROMIUM to its path, then run make test again.", red=True)
