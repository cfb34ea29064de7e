"""Headless Chromium driven by Selenium, for the tests that need a real browser.

Debian's `chromium` and `chromium-driver` packages (scripts/test installs them) and Selenium
from scripts/requirements-test.txt. The driver is the system one, named explicitly, so Selenium
Manager is never asked to find or download anything. Without them a test fails under CI=true
and skips elsewhere, as with every other tool (conftest.require_tool).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

import pytest

from conftest import require_tool

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

T = TypeVar("T")

# Explicit waits only, long enough for a loaded 2-core machine: a page load, a connection or
# a message that takes longer than this is a failure, never a reason to retry.
WAIT_SECONDS = 45.0

_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",  # tests run as root, where Chromium's sandbox cannot start
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The tests switch between windows: none may be throttled for being in the background.
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    # The TLS tests' server certificate is signed by a CA made for the test session.
    "--ignore-certificate-errors",
    "--window-size=1024,768",
)


def _require_selenium() -> None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        message = "selenium is not installed (scripts/test installs scripts/requirements-test.txt)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def start_chromium() -> "WebDriver":
    """A headless Chromium through the system chromedriver."""
    browser = require_tool("chromium")
    driver_path = require_tool("chromedriver")
    _require_selenium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # Selenium Manager runs only when no driver path is given; offline, it could not fetch anyway.
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in _ARGUMENTS:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    driver.set_script_timeout(WAIT_SECONDS)
    return driver


def console_log(driver: "WebDriver") -> str:
    """What the pages wrote to the console since the last call (for failure messages)."""
    try:
        entries = driver.get_log("browser")
    except Exception as error:  # noqa: BLE001 - a diagnostic must not hide the real failure
        return f"(no console log: {error})"
    return "\n".join(f"{entry['level']} {entry['message']}" for entry in entries) or "(empty)"


def wait_until(driver: "WebDriver", what: str, probe: Callable[[], Optional[T]],
               describe: Callable[[], str], timeout: float = WAIT_SECONDS) -> T:
    """Polls `probe` until it returns something other than None or False; after `timeout`
    fails with `what` and `describe()` (the page's state) instead of a bare timeout."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    def probed(_: Any) -> Optional[T]:
        return probe()

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(probed)
    except TimeoutException:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{describe()}\n"
                             f"console:\n{console_log(driver)}") from None
