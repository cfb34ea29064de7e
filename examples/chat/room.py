"""The chat room: who is in it, the recent messages, and delivery to every member.

Everything here runs on the worker's event loop (the application, its WebSocket sessions and
its event streams are all async), so no lock is needed. The room lives in the worker's memory:
members of another worker process would be in another room, so the chat runs one worker.
"""

import asyncio
import collections
import itertools
import json
from typing import Deque, Optional, Set, Tuple, Union

# An event as it travels: its id in the history (0 for the events it does not keep) and its
# JSON text.
Event = Tuple[int, str]

MAX_NAME = 40
MAX_TEXT = 1000


def parse_message(raw: Union[str, bytes]) -> Tuple[str, str]:
    """(name, text) from a member's message, `{"name": ..., "text": ...}` as JSON text or bytes;
    ValueError saying what is wrong otherwise."""
    try:
        message = json.loads(raw)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError alike
        raise ValueError("a message is a JSON object") from None
    if not isinstance(message, dict):
        raise ValueError("a message is a JSON object")
    name, text = message.get("name"), message.get("text")
    if not isinstance(name, str) or not isinstance(text, str):
        raise ValueError('a message has a "name" and a "text", both strings')
    name, text = name.strip(), text.strip()
    if not 0 < len(name) <= MAX_NAME:
        raise ValueError(f"a name has 1 to {MAX_NAME} characters")
    if not 0 < len(text) <= MAX_TEXT:
        raise ValueError(f"a text has 1 to {MAX_TEXT} characters")
    return name, text


class Member:
    """One connected page: a bounded mailbox that the room fills and the page's transport
    (its WebSocket session or its event stream) empties."""

    def __init__(self, capacity: int) -> None:
        self._mailbox: Deque[Event] = collections.deque()
        self._capacity = capacity
        self._wakeup = asyncio.Event()
        self.dropped = False

    def deliver(self, event: Event) -> bool:
        """Queues an event; False when the mailbox is full (the member is not keeping up)."""
        if len(self._mailbox) >= self._capacity:
            return False
        self._mailbox.append(event)
        self._wakeup.set()
        return True

    def drop(self) -> None:
        self.dropped = True
        self._wakeup.set()

    async def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, in order; None once the room dropped this member. TimeoutError
        (asyncio's) after `timeout` seconds without one."""
        while not self._mailbox and not self.dropped:
            self._wakeup.clear()
            await asyncio.wait_for(self._wakeup.wait(), timeout)
        if self.dropped:
            return None
        return self._mailbox.popleft()


class Room:
    """Members and a bounded history. A member whose mailbox is full when a message comes is
    dropped rather than making everyone wait for it, or the server buffer for it without end."""

    def __init__(self, history_size: int = 100, mailbox_size: int = 256) -> None:
        if mailbox_size < history_size:
            raise ValueError("a mailbox must hold the whole history a member gets on joining")
        self._history: Deque[Event] = collections.deque(maxlen=history_size)
        self._members: Set[Member] = set()
        self._mailbox_size = mailbox_size
        self._ids = itertools.count(1)

    def __len__(self) -> int:
        return len(self._members)

    def join(self, after: int = 0) -> Member:
        """A new member, its mailbox holding the history newer than event id `after` (what an
        event stream that reconnects with `Last-Event-ID` missed); everyone is told the new
        number of members."""
        member = Member(self._mailbox_size)
        for event in self._history:
            if event[0] > after:
                member.deliver(event)
        self._members.add(member)
        self._broadcast(self._presence())
        return member

    def leave(self, member: Member) -> None:
        if member in self._members:
            self._members.discard(member)
            self._broadcast(self._presence())

    def say(self, name: str, text: str) -> int:
        """Sends a message to every member, the sender included; returns its event id."""
        event_id = next(self._ids)
        event = (event_id, json.dumps({"type": "message", "id": event_id, "name": name, "text": text}))
        self._history.append(event)
        self._broadcast(event)
        return event_id

    def _presence(self) -> Event:
        # Not kept in the history, so id 0: a member that joins learns the count from this.
        return (0, json.dumps({"type": "members", "count": len(self._members)}))

    def _broadcast(self, event: Event) -> None:
        dropped = [member for member in self._members if not member.deliver(event)]
        for member in dropped:
            self._members.discard(member)
            member.drop()
        if dropped:
            self._broadcast(self._presence())
