package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsging.worker.link.LinkProtocolException;

/** The shared body memory file and its slot bookkeeping, without a link. */
class SharedBodiesTest {
    @TempDir
    Path dir;

    private static MappedByteBuffer map(Path file) throws IOException {
        try (FileChannel f = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return f.map(FileChannel.MapMode.READ_WRITE, 0, f.size());
        }
    }

    @Test
    void theFileIsNewPrivateUnguessableAndHoldsBothSidesSlots() throws IOException {
        SharedBodies a = SharedBodies.create(dir, 4, 1024, 3);
        SharedBodies b = SharedBodies.create(dir, 4, 1024, 3);
        String name = a.path().getFileName().toString();
        assertTrue(name.matches("wsging-" + ProcessHandle.current().pid() + "-4-[0-9a-f]{16}"), name);
        assertFalse(a.path().equals(b.path()));
        assertEquals(dir, a.path().getParent());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.path())));
        assertEquals(2 * 3 * 1024, Files.size(a.path()));
        a.unlink();
        a.unlink();
        assertFalse(Files.exists(a.path()));
        b.unlink();
    }

    @Test
    void aFileTooLargeToMapIsRefusedAndLeavesNothingBehind() throws IOException {
        assertThrows(IOException.class, () -> SharedBodies.create(dir, 1, 1 << 24, 200));
        try (var names = Files.list(dir)) {
            assertEquals(0, names.count());
        }
        assertFalse(SharedBodies.available(dir.resolve("missing")));
        assertTrue(SharedBodies.available(dir));
    }

    @Test
    void ourSlotsAreLentUntilGivenBack() throws IOException {
        SharedBodies shared = SharedBodies.create(dir, 1, 16, 2);
        MappedByteBuffer peer = map(shared.path());
        ByteBuf piece = Unpooled.copiedBuffer("0123456789", StandardCharsets.US_ASCII);
        piece.readerIndex(2);
        assertEquals(0, shared.lend(piece));
        assertEquals(2, piece.readerIndex(), "the piece itself is left as it was");
        assertEquals(1, shared.lend(piece));
        assertEquals(-1, shared.lend(piece), "all lent");
        assertEquals("23456789", Unpooled.wrappedBuffer(peer.slice(16, 8)).toString(StandardCharsets.US_ASCII));
        assertThrows(IllegalArgumentException.class, () -> shared.lend(Unpooled.wrappedBuffer(new byte[17])));

        shared.giveBack(1);
        assertThrows(LinkProtocolException.class, () -> shared.giveBack(1), "given back twice");
        assertThrows(LinkProtocolException.class, () -> shared.giveBack(2), "not a slot");
        assertEquals(1, shared.lend(piece));
        piece.release();
        shared.unlink();
    }

    @Test
    void theWorkersSlotsAreReadWhereTheyLieAndGoBackOnceConsumed() throws IOException {
        SharedBodies shared = SharedBodies.create(dir, 1, 16, 2);
        MappedByteBuffer worker = map(shared.path());
        worker.put(3 * 16, "hello".getBytes(StandardCharsets.US_ASCII)); // worker slot 1
        List<Integer> consumed = new ArrayList<>();
        ByteBuf data = shared.peerSlot(1, 5, consumed::add);
        assertEquals("hello", data.toString(StandardCharsets.US_ASCII));
        assertEquals(5, data.maxCapacity(), "the buffer cannot grow past its payload");
        assertThrows(LinkProtocolException.class, () -> shared.peerSlot(1, 5, consumed::add), "lent twice");
        data.retain();
        data.release();
        assertEquals(List.of(), consumed);
        data.release();
        assertEquals(List.of(1), consumed);
        assertThrows(LinkProtocolException.class, () -> shared.peerSlot(1, 5, consumed::add),
                "lent until its RELEASE is written");
        shared.returned(1);
        shared.peerSlot(1, 16, consumed::add).release();
        assertEquals(List.of(1, 1), consumed);

        assertThrows(LinkProtocolException.class, () -> shared.peerSlot(2, 5, consumed::add));
        assertThrows(LinkProtocolException.class, () -> shared.peerSlot(0, 0, consumed::add));
        assertThrows(LinkProtocolException.class, () -> shared.peerSlot(0, 17, consumed::add));
        shared.unlink();
    }

    @Test
    void noFileWithoutRoomForItTwiceOver() throws IOException {
        SharedBodies.checkRoom(2 * 1024, 1024);
        IOException e = assertThrows(IOException.class,
                () -> SharedBodies.checkRoom(2 * 1024 - 1, 1024));
        assertTrue(e.getMessage().contains("1024"), e.getMessage());
    }

    @Test
    void aSlotWhoseRoomCannotBeReservedIsNotUsedAndAReservedOneIsNotReservedAgain() throws IOException {
        SharedBodies shared = SharedBodies.create(dir, 1, 1024, 2);
        ByteBuf piece = Unpooled.copiedBuffer("x".repeat(100), StandardCharsets.US_ASCII);
        try {
            int slot = shared.lend(piece); // reserves slot 0 through the file, then uses it
            assertEquals(0, slot);
            shared.giveBack(slot);
            // From now on writes through the file fail, as they do on a full tmpfs (ENOSPC).
            shared.close();
            assertEquals(0, shared.lend(piece), "slot 0 has its pages: it needs no write");
            assertEquals(-1, shared.lend(piece), "slot 1 cannot get its pages: DATA instead, no SIGBUS");
            shared.giveBack(0);
            assertEquals(0, shared.lend(piece), "the refused slot was not lost; the reserved one is used");
        } finally {
            piece.release();
            shared.unlink();
        }
    }
}
