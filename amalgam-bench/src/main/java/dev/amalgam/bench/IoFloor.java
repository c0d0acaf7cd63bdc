package dev.amalgam.bench;

import dev.amalgam.io.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The I/O floor of a merge: the time to read every input byte (memory-mapped, summed by {@code threads} threads,
 * the fastest way measured in java-stack.md §3a) plus the time to write and fsync an output of the same size (8 MiB
 * direct-buffer writes, then {@code force}; with or without the merge's background flushes, whichever is faster).
 * No merge can be faster than doing only this.
 */
final class IoFloor {
    private static final long SLICE = 64L << 20;
    private static final int WRITE_BUFFER = 8 << 20;
    /** Bytes between background flushes: the merge's writer's interval. */
    private static final long WRITEBACK = SafetensorsWriter.WRITEBACK_BYTES;

    private IoFloor() {
    }

    /** Seconds to read all of {@code files} with {@code threads} threads; the sum is returned through {@code sink}. */
    static double read(List<Path> files, int threads, long[] sink) throws Exception {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Arena arena = Arena.ofShared()) {
            List<Future<Long>> parts = new ArrayList<>();
            for (Path f : files) {
                MemorySegment seg;
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
                }
                for (long off = 0; off < seg.byteSize(); off += SLICE) {
                    MemorySegment part = seg.asSlice(off, Math.min(SLICE, seg.byteSize() - off));
                    parts.add(pool.submit(() -> sum(part)));
                }
            }
            long s = 0;
            for (Future<Long> p : parts) {
                s += p.get();
            }
            sink[0] += s;
        } finally {
            pool.shutdownNow();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static long sum(MemorySegment seg) {
        long s = 0;
        long n = seg.byteSize() & ~7L;
        for (long p = 0; p < n; p += 8) {
            s += seg.get(ValueLayout.JAVA_LONG_UNALIGNED, p);
        }
        return s;
    }

    /**
     * Seconds to write {@code bytes} bytes to a new file {@code path} and fsync it, the faster of two ways; the file
     * is deleted after. Either the writes then one fsync, or, as the merge's writer does, writes with a background
     * flush every {@link #WRITEBACK} bytes. Which is faster depends on the size and the disk: here 1 GB took 0.9 s
     * plain and 1.8 s with flushes, 4 GB 11.7 s plain and 9.9 s with flushes. A floor must be the fastest way to do
     * its I/O, so both are timed and the minimum counts.
     */
    static double write(Path path, long bytes) throws IOException {
        return Math.min(write(path, bytes, false), write(path, bytes, true));
    }

    private static double write(Path path, long bytes, boolean writeBack) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(WRITE_BUFFER);
        for (int i = 0; i < WRITE_BUFFER; i += 8) {
            buf.putLong(i, i * 0x9E3779B97F4A7C15L);
        }
        ExecutorService flusher = Executors.newSingleThreadExecutor();
        AtomicBoolean flushing = new AtomicBoolean();
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            long done = 0;
            long sinceFlush = 0;
            while (done < bytes) {
                buf.clear().limit((int) Math.min(WRITE_BUFFER, bytes - done));
                while (buf.hasRemaining()) {
                    int n = ch.write(buf);
                    done += n;
                    sinceFlush += n;
                }
                if (writeBack && sinceFlush >= WRITEBACK && flushing.compareAndSet(false, true)) {
                    sinceFlush = 0;
                    flusher.execute(() -> {
                        try {
                            ch.force(false);
                        } catch (IOException ignored) {
                            // the final force reports a failing disk
                        } finally {
                            flushing.set(false);
                        }
                    });
                }
            }
            ch.force(true);
        } finally {
            flusher.shutdown();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Files.deleteIfExists(path);
        return secs;
    }
}
