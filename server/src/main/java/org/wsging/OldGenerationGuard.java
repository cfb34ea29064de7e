package org.wsging;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.NotificationEmitter;

/**
 * Collects the old generation before the collector grows it.
 *
 * <p>The objects of a keep-alive connection live long enough to be promoted, so under connection
 * churn the old generation fills with dead connections. The serial collector then expands the
 * old generation (toward {@code -Xmx}) instead of collecting it, and the resident size grows for
 * as long as connections come and go. This guard asks for a full collection when the old
 * generation's usage crosses a threshold just under its capacity, so the dead connections are
 * freed in the space already committed. The threshold follows the live data: after each
 * collection it is at least twice what survived, so a server holding many live connections
 * still grows its heap, as it must, and is not collected over and over.
 *
 * <p>A full collection of this small heap pauses the server for 20-30 ms (measured with
 * bench/soak), once every few minutes under heavy churn. {@code -XX:+DisableExplicitGC} turns the collection off (the guard is then
 * harmless); so does a collector with no threshold support on its old generation.
 */
final class OldGenerationGuard {
    private static final System.Logger LOG = System.getLogger(OldGenerationGuard.class.getName());
    /** Collect at this fraction of the committed old generation. */
    private static final double TRIGGER_FRACTION = 0.85;
    /** Never trigger below this (a fresh heap's old generation can be a few hundred KB). */
    private static final long MINIMUM_THRESHOLD = 8L * 1024 * 1024;
    /** The threshold stays at least this multiple of what survived the last collection. */
    private static final int LIVE_MULTIPLE = 2;

    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private final MemoryPoolMXBean pool;
    private final AtomicBoolean collecting = new AtomicBoolean();

    private OldGenerationGuard(MemoryPoolMXBean pool) {
        this.pool = pool;
    }

    /** Installs the guard on the old generation of the running collector, when it has one (once per JVM). */
    static void install() {
        if (!INSTALLED.compareAndSet(false, true)) {
            return;
        }
        Optional<MemoryPoolMXBean> old = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isUsageThresholdSupported()
                        && p.isCollectionUsageThresholdSupported() && isOldGeneration(p.getName()))
                .findFirst();
        if (old.isEmpty()) {
            return;
        }
        OldGenerationGuard guard = new OldGenerationGuard(old.get());
        NotificationEmitter emitter = (NotificationEmitter) ManagementFactory.getMemoryMXBean();
        emitter.addNotificationListener((notification, handback) -> {
            if (MemoryNotificationInfo.MEMORY_THRESHOLD_EXCEEDED.equals(notification.getType())) {
                guard.collect();
            }
        }, null, null);
        guard.arm();
    }

    static boolean isOldGeneration(String poolName) {
        return poolName.contains("Old Gen") || poolName.contains("Tenured");
    }

    /** The threshold for an old generation of {@code committed} bytes after {@code live} survived. */
    static long threshold(long committed, long live) {
        return Math.max(MINIMUM_THRESHOLD, Math.max((long) (committed * TRIGGER_FRACTION), live * LIVE_MULTIPLE));
    }

    private void arm() {
        MemoryUsage usage = pool.getUsage();
        MemoryUsage afterLastCollection = pool.getCollectionUsage();
        long live = afterLastCollection != null ? afterLastCollection.getUsed() : 0;
        long limit = usage.getMax() > 0 ? usage.getMax() : Long.MAX_VALUE;
        pool.setUsageThreshold(Math.min(limit, threshold(usage.getCommitted(), live)));
    }

    /** On the notification thread; one collection at a time. */
    private void collect() {
        if (!collecting.compareAndSet(false, true)) {
            return;
        }
        try {
            System.gc();
            arm();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "old generation guard: " + e);
        } finally {
            collecting.set(false);
        }
    }
}
