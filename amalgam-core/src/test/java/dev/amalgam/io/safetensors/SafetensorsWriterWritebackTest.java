package dev.amalgam.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Early write-back: background flushes while tensors arrive from several threads leave every byte in place. */
class SafetensorsWriterWritebackTest {
    @TempDir
    Path tmp;

    @Test
    void bytesSurviveBackgroundFlushesFromConcurrentWriters() throws Exception {
        int tensors = 4;
        int bytesPerTensor = 256 * 1024;
        int piece = 8 * 1024;
        List<TensorSpec> specs = new ArrayList<>();
        for (int t = 0; t < tensors; t++) {
            specs.add(new TensorSpec("t" + t, DType.U8, new long[]{bytesPerTensor}));
        }
        byte[][] data = new byte[tensors][bytesPerTensor];
        SplittableRandom r = new SplittableRandom(7);
        for (byte[] d : data) {
            r.nextBytes(d);
        }
        Path file = tmp.resolve("w.safetensors");
        SafetensorsWriter w = SafetensorsWriter.create(file, specs, Map.of(), 16 * 1024);
        ExecutorService pool = Executors.newFixedThreadPool(tensors);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < tensors; t++) {
                int tensor = t;
                done.add(pool.submit(() -> {
                    for (int off = bytesPerTensor - piece; off >= 0; off -= piece) { // back to front, as splits may
                        w.write("t" + tensor, off, MemorySegment.ofArray(data[tensor]).asSlice(off, piece));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        w.finish();
        assertThat(w.backgroundFlushes()).as("flushes started during the writes").isPositive();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (int t = 0; t < tensors; t++) {
                MemorySegment got = f.bytes(f.tensor("t" + t).orElseThrow());
                assertThat(got.toArray(ValueLayout.JAVA_BYTE)).as("tensor t" + t).isEqualTo(data[t]);
            }
        }
    }

    @Test
    void closingWhileAFlushRunsIsQuiet() throws Exception {
        Path file = tmp.resolve("abort.safetensors");
        SafetensorsWriter w = SafetensorsWriter.create(file,
                List.of(new TensorSpec("x", DType.U8, new long[]{1 << 20})), Map.of(), 4096);
        byte[] chunk = new byte[64 * 1024];
        for (int off = 0; off < (1 << 19); off += chunk.length) {
            w.write("x", off, MemorySegment.ofArray(chunk));
        }
        w.close(); // the abort path: half the tensor written, a background flush possibly in flight
        assertThat(w.isFinished()).isFalse();
    }
}
