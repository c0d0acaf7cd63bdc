package dev.amalgam.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensor names and shapes of a Llama-architecture model (TinyLlama's widths by default: hidden 2048,
 * intermediate 5632, 32 heads, 4 key/value heads, vocabulary 32000, untied lm_head). A model of a given size
 * differs only in its layer count, so every tensor keeps its shape as the size grows: memory that depends on the
 * largest tensor stays the same, and only the amount of data scales.
 */
record LlamaShape(int hidden, int intermediate, int heads, int kvHeads, int vocab, int layers) {

    static LlamaShape tinyLlamaWidths(int layers) {
        return new LlamaShape(2048, 5632, 32, 4, 32000, layers);
    }

    /** The layer count whose bfloat16 model is closest to {@code bytes} (at least one layer). */
    static LlamaShape forBytes(long bytes) {
        LlamaShape one = tinyLlamaWidths(1);
        long fixed = one.fixedParams();
        long perLayer = one.layerParams();
        long target = bytes / 2;
        int layers = (int) Math.max(1, Math.round((double) (target - fixed) / perLayer));
        return tinyLlamaWidths(layers);
    }

    int kvDim() {
        return hidden / heads * kvHeads;
    }

    /** Embedding, final norm and lm_head. */
    long fixedParams() {
        return 2L * vocab * hidden + hidden;
    }

    long layerParams() {
        return 2L * hidden * hidden + 2L * kvDim() * hidden + 3L * intermediate * hidden + 2L * hidden;
    }

    long params() {
        return fixedParams() + layers * layerParams();
    }

    /** Tensor name to shape, in the order transformers lists them. */
    Map<String, long[]> tensors() {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", new long[]{vocab, hidden});
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "self_attn.q_proj.weight", new long[]{hidden, hidden});
            m.put(p + "self_attn.k_proj.weight", new long[]{kvDim(), hidden});
            m.put(p + "self_attn.v_proj.weight", new long[]{kvDim(), hidden});
            m.put(p + "self_attn.o_proj.weight", new long[]{hidden, hidden});
            m.put(p + "mlp.gate_proj.weight", new long[]{intermediate, hidden});
            m.put(p + "mlp.up_proj.weight", new long[]{intermediate, hidden});
            m.put(p + "mlp.down_proj.weight", new long[]{hidden, intermediate});
            m.put(p + "input_layernorm.weight", new long[]{hidden});
            m.put(p + "post_attention_layernorm.weight", new long[]{hidden});
        }
        m.put("model.norm.weight", new long[]{hidden});
        m.put("lm_head.weight", new long[]{vocab, hidden});
        return m;
    }

    String configJson() {
        return """
                {
                  "architectures": ["LlamaForCausalLM"],
                  "model_type": "llama",
                  "hidden_size": %d,
                  "intermediate_size": %d,
                  "num_attention_heads": %d,
                  "num_key_value_heads": %d,
                  "num_hidden_layers": %d,
                  "vocab_size": %d,
                  "max_position_embeddings": 2048,
                  "rms_norm_eps": 1e-05,
                  "tie_word_embeddings": false,
                  "torch_dtype": "bfloat16"
                }
                """.formatted(hidden, intermediate, heads, kvHeads, layers, vocab);
    }
}
