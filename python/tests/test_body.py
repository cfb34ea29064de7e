"""Body read/readline/iteration, sync and async, over a source that delivers odd chunks."""

import asyncio

import pytest

from wsging import Body


class ChunkSource:
    def __init__(self, chunks):
        self.chunks = list(chunks)
        self.taken = 0

    def take(self):
        if not self.chunks:
            return None
        self.taken += 1
        return self.chunks.pop(0)

    async def atake(self):
        await asyncio.sleep(0)
        return self.take()

    @property
    def trailers(self):
        return None


CHUNKS = [b"ab", b"c\nde", b"", b"f\n\ngh", b"i"]
WHOLE = b"".join(CHUNKS)


def body():
    return Body(ChunkSource(CHUNKS))


def test_read_all():
    assert body().read() == WHOLE
    b = body()
    b.read()
    assert b.read() == b"" and b.read(5) == b""


@pytest.mark.parametrize("size", [1, 2, 3, 5, 100])
def test_read_sized_returns_full_pieces_until_the_end(size):
    b = body()
    pieces = []
    while True:
        piece = b.read(size)
        if not piece:
            break
        pieces.append(piece)
    assert b"".join(pieces) == WHOLE
    assert all(len(p) == size for p in pieces[:-1])


def test_read_zero():
    b = body()
    assert b.read(0) == b""
    assert b.read() == WHOLE


def test_readline():
    b = body()
    assert [b.readline() for _ in range(5)] == [b"abc\n", b"def\n", b"\n", b"ghi", b""]


def test_readline_limit():
    b = body()
    assert b.readline(2) == b"ab"
    assert b.readline(10) == b"c\n"
    assert b.readline(0) == b""
    assert b.read() == b"def\n\nghi"


def test_iteration_yields_chunks_after_leftover():
    b = body()
    assert b.read(1) == b"a"
    assert list(b) == [b"b", b"c\nde", b"f\n\ngh", b"i"]


def test_mixed_reads():
    b = body()
    assert b.read(3) == b"abc"
    assert b.readline() == b"\n"
    assert b.read(1) == b"d"
    assert b"".join(b) == b"ef\n\nghi"


def test_async_variants():
    async def main():
        b = body()
        assert await b.aread(4) == b"abc\n"
        assert await b.areadline() == b"def\n"
        assert [c async for c in b] == [b"\ngh", b"i"]
        assert await b.aread() == b""
        assert await body().aread() == WHOLE
        b = body()
        assert [await b.areadline() for _ in range(4)] == [b"abc\n", b"def\n", b"\n", b"ghi"]

    asyncio.run(main())


def test_chunks_are_pulled_lazily():
    source = ChunkSource(CHUNKS)
    b = Body(source)
    b.read(2)
    assert source.taken == 1
    b.readline()
    assert source.taken == 2


def test_reading_to_the_end_after_a_partial_read_stops_at_the_first_none():
    async def main():
        source = ChunkSource(CHUNKS)
        b = Body(source)
        assert await b.aread(1) == b"a"
        assert await b.aread() == WHOLE[1:]
        source.chunks.append(b"late")  # nothing is taken once the end was seen
        assert await b.aread() == b"" and b.read() == b"" and source.taken == len(CHUNKS)

    asyncio.run(main())
    b = body()
    assert b.readline() == b"abc\n"
    assert b.read() == WHOLE[4:]
