package dev.amalgam.io.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.error.IoFailureException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes a safetensors file without holding it in memory: the header is fixed up front from the tensor specs
 * (laid out as the reference writer does, formats.md §1.4: by dtype in the reference's order, then by name), and
 * tensor bytes are written at their positions as they arrive, from any thread, in any order.
 *
 * <p>Early write-back: every {@link #WRITEBACK_BYTES} written, a background thread asks the OS to write the file's
 * dirty pages to disk ({@code fdatasync}) while the merge goes on. Without it the kernel keeps the whole output in
 * the page cache until {@link #finish}'s fsync (Linux starts background write-back only at 10% of memory dirty), so
 * the disk sits idle during the merge and the final fsync then waits for all of it: about 0.7 s per GB here, on
 * the critical path. With it, disk writes overlap the computation and the final fsync waits only for the tail.
 * Errors of a background flush are left to the final fsync, which reports them.
 */
public final class SafetensorsWriter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bytes written between background flushes (see the class comment); the benchmark's I/O floor uses it too. */
    public static final long WRITEBACK_BYTES = 64L << 20;
    private static final Executor WRITEBACK = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "amalgam-writeback");
        t.setDaemon(true);
        return t;
    });

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> layout;
    private final Map<String, AtomicLong> written = new LinkedHashMap<>();
    private final long writebackBytes;
    private final AtomicLong sinceFlush = new AtomicLong();
    private final AtomicLong backgroundFlushes = new AtomicLong();
    private final AtomicBoolean flushing = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean finished;

    private SafetensorsWriter(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> layout,
                              long writebackBytes) {
        this.path = path;
        this.writebackBytes = writebackBytes;
        this.channel = channel;
        this.dataStart = dataStart;
        this.layout = layout;
        layout.keySet().forEach(k -> written.put(k, new AtomicLong()));
    }

    /** Creates (or truncates) {@code path} and writes the header for {@code specs}. */
    public static SafetensorsWriter create(Path path, List<TensorSpec> specs, Map<String, String> metadata) {
        return create(path, specs, metadata, WRITEBACK_BYTES);
    }

    /** {@link #create(Path, List, Map)} with a background flush every {@code writebackBytes} (tests use small ones). */
    static SafetensorsWriter create(Path path, List<TensorSpec> specs, Map<String, String> metadata,
                                    long writebackBytes) {
        List<TensorSpec> sorted = new ArrayList<>(specs);
        var names = new HashSet<String>();
        for (TensorSpec s : specs) {
            if (s.name().isEmpty() || s.name().equals("__metadata__")) {
                throw new IllegalArgumentException("invalid tensor name '" + s.name() + "'");
            }
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("duplicate tensor name '" + s.name() + "'");
            }
        }
        sorted.sort(Comparator.comparingInt((TensorSpec s) -> s.dtype().ordinal()).thenComparing(TensorSpec::name));
        Map<String, TensorInfo> layout = new LinkedHashMap<>();
        long offset = 0;
        for (TensorSpec s : sorted) {
            long size = s.byteSize();
            layout.put(s.name(), new TensorInfo(s.name(), s.dtype(), s.shape().clone(), offset, offset + size));
            offset += size;
        }
        byte[] header = headerBytes(metadata, layout.values());
        if (header.length > HeaderParser.MAX_HEADER) {
            throw new IllegalArgumentException("header of " + header.length + " bytes exceeds the 100 MB limit");
        }
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
            try {
                ByteBuffer buf = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
                buf.putLong(header.length).put(header).flip();
                writeFully(ch, buf, 0);
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            return new SafetensorsWriter(path, ch, 8L + header.length, layout, writebackBytes);
        } catch (IOException e) {
            throw failure(path, e);
        }
    }

    /** Compact JSON, {@code __metadata__} first, then tensors in offset order, space-padded so 8+N is 8-aligned. */
    static byte[] headerBytes(Map<String, String> metadata, Iterable<TensorInfo> tensors) {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = root.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        for (TensorInfo t : tensors) {
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", t.dtype().headerName());
            var shape = e.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            e.putArray("data_offsets").add(t.begin()).add(t.end());
        }
        try {
            byte[] json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
            int padded = (json.length + 7) / 8 * 8;
            byte[] out = new byte[padded];
            System.arraycopy(json, 0, out, 0, json.length);
            for (int i = json.length; i < padded; i++) {
                out[i] = ' ';
            }
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path path() {
        return path;
    }

    /** Absolute file position of the tensor's first byte. */
    public long dataOffset(String name) {
        return dataStart + info(name).begin();
    }

    /** The tensors in file order. */
    public List<TensorInfo> layout() {
        return List.copyOf(layout.values());
    }

    private TensorInfo info(String name) {
        TensorInfo t = layout.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + path);
        }
        return t;
    }

    /** Writes {@code bytes} at {@code offsetInTensor} within the tensor. Thread-safe. */
    public void write(String name, long offsetInTensor, MemorySegment bytes) {
        write(name, offsetInTensor, bytes.asByteBuffer());
    }

    /** Writes the remaining bytes of {@code bytes} at {@code offsetInTensor} within the tensor. Thread-safe. */
    public void write(String name, long offsetInTensor, ByteBuffer bytes) {
        TensorInfo t = info(name);
        long len = bytes.remaining();
        if (offsetInTensor < 0 || offsetInTensor + len > t.byteSize()) {
            throw new IllegalArgumentException("write of " + len + " bytes at " + offsetInTensor + " is outside tensor '"
                    + name + "' (" + t.byteSize() + " bytes)");
        }
        try {
            writeFully(channel, bytes.duplicate(), dataStart + t.begin() + offsetInTensor);
        } catch (IOException e) {
            throw failure(path, e);
        }
        written.get(name).addAndGet(len);
        if (sinceFlush.addAndGet(len) >= writebackBytes && flushing.compareAndSet(false, true)) {
            sinceFlush.set(0);
            WRITEBACK.execute(this::writeBack);
        }
    }

    private void writeBack() {
        try {
            if (!closed) {
                channel.force(false);
                backgroundFlushes.incrementAndGet();
            }
        } catch (IOException | RuntimeException ignored) {
            // a failed or interrupted background flush is harmless: finish() forces everything and reports errors
        } finally {
            flushing.set(false);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
    }

    /** Checks that every tensor was written completely, forces the file to disk and closes it. */
    public void finish() {
        for (var e : written.entrySet()) {
            long expected = layout.get(e.getKey()).byteSize();
            if (e.getValue().get() != expected) {
                throw new IllegalStateException("tensor '" + e.getKey() + "' in " + path + " received "
                        + e.getValue().get() + " of " + expected + " bytes");
            }
        }
        try {
            channel.force(true);
            channel.close();
            closed = true;
            finished = true;
        } catch (IOException e) {
            throw failure(path, e);
        }
    }

    private static IoFailureException failure(Path path, IOException e) {
        return new IoFailureException("cannot write " + path + ": " + dev.amalgam.error.IoMessages.describe(e), e);
    }

    /** Background flushes completed so far (for tests). */
    long backgroundFlushes() {
        return backgroundFlushes.get();
    }

    /** True once {@link #finish} has completed. */
    public boolean isFinished() {
        return finished;
    }

    /** Closes without checks (the abort path); idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing useful to do on the abort path
            }
        }
    }
}
