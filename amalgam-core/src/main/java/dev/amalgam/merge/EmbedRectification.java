package dev.amalgam.merge;

/**
 * What a method does when an embedding-like tensor (vocabulary rows) differs in size between models and no
 * tokenizer merge is configured (compat.md §1.0 item 8).
 */
public enum EmbedRectification {
    /** Truncate every input to the common top-left sub-matrix (linear, slerp, nuslerp, model_stock, ...). */
    COMMON_SUBMATRIX,
    /** Cut every input to the base model's shape; an input smaller than the base is an error (the GTA family). */
    TO_BASE_SHAPE,
    /** Shapes must match exactly. */
    NONE
}
