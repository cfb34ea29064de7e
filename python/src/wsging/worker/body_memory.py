"""The worker's side of shared body memory (spec A.2): the file the front end names in
BODY_MEMORY, mapped once, and the slot bookkeeping in both directions.

The front end's slots come first in the file and the worker's follow. A SHARED_DATA from the
front end lends one of its slots to this worker until the worker's RELEASE; a SHARED_DATA this
worker sends lends one of its own slots until the front end's RELEASE. Everything here runs on
the event-loop thread, as the session that owns it does.
"""

from __future__ import annotations

import mmap
import os
import time
from typing import List, Sequence, Union

from . import link
from .errors import LinkError

__all__ = ["BodyMemory", "SHARED_MIN"]

# Payloads from this size on go through a slot while one is free: below it the copy into the
# frame batch costs less than the extra frames.
SHARED_MIN = 8 * 1024

# After the file system refused room for a slot, slots not yet reserved are not tried again for
# this long (seconds): every large piece would otherwise pay a failing system call.
_RETRY_AFTER = 1.0


def _error(message: str) -> LinkError:
    return LinkError(message, code=link.GOAWAY_PROTOCOL_ERROR)


class BodyMemory:
    """One mapping of a BODY_MEMORY file. Raises OSError when the file cannot be mapped.

    The file is sparse: a page gets memory when it is first written. On a full tmpfs a store
    through the mapping to such a page is a SIGBUS, which would kill this worker; so each of this
    worker's slots is reserved with posix_fallocate before its first use, and a slot without room
    sends its piece as DATA instead (the file stays open for that).
    """

    def __init__(self, path: bytes, slot_size: int, slot_count: int) -> None:
        self.slot_size = slot_size
        self.slot_count = slot_count
        size = 2 * slot_size * slot_count
        fd = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
        try:
            actual = os.fstat(fd).st_size
            if actual < size:
                raise OSError(f"{path!r} holds {actual} bytes, BODY_MEMORY needs {size}")
            self._map = mmap.mmap(fd, size)  # shared, read-write
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self._reserved = bytearray(slot_count)  # own slots whose pages are allocated
        self._no_room_until = 0.0
        self._view = memoryview(self._map)
        self._own_base = slot_count * slot_size
        self._free: List[int] = list(range(slot_count - 1, -1, -1))  # own slots, next on top
        self._own_lent = bytearray(slot_count)
        self._peer_lent = bytearray(slot_count)  # front end slots read and not yet released

    # -- the front end's slots (request bodies) ----------------------------------------------

    def take(self, slot: int, length: int) -> bytes:
        """The payload of a SHARED_DATA from the front end, copied out: the slot is this
        worker's to release from now on (release it with `released` once RELEASE is written)."""
        if slot >= self.slot_count:
            raise _error(f"SHARED_DATA slot {slot} of {self.slot_count}")
        if length > self.slot_size:
            raise _error(f"SHARED_DATA of {length} bytes in slots of {self.slot_size}")
        if self._peer_lent[slot]:
            raise _error(f"SHARED_DATA slot {slot} lent twice")
        self._peer_lent[slot] = 1
        start = slot * self.slot_size
        return self._view[start : start + length].tobytes()

    def released(self, slots: Sequence[int]) -> None:
        """The RELEASE for these front end slots is written: they may be lent again."""
        lent = self._peer_lent
        for slot in slots:
            lent[slot] = 0

    # -- this worker's slots (response bodies) -----------------------------------------------

    def put(self, data: Union[bytes, memoryview]) -> int:
        """Copies `data` into a free slot of this worker's and lends it: the slot number, or
        -1 when no slot is free or `data` does not fit one (send DATA then)."""
        free = self._free
        size = len(data)
        if not free or size > self.slot_size:
            return -1
        slot = free[-1]
        if not self._reserved[slot] and not self._reserve(slot):
            return -1
        free.pop()
        self._own_lent[slot] = 1
        start = self._own_base + slot * self.slot_size
        self._view[start : start + size] = data
        return slot

    def _reserve(self, slot: int) -> bool:
        """Has the file system allocate every page of this worker's `slot` (once per slot: tmpfs
        keeps them with the file). False when there is no room: ENOSPC, not a SIGBUS later."""
        now = time.monotonic()
        if now < self._no_room_until:
            return False
        try:
            os.posix_fallocate(self._fd, self._own_base + slot * self.slot_size, self.slot_size)
        except OSError:
            self._no_room_until = now + _RETRY_AFTER
            return False
        self._reserved[slot] = 1
        return True

    def give_back(self, slots: Sequence[int]) -> None:
        """The front end's RELEASE of slots this worker lent."""
        lent = self._own_lent
        for slot in slots:
            if slot >= self.slot_count or not lent[slot]:
                raise _error(f"RELEASE of slot {slot}, which is not lent")
            lent[slot] = 0
            self._free.append(slot)

    @property
    def free_slots(self) -> int:
        return len(self._free)

    def close(self) -> None:
        self._view.release()
        self._map.close()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
