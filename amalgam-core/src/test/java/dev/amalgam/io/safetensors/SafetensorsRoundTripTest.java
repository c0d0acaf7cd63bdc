package dev.amalgam.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.tensor.DType;
import dev.amalgam.testing.TestResources;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsRoundTripTest {
    @TempDir
    Path tmp;

    static Stream<Long> seeds() {
        return LongStream.range(0, 40).boxed();
    }

    /** Random tensors of every byte-multiple dtype and awkward shapes, written in random chunks and order. */
    @ParameterizedTest
    @MethodSource("seeds")
    void randomFilesRoundTrip(long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        List<DType> dtypes = Arrays.stream(DType.values()).filter(d -> d.bits() % 8 == 0).toList();
        List<TensorSpec> specs = new ArrayList<>();
        int count = 1 + r.nextInt(8);
        for (int t = 0; t < count; t++) {
            int rank = r.nextInt(4);
            long[] shape = new long[rank];
            for (int i = 0; i < rank; i++) {
                shape[i] = r.nextInt(10) == 0 ? 0 : 1 + r.nextInt(6);
            }
            specs.add(new TensorSpec("t" + t + (r.nextBoolean() ? ".weight" : ""), dtypes.get(r.nextInt(dtypes.size())), shape));
        }
        Map<String, byte[]> data = new HashMap<>();
        for (TensorSpec s : specs) {
            byte[] b = new byte[(int) s.byteSize()];
            r.nextBytes(b);
            data.put(s.name(), b);
        }
        Map<String, String> meta = r.nextBoolean() ? Map.of("format", "pt", "note", "seed " + seed) : Map.of();
        Path file = tmp.resolve("f.safetensors");
        List<TensorSpec> order = new ArrayList<>(specs);
        Collections.shuffle(order, new java.util.Random(seed));
        try (SafetensorsWriter w = SafetensorsWriter.create(file, specs, meta)) {
            for (TensorSpec s : order) {
                byte[] b = data.get(s.name());
                int pos = 0;
                while (pos < b.length) {
                    int len = 1 + r.nextInt(Math.max(1, b.length - pos));
                    w.write(s.name(), pos, MemorySegment.ofArray(Arrays.copyOfRange(b, pos, pos + len)));
                    pos += len;
                }
            }
            w.finish();
        }
        assertThat(Files.size(file) - totalBytes(specs) - 8).as("header length").isPositive();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.header().dataStart() % 8).isZero();
            assertThat(f.metadata()).isEqualTo(meta);
            assertThat(f.tensors()).hasSize(specs.size());
            for (TensorSpec s : specs) {
                TensorInfo t = f.tensor(s.name()).orElseThrow();
                assertThat(t.dtype()).isEqualTo(s.dtype());
                assertThat(t.shape()).isEqualTo(s.shape());
                assertThat(f.bytes(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).isEqualTo(data.get(s.name()));
            }
        }
    }

    private static long totalBytes(List<TensorSpec> specs) {
        return specs.stream().mapToLong(TensorSpec::byteSize).sum();
    }

    @Test
    void emptyFileIsExactlyTheReferenceBytes() throws Exception {
        Path file = tmp.resolve("empty.safetensors");
        try (SafetensorsWriter w = SafetensorsWriter.create(file, List.of(), Map.of())) {
            w.finish();
        }
        assertThat(HexFormat.of().formatHex(Files.readAllBytes(file))).isEqualTo("0800000000000000" + "7b7d202020202020");
    }

    @Test
    void headerLayoutMatchesTheReferenceWriter() throws Exception {
        Path file = tmp.resolve("two.safetensors");
        var specs = List.of(new TensorSpec("b", DType.BF16, new long[]{2}), new TensorSpec("a", DType.F32, new long[]{1, 2}),
                new TensorSpec("c", DType.F32, new long[]{}));
        try (SafetensorsWriter w = SafetensorsWriter.create(file, specs, Map.of("format", "pt"))) {
            w.write("a", 0, MemorySegment.ofArray(new byte[8]));
            w.write("b", 0, MemorySegment.ofArray(new byte[4]));
            w.write("c", 0, MemorySegment.ofArray(new byte[4]));
            w.finish();
        }
        byte[] all = Files.readAllBytes(file);
        long n = java.nio.ByteBuffer.wrap(all, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        // F32 sorts before BF16 (the reference's dtype order), then names; compact JSON; space padding to 8
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]},"
                + "\"c\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]}}";
        assertThat(header.stripTrailing()).isEqualTo(json);
        assertThat((8 + n) % 8).isZero();
        assertThat(all.length).isEqualTo(8 + n + 16);
    }

    /** A file written by Python's safetensors, re-written by ours, is byte-identical. */
    @Test
    void rewritingAReferenceFileIsByteIdentical() throws Exception {
        Path ref = TestResources.golden().resolve("models/base/model.safetensors");
        Path copy = tmp.resolve("copy.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(ref)) {
            assertThat(f.tensors()).hasSize(39);
            assertThat(f.metadata()).isEqualTo(Map.of("format", "pt"));
            List<TensorSpec> specs = new ArrayList<>();
            f.tensors().values().forEach(t -> specs.add(new TensorSpec(t.name(), t.dtype(), t.shape())));
            try (SafetensorsWriter w = SafetensorsWriter.create(copy, specs, new LinkedHashMap<>(f.metadata()))) {
                for (TensorInfo t : f.tensors().values()) {
                    w.write(t.name(), 0, f.bytes(t));
                }
                w.finish();
            }
        }
        assertThat(copy).hasSameBinaryContentAs(ref);
    }
}
