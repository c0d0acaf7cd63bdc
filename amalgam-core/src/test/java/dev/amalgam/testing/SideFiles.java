package dev.amalgam.testing;

import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.model.TensorLocation;
import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.io.safetensors.TensorSpec;
import dev.amalgam.tensor.Conversions;
import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes side-input safetensors files (Fisher values, Gram matrices, optimizer state) for tests. */
public final class SideFiles {
    private SideFiles() {
    }

    /** One tensor of a side file. */
    public record Entry(DType dtype, long[] shape, float[] values) {
        public static Entry f32(float[] values, long... shape) {
            return new Entry(DType.F32, shape, values);
        }
    }

    public static Path write(Path file, Map<String, Entry> tensors, Map<String, String> metadata) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            List<TensorSpec> specs = new ArrayList<>();
            tensors.forEach((k, e) -> specs.add(new TensorSpec(k, e.dtype(), e.shape())));
            try (SafetensorsWriter w = SafetensorsWriter.create(file, specs, metadata)) {
                for (TensorSpec s : specs) {
                    Entry e = tensors.get(s.name());
                    byte[] bytes = new byte[(int) s.byteSize()];
                    if (e.dtype().isMergeableFloat()) {
                        Conversions.fromFloat(e.dtype(), e.values(), 0, e.values().length, MemorySegment.ofArray(bytes), 0);
                    }
                    w.write(s.name(), 0, MemorySegment.ofArray(bytes));
                }
                w.finish();
            }
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Value of element {@code i} of the side tensor for model tensor {@code name}. */
    @FunctionalInterface
    public interface Filler {
        float value(String name, int i);
    }

    /** A file with every float tensor of {@code model} (same names and shapes, F32), filled by {@code f}. */
    public static Path likeModel(Path file, Path model, Filler f, Map<String, String> metadata) {
        Map<String, Entry> out = new LinkedHashMap<>();
        try (ModelFolder m = ModelFolder.open(model)) {
            for (TensorLocation t : m.tensors().values()) {
                if (!t.info().dtype().isMergeableFloat()) {
                    continue;
                }
                float[] v = new float[(int) t.info().numel()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = f.value(t.info().name(), i);
                }
                out.put(t.info().name(), Entry.f32(v, t.info().shape()));
            }
        }
        return write(file, out, metadata);
    }

    /** All values of one tensor of a safetensors file, as float32. */
    public static float[] read(Path file, String tensor) {
        try (var f = dev.amalgam.io.safetensors.SafetensorsFile.open(file)) {
            var t = f.tensor(tensor).orElseThrow(() -> new AssertionError("no tensor " + tensor + " in " + file));
            float[] v = new float[(int) t.numel()];
            Conversions.toFloat(t.dtype(), f.bytes(t), 0, v, 0, v.length);
            return v;
        }
    }

    public static Map<String, String> metadata(Path file) {
        return dev.amalgam.io.safetensors.SafetensorsFile.readHeader(file).metadata();
    }
}
