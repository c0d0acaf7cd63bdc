package dev.amalgam.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Three fixed measurements of the machine, so that runs of the benchmark made while it was in different states can
 * be told apart: single-threaded arithmetic, a scan of memory (decoding bf16 inputs is bound by memory bandwidth),
 * and the first touch of newly allocated memory. On this project's 2-core VM a linear merge of 3 x 1 GB took 2.3 s
 * at one time of day and 3.1-3.5 s an hour later, with nothing else running in the guest, while the arithmetic and
 * the memory scan stayed within 5%. The first touch is the suspect: the guest hands freed pages back to the host
 * (virtio free-page reporting), a page touched again afterwards costs a fault on the host too, and a merge touches
 * new memory for its heap and for the output's page cache (about the output's size). 1 GiB took 3.1-3.7 s to
 * touch while merges were slow; whether that accounts for all of the difference is not established. Compare runs
 * only when their checks agree.
 */
final class MachineCheck {
    private static final int ITERATIONS = 200_000_000;
    /** Where the loops' results go, so that the JIT cannot drop them. */
    private static volatile long sink;

    private MachineCheck() {
    }

    /** Milliseconds of the best of three runs of the arithmetic loop (the first also compiles it). */
    static double loopMillis() {
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 3; r++) {
            long t0 = System.nanoTime();
            sink = spin(ITERATIONS, r);
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
        return best;
    }

    /** GB/s of the best of three sums over a 256 MiB array (larger than any cache, so read from memory). */
    static double memoryGbPerSecond() {
        long[] a = new long[32 << 20];
        java.util.Arrays.fill(a, 1L);
        double best = 0;
        for (int r = 0; r < 3; r++) {
            long t0 = System.nanoTime();
            long s = 0;
            for (long v : a) {
                s += v;
            }
            sink = s;
            best = Math.max(best, 8.0 * a.length / (System.nanoTime() - t0));
        }
        return best;
    }

    /** Milliseconds to touch each page of 256 MiB of newly allocated native memory once. */
    static double firstTouchMillis() {
        long bytes = 256L << 20;
        try (Arena arena = Arena.ofConfined()) {
            long t0 = System.nanoTime();
            MemorySegment m = arena.allocate(bytes, 4096);
            for (long off = 0; off < bytes; off += 4096) {
                m.set(ValueLayout.JAVA_BYTE, off, (byte) 1);
            }
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    /** The three checks, in one line. */
    static String summary() {
        return String.format("%.0f ms for a fixed single-threaded loop, %.1f GB/s reading memory, %.0f ms to touch"
                + " 256 MiB of new memory", loopMillis(), memoryGbPerSecond(), firstTouchMillis());
    }

    /** A xorshift sequence: a dependent chain of integer operations that no compiler can shorten. */
    private static long spin(int n, long seed) {
        long x = 0x9E3779B97F4A7C15L ^ seed;
        for (int i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        return x;
    }
}
