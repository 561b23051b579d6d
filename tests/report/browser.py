"""Browser-test plumbing shared by tests/app and tests/report: Debian's Chromium driven by
Playwright, and a page fixture that records every request and saves a screenshot.

Under ``CI=true`` a missing Chromium fails the tests instead of skipping them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("ARMEDNET_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _launch(p: Any) -> Any:
    return p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                             args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])


_SHARED: dict[str, Any] = {"users": 0}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium (Debian's package, never a download), one per test process:
    every conftest or module that imports this fixture shares it (Playwright's sync API
    allows one driver per thread)."""
    if not CHROMIUM.exists():
        message = (f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
                   "(.ci/run does) or set ARMEDNET_CHROMIUM")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    if not _SHARED["users"]:
        from playwright.sync_api import sync_playwright

        _SHARED["driver"] = sync_playwright().start()
        _SHARED["browser"] = _launch(_SHARED["driver"])
    _SHARED["users"] += 1
    try:
        yield _SHARED["browser"]
    finally:
        _SHARED["users"] -= 1
        if not _SHARED["users"]:
            _SHARED.pop("browser").close()
            _SHARED.pop("driver").stop()


class Recorder:
    """What a page did: every request URL, request bodies' sizes, console errors."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.posted: list[int] = []
        self.errors: list[str] = []

    def foreign(self, origin: str) -> list[str]:
        """Requests that went anywhere but ``origin`` (data: and blob: URLs are local)."""
        return [u for u in self.requests
                if not (u.startswith(origin) or re.match(r"^(data|blob|about):", u))]


def _name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page (1400 x 1000) that records requests and console errors; a full-page
    screenshot goes to ``test-artifacts/screenshots/<test>.png`` after the test."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(20_000)
    pg = ctx.new_page()
    rec = Recorder()
    pg.on("request", lambda r: (rec.requests.append(r.url),
                                rec.posted.append(len(r.post_data_buffer or b""))))
    pg.on("console", lambda m: rec.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: rec.errors.append(str(e)))
    pg.recorder = rec
    try:
        yield pg
    finally:
        out = ARTIFACTS / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        try:
            pg.screenshot(path=str(out / f"{_name(request)}.png"), full_page=True)
        finally:
            ctx.close()
