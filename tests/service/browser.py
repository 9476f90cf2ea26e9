"""A real headless Chromium for the page tests: the Debian package, driven by Playwright.

Playwright's own browser download is unreachable here, so the tests launch /usr/bin/chromium (installed
by `.ci/run` with apt-get) and skip, saying why, on a machine without it. A page whose test failed is
saved as a screenshot under reports/screenshots/ (see `page_for`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import REPO
from tests.service.conftest import PHASE_REPORTS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
# No GPU, no sandbox (CI runs as root in a container), and nothing the browser would fetch on its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "reports" / "screenshots"
# Answers on a busy 2-core machine can take seconds; a missing element still fails, just not at once.
TIMEOUT_MS = 30_000


@contextmanager
def chromium() -> Iterator[Browser]:
    """A launched browser, closed afterwards; skips without Chromium."""
    if not CHROMIUM.is_file():
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def page_for(browser: Browser, request: pytest.FixtureRequest, width: int = 1200, height: int = 900) -> Iterator[Page]:
    """A fresh page (own cookies and cache); when the test failed, its screenshot is kept for the reader."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
        # A script error is a failure even when the page happened to look right.
        assert not errors, f"the page raised: {errors}"
    finally:
        reports = request.node.stash.get(PHASE_REPORTS, {})
        if "call" in reports and reports["call"].failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        context.close()
