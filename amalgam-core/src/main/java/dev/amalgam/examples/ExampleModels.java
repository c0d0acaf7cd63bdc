package dev.amalgam.examples;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.io.safetensors.TensorSpec;
import dev.amalgam.tensor.Conversions;
import dev.amalgam.tensor.DType;
import dev.amalgam.util.Json;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates tiny Llama-shaped models (4 layers, hidden size 32, vocabulary 256; about 200 KB each) from fixed
 * seeds: a "pre-trained" base and "fine-tunes" that are the base plus small seeded perturbations, one of them
 * stored in bfloat16. They let the README's example merge run anywhere and serve as test fixtures.
 */
public final class ExampleModels {
    public static final int HIDDEN = 32;
    public static final int INTERMEDIATE = 64;
    public static final int LAYERS = 4;
    public static final int HEADS = 4;
    public static final int KV_HEADS = 2;
    public static final int VOCAB = 256;

    /** One example model: its folder name, dtype and the seed of its perturbation (0 = the base itself). */
    public record Spec(String name, DType dtype, long perturbationSeed, double perturbationScale) {
    }

    public static final List<Spec> MODELS = List.of(
            new Spec("base", DType.F32, 0, 0),
            new Spec("chat", DType.F32, 11, 0.004),
            new Spec("code", DType.F32, 12, 0.004),
            new Spec("math-bf16", DType.BF16, 13, 0.004));

    private ExampleModels() {
    }

    public static void writeAll(Path dir) throws IOException {
        for (Spec s : MODELS) {
            write(dir.resolve(s.name()), s);
        }
    }

    /** The tensor names and shapes of the example architecture, in a natural order. */
    public static Map<String, long[]> shapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        int headDim = HIDDEN / HEADS;
        m.put("model.embed_tokens.weight", new long[]{VOCAB, HIDDEN});
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[]{HIDDEN});
            m.put(p + "self_attn.q_proj.weight", new long[]{HIDDEN, HIDDEN});
            m.put(p + "self_attn.k_proj.weight", new long[]{(long) KV_HEADS * headDim, HIDDEN});
            m.put(p + "self_attn.v_proj.weight", new long[]{(long) KV_HEADS * headDim, HIDDEN});
            m.put(p + "self_attn.o_proj.weight", new long[]{HIDDEN, HIDDEN});
            m.put(p + "post_attention_layernorm.weight", new long[]{HIDDEN});
            m.put(p + "mlp.gate_proj.weight", new long[]{INTERMEDIATE, HIDDEN});
            m.put(p + "mlp.up_proj.weight", new long[]{INTERMEDIATE, HIDDEN});
            m.put(p + "mlp.down_proj.weight", new long[]{HIDDEN, INTERMEDIATE});
        }
        m.put("model.norm.weight", new long[]{HIDDEN});
        m.put("lm_head.weight", new long[]{VOCAB, HIDDEN});
        return m;
    }

    /** The float values of one tensor of a model: base weights from a fixed seed, plus the model's perturbation. */
    public static float[] values(String name, long[] shape, Spec spec) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        SplittableRandom base = new SplittableRandom(name.hashCode() * 31L + 7);
        SplittableRandom delta = new SplittableRandom(name.hashCode() * 131L + spec.perturbationSeed());
        boolean norm = name.endsWith("norm.weight");
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double x = norm ? 1.0 + 0.05 * gaussian(base) : 0.05 * gaussian(base);
            if (spec.perturbationSeed() != 0) {
                x += spec.perturbationScale() * gaussian(delta);
            }
            v[i] = (float) x;
        }
        return v;
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller: SplittableRandom has no nextGaussian of its own that is stable across JDKs
        double u = 1.0 - r.nextDouble();
        double w = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
    }

    public static void write(Path dir, Spec spec) throws IOException {
        Files.createDirectories(dir);
        Map<String, long[]> shapes = shapes();
        List<TensorSpec> specs = new ArrayList<>();
        shapes.forEach((k, s) -> specs.add(new TensorSpec(k, spec.dtype(), s)));
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("model.safetensors"), specs,
                Map.of("format", "pt"))) {
            for (var e : shapes.entrySet()) {
                float[] v = values(e.getKey(), e.getValue(), spec);
                byte[] bytes = new byte[v.length * spec.dtype().byteSize()];
                Conversions.fromFloat(spec.dtype(), v, 0, v.length, MemorySegment.ofArray(bytes), 0);
                w.write(e.getKey(), 0, MemorySegment.ofArray(bytes));
            }
            w.finish();
        }
        Files.writeString(dir.resolve("config.json"), Json.pythonStyleWriter().writeValueAsString(config(spec)) + "\n");
        writeTokenizer(dir);
    }

    private static ObjectNode config(Spec spec) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("head_dim", HIDDEN / HEADS);
        c.put("hidden_act", "silu");
        c.put("hidden_size", HIDDEN);
        c.put("intermediate_size", INTERMEDIATE);
        c.put("max_position_embeddings", 512);
        c.put("model_type", "llama");
        c.put("num_attention_heads", HEADS);
        c.put("num_hidden_layers", LAYERS);
        c.put("num_key_value_heads", KV_HEADS);
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", 10000.0);
        c.put("tie_word_embeddings", false);
        c.put("torch_dtype", spec.dtype().torchName());
        c.put("vocab_size", VOCAB);
        return c;
    }

    /** A byte-level word tokenizer: three special tokens and one token per printable byte value. */
    private static void writeTokenizer(Path dir) throws IOException {
        ObjectNode tok = Json.MAPPER.createObjectNode();
        tok.put("version", "1.0");
        tok.putNull("truncation");
        tok.putNull("padding");
        ArrayNode added = tok.putArray("added_tokens");
        String[] special = {"<unk>", "<s>", "</s>"};
        for (int i = 0; i < special.length; i++) {
            ObjectNode t = added.addObject();
            t.put("id", i);
            t.put("content", special[i]);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        tok.putNull("normalizer");
        tok.putObject("pre_tokenizer").put("type", "Whitespace");
        tok.putNull("post_processor");
        tok.putNull("decoder");
        ObjectNode model = tok.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < special.length; i++) {
            vocab.put(special[i], i);
        }
        for (int id = special.length; id < VOCAB; id++) {
            vocab.put(String.format("<0x%02X>", id), id);
        }
        model.put("unk_token", "<unk>");
        Files.writeString(dir.resolve("tokenizer.json"), Json.pythonStyleWriter().writeValueAsString(tok) + "\n");
        ObjectNode cfg = Json.MAPPER.createObjectNode();
        cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
        cfg.put("bos_token", "<s>");
        cfg.put("eos_token", "</s>");
        cfg.put("unk_token", "<unk>");
        cfg.put("model_max_length", 512);
        Files.writeString(dir.resolve("tokenizer_config.json"), Json.pythonStyleWriter().writeValueAsString(cfg) + "\n");
        ObjectNode st = Json.MAPPER.createObjectNode();
        st.put("bos_token", "<s>");
        st.put("eos_token", "</s>");
        st.put("unk_token", "<unk>");
        Files.writeString(dir.resolve("special_tokens_map.json"), Json.pythonStyleWriter().writeValueAsString(st) + "\n");
    }
}
