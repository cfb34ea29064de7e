"""The page of examples/chat in a browser window: open it, read what it shows, chat with it."""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional

from chromium import wait_until

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

# The elements where the page says how it is connected (examples/chat/static/index.html).
FACTS = ("http-version", "transport", "channel", "state", "members", "transport-note", "error")


class ChatPage:
    """One chat page in a window of its own. Every call first switches the driver to it."""

    def __init__(self, driver: "WebDriver", url: str, before_load: Optional[str] = None) -> None:
        self.driver = driver
        self.url = url
        driver.switch_to.new_window("window")
        self.handle = driver.current_window_handle
        if before_load is not None:
            # Runs in every document this window loads, before the page's own scripts.
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": before_load})
        driver.get(url)

    def focus(self) -> "WebDriver":
        self.driver.switch_to.window(self.handle)
        return self.driver

    def facts(self) -> Dict[str, str]:
        """What the page shows about its connection, by element id."""
        script = "return Object.fromEntries(arguments[0].map((id) => [id, document.getElementById(id).textContent]))"
        return self.focus().execute_script(script, list(FACTS))

    def describe(self) -> str:
        try:
            return f"page {self.url}: {self.facts()}; messages {self.messages()}"
        except Exception as error:  # noqa: BLE001 - a diagnostic must not hide the real failure
            return f"page {self.url}: unreadable ({error})"

    def wait_connected(self) -> "ChatPage":
        """Waits until the page got the server's welcome on its transport; fails at once
        when the page reports that it could not connect at all."""

        def state() -> Optional[str]:
            value = self.focus().execute_script("return document.body.dataset.state")
            if value == "failed":
                raise AssertionError(f"the page could not connect: {self.describe()}")
            return value if value == "connected" else None

        wait_until(self.driver, f"{self.url} to connect", state, self.describe)
        return self

    def messages(self) -> List[str]:
        script = "return Array.from(document.querySelectorAll('#messages li'), (item) => item.textContent)"
        return self.focus().execute_script(script)

    def send(self, text: str) -> None:
        """Types a message and sends it; waits until the page has handed it over (the input
        is cleared) and fails with the page's error when it could not."""
        driver = self.focus()
        field = driver.find_element("id", "text")
        field.send_keys(text)
        driver.find_element("id", "send").click()

        def handed_over() -> bool:
            facts = self.facts()
            if facts["error"]:
                raise AssertionError(f"sending {text!r} failed: {self.describe()}")
            return driver.find_element("id", "text").get_property("value") == ""

        wait_until(driver, f"{text!r} to be sent", handed_over, self.describe)

    def wait_for_message(self, text: str) -> None:
        """Waits until a message whose text ends with `text` is listed (the name comes first)."""
        wait_until(self.driver, f"{text!r} on {self.url}",
                   lambda: any(line.endswith(text) for line in self.messages()), self.describe)

    def wait_for_members(self, count: int) -> None:
        """Waits until the page shows `count` members in the room."""
        wait_until(self.driver, f"{count} members on {self.url}",
                   lambda: self.facts()["members"] == str(count), self.describe)

    def close(self) -> None:
        """Closes the window, and with it the page's connections (once)."""
        if self.handle in self.driver.window_handles:
            self.focus().close()
            self.driver.switch_to.window(self.driver.window_handles[0])
