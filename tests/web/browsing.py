"""What the browser tests share: headless Chromium, launched one way, and a fresh tab in it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000


@contextmanager
def chromium_browser() -> Iterator[Browser]:
    """Headless Chromium with the suite's arguments, closed on the way out."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def tab(browser: Browser, base_url: str, height: int = 900) -> Iterator[Page]:
    """A page in a fresh context (no session) on ``base_url``: 1280 pixels wide, ``height``
    high, and no action waits longer than 10 seconds. The context is closed on the way out."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": height})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        yield page
    finally:
        context.close()
