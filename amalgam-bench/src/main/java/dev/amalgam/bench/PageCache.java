package dev.amalgam.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

/**
 * Puts the benchmark's inputs into the page cache in one known way: each file is dropped from the cache
 * ({@code posix_fadvise(POSIX_FADV_DONTNEED)} after an {@code fsync}) and then read once from start to end, as a
 * first read from disk does.
 *
 * <p>Why: how a file's pages got into the cache changes how fast it is read later, by a factor of several. On
 * this project's 2-core VM (Linux 6.18, ext4), 2.9 GB of freshly generated (written) models were read through
 * memory maps at 1.9 GB/s per thread; the same files, dropped and read back once, at 19 GB/s with two threads:
 * the kernel then holds them in large folios, which map with far fewer page faults. Without this step the I/O
 * floor, and every merge measured against it, depended on whether the models had just been generated.
 */
final class PageCache {
    private static final int O_RDONLY = 0;
    private static final int POSIX_FADV_DONTNEED = 4;

    private PageCache() {
    }

    /** Drops {@code files} from the page cache and reads each back once; returns a note on what was done. */
    static String settle(List<Path> files) throws Exception {
        String dropped;
        try {
            LibC libc = LibC.find();
            for (Path f : files) {
                drop(libc, f);
            }
            dropped = "dropped from the page cache and read back once (as after a read from disk)";
        } catch (Throwable e) {
            dropped = "read once (could not drop them from the page cache first: " + e.getMessage() + ")";
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(8 << 20);
        for (Path f : files) {
            try (FileChannel ch = FileChannel.open(f)) {
                while (ch.read(buf.clear()) > 0) {
                    // only the reading matters
                }
            }
        }
        return dropped;
    }

    /** The libc calls {@link #drop} makes, looked up once per {@link #settle}. */
    private record LibC(MethodHandle open, MethodHandle fsync, MethodHandle fadvise, MethodHandle close) {
        static LibC find() {
            Linker linker = Linker.nativeLinker();
            var libc = linker.defaultLookup();
            FunctionDescriptor intOfInt = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
            return new LibC(
                    linker.downcallHandle(libc.find("open").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT)),
                    linker.downcallHandle(libc.find("fsync").orElseThrow(), intOfInt),
                    linker.downcallHandle(libc.find("posix_fadvise").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)),
                    linker.downcallHandle(libc.find("close").orElseThrow(), intOfInt));
        }
    }

    private static void drop(LibC libc, Path file) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom(file.toAbsolutePath().toString());
            int fd = (int) libc.open().invokeExact(name, O_RDONLY);
            if (fd < 0) {
                throw new IllegalStateException("open failed for " + file);
            }
            try {
                if ((int) libc.fsync().invokeExact(fd) != 0) {
                    throw new IllegalStateException("fsync failed for " + file);
                }
                int rc = (int) libc.fadvise().invokeExact(fd, 0L, 0L, POSIX_FADV_DONTNEED);
                if (rc != 0) {
                    throw new IllegalStateException("posix_fadvise returned " + rc + " for " + file);
                }
            } finally {
                int ignored = (int) libc.close().invokeExact(fd);
            }
        }
    }
}
