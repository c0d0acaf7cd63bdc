package dev.amalgam.arch;

import java.util.List;
import java.util.Map;

/**
 * The small override table that name-based inference cannot do without: which tensors are vocabulary-sized
 * embeddings (mergekit's {@code is_embed}: their rows can be truncated to a common vocabulary) and which output
 * head is tied to which input embedding when a checkpoint leaves the head out ({@code tie_word_embeddings}).
 */
public final class TensorRoles {
    /** Name fragments of vocabulary-indexed matrices (input embeddings and output heads). */
    private static final List<String> EMBED_FRAGMENTS = List.of(
            "embed_tokens", "lm_head", "wte.", "embed_in", "embed_out", "word_embeddings", "tok_embeddings",
            "shared.weight", "output.weight");
    /** Name fragments of tensors that sit before the layer stack. */
    private static final List<String> PRE_FRAGMENTS = List.of(
            "embed", "wte.", "wpe.", "position", "tok_embeddings", "word_embeddings", "shared.weight");
    /** Input embedding name to the output head that is tied to it in the common architectures. */
    private static final Map<String, String> HEAD_FOR_EMBEDDING = Map.of(
            "model.embed_tokens.weight", "lm_head.weight",
            "transformer.wte.weight", "lm_head.weight",
            "gpt_neox.embed_in.weight", "embed_out.weight",
            "model.decoder.embed_tokens.weight", "lm_head.weight",
            "transformer.word_embeddings.weight", "lm_head.weight",
            "tok_embeddings.weight", "output.weight",
            "model.language_model.embed_tokens.weight", "lm_head.weight");

    private TensorRoles() {
    }

    public static boolean isEmbedding(String name) {
        return EMBED_FRAGMENTS.stream().anyMatch(name::contains);
    }

    public static boolean isInputEmbedding(String name) {
        return isEmbedding(name) && !name.contains("lm_head") && !name.contains("embed_out")
                && !name.equals("output.weight");
    }

    static boolean isPreWeight(String name) {
        return PRE_FRAGMENTS.stream().anyMatch(name::contains) && !name.contains("embed_out");
    }

    public static String headNameFor(String embedding) {
        return HEAD_FOR_EMBEDDING.get(embedding);
    }
}
