package org.wsging.worker;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.function.IntConsumer;
import org.wsging.worker.link.LinkProtocolException;

/**
 * The shared body memory of one link (spec A.2): the file both processes map, and which slots
 * are lent. The first {@code slotCount} slots are the front end's, the next {@code slotCount}
 * the worker's. Confined to the link's event loop; only the buffers {@link #peerSlot} returns
 * travel to other threads, and they stay valid after the file's name is gone (a mapping lives
 * until it is garbage collected).
 */
final class SharedBodies {
    private static final System.Logger LOG = System.getLogger(SharedBodies.class.getName());
    /** Memory-backed on Linux: the bytes never reach a disk. */
    static final Path DIRECTORY = Path.of("/dev/shm");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A new file, never one that exists: another process cannot plant the file we map. */
    private static final Set<StandardOpenOption> CREATE_OWN_FILE =
            EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    private static final FileAttribute<?> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    /** Room is asked for once per slot, before its first use, with a write of these zeros. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();
    /** After the file system refused room, slots not yet reserved are not tried again this long. */
    private static final long RETRY_AFTER_NANOS = 1_000_000_000L;

    private final Path path;
    private final FileChannel file;
    private final MappedByteBuffer memory;
    private final int slotSize;
    private final int slotCount;
    /** Our free slots as a stack: the slot used last is used next, its pages are the warmest. */
    private final int[] freeSlots;
    private int freeCount;
    private final BitSet ownLent;
    private final BitSet peerLent;
    /** Our slots whose pages the file system has allocated: writing them cannot fault. */
    private final BitSet reserved;
    private boolean outOfRoom;
    private long noRoomUntil;
    private boolean named = true;

    private SharedBodies(Path path, FileChannel file, MappedByteBuffer memory, int slotSize, int slotCount) {
        this.path = path;
        this.file = file;
        this.memory = memory;
        this.slotSize = slotSize;
        this.slotCount = slotCount;
        this.freeSlots = new int[slotCount];
        for (int i = 0; i < slotCount; i++) {
            freeSlots[i] = slotCount - 1 - i; // slot 0 on top
        }
        this.freeCount = slotCount;
        this.ownLent = new BitSet(slotCount);
        this.peerLent = new BitSet(slotCount);
        this.reserved = new BitSet(slotCount);
    }

    /** Whether {@code directory} can hold the file at all; if not, the feature is simply off. */
    static boolean available(Path directory) {
        return Files.isDirectory(directory) && Files.isWritable(directory);
    }

    /**
     * Creates and maps a new file of 2 x {@code slotCount} slots in {@code directory}, readable
     * and writable by this user only, under a name nobody can guess. The file is sparse: only
     * the pages bodies pass through take memory. The file stays open until {@link #close}: a
     * slot's room is reserved through it before the slot is first written (see {@link #lend}).
     */
    static SharedBodies create(Path directory, int workerId, int slotSize, int slotCount) throws IOException {
        if (slotSize < 1 || slotCount < 1 || slotCount > 0xFFFF) {
            throw new IllegalArgumentException("slots of " + slotSize + " bytes, " + slotCount + " of them");
        }
        long size = 2L * slotCount * slotSize;
        if (size > Integer.MAX_VALUE) {
            throw new IOException(size + " bytes of shared body memory do not fit in one mapping");
        }
        checkRoom(Files.getFileStore(directory).getUsableSpace(), size);
        byte[] secret = new byte[8];
        RANDOM.nextBytes(secret);
        Path path = directory.resolve("wsging-" + ProcessHandle.current().pid() + "-" + workerId + "-"
                + HexFormat.of().formatHex(secret));
        FileChannel file = null;
        try {
            file = FileChannel.open(path, CREATE_OWN_FILE, OWNER_ONLY);
            file.write(ByteBuffer.wrap(new byte[1]), size - 1); // sets the length; the hole before it stays sparse
            MappedByteBuffer memory = file.map(FileChannel.MapMode.READ_WRITE, 0, size);
            return new SharedBodies(path, file, memory, slotSize, slotCount);
        } catch (IOException | RuntimeException e) {
            if (file != null) {
                file.close();
            }
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // the first failure is the one worth reporting
            }
            throw e;
        }
    }

    /**
     * The file is sparse, so its pages are taken from the file system only when a body first
     * passes through them; on a full tmpfs a store to such a page is a SIGBUS (in the JVM an
     * InternalError, in the worker its death). So the file is made only while the file system
     * has room for it twice over (a container's /dev/shm is often 64 MB), and each slot's pages
     * are reserved with a write before the slot is first used ({@link #lend}): /dev/shm filling
     * up later is then an ENOSPC that sends the body through the socket, never a signal.
     */
    static void checkRoom(long usable, long size) throws IOException {
        if (usable < 2 * size) {
            throw new IOException(usable + " bytes free in " + DIRECTORY + ", the body file needs "
                    + size + " and as much again to spare");
        }
    }

    Path path() {
        return path;
    }

    int slotSize() {
        return slotSize;
    }

    int slotCount() {
        return slotCount;
    }

    /**
     * Removes the file's name (on the worker's ACK, or when the link closes first); both
     * mappings stay. Idempotent.
     */
    void unlink() {
        if (!named) {
            return;
        }
        named = false;
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + path + ": " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- our slots (front end -> worker)

    /**
     * Copies the readable bytes of {@code piece} (at most {@link #slotSize}) into a free slot of
     * ours and lends it; returns the slot, or -1 when all are lent. {@code piece} is not changed.
     */
    int lend(ByteBuf piece) {
        int n = piece.readableBytes();
        if (n > slotSize) {
            throw new IllegalArgumentException(n + " bytes do not fit a slot of " + slotSize);
        }
        if (freeCount == 0) {
            return -1;
        }
        int slot = freeSlots[freeCount - 1];
        if (!reserved.get(slot) && !reserve(slot)) {
            return -1;
        }
        freeCount--;
        ownLent.set(slot);
        piece.getBytes(piece.readerIndex(), memory.slice(slot * slotSize, n));
        return slot;
    }

    /**
     * Makes the file system allocate every page of our {@code slot} by writing zeros over it
     * through the file (not the mapping): without room, the write fails with ENOSPC where a
     * store through the mapping would raise SIGBUS. Once allocated, tmpfs pages stay with the
     * file, so each slot pays this once. False when there is no room (then, for a while, no
     * unreserved slot is tried again: every large piece would otherwise pay a failing write).
     */
    private boolean reserve(int slot) {
        if (outOfRoom && System.nanoTime() - noRoomUntil < 0) {
            return false;
        }
        long start = (long) slot * slotSize;
        try {
            long done = 0;
            while (done < slotSize) {
                ByteBuffer zeros = ZEROS.duplicate();
                zeros.limit((int) Math.min(zeros.capacity(), slotSize - done));
                done += file.write(zeros, start + done);
            }
        } catch (IOException e) {
            if (!outOfRoom) { // once per shortage, not once per body
                LOG.log(System.Logger.Level.WARNING, "no room in " + DIRECTORY + " for a body slot ("
                        + e.getMessage() + "); bodies go through the link socket until there is");
            }
            outOfRoom = true;
            noRoomUntil = System.nanoTime() + RETRY_AFTER_NANOS;
            return false;
        }
        outOfRoom = false;
        reserved.set(slot);
        return true;
    }

    /** Closes the file (the link closed); the mappings stay valid while buffers use them. */
    void close() {
        try {
            file.close();
        } catch (IOException e) {
            // nothing was written through it that could be lost
        }
    }

    /** The worker gave {@code slot} back (RELEASE): a slot that is not ours or not lent is a link error. */
    void giveBack(int slot) {
        if (slot >= slotCount || !ownLent.get(slot)) {
            throw new LinkProtocolException("RELEASE of slot " + slot + ", which is not lent (" + slotCount + " slots)");
        }
        ownLent.clear(slot);
        freeSlots[freeCount++] = slot;
    }

    // ---------------------------------------------------------------- the worker's slots (worker -> front end)

    /**
     * The first {@code length} bytes of the worker's {@code slot} as a buffer without a copy,
     * now lent to this side. Releasing the buffer calls {@code onConsumed} with the slot (on the
     * releasing thread); until {@link #returned} the slot counts as lent.
     *
     * @throws LinkProtocolException for a slot out of range or already lent, or a length of 0 or above a slot
     */
    ByteBuf peerSlot(int slot, long length, IntConsumer onConsumed) {
        if (slot >= slotCount) {
            throw new LinkProtocolException("SHARED_DATA names slot " + slot + " of " + slotCount);
        }
        if (length < 1 || length > slotSize) {
            throw new LinkProtocolException("SHARED_DATA of " + length + " bytes in slots of " + slotSize);
        }
        if (peerLent.get(slot)) {
            throw new LinkProtocolException("SHARED_DATA names slot " + slot + ", which is already lent");
        }
        peerLent.set(slot);
        return new SlotByteBuf(memory.slice((slotCount + slot) * slotSize, (int) length), slot, onConsumed);
    }

    /** The RELEASE of the worker's {@code slot} is written: the worker may fill it again. */
    void returned(int slot) {
        peerLent.clear(slot);
    }
}
