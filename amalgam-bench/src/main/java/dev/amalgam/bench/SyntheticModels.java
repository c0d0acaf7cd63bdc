package dev.amalgam.bench;

import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.io.safetensors.TensorSpec;
import dev.amalgam.tensor.DType;
import dev.amalgam.util.SizeParser;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes synthetic Llama-shaped bfloat16 models of any size for benchmarks. Variant 0 is a "base"; variant k > 0
 * is a "fine-tune": the base with the lowest three mantissa bits of every weight replaced by seeded noise, a
 * relative change of up to 2⁻⁴ with random sign, so task vectors are dense and their signs disagree between
 * fine-tunes, as TIES expects. Values come from a counter-based hash of (tensor, element), so a model is the same
 * bit for bit whatever the chunking, and generation runs at several hundred MB/s.
 *
 * <p>{@code java -cp benchmarks.jar dev.amalgam.bench.SyntheticModels --size 1GB --count 3 --out DIR}
 */
public final class SyntheticModels {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK_BYTES = 8 << 20;

    private SyntheticModels() {
    }

    public static void main(String[] args) throws IOException {
        long size = SizeParser.parse("1GB");
        int count = 3;
        Path out = null;
        long shard = SizeParser.parse("5GB");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size" -> size = SizeParser.parse(args[++i]);
                case "--count" -> count = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--shard-size" -> shard = SizeParser.parse(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --size 1GB --count 3 --out DIR --shard-size 5GB)");
            }
        }
        if (out == null) {
            throw new IllegalArgumentException("--out DIR is required");
        }
        LlamaShape shape = LlamaShape.forBytes(size);
        for (int v = 0; v < count; v++) {
            long t0 = System.nanoTime();
            Path dir = out.resolve("model-" + v);
            write(dir, shape, v, shard);
            System.out.printf("wrote %s: %d layers, %.3f GB in %.1f s%n", dir, shape.layers(),
                    shape.params() * 2 / 1e9, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Writes variant {@code variant} of {@code shape} into {@code dir} (created), in shards of at most {@code shardBytes}. */
    static void write(Path dir, LlamaShape shape, int variant, long shardBytes) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), shape.configJson());
        List<Map<String, long[]>> shards = new ArrayList<>();
        Map<String, long[]> cur = new LinkedHashMap<>();
        long curBytes = 0;
        for (var e : shape.tensors().entrySet()) {
            long bytes = numel(e.getValue()) * 2;
            if (!cur.isEmpty() && curBytes + bytes > shardBytes) {
                shards.add(cur);
                cur = new LinkedHashMap<>();
                curBytes = 0;
            }
            cur.put(e.getKey(), e.getValue());
            curBytes += bytes;
        }
        shards.add(cur);
        Map<String, String> weightMap = new LinkedHashMap<>();
        long total = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(CHUNK_BYTES, 8);
            for (int s = 0; s < shards.size(); s++) {
                String file = shards.size() == 1 ? "model.safetensors"
                        : String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
                List<TensorSpec> specs = shards.get(s).entrySet().stream()
                        .map(e -> new TensorSpec(e.getKey(), DType.BF16, e.getValue())).toList();
                try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve(file), specs, Map.of("format", "pt"))) {
                    for (var e : shards.get(s).entrySet()) {
                        writeTensor(w, e.getKey(), numel(e.getValue()), e.getValue().length == 1, variant, buf);
                        weightMap.put(e.getKey(), file);
                        total += numel(e.getValue()) * 2;
                    }
                    w.finish();
                }
            }
        }
        if (shards.size() > 1) {
            StringBuilder sb = new StringBuilder("{\n  \"metadata\": {\"total_size\": " + total + "},\n  \"weight_map\": {\n");
            int i = 0;
            for (var e : weightMap.entrySet()) {
                sb.append("    \"").append(e.getKey()).append("\": \"").append(e.getValue()).append('"')
                        .append(++i < weightMap.size() ? ",\n" : "\n");
            }
            sb.append("  }\n}\n");
            Files.writeString(dir.resolve("model.safetensors.index.json"), sb);
        }
    }

    private static void writeTensor(SafetensorsWriter w, String name, long numel, boolean norm, int variant,
                                    MemorySegment buf) {
        long key = name.hashCode() * 0x9E3779B97F4A7C15L;
        long perChunk = CHUNK_BYTES / 2;
        for (long start = 0; start < numel; start += perChunk) {
            int n = (int) Math.min(perChunk, numel - start);
            int longs = (n + 3) / 4;
            for (int q = 0; q < longs; q++) {
                long group = (start >> 2) + q;
                long r = mix(key + group);
                long noise = variant == 0 ? 0 : mix(key ^ (group * 31 + variant * 0x632BE59BD9B4E019L));
                long packed = 0;
                for (int k = 0; k < 4; k++) {
                    int bits = (int) (r >>> (16 * k)) & 0xFFFF;
                    int v;
                    if (norm) {
                        v = 0x3F80 | (bits & 0x3F); // 1.0 .. 1.5
                    } else {
                        // |w| in 2^-9 .. 2^-5, random sign: roughly the spread of trained projection weights
                        v = (bits & 0x8000) | ((118 + ((bits >>> 7) & 3)) << 7) | (bits & 0x7F);
                    }
                    v = (v & ~0x7) | (variant == 0 ? v & 0x7 : (int) (noise >>> (16 * k)) & 0x7);
                    packed |= (long) (v & 0xFFFF) << (16 * k);
                }
                buf.set(LONG, q * 8L, packed);
            }
            w.write(name, start * 2, buf.asSlice(0, n * 2L));
        }
    }

    /** SplitMix64's finalizer: a good 64-bit hash of a counter. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
