package dev.amalgam.exec;

import java.util.concurrent.Semaphore;

/**
 * The memory tensors in flight may hold ({@code --memory-limit}), handed out in MiB. Reservations are granted
 * first come, first served (a fair semaphore), so a large whole-tensor merge waits for running ones to finish
 * instead of being overtaken forever; a tensor that alone needs more than the limit reserves all of it and runs
 * by itself.
 */
final class MemoryBudget {
    private static final long UNIT = 1L << 20;

    private final Semaphore permits;
    private final int total;

    MemoryBudget(long bytes) {
        this.total = (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes / UNIT));
        this.permits = new Semaphore(total, true);
    }

    /** Units {@link #acquire} takes for {@code bytes}: rounded up, capped at the whole budget. */
    int units(long bytes) {
        return (int) Math.min(total, Math.max(1, (bytes + UNIT - 1) / UNIT));
    }

    boolean exceeds(long bytes) {
        return bytes > (long) total * UNIT;
    }

    void acquire(int units) throws InterruptedException {
        permits.acquire(units);
    }

    void release(int units) {
        permits.release(units);
    }

    /** Units free now (for tests). */
    int available() {
        return permits.availablePermits();
    }
}
