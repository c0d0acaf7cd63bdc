package dev.amalgam.merge.subspace;

import java.util.List;

/**
 * Which tensors the SVD methods decompose (spec methods.md §0.2 and its toolkit rule). The vision references
 * (TSV, Iso) decompose every 2-D tensor, token and position embeddings included. For LLMs the toolkit rule adds an
 * "embedding-like" class, names containing {@code embed}, {@code lm_head}, {@code wte}, {@code wpe} or
 * {@code position}, which by default takes the mean of the task vectors instead: decomposing a 32000×4096
 * vocabulary matrix costs more than the rest of a layer and its rows are looked up, not multiplied, so a
 * shared low-rank subspace has no meaning there. This default differs from the references; the recipe parameter
 * {@code decompose_embeddings: true} restores the reference routing.
 */
public final class SubspaceRouting {
    private static final List<String> EMBEDDING_LIKE = List.of("embed", "lm_head", "wte", "wpe", "position");

    private SubspaceRouting() {
    }

    public static boolean embeddingLike(String name) {
        return EMBEDDING_LIKE.stream().anyMatch(name::contains);
    }

    /** TSV-M, Iso-C, Iso-CTS: every non-empty 2-D tensor, except embedding-like ones unless asked. */
    public static boolean decomposedBySvdMethods(String name, long[] shape, boolean decomposeEmbeddings) {
        return isMatrix(shape) && (decomposeEmbeddings || !embeddingLike(name));
    }

    /**
     * CART (spec §0.2, the JH-GEECS/CART rule): a 2-D tensor whose name contains {@code attn} or {@code mlp} and
     * contains neither {@code ln} nor {@code bias}; embedding-like tensors never (they contain neither word in
     * the architectures we know, and the toolkit rule excludes them explicitly).
     */
    public static boolean decomposedByCart(String name, long[] shape) {
        return isMatrix(shape) && (name.contains("attn") || name.contains("mlp"))
                && !name.contains("ln") && !name.contains("bias") && !embeddingLike(name);
    }

    private static boolean isMatrix(long[] shape) {
        return shape.length == 2 && shape[0] > 0 && shape[1] > 0;
    }
}
