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

/**
 * Builds small model folders for tests with chosen tensor values, so expected merge results can be computed by
 * hand: {@code TinyModel.llama(2).fill((name, i) -> ...).write(dir)}.
 */
public final class TinyModel {
    /** Value of element {@code i} of tensor {@code name}. */
    @FunctionalInterface
    public interface Filler {
        float value(String name, int i);
    }

    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, DType> dtypes = new LinkedHashMap<>();
    private Filler filler = (n, i) -> 0f;
    private int layers;
    private DType dtype = DType.F32;

    /** A Llama-named model with {@code layers} layers of hidden size 4 and vocabulary 8. */
    public static TinyModel llama(int layers) {
        TinyModel m = new TinyModel();
        m.layers = layers;
        m.shapes.put("model.embed_tokens.weight", new long[]{8, 4});
        for (int i = 0; i < layers; i++) {
            m.shapes.put("model.layers." + i + ".input_layernorm.weight", new long[]{4});
            m.shapes.put("model.layers." + i + ".self_attn.o_proj.weight", new long[]{4, 4});
            m.shapes.put("model.layers." + i + ".mlp.down_proj.weight", new long[]{4, 4});
        }
        m.shapes.put("model.norm.weight", new long[]{4});
        m.shapes.put("lm_head.weight", new long[]{8, 4});
        return m;
    }

    public TinyModel dtype(DType d) {
        this.dtype = d;
        return this;
    }

    public TinyModel fill(Filler f) {
        this.filler = f;
        return this;
    }

    public TinyModel without(String name) {
        shapes.remove(name);
        return this;
    }

    public TinyModel with(String name, DType d, long... shape) {
        shapes.put(name, shape);
        dtypes.put(name, d);
        return this;
    }

    public Map<String, long[]> shapes() {
        return shapes;
    }

    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<TensorSpec> specs = new ArrayList<>();
        shapes.forEach((k, s) -> specs.add(new TensorSpec(k, dtypes.getOrDefault(k, dtype), s)));
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("model.safetensors"), specs,
                Map.of("format", "pt"))) {
            for (TensorSpec s : specs) {
                int n = (int) s.numel();
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = filler.value(s.name(), i);
                }
                byte[] bytes = new byte[n * s.dtype().byteSize()];
                if (s.dtype().isMergeableFloat()) {
                    Conversions.fromFloat(s.dtype(), v, 0, n, MemorySegment.ofArray(bytes), 0);
                } else if (s.dtype() == DType.I64) {
                    var seg = MemorySegment.ofArray(bytes);
                    for (int i = 0; i < n; i++) {
                        seg.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 8L * i, (long) v[i]);
                    }
                }
                w.write(s.name(), 0, MemorySegment.ofArray(bytes));
            }
            w.finish();
        }
        Files.writeString(dir.resolve("config.json"), """
                {
                  "architectures": ["LlamaForCausalLM"],
                  "model_type": "llama",
                  "hidden_size": 4,
                  "num_hidden_layers": %d,
                  "vocab_size": 8,
                  "torch_dtype": "%s"
                }
                """.formatted(layers, dtype.torchName()));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"PreTrainedTokenizerFast\"}\n");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\"}\n");
        return dir;
    }
}
