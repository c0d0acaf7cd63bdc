package dev.amalgam.io.safetensors;

import dev.amalgam.error.BadInputException;
import dev.amalgam.error.IoFailureException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;

/**
 * A safetensors file opened read-only and memory-mapped whole with the FFM API (no 2 GB limit), after its
 * header has been validated. Tensor bytes are handed out as read-only slices of the mapping; the mapping lives
 * until {@link #close()} (a shared arena, so any thread may read).
 */
public final class SafetensorsFile implements AutoCloseable {
    private final SafetensorsHeader header;
    private final Arena arena;
    private final MemorySegment data;

    private SafetensorsFile(SafetensorsHeader header, Arena arena, MemorySegment data) {
        this.header = header;
        this.arena = arena;
        this.data = data;
    }

    /** Opens, validates and maps a file. */
    public static SafetensorsFile open(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            SafetensorsHeader header = readHeader(path, ch);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
                MemorySegment data = all.asSlice(header.dataStart()).asReadOnly();
                return new SafetensorsFile(header, arena, data);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        } catch (IOException e) {
            throw ioFailure(path, e);
        }
    }

    /** Reads and validates only the header (and the file length); no tensor data is touched. */
    public static SafetensorsHeader readHeader(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return readHeader(path, ch);
        } catch (IOException e) {
            throw ioFailure(path, e);
        }
    }

    /**
     * The length N declared by a file's 8-byte prefix, checked against the file size (for headers read remotely
     * with range requests, formats.md §4 "Header-only safetensors inspection").
     */
    public static long headerLength(Path path, long fileSize, long rawPrefix) {
        return HeaderParser.headerLength(path, fileSize, rawPrefix);
    }

    /**
     * Validates a header whose bytes were obtained without the file at hand (a range request): {@code headerBytes}
     * are the N bytes after the prefix and {@code fileSize} the whole file's length, so every rule of the local
     * reader applies unchanged.
     */
    public static SafetensorsHeader parseHeader(Path path, long fileSize, byte[] headerBytes) {
        long n = HeaderParser.headerLength(path, fileSize, headerBytes.length);
        return HeaderParser.parse(path, fileSize, n, headerBytes);
    }

    private static SafetensorsHeader readHeader(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        long rawN = 0;
        if (size >= 8) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            rawN = len.getLong(0);
        }
        long n = HeaderParser.headerLength(path, size, rawN);
        ByteBuffer buf = ByteBuffer.allocate((int) n);
        readFully(ch, buf, 8);
        return HeaderParser.parse(path, size, n, buf.array());
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += r;
        }
    }

    private static RuntimeException ioFailure(Path path, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new BadInputException("safetensors file " + path + " does not exist");
        }
        if (e instanceof AccessDeniedException) {
            return new IoFailureException("cannot read " + path + ": permission denied", e);
        }
        return new IoFailureException("cannot read " + path + ": " + e.getMessage(), e);
    }

    public Path path() {
        return header.path();
    }

    public SafetensorsHeader header() {
        return header;
    }

    public Map<String, String> metadata() {
        return header.metadata();
    }

    public Map<String, TensorInfo> tensors() {
        return header.tensors();
    }

    public Optional<TensorInfo> tensor(String name) {
        return Optional.ofNullable(header.tensors().get(name));
    }

    /** The tensor's bytes: a read-only slice of the mapping. */
    public MemorySegment bytes(TensorInfo t) {
        return data.asSlice(t.begin(), t.byteSize());
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
