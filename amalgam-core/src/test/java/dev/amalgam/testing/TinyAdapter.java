package dev.amalgam.testing;

import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.io.safetensors.TensorSpec;
import dev.amalgam.tensor.Conversions;
import dev.amalgam.tensor.DType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes small PEFT LoRA adapter folders with chosen tensors and config, for tests. */
public final class TinyAdapter {
    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private String config = "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4}";

    public TinyAdapter config(String json) {
        this.config = json;
        return this;
    }

    /** Adds {@code base_model.model.<name>} with the given row-major values. */
    public TinyAdapter tensor(String name, float[] v, long... shape) {
        values.put("base_model.model." + name, v);
        shapes.put("base_model.model." + name, shape);
        return this;
    }

    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("adapter_config.json"), config);
        List<TensorSpec> specs = new ArrayList<>();
        shapes.forEach((k, s) -> specs.add(new TensorSpec(k, DType.F32, s)));
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("adapter_model.safetensors"), specs,
                Map.of("format", "pt"))) {
            for (var e : values.entrySet()) {
                byte[] b = new byte[e.getValue().length * 4];
                Conversions.fromFloat(DType.F32, e.getValue(), 0, e.getValue().length, MemorySegment.ofArray(b), 0);
                w.write(e.getKey(), 0, MemorySegment.ofArray(b));
            }
            w.finish();
        }
        return dir;
    }

    /** Deterministic small values: {@code seed + 0.1·i}, alternating sign. */
    public static float[] ramp(int n, float seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i % 2 == 0 ? 1 : -1) * (seed + 0.1f * i);
        }
        return v;
    }
}
