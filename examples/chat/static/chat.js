// The chat page. It asks the server which transport its connection can carry (/transport,
// answered from request.capabilities.websocket), opens a WebSocket when it can, and falls back
// to server-sent events for receiving plus POST for sending when it cannot or when the
// WebSocket does not open (a proxy that drops Upgrade, a blocked port).
"use strict";

// How long a WebSocket may take to open before the page gives up on it.
const OPEN_TIMEOUT_MS = 10000;

const element = (id) => document.getElementById(id);

function show(id, text) {
  element(id).textContent = text;
}

function setState(state) {
  document.body.dataset.state = state;
  show("state", state);
  element("send").disabled = state !== "connected";
}

// One event of the room, as JSON text; both transports carry the same events.
function showEvent(data) {
  const event = JSON.parse(data);
  if (event.type === "welcome") {
    show("channel", `${event.via}, HTTP/${event.http_version}`);
    setState("connected");
  } else if (event.type === "message") {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = event.name;
    // Text nodes only: nothing a member sends is ever parsed as HTML.
    item.append(name, event.text);
    item.dataset.id = event.id;
    element("messages").append(item);
  } else if (event.type === "members") {
    show("members", String(event.count));
  }
}

// Resolves with a send function once the WebSocket is open; rejects when it closes first or
// does not open in time.
function openWebSocket() {
  const url = new URL("ws", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "chat.v1");
    const timer = setTimeout(() => {
      reject(new Error(`not open after ${OPEN_TIMEOUT_MS / 1000} s`));
      socket.close();
    }, OPEN_TIMEOUT_MS);
    socket.onmessage = (message) => showEvent(message.data);
    socket.onclose = (close) => {
      clearTimeout(timer);
      reject(new Error(`closed before it opened, code ${close.code}`));
    };
    socket.onopen = () => {
      clearTimeout(timer);
      socket.onclose = (close) => {
        setState("closed");
        show("error", `the WebSocket closed: ${close.code} ${close.reason}`);
      };
      resolve((message) => {
        if (socket.readyState !== WebSocket.OPEN) {
          throw new Error("the WebSocket is closed");
        }
        socket.send(JSON.stringify(message));
      });
    };
  });
}

// Receives through an event stream (the browser reconnects by itself, sending the id of the
// last event it got) and returns a send function that POSTs.
function openEventSource() {
  const source = new EventSource("events");
  source.onmessage = (message) => showEvent(message.data);
  source.onerror = () => setState(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
  return async (message) => {
    const response = await fetch("messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(message),
    });
    if (!response.ok) {
      throw new Error(`${response.status} ${(await response.text()).trim()}`);
    }
  };
}

async function chooseTransport() {
  const response = await fetch(`transport${location.search}`, { cache: "no-store" });
  if (!response.ok) {
    throw new Error(`${response.status} ${(await response.text()).trim()}`);
  }
  return response.json();
}

async function start() {
  const [navigation] = performance.getEntriesByType("navigation");
  show("http-version", (navigation && navigation.nextHopProtocol) || "unknown");
  element("name").value = `guest-${Math.floor(Math.random() * 10000)}`;

  let choice;
  try {
    choice = await chooseTransport();
  } catch (error) {
    show("error", `cannot choose a transport: ${error.message}`);
    setState("failed");
    return;
  }
  show("transport-note", choice.reason);
  let send = null;
  if (choice.transport === "websocket") {
    setState("opening a WebSocket");
    try {
      send = await openWebSocket();
      show("transport", "websocket");
    } catch (error) {
      show("transport-note", `the WebSocket did not open (${error.message}): using server-sent events`);
    }
  }
  if (send === null) {
    setState("opening an event stream");
    send = openEventSource();
    show("transport", "sse");
  }

  element("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = element("text");
    try {
      await send({ name: element("name").value, text: text.value });
      text.value = "";
      show("error", "");
    } catch (error) {
      show("error", `not sent: ${error.message}`);
    }
  });
}

start();
