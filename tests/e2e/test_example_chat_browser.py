"""The examples in a real browser: headless Chromium (Selenium, the system chromedriver) against
the real server.

examples/chat: two pages chat through the server-sent-events fallback and through WebSocket,
over HTTP/1.1 and over HTTP/2 with TLS; a page whose WebSocket does not open falls back by
itself. examples/hello.py: /ws echoes what a browser's WebSocket sends. One browser serves the
whole module; each test opens its own windows and closes them, so no stream outlives its test
(an open event stream would hold the server's graceful shutdown).
"""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Callable, Iterator, List, Optional

import pytest

from chat_pages import ChatPage
from chromium import start_chromium
from e2e_server import ROOT, Server, stop_cleanly

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

    from tls_certs import TestPki

CHAT_DIR = ROOT / "examples" / "chat"

# Makes every WebSocket the page opens go to a path the chat does not serve, which the
# application refuses with 404: a WebSocket that cannot open, as behind a proxy without it.
REFUSED_WEBSOCKET = """
window.WebSocket = class extends WebSocket {
  constructor(url, protocols) {
    const refused = new URL(url);
    refused.pathname = "/no-websocket-here";
    super(refused, protocols);
  }
};
"""


@pytest.fixture(scope="module")
def chat_server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("chat") / "server.log", app="chat:app", app_dir=CHAT_DIR).start()
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def chat_tls_server(server_built: None, pki: "TestPki", tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("chat-tls") / "server.log", app="chat:app", app_dir=CHAT_DIR,
                    options=pki.server_options()).start()
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module", autouse=True)
def browser() -> Iterator["WebDriver"]:
    # Autouse: started before the servers, so a missing browser fails (or skips) at once.
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture
def open_page(browser: "WebDriver") -> Iterator[Callable[..., ChatPage]]:
    """Opens chat pages in new windows; closes them all when the test ends."""
    home = browser.current_window_handle
    opened: List[ChatPage] = []

    def open_one(url: str, before_load: Optional[str] = None) -> ChatPage:
        page = ChatPage(browser, url, before_load)
        opened.append(page)
        return page

    yield open_one
    for page in opened:
        page.close()
    browser.switch_to.window(home)


@pytest.fixture
def hello_page(browser: "WebDriver", example_server: Server) -> Iterator["WebDriver"]:
    """A window on examples/hello.py's server, whose /ws its scripts reach same-origin."""
    home = browser.current_window_handle
    browser.switch_to.new_window("window")
    browser.get(example_server.url + "/")
    yield browser
    browser.close()
    browser.switch_to.window(home)


def https_url(server: Server, path: str = "/") -> str:
    return f"https://127.0.0.1:{server.port}{path}"


def chat(first: ChatPage, second: ChatPage) -> List[str]:
    """A message each way; every message reaches both pages, the sender's included."""
    said = []
    for sender, receiver in ((first, second), (second, first)):
        text = f"hello from {sender.facts()['transport']} {uuid.uuid4().hex[:8]}"
        sender.send(text)
        receiver.wait_for_message(text)
        sender.wait_for_message(text)
        said.append(text)
    return said


def assert_transport(page: ChatPage, transport: str, channel: str) -> None:
    facts = page.facts()
    assert facts["transport"] == transport, (
        f"the page uses {facts['transport']!r}, not {transport!r}: {facts['transport-note']}\n{page.describe()}")
    assert facts["channel"] == channel, page.describe()


def test_sse_fallback_over_http11_chats_between_two_pages(chat_server: Server, open_page) -> None:
    first = open_page(chat_server.url + "/?transport=sse").wait_connected()
    second = open_page(chat_server.url + "/?transport=sse").wait_connected()
    for page in (first, second):
        assert page.facts()["http-version"] == "http/1.1", page.describe()
        assert page.facts()["transport-note"] == "forced by ?transport=sse", page.describe()
        assert_transport(page, "sse", "event-stream, HTTP/1.1")
    said = chat(first, second)
    # A page that joins later gets the history; the others see it join, and leave.
    third = open_page(chat_server.url + "/?transport=sse").wait_connected()
    for text in said:
        third.wait_for_message(text)
    first.wait_for_members(3)
    third.close()
    first.wait_for_members(2)


def test_websocket_over_http11_chats_between_two_pages(chat_server: Server, open_page) -> None:
    first = open_page(chat_server.url + "/").wait_connected()
    second = open_page(chat_server.url + "/").wait_connected()
    for page in (first, second):
        assert page.facts()["http-version"] == "http/1.1", page.describe()
        assert_transport(page, "websocket", "h1-upgrade, HTTP/1.1")
    chat(first, second)
    second.close()
    first.wait_for_members(1)


def test_websocket_and_sse_pages_share_one_room(chat_server: Server, open_page) -> None:
    on_websocket = open_page(chat_server.url + "/").wait_connected()
    on_sse = open_page(chat_server.url + "/?transport=sse").wait_connected()
    assert_transport(on_websocket, "websocket", "h1-upgrade, HTTP/1.1")
    assert_transport(on_sse, "sse", "event-stream, HTTP/1.1")
    chat(on_websocket, on_sse)


def test_page_whose_websocket_does_not_open_falls_back_to_sse(chat_server: Server, open_page) -> None:
    refused = open_page(chat_server.url + "/", before_load=REFUSED_WEBSOCKET).wait_connected()
    note = refused.facts()["transport-note"]
    assert note.startswith("the WebSocket did not open"), (
        f"the page never tried a WebSocket: {note}\n{refused.describe()}")
    assert_transport(refused, "sse", "event-stream, HTTP/1.1")
    chat(refused, open_page(chat_server.url + "/?transport=sse").wait_connected())


def test_page_over_tls_loads_over_http2_and_chats(chat_tls_server: Server, open_page) -> None:
    first = open_page(https_url(chat_tls_server)).wait_connected()
    second = open_page(https_url(chat_tls_server)).wait_connected()
    for page in (first, second):
        facts = page.facts()
        assert facts["http-version"] == "h2", page.describe()
        # Whichever transport the page took, it took it on the page's HTTP/2 connection: an
        # event stream is one more stream, a WebSocket needs extended CONNECT (RFC 8441).
        expected = {"websocket": "h2-connect, HTTP/2", "sse": "event-stream, HTTP/2"}
        assert facts["transport"] in expected, page.describe()
        assert facts["channel"] == expected[facts["transport"]], page.describe()
    chat(first, second)


def test_page_over_http2_uses_websocket_over_http2(chat_tls_server: Server, open_page) -> None:
    # Chromium opens a WebSocket on an HTTP/2 connection only when the server announced
    # SETTINGS_ENABLE_CONNECT_PROTOCOL, which is also when request.capabilities.websocket
    # holds on it and the page chooses WebSocket.
    page = open_page(https_url(chat_tls_server)).wait_connected()
    assert page.facts()["http-version"] == "h2", page.describe()
    assert_transport(page, "websocket", "h2-connect, HTTP/2")


BAD_MESSAGE_SCRIPT = """
const [payload, done] = [arguments[0], arguments[arguments.length - 1]];
const url = new URL("ws", location.href);
url.protocol = "ws:";
const socket = new WebSocket(url, "chat.v1");
socket.onopen = () => socket.send(payload === null ? new Uint8Array([1, 2, 3]) : payload);
socket.onclose = (close) => done({code: close.code, reason: close.reason});
"""


@pytest.mark.parametrize("payload, code, reason", [
    (None, 1003, "text messages only"),
    ("not json", 1008, "a message is a JSON object"),
    ('{"name": "ann"}', 1008, 'a message has a "name" and a "text", both strings'),
    ('{"name": "ann", "text": " "}', 1008, "a text has 1 to 1000 characters"),
])
def test_chat_websocket_is_closed_after_a_message_that_is_not_one(chat_server: Server, browser: "WebDriver",
                                                                  open_page, payload: Optional[str], code: int,
                                                                  reason: str) -> None:
    page = open_page(chat_server.url + "/?transport=sse").wait_connected()  # a same-origin document
    outcome = page.focus().execute_async_script(BAD_MESSAGE_SCRIPT, payload)
    assert outcome == {"code": code, "reason": reason}, f"the WebSocket to /ws: {outcome}"


# --- examples/hello.py: /ws ------------------------------------------------------------------

ECHO_SCRIPT = """
const done = arguments[arguments.length - 1];
const url = new URL("/ws", location.href);
url.protocol = "ws:";
const socket = new WebSocket(url);
socket.binaryType = "arraybuffer";
const received = [];
socket.onopen = () => {
  socket.send("h\u00e9llo, w\u00f6rld");
  socket.send(new Uint8Array([0, 1, 2, 253, 254, 255]));
};
socket.onmessage = (message) => {
  received.push(typeof message.data === "string"
    ? {text: message.data}
    : {binary: Array.from(new Uint8Array(message.data))});
  if (received.length === 2) socket.close(1000, "done");
};
socket.onclose = (close) => done({received, code: close.code, clean: close.wasClean});
"""


def test_hello_ws_echoes_text_as_text_and_binary_as_binary(hello_page: "WebDriver") -> None:
    outcome = hello_page.execute_async_script(ECHO_SCRIPT)
    assert outcome == {"received": [{"text": "h\u00e9llo, w\u00f6rld"}, {"binary": [0, 1, 2, 253, 254, 255]}],
                       "code": 1000, "clean": True}, f"the WebSocket to /ws: {outcome}"


def test_hello_ws_answers_a_request_that_is_no_handshake_with_426(hello_page: "WebDriver") -> None:
    outcome = hello_page.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch("/ws").then(async (response) => done({status: response.status, text: await response.text()}),
                          (error) => done({error: String(error)}));
    """)
    assert outcome == {"status": 426, "text": "/ws is a WebSocket: connect with a WebSocket handshake."}
