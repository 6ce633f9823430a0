"""Browser tests drive Debian's Chromium through Playwright against the live server.

Playwright's click returns without waiting for the page it opens: read the page straight after it and,
on a busy machine, you read the old page or the new one half loaded. So a click that opens another page
goes through `click_and_wait`, and what is read after an action is read with Playwright's `expect`,
which tries again until it holds (or its time is up)."""
import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, expect

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: How long (ms) Playwright waits for a page, an element or an expectation: on a busy machine (two shared cores,
#: a parallel run) a page that takes a fraction of a second alone can take several seconds.
TIMEOUT = 30_000
INSTALL_HINT = "Chromium is not installed: run `sudo apt-get install chromium` to run the browser tests."


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("CI"):
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=TIMEOUT)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    yield page
    context.close()


def click_and_wait(locator: Locator, **options) -> None:
    """Click a link or a form's button and return once the page it opens has loaded."""
    with locator.page.expect_navigation():
        locator.click(**options)
